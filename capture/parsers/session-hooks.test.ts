// Whole-capture checks, on pcaps built here, of what reaches parsers outside the TCP/UDP
// classifier chain and of the session-level facts fixed with them: ARP and OSPF through their
// per-packet hooks, SCTP's payload protocol id, BGP's mid-save after 10 quiet seconds, outer
// MAC vendors of a tunnel, and tcpseq.dst of a session first seen on its SYN-ACK.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { ipv4Frame, tcpSegment, type Endpoint, type Frame } from '../synth/traffic.js';
import { captureJson, repoRoot } from '../../test/support/json-capture.js';


const capture = (frames: Frame[], config = '[default]\n') => captureJson(frames, config);

const T0 = 1_700_000_000_000_000;
const C: Endpoint = { ip: [10, 1, 1, 1], port: 40001, mac: [0x02, 0, 0, 0, 0, 1] };
const S: Endpoint = { ip: [10, 1, 1, 2], port: 179, mac: [0x02, 0, 0, 0, 0, 2] };

test('an ARP request and its reply: one arp session with the opcodes and the reply binding', () => {
  const arp = (op: number, sha: number[], spa: number[], tpa: number[], dst: number[]) => {
    const f = new Uint8Array(60);
    f.set(dst, 0); f.set(sha, 6); f.set([0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, op], 12);
    f.set(sha, 22); f.set(spa, 28); f.set(tpa, 38);
    return f;
  };
  const docs = capture([
    { tsUs: T0, data: arp(1, C.mac, [10, 1, 1, 1], [10, 1, 1, 2], [255, 255, 255, 255, 255, 255]) },
    { tsUs: T0 + 1000, data: arp(2, S.mac, [10, 1, 1, 2], [10, 1, 1, 1], C.mac) },
  ]);
  assert.equal(docs.length, 1);
  assert.deepEqual(docs[0].protocol, ['arp']);
  assert.deepEqual(docs[0].arp.opcode, ['1', '2']);
  assert.deepEqual(docs[0].arp.ip, ['10.1.1.2']);
  assert.deepEqual(docs[0].arp.mac, ['02:00:00:00:00:02']);
});

test('OSPF packets reach the OSPF parser through the IP-protocol hook', () => {
  const hello = new Uint8Array(44);
  hello.set([2, 1, 0, 44, 10, 0, 21, 100, 0, 0, 0, 7]);
  const docs = capture([{ tsUs: T0, data: ipv4Frame(C, { ...S, ip: [224, 0, 0, 5] }, 89, hello, 1) }]);
  assert.deepEqual(docs[0].protocol, ['ospf']);
  assert.deepEqual(docs[0].ospf, { msgType: ['Hello'], routerId: ['10.0.21.100'], areaId: ['0.0.0.7'] });
  assert.deepEqual(docs[0].tags, ['ospf:auth-null']);
});

test('sctp.protoId is the payload protocol id of the first message of each direction', () => {
  const sctp = (from: Endpoint, to: Endpoint, tsn: number, flags: number, ppid: number, data: string): Uint8Array => {
    const body = Buffer.from(data, 'latin1');
    const clen = 16 + body.length, b = new Uint8Array(12 + ((clen + 3) & ~3));
    const v = new DataView(b.buffer);
    v.setUint16(0, from.port); v.setUint16(2, to.port);
    b[12] = 0; b[13] = flags; v.setUint16(14, clen); v.setUint32(16, tsn); v.setUint16(20, 1); v.setUint32(24, ppid);
    b.set(body, 28);
    return ipv4Frame(from, to, 132, b);
  };
  const c = { ...C, port: 3868 + 1 }, s = { ...S, port: 4000 };
  const docs = capture([
    { tsUs: T0, data: sctp(c, s, 1, 0x03, 46, 'first') },
    { tsUs: T0 + 10, data: sctp(c, s, 2, 0x03, 47, 'second') },
    { tsUs: T0 + 20, data: sctp(s, c, 9, 0x02, 5, 'begin-') },
    { tsUs: T0 + 30, data: sctp(s, c, 10, 0x01, 6, 'end') },
  ]);
  assert.equal(docs.length, 1);
  assert.deepEqual(docs[0].sctp.protoId, [46, 5]);
  assert.equal(docs[0].dstPayload8, Buffer.from('begin-en').toString('hex'));
});

test('BGP: a message after 10 quiet seconds starts a new segment; within 10 s it does not', () => {
  const SYN = 0x02, ACK = 0x10, PSH = 0x08;
  const bgp = (type: number, len = 19) => { const m = new Uint8Array(len).fill(0xff); m[16] = 0; m[17] = len; m[18] = type; return m; };
  const tcp = (from: Endpoint, to: Endpoint, us: number, seq: number, ack: number, flags: number, data?: Uint8Array): Frame =>
    ({ tsUs: us, data: ipv4Frame(from, to, 6, tcpSegment(from.port, to.port, seq, ack, flags, data)) });
  const docs = capture([
    tcp(C, S, T0, 100, 0, SYN), tcp(S, C, T0 + 10, 500, 101, SYN | ACK), tcp(C, S, T0 + 20, 101, 501, ACK),
    tcp(C, S, T0 + 30, 101, 501, PSH | ACK, bgp(1, 29)),
    tcp(S, C, T0 + 5_000_000, 501, 130, PSH | ACK, bgp(4)),
    tcp(C, S, T0 + 16_000_000, 130, 520, PSH | ACK, bgp(4)),
  ]).filter((d) => d.ipProtocol === 6).sort((a, b) => a.segmentCnt - b.segmentCnt);
  assert.equal(docs.length, 2);
  assert.deepEqual(docs[0].bgp.type, ['OPEN', 'KEEPALIVE']);
  assert.equal(docs[0].network.packets, 6);
  assert.equal(docs[0].client.bytes, 29);
  assert.deepEqual(docs[1].bgp.type, ['KEEPALIVE']);
  assert.equal(docs[1].client.bytes, 19);
});

test('a bridged GRE tunnel gets the vendors of its outer MACs (dstOuter is the outer frame source, as Arkime writes it); a SYN-ACK-first session keeps its tcpseq.dst', () => {
  const ouiFile = resolve(repoRoot, '../shared/conformance/data/oui.txt');
  const cisco: Endpoint = { ip: [192, 0, 2, 1], port: 0, mac: [0x00, 0x00, 0x0c, 1, 2, 3] };
  const peer: Endpoint = { ip: [192, 0, 2, 2], port: 0, mac: [0x02, 0, 0, 0, 0, 9] };
  // GRE transparent Ethernet bridging (0x6558): the inner frame has MACs of its own.
  const inner = ipv4Frame(C, S, 1, new Uint8Array([8, 0, 0xf7, 0xff, 0, 0, 0, 0]));
  const gre = new Uint8Array(4 + inner.length);
  gre[2] = 0x65; gre[3] = 0x58; gre.set(inner, 4);
  const synAck = ipv4Frame(S, C, 6, tcpSegment(S.port, C.port, 777, 101, 0x12));
  const docs = capture([{ tsUs: T0, data: ipv4Frame(cisco, peer, 47, gre) }, { tsUs: T0 + 10, data: synAck }], `[default]\nouiFile=${ouiFile}\n`);
  const icmp = docs.find((d) => d.ipProtocol === 1)!;
  assert.deepEqual(icmp.dstOuterOui, ['Cisco Systems, Inc']);
  assert.equal(icmp.srcOuterOui, undefined);
  const tcp = docs.find((d) => d.ipProtocol === 6)!;
  assert.deepEqual(tcp.tcpseq, { dst: 777 });
});
