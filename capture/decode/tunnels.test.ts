// Encapsulations as Arkime keys and names them, each on a pcap we make: a UDP length shorter
// than its header, VXLAN-GPE (destination port only), NSH, Cisco MetaData, ERSPAN straight on
// Ethernet, GRE/ERSPAN around a frame that is not IP, and IP-in-IPv6 buried too deep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ipv4Frame, udpDatagram, type Endpoint, type Frame } from '../synth/traffic.js';
import { captureJson } from '../../test/support/json-capture.js';


const capture = (frames: Frame[], config = '[default]\nsaveUnknownPackets=all;corrupt\n') => captureJson(frames, config);

const A: Endpoint = { ip: [10, 40, 9, 1], port: 40000, mac: [0, 0x11, 0x22, 0x33, 0x44, 0x55] };
const B: Endpoint = { ip: [10, 40, 9, 100], port: 4790, mac: [0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff] };
const X: Endpoint = { ip: [192, 0, 2, 10], port: 1111, mac: [2, 0, 0, 0, 0, 1] };
const Y: Endpoint = { ip: [192, 0, 2, 20], port: 53, mac: [2, 0, 0, 0, 0, 2] };
const T0 = 1_700_000_000_000_000;
const icmpEcho = () => { const e = new Uint8Array(8); e[0] = 8; return e; };
/** The IP packet inside an Ethernet frame made by ipv4Frame (no VLAN). */
const ipOf = (frame: Uint8Array) => frame.subarray(14, 14 + ((frame[16] << 8) | frame[17]));
const cat = (...parts: (Uint8Array | number[])[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};
/** An Ethernet header from `src` to `dst` with `type`, then `body`, padded to 60 bytes. */
const ether = (dst: number[], src: number[], type: number, body: Uint8Array) => {
  const f = cat(dst, src, [type >> 8, type & 0xff], body);
  return f.length >= 60 ? f : cat(f, new Uint8Array(60 - f.length));
};

test('a UDP length below 8 makes a corrupt-ip session without ports', () => {
  const d = udpDatagram(40100, 9999, new Uint8Array(16));
  d[4] = 0; d[5] = 0;
  const docs = capture([{ tsUs: T0, data: ipv4Frame(X, Y, 17, d) }]);
  assert.equal(docs.length, 1);
  assert.deepEqual(docs[0].protocol, ['corrupt-ip']);
  assert.equal(docs[0].ipProtocol, 17);
  assert.equal(docs[0].source.port, 0);
  assert.equal(docs[0].network.community_id, undefined);
});

test('VXLAN-GPE on destination port 4790 is decoded; the same bytes from port 4790 are plain UDP', () => {
  const inner = ipOf(ipv4Frame(X, Y, 17, udpDatagram(12345, 53, new Uint8Array(12))));
  const gpe = cat([0x0c, 0, 0, 1, 0, 0xd4, 0x31, 0], inner); // next protocol 1 = IPv4, VNI 54321
  const docs = capture([
    { tsUs: T0, data: ipv4Frame(A, B, 17, udpDatagram(40000, 4790, gpe)) },
    { tsUs: T0 + 10_000, data: ipv4Frame(B, A, 17, udpDatagram(4790, 40000, gpe)) },
  ]);
  assert.equal(docs.length, 2);
  const tunnelled = docs.find((d) => d.source.ip === '192.0.2.10')!;
  assert.deepEqual([...tunnelled.protocol].sort(), ['udp', 'vxlan-gpe']);
  assert.deepEqual(tunnelled.vni, [54321]);
  assert.deepEqual(tunnelled.srcOuterIp, ['10.40.9.1']);
  const plain = docs.find((d) => d.source.ip === '10.40.9.100')!;
  assert.deepEqual(plain.protocol, ['udp']);
  assert.equal(plain.source.port, 4790);
});

test('NSH and Cisco MetaData frames join the IP session inside them', () => {
  const ip = ipOf(ipv4Frame(X, Y, 1, icmpEcho()));
  const nsh = cat([0x0f, 0xc6, 0x01, 0x01], new Uint8Array(20), ip); // 24-byte header, next = IPv4
  const cmd = cat([1, 1, 0, 1, 0, 0, 0x08, 0x00], ip);               // SGT option, then IPv4
  const docs = capture([
    { tsUs: T0, data: ether(Y.mac, X.mac, 0x894f, nsh) },
    { tsUs: T0 + 1000, data: ether(Y.mac, X.mac, 0x8909, cmd) },
  ]);
  assert.equal(docs.length, 1);
  assert.deepEqual(docs[0].protocol, ['icmp']);
  assert.equal(docs[0].ethertype, 0x894f);
  assert.equal(docs[0].network.packets, 2);
});

test('ERSPAN straight on Ethernet: inner session, outer MACs, no erspan protocol', () => {
  const inner = ipv4Frame(X, Y, 1, icmpEcho());
  const outerSrc = [0, 0x11, 0x22, 0x33, 0x44, 0x34], outerDst = [0, 0x11, 0x22, 0x33, 0x44, 0x35];
  const docs = capture([{ tsUs: T0, data: ether(outerDst, outerSrc, 0x88be, cat([0x10, 0, 0, 0, 0, 0, 0, 0], inner)) }]);
  assert.equal(docs.length, 1);
  assert.deepEqual(docs[0].protocol, ['icmp']);
  assert.equal(docs[0].ethertype, 0x88be);
  assert.equal(docs[0].source.ip, '192.0.2.10');
  assert.deepEqual(docs[0].srcOuterMac, ['00:11:22:33:44:35']);
  assert.deepEqual(docs[0].dstOuterMac, ['00:11:22:33:44:34']);
});

test('GRE/ERSPAN around a non-IP frame is a corrupt-ip gre session of the outer IP, VLAN from ERSPAN', () => {
  const llc = ether([1, 0, 0x0c, 0xcc, 0xcc, 0xcc], X.mac, 0x0020, new Uint8Array(32)); // 802.3 length
  const gre = cat([0x10, 0, 0x88, 0xbe, 0, 0, 0, 1], [0x10, 0x17, 0x08, 0x64, 0, 0, 0, 0], llc);
  const docs = capture([{ tsUs: T0, data: ipv4Frame(A, B, 47, gre) }]);
  assert.equal(docs.length, 1);
  assert.deepEqual([...docs[0].protocol].sort(), ['corrupt-ip', 'gre']);
  assert.equal(docs[0].ipProtocol, 47);
  assert.equal(docs[0].source.ip, '10.40.9.1');
  assert.deepEqual(docs[0].dot1q.id, [23]);
  assert.equal(docs[0].ethertype, 0x0800);
  assert.equal(docs[0].srcOuterIp, undefined);
  assert.deepEqual(docs[0].source.mac, ['02:00:00:00:00:01']);
});

test('IPv4 in IPv6 behind 2 KiB of destination options is corrupt-ip of the outer header', () => {
  const inner = ipOf(ipv4Frame(X, Y, 17, udpDatagram(40200, 40201, new Uint8Array(8))));
  const opts = new Uint8Array(2048); opts[0] = 4; opts[1] = 255; // next header IPv4, (255+1)*8 bytes
  const v6 = new Uint8Array(40);
  const plen = opts.length + inner.length;
  v6[0] = 0x60; v6[4] = plen >> 8; v6[5] = plen & 0xff; v6[6] = 60; v6[7] = 64;
  v6.set([0x20, 0x01, 0x0d, 0xb8, 0x09], 8); v6[23] = 1;
  v6.set([0x20, 0x01, 0x0d, 0xb8, 0x09], 24); v6[39] = 2;
  const docs = capture([{ tsUs: T0, data: ether(Y.mac, X.mac, 0x86dd, cat(v6, opts, inner)) }]);
  assert.equal(docs.length, 1);
  assert.deepEqual(docs[0].protocol, ['corrupt-ip']);
  assert.equal(docs[0].ipProtocol, 4);
  assert.equal(docs[0].source.ip, '2001:db8:900::1');
});
