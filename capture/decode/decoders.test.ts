// One test per decoder of the chain: each builds its frame byte by byte (layouts in the comments)
// and checks what decodePacket leaves in the reused DecodedPacket: kind, offsets, flow key parts,
// VLANs, encapsulation bits and outer headers. Sessions built from them are in decode-docs.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePacket } from './decode.js';
import {
  DecodedPacket, PacketKind, ENCAP_GRE, ENCAP_VXLAN, ENCAP_GENEVE, ENCAP_GTP, ENCAP_MPLS, ENCAP_PPPOE, ENCAP_ERSPAN, ENCAP_IPIP,
  TH_SYN, TH_ACK,
} from './packet.js';
import { FragmentAssembler } from '../pipeline/fragments.js';
import { ipv4Frame, tcpSegment, udpDatagram, type Endpoint } from '../synth/traffic.js';

const A: Endpoint = { ip: [10, 0, 0, 1], port: 40000, mac: [0, 0x1b, 0x21, 1, 2, 3] };
const B: Endpoint = { ip: [10, 0, 0, 2], port: 80, mac: [0, 0x50, 0x56, 4, 5, 6] };
const OA: Endpoint = { ip: [192, 0, 2, 1], port: 0, mac: [2, 0, 0, 0, 0, 1] };
const OB: Endpoint = { ip: [192, 0, 2, 2], port: 0, mac: [2, 0, 0, 0, 0, 2] };
const V6A = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const V6B = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

const cat = (...parts: (Uint8Array | number[])[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};
const be16 = (v: number) => [v >> 8, v & 0xff];
/** The IPv4 packet of an untagged Ethernet frame made by ipv4Frame (its padding dropped). */
const ipOf = (f: Uint8Array) => f.slice(14, 14 + ((f[16] << 8) | f[17]));
const tcpIp = (syn = true) => ipOf(ipv4Frame(A, B, 6, tcpSegment(A.port, B.port, 1000, 0, syn ? TH_SYN : TH_ACK, new Uint8Array(5))));
const udpIp = (dport = 53, payload = new Uint8Array(12)) => ipOf(ipv4Frame(A, B, 17, udpDatagram(A.port, dport, payload)));
/** dst mac, src mac, ethertype, body. */
const ether = (type: number, body: Uint8Array | number[], dst = B.mac, src = A.mac) => cat(dst, src, be16(type), body);
/** IPv6 header: version 6, payload length, next header, hop limit 64, 2001:db8::1 -> ::2. */
const ipv6 = (next: number, payload: Uint8Array | number[], src = V6A, dst = V6B) =>
  cat([0x60, 0, 0, 0, ...be16(payload.length), next, 64], src, dst, payload);
/** IPv4 header (no options) around `payload`, checksum left 0 (the decoder does not check it). */
const ipv4 = (proto: number, payload: Uint8Array | number[], src = OA.ip, dst = OB.ip, frag = 0, id = 7) =>
  cat([0x45, 0, ...be16(20 + payload.length), ...be16(id), ...be16(frag), 61, proto, 0, 0], src, dst, payload);

const p = new DecodedPacket();
const decode = (frame: Uint8Array, linkType = 1) => decodePacket(p, frame, 0, frame.length, linkType);
const ip4At = (off: number) => [...p.buf.subarray(off, off + 4)].join('.');
const ip6At = (off: number) => Buffer.from(p.buf.subarray(off, off + 16)).toString('hex');

/** The flow of tcpIp(): 10.0.0.1:40000 -> 10.0.0.2:80. */
function assertInnerTcp(): void {
  assert.equal(p.ipVersion, 4);
  assert.equal(ip4At(p.srcAddrOff), '10.0.0.1');
  assert.equal(ip4At(p.dstAddrOff), '10.0.0.2');
  assert.equal(p.ipProtocol, 6);
  assert.equal(p.srcPort, 40000);
  assert.equal(p.dstPort, 80);
}

test('Ethernet / IPv4 / TCP: MACs, ethertype, TTL, ports, flags, sequence, payload', () => {
  const f = ipv4Frame(A, B, 6, tcpSegment(A.port, B.port, 0x01020304, 0x0a0b0c0d, TH_SYN | TH_ACK, new Uint8Array([1, 2, 3])));
  assert.equal(decode(f), PacketKind.Ok);
  assert.equal(p.macOff, 0);
  assert.equal(p.ethertype, 0x0800);
  assert.equal(p.ipOff, 14);
  assert.equal(p.ttl, 64);
  assertInnerTcp();
  assert.equal(p.tcpFlags, TH_SYN | TH_ACK);
  assert.equal(p.tcpSeq, 0x01020304);
  assert.equal(p.tcpAck, 0x0a0b0c0d);
  assert.equal(p.payloadOff, 14 + 20 + 20);
  assert.equal(p.payloadLen, 3);
  assert.equal(p.ipTotalLen, 43, 'Ethernet padding to 60 bytes is not part of the datagram');
  assert.equal(decode(f.subarray(0, 13)), PacketKind.CorruptEther);
  assert.equal(decode(f.subarray(0, 14 + 19)), PacketKind.CorruptIp);
});

test('802.1Q: the VLAN id is kept and the ethertype is the one after the tag', () => {
  // 81 00 | PCP/DEI/VID 0x2064 (VID 100) | 08 00
  assert.equal(decode(ether(0x8100, [0x20, 0x64, 0x08, 0x00, ...tcpIp()])), PacketKind.Ok);
  assert.equal(p.vlan, 100);
  assert.equal(p.vlanCount, 1);
  assert.equal(p.vlanIsAd[0], 0);
  assert.equal(p.ethertype, 0x0800);
  assertInnerTcp();
});

test('QinQ: an 802.1ad outer tag and an 802.1Q inner tag, outermost id first', () => {
  assert.equal(decode(ether(0x88a8, [0x00, 200, 0x81, 0x00, 0x01, 0x2c, 0x08, 0x00, ...tcpIp()])), PacketKind.Ok);
  assert.deepEqual([...p.vlanIds.subarray(0, p.vlanCount)], [200, 300]);
  assert.deepEqual([...p.vlanIsAd.subarray(0, p.vlanCount)], [1, 0]);
  assert.equal(p.vlan, 200);
  assertInnerTcp();
  assert.equal(decode(ether(0x8100, [0x00])), PacketKind.CorruptEther, 'a tag cut short');
});

test('MPLS: a label stack down to the bottom-of-stack bit, then IPv4 or IPv6 by version nibble', () => {
  // label 16 (S=0), label 17 (S=1), TTL 64
  const labels = [0x00, 0x01, 0x00, 0x40, 0x00, 0x01, 0x11, 0x40];
  assert.equal(decode(ether(0x8847, [...labels, ...tcpIp()])), PacketKind.Ok);
  assert.ok(p.encap & ENCAP_MPLS);
  assert.equal(p.ethertype, 0x8847);
  assertInnerTcp();
  assert.equal(decode(ether(0x8847, [...labels, ...ipv6(58, [128, 0, 0, 0])])), PacketKind.Ok);
  assert.equal(p.ipVersion, 6);
  assert.equal(decode(ether(0x8847, [0x00, 0x01, 0x00, 0x40])), PacketKind.CorruptEther, 'no bottom of stack');
});

test('PPPoE session: PPP protocol 0x0021 is IPv4, 0x0057 IPv6', () => {
  const pppoe = (ppp: number, body: Uint8Array) => [0x11, 0x00, 0x12, 0x34, ...be16(body.length + 2), ...be16(ppp), ...body];
  assert.equal(decode(ether(0x8864, pppoe(0x21, tcpIp()))), PacketKind.Ok);
  assert.ok(p.encap & ENCAP_PPPOE);
  assertInnerTcp();
  assert.equal(decode(ether(0x8864, pppoe(0x57, ipv6(17, udpDatagram(5000, 53, new Uint8Array(4)))))), PacketKind.Ok);
  assert.equal(p.ipVersion, 6);
  assert.equal(p.dstPort, 53);
  assert.equal(decode(ether(0x8864, pppoe(0xc021, new Uint8Array(8)))), PacketKind.UnknownEther, 'LCP is not IP');
});

test('Linux cooked SLL (16-byte header, protocol last) and SLL2 (20 bytes, protocol first)', () => {
  // SLL: packet type 0, ARPHRD 1, address length 6, 8 address bytes, protocol 0x0800
  const sll = cat([0, 0, 0, 1, 0, 6], A.mac, [0, 0], [0x08, 0x00], tcpIp());
  assert.equal(decode(sll, 113), PacketKind.Ok);
  assert.equal(p.ipOff, 16);
  assertInnerTcp();
  // SLL2: protocol 0x86dd, reserved, ifindex 2, ARPHRD 1, packet type 0, address length 6, 8 address bytes
  const sll2 = cat([0x86, 0xdd, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6], A.mac, [0, 0], ipv6(58, [128, 0, 0, 0, 0, 1, 0, 1]));
  assert.equal(decode(sll2, 276), PacketKind.Ok);
  assert.equal(p.ipOff, 20);
  assert.equal(p.ipVersion, 6);
  assert.equal(p.icmpType, 128);
  assert.equal(decode(sll.subarray(0, 15), 113), PacketKind.CorruptEther);
});

test('BSD null/loopback: address family in either byte order; LOOP (108) too', () => {
  assert.equal(decode(cat([2, 0, 0, 0], tcpIp()), 0), PacketKind.Ok); // AF_INET, little endian
  assertInnerTcp();
  assert.equal(p.ipOff, 4);
  for (const af of [24, 28, 30]) { // AF_INET6 of NetBSD/OpenBSD, FreeBSD, macOS, big endian
    assert.equal(decode(cat([0, 0, 0, af], ipv6(58, [128, 0, 0, 0])), 0), PacketKind.Ok);
    assert.equal(p.ipVersion, 6);
  }
  assert.equal(decode(cat([0, 0, 0, 2], tcpIp()), 108), PacketKind.Ok);
  assertInnerTcp();
});

test('raw IP link types (101, 228, 229, 12, 14): the version nibble decides', () => {
  for (const lt of [101, 228, 12, 14]) {
    assert.equal(decode(tcpIp(), lt), PacketKind.Ok);
    assert.equal(p.ipOff, 0);
    assertInnerTcp();
    assert.equal(p.macOff, -1);
  }
  assert.equal(decode(ipv6(17, udpDatagram(1, 2, new Uint8Array(0))), 229), PacketKind.Ok);
  assert.equal(p.ipVersion, 6);
  assert.equal(ip6At(p.srcAddrOff), '20010db8000000000000000000000001');
  assert.equal(decode(new Uint8Array([0x50, 0, 0, 0]), 101), PacketKind.UnknownEther);
});

test('IPv4 fragments: each piece is held, the last one completes the datagram, decoded as UDP', () => {
  const payload = new Uint8Array(64).map((_, i) => i);
  const udp = udpDatagram(5353, 53, payload); // 72 bytes: split at 40 (a multiple of 8)
  const frag1 = ether(0x0800, ipv4(17, udp.subarray(0, 40), A.ip, B.ip, 0x2000, 99));      // MF, offset 0
  const frag2 = ether(0x0800, ipv4(17, udp.subarray(40), A.ip, B.ip, 40 / 8, 99));          // offset 5 (x8)
  const fa = new FragmentAssembler();
  assert.equal(decode(frag2), PacketKind.Fragment, 'the last piece first: out of order');
  assert.equal(fa.add(p), false);
  assert.equal(decode(frag1), PacketKind.Fragment);
  assert.equal(fa.add(p), true);
  assert.equal(p.kind, PacketKind.Ok);
  assert.equal(ip4At(p.srcAddrOff), '10.0.0.1');
  assert.equal(p.srcPort, 5353);
  assert.equal(p.dstPort, 53);
  assert.equal(p.payloadLen, 64);
  assert.deepEqual([...p.buf.subarray(p.payloadOff, p.payloadOff + 64)], [...payload]);
});

test('IPv6 extension headers (hop-by-hop, routing, destination options) are stepped over to UDP', () => {
  const udp = udpDatagram(1000, 2000, new Uint8Array(4));
  // each: next header, length in 8-byte units beyond the first 8, then padding
  const hbh = [43, 0, 1, 4, 0, 0, 0, 0];
  const rt = [60, 0, 0, 0, 0, 0, 0, 0];
  const dst = [17, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]; // 16 bytes
  assert.equal(decode(ether(0x86dd, ipv6(0, cat(hbh, rt, dst, udp)))), PacketKind.Ok);
  assert.equal(p.ipProtocol, 17);
  assert.equal(p.ipHdrLen, 40 + 8 + 8 + 16);
  assert.equal(p.srcPort, 1000);
  assert.equal(p.dstPort, 2000);
  assert.equal(p.ttl, 64);
  assert.equal(decode(ether(0x86dd, ipv6(0, [17, 0, 0]))), PacketKind.CorruptIp, 'an extension header cut short');
});

test('IPv6 fragment header: a piece of a larger datagram is a fragment; an atomic fragment decodes through', () => {
  const udp = udpDatagram(1000, 2000, new Uint8Array(4));
  // next header 17, reserved, offset 0 with M=1 / M=0, identification
  assert.equal(decode(ether(0x86dd, ipv6(44, cat([17, 0, 0, 1, 0, 0, 0, 9], udp)))), PacketKind.Fragment);
  assert.equal(p.ipProtocol, 17);
  assert.equal(decode(ether(0x86dd, ipv6(44, cat([17, 0, 0, 0, 0, 0, 0, 9], udp)))), PacketKind.Ok);
  assert.equal(p.ipProtocol, 17);
  assert.equal(p.ipHdrLen, 48);
  assert.equal(p.dstPort, 2000);
});

test('UDP: ports and payload bounded by the UDP length, not the Ethernet padding', () => {
  assert.equal(decode(ipv4Frame(A, B, 17, udpDatagram(5000, 6000, new Uint8Array(3)))), PacketKind.Ok);
  assert.equal(p.ipProtocol, 17);
  assert.equal(p.srcPort, 5000);
  assert.equal(p.dstPort, 6000);
  assert.equal(p.payloadOff, 14 + 20 + 8);
  assert.equal(p.payloadLen, 3);
});

test('ICMP and ICMPv6: type and code, no ports', () => {
  assert.equal(decode(ipv4Frame(A, B, 1, new Uint8Array([3, 1, 0, 0, 0, 0, 0, 0]))), PacketKind.Ok);
  assert.equal(p.ipProtocol, 1);
  assert.equal(p.icmpType, 3);
  assert.equal(p.icmpCode, 1);
  assert.equal(p.srcPort, 0);
  assert.equal(decode(ether(0x86dd, ipv6(58, [135, 0, 0, 0, 0, 0, 0, 0]))), PacketKind.Ok);
  assert.equal(p.ipProtocol, 58);
  assert.equal(p.icmpType, 135);
  assert.equal(p.icmpCode, 0);
});

test('SCTP: ports from the common header, chunks after its 12 bytes', () => {
  // ports 2905 -> 2906, verification tag, checksum, then a DATA chunk header
  const sctp = [...be16(2905), ...be16(2906), 0, 0, 0, 1, 0, 0, 0, 0, 0, 3, 0, 16, 0, 0, 0, 1];
  assert.equal(decode(ipv4Frame(A, B, 132, new Uint8Array(sctp))), PacketKind.Ok);
  assert.equal(p.ipProtocol, 132);
  assert.equal(p.srcPort, 2905);
  assert.equal(p.dstPort, 2906);
  assert.equal(p.payloadOff, p.l4Off + 12);
  assert.equal(decode(ipv4Frame(A, B, 132, new Uint8Array(8))), PacketKind.CorruptIp);
});

test('ESP: protocol 50 with its whole payload (SPI, sequence, ciphertext); AH in front of it is skipped', () => {
  const esp = [0, 0, 0x10, 0x01, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef];
  assert.equal(decode(ether(0x0800, ipv4(50, esp))), PacketKind.Ok);
  assert.equal(p.ipProtocol, 50);
  assert.equal(p.payloadLen, esp.length);
  assert.equal(p.srcPort, 0);
  const ah = [50, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]; // (4+2)*4 = 24 bytes
  assert.equal(decode(ether(0x0800, ipv4(51, [...ah, ...esp]))), PacketKind.Ok);
  assert.equal(p.payloadLen, esp.length);
});

test('GRE (with key and sequence): the inner IPv4 packet is the flow, the outer header is kept', () => {
  const gre = [0x30, 0x00, 0x08, 0x00, 0, 0, 0, 42, 0, 0, 0, 1]; // K and S flags, IPv4
  assert.equal(decode(ether(0x0800, ipv4(47, [...gre, ...tcpIp()]))), PacketKind.Ok);
  assert.ok(p.encap & ENCAP_GRE);
  assertInnerTcp();
  assert.equal(p.outerIpVersion, 4);
  assert.equal(ip4At(p.outerIpOff + 12), '192.0.2.1');
  assert.equal(decode(ether(0x0800, ipv4(47, [0x30, 0, 8, 0, 0]))), PacketKind.CorruptIp, 'GRE header cut short');
});

test('ERSPAN type II and III over GRE: the mirrored frame is decoded, with the VLAN of the ERSPAN header', () => {
  const mirrored = ipv4Frame(A, B, 6, tcpSegment(A.port, B.port, 1, 0, TH_SYN));
  const t2 = [0x10, 0, 0x88, 0xbe, 0, 0, 0, 5, /* ERSPAN II: ver 1, VLAN 23 */ 0x10, 23, 0x08, 0x64, 0, 0, 0, 0];
  assert.equal(decode(ether(0x0800, ipv4(47, [...t2, ...mirrored]))), PacketKind.Ok);
  assert.ok(p.encap & ENCAP_GRE && p.encap & ENCAP_ERSPAN);
  assert.equal(p.vlan, 23);
  assert.equal(p.outerMacOff, 0);
  assert.equal(p.macOff, 14 + 20 + 8 + 8);
  assertInnerTcp();
  // ERSPAN III: 12-byte header (VLAN 7), no platform subheader
  const t3 = [0, 0, 0x22, 0xeb, 0x20, 7, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
  assert.equal(decode(ether(0x0800, ipv4(47, [...t3, ...mirrored]))), PacketKind.Ok);
  assert.equal(p.vlan, 7);
  assert.equal(p.macOff, 14 + 20 + 4 + 12);
  assertInnerTcp();
});

test('VXLAN on UDP 4789: VNI, inner Ethernet, outer MACs and IP kept', () => {
  const vx = [0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0];
  assert.equal(decode(ether(0x0800, ipv4(17, udpDatagram(50000, 4789, cat(vx, ipv4Frame(A, B, 6, tcpSegment(A.port, B.port, 1, 0, TH_SYN))))))), PacketKind.Ok);
  assert.ok(p.encap & ENCAP_VXLAN);
  assert.equal(p.vni, 0x123456);
  assert.equal(p.outerMacOff, 0);
  assert.equal(p.macOff, 14 + 20 + 8 + 8);
  assert.equal(ip4At(p.outerIpOff + 16), '192.0.2.2');
  assertInnerTcp();
});

test('Geneve on UDP 6081: options skipped by their length, protocol type 0x6558 is Ethernet, 0x0800 IPv4', () => {
  const opt = [0x01, 0x02, 0x80, 0x01, 0, 0, 0, 0]; // one 8-byte option: opt len 2 words
  const gen = (type: number) => [0x02, 0x00, ...be16(type), 0, 0, 99, 0, ...opt];
  assert.equal(decode(ether(0x0800, ipv4(17, udpDatagram(50000, 6081, cat(gen(0x6558), ipv4Frame(A, B, 6, tcpSegment(A.port, B.port, 1, 0, TH_SYN))))))), PacketKind.Ok);
  assert.ok(p.encap & ENCAP_GENEVE);
  assert.equal(p.vni, 99);
  assert.equal(p.macOff, 14 + 20 + 8 + 16);
  assertInnerTcp();
  assert.equal(decode(ether(0x0800, ipv4(17, udpDatagram(50000, 6081, cat(gen(0x0800), tcpIp()))))), PacketKind.Ok);
  assertInnerTcp();
});

test('GTP-U G-PDU on UDP 2152, with an extension header chain, carries the user IP packet', () => {
  const inner = tcpIp();
  // flags 0x34 (version 1, PT, E), type 0xff, length, TEID, seq 0, N-PDU 0, next ext 0x85;
  // ext: length 1 (4 bytes), 2 content bytes, next ext 0
  const gtp = [0x34, 0xff, ...be16(inner.length + 8), 0, 0, 0, 1, 0, 0, 0, 0x85, 1, 0x10, 0x05, 0];
  assert.equal(decode(ether(0x0800, ipv4(17, udpDatagram(2152, 2152, cat(gtp, inner))))), PacketKind.Ok);
  assert.ok(p.encap & ENCAP_GTP);
  assertInnerTcp();
  assert.equal(ip4At(p.outerIpOff + 12), '192.0.2.1');
  // an echo request (type 1) is plain UDP
  assert.equal(decode(ether(0x0800, ipv4(17, udpDatagram(2152, 2152, new Uint8Array([0x32, 1, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0]))))), PacketKind.Ok);
  assert.equal(p.encap & ENCAP_GTP, 0);
  assert.equal(p.dstPort, 2152);
});

test('IP-in-IP (protocol 4) and 6in4 (protocol 41): the inner packet is the flow, the outer IPv4 is kept', () => {
  assert.equal(decode(ether(0x0800, ipv4(4, tcpIp()))), PacketKind.Ok);
  assert.ok(p.encap & ENCAP_IPIP);
  assertInnerTcp();
  assert.equal(p.outerIpOff, 14);
  assert.equal(p.outerIpVersion, 4);
  assert.equal(decode(ether(0x0800, ipv4(41, ipv6(6, tcpSegment(1234, 443, 1, 0, TH_SYN))))), PacketKind.Ok);
  assert.ok(p.encap & ENCAP_IPIP);
  assert.equal(p.ipVersion, 6);
  assert.equal(p.outerIpVersion, 4);
  assert.equal(p.dstPort, 443);
  assert.equal(ip6At(p.dstAddrOff), '20010db8000000000000000000000002');
});

test('nested tunnels stop at a fixed depth instead of recursing without end', () => {
  let pkt: Uint8Array = tcpIp();
  for (let i = 0; i < 8; i++) pkt = ipv4(4, pkt);
  assert.equal(decode(ether(0x0800, pkt)), PacketKind.CorruptIp);
});
