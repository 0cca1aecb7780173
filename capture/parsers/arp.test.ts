// ARP frames, built here: every opcode is kept, and only a reply's sender binding (IP, MAC).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestSession } from './testing.js';
import { parseArpFrame } from './arp.js';
import { etherParser, ETHER_ARP } from '../session/ether-sessions.js';

const ASKER_MAC = [0x02, 0, 0, 0, 0, 0x09], OWNER_MAC = [0x00, 0x1b, 0x21, 0xaa, 0xbb, 0x0c];
/** Ethernet/IPv4 ARP payload: htype 1, ptype 0x0800, hlen 6, plen 4, op, sha, spa, tha, tpa. */
function arp(op: number, sha: number[], spa: number[], tha: number[], tpa: number[]): Uint8Array {
  return new Uint8Array([0, 1, 8, 0, 6, 4, 0, op, ...sha, ...spa, ...tha, ...tpa]);
}

test('a request gives its opcode only; the reply adds the IP and MAC it binds', () => {
  const s = new TestSession();
  const req = arp(1, ASKER_MAC, [10, 0, 8, 100], [0, 0, 0, 0, 0, 0], [10, 0, 8, 1]);
  const rep = arp(2, OWNER_MAC, [10, 0, 8, 1], ASKER_MAC, [10, 0, 8, 100]);
  parseArpFrame(s, req, 0, req.length);
  assert.deepEqual(s.doc(), { arp: { opcode: ['1'], opcodeCnt: 1 } });
  parseArpFrame(s, rep, 0, rep.length);
  parseArpFrame(s, rep, 0, rep.length);
  assert.deepEqual(s.doc(), { arp: {
    opcode: ['1', '2'], opcodeCnt: 2, ip: ['10.0.8.1'], ipCnt: 1, mac: ['00:1b:21:aa:bb:0c'], macCnt: 1,
  } });
});

test('an ARP payload at an offset is read in place; a truncated one adds nothing', () => {
  const s = new TestSession();
  const rep = arp(2, OWNER_MAC, [192, 168, 1, 254], ASKER_MAC, [192, 168, 1, 2]);
  const frame = new Uint8Array(14 + rep.length);
  frame.set(rep, 14);
  parseArpFrame(s, frame, 14, rep.length - 1);
  assert.deepEqual(s.doc(), {});
  parseArpFrame(s, frame, 14, rep.length);
  assert.deepEqual((s.doc() as any).arp.ip, ['192.168.1.254']);
});

test('the ARP parser is registered on the ether hook', () => {
  assert.equal(etherParser(ETHER_ARP), parseArpFrame);
});
