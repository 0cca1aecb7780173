// Non-IP frames that Arkime makes sessions of: ISIS as one session whatever its 802.3 length,
// ARP keyed by the IP asked about, LLDP by ethertype; a registered frame parser sees the payload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodedPacket } from '../decode/packet.js';
import { decodePacket } from '../decode/decode.js';
import { buildKey, KEY_LEN } from './flow-key.js';
import { ETHER_ARP, ETHER_ISIS, ETHER_LLDP, ETHER_XID, etherProtocolName, registerEtherParser, etherParser } from './ether-sessions.js';

const opts = { trackVlan: false, trackVni: false, collapse: new Map<number, number>() };
const MAC_A = [2, 0, 0, 0, 0, 1], MAC_B = [2, 0, 0, 0, 0, 2];

function frame(type: number, body: number[]): Uint8Array {
  const f = new Uint8Array(Math.max(60, 14 + body.length));
  f.set(MAC_B, 0); f.set(MAC_A, 6); f[12] = type >> 8; f[13] = type & 0xff; f.set(body, 14);
  return f;
}
function keyOf(f: Uint8Array): { p: DecodedPacket; key: Uint8Array } {
  const p = new DecodedPacket();
  decodePacket(p, f, 0, f.length, 1);
  const key = new Uint8Array(KEY_LEN);
  buildKey(p, key, opts);
  return { p, key };
}
const isis = (len: number, pdu: number) => frame(len, [0xfe, 0xfe, 0x03, 0x83, 0x1b, 1, 0, pdu]);
const arp = (op: number, senderIp: number[], targetIp: number[]) =>
  frame(0x0806, [0, 1, 8, 0, 6, 4, 0, op, ...MAC_A, ...senderIp, 0, 0, 0, 0, 0, 0, ...targetIp]);

test('ISIS frames of different 802.3 lengths share one key and are named isis', () => {
  const a = keyOf(isis(40, 16)), b = keyOf(isis(46, 20));
  assert.equal(a.p.etherProto, ETHER_ISIS);
  assert.deepEqual(a.key, b.key);
  assert.equal(a.p.ethertype, 40);
  assert.equal(etherProtocolName(a.p.etherProto), 'isis');
});

test('an ARP request and its reply share the key of the IP asked about; another IP does not', () => {
  const req = keyOf(arp(1, [10, 0, 0, 9], [10, 0, 0, 1]));
  const rep = keyOf(arp(2, [10, 0, 0, 1], [10, 0, 0, 9]));
  const other = keyOf(arp(1, [10, 0, 0, 9], [10, 0, 0, 2]));
  assert.equal(req.p.etherProto, ETHER_ARP);
  assert.deepEqual(req.key, rep.key);
  assert.notDeepEqual(req.key, other.key);
});

test('LLDP is marked, an 802.3 length beyond the frame is corrupt, and registered parsers are found', () => {
  assert.equal(keyOf(frame(0x88cc, [2, 7, 4])).p.etherProto, ETHER_LLDP);
  const short = keyOf(frame(254, [0xaa, 0xaa, 3]));
  assert.equal(short.p.kind, 3 /* CorruptEther */);
  assert.equal(short.p.ethertype, 254);
  let seen = -1;
  registerEtherParser(ETHER_LLDP, (_s, _b, _o, len) => { seen = len; });
  etherParser(ETHER_LLDP)!({} as never, new Uint8Array(4), 0, 4);
  assert.equal(seen, 4);
  assert.throws(() => registerEtherParser(99, () => {}), /unknown ether protocol code 99/);
});

test('an LLC XID frame is named xid; a frame of an ethertype nobody decodes is unknown-ether', () => {
  // xid.pcap: 802.3 length 6, DSAP 0x00, SSAP 0x01, control 0xaf (XID response).
  const xid = keyOf(frame(6, [0x00, 0x01, 0xaf, 0x81, 0x01, 0x00]));
  assert.equal(xid.p.etherProto, ETHER_XID);
  assert.equal(etherProtocolName(xid.p.etherProto), 'xid');
  // python-packet-cb.pcap: ethertype 0x88b5 (local experimental).
  const other = keyOf(frame(0x88b5, [1, 2, 3, 4]));
  assert.equal(etherProtocolName(other.p.etherProto), 'unknown-ether');
});
