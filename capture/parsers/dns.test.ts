import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestSession } from './testing.js';
import { dnsTcp, dnsUdp, llmnr, mdns } from './dns.js';
import { hostnameToUnicode, punycodeDecode, readName } from './dns-name.js';
import { ip6 } from './dns-record.js';

const CFG = '[default]\nparseDNSRecordAll=true\ndnsOutputAnswers=true\n';

/** Wire form of a dotted name. */
function name(n: string): number[] {
  const out: number[] = [];
  for (const l of n.split('.').filter(Boolean)) { out.push(l.length, ...Buffer.from(l, 'latin1')); }
  out.push(0);
  return out;
}
const u16 = (v: number) => [v >> 8, v & 0xff];
const u32 = (v: number) => [(v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
function rr(nameBytes: number[], type: number, ttl: number, rdata: number[], cls = 1): number[] {
  return [...nameBytes, ...u16(type), ...u16(cls), ...u32(ttl), ...u16(rdata.length), ...rdata];
}
function msg(id: number, flags: number, q: number[], qtype: number, counts: [number, number, number] = [0, 0, 0], records: number[] = []): Uint8Array {
  return new Uint8Array([...u16(id), ...u16(flags), 0, 1, ...u16(counts[0]), ...u16(counts[1]), ...u16(counts[2]), ...q, ...u16(qtype), 0, 1, ...records]);
}
const PTR_Q = [0xc0, 12]; // pointer to the question name

test('query and response merge into one dns object with answers, ns and mx companions', () => {
  const s = new TestSession(CFG, { ipProtocol: 17, srcPort: 5000, dstPort: 53 });
  const q = msg(0x4c17, 0x0100, name('mx.com'), 15);
  const r = msg(0x4c17, 0x8180, name('mx.com'), 15, [2, 1, 2], [
    ...rr(PTR_Q, 15, 3600, [...u16(10), ...name('mail.example.net')]),
    ...rr(PTR_Q, 15, 3600, [...u16(20), ...name('mail2.example.net')]),
    ...rr(PTR_Q, 2, 3600, name('ns1.example.net')),
    ...rr(name('ns1.example.net'), 1, 100, [65, 61, 188, 4]),
    ...rr(name('mail.example.net'), 28, 100, [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
  ]);
  const doc = s.run(dnsUdp, [[0, q], [1, r]]) as any;
  assert.deepEqual(doc.protocol, ['dns']);
  assert.equal(doc.dnsCnt, 1);
  const o = doc.dns[0];
  assert.equal(o.opcode, 'QUERY');
  assert.equal(o.qt, 'MX');
  assert.equal(o.qc, 'IN');
  assert.equal(o.queryHost, 'mx.com');
  assert.equal(o.status, 'NOERROR');
  assert.deepEqual(o.headerFlags, ['RD', 'RA']);
  assert.deepEqual(o.host, ['mx.com']);
  assert.deepEqual(o.mailserverHost, ['mail.example.net', 'mail2.example.net']);
  assert.deepEqual(o.nameserverHost, ['ns1.example.net']);
  assert.deepEqual(o.nameserverIp, ['65.61.188.4']);
  assert.deepEqual(o.mailserverIp, ['2001:db8::1']);
  assert.equal(o.answersCnt, 5);
  assert.deepEqual(o.answers[0], { priority: 10, mx: 'mail.example.net', class: 'IN', type: 'MX', ttl: 3600, name: 'mx.com' });
  assert.equal(o.answers[3].ip, '65.61.188.4');
});

test('a query alone has no status; unknown query types print (null)', () => {
  const s = new TestSession(CFG, { ipProtocol: 17, dstPort: 53 });
  const doc = s.run(dnsUdp, [[0, msg(1, 0x0100, name('WWW.Example.COM'), 4000)]]) as any;
  assert.deepEqual(doc.dns, [{ opcode: 'QUERY', queryHost: 'www.example.com', qc: 'IN', qt: '(null)', hostCnt: 1, host: ['www.example.com'] }]);
});

test('two queries in one UDP session give two objects; a CNAME adds its target to hosts', () => {
  const s = new TestSession(CFG, { ipProtocol: 17, dstPort: 53 });
  const r1 = msg(7, 0x8180, name('www.a.org'), 1, [2, 0, 0], [
    ...rr(PTR_Q, 5, 60, name('edge.a.org')),
    ...rr(name('edge.a.org'), 1, 60, [7, 7, 7, 7]),
  ]);
  const r2 = msg(8, 0x8183, name('nx.a.org'), 28);
  const doc = s.run(dnsUdp, [[0, msg(7, 0x100, name('www.a.org'), 1)], [1, r1], [0, msg(8, 0x100, name('nx.a.org'), 28)], [1, r2]]) as any;
  assert.equal(doc.dnsCnt, 2);
  assert.deepEqual(doc.dns[0].host, ['www.a.org', 'edge.a.org']);
  assert.deepEqual(doc.dns[0].ip, ['7.7.7.7']);
  assert.equal(doc.dns[0].answers[0].cname, 'edge.a.org');
  assert.equal(doc.dns[1].status, 'NXDOMAIN');
  assert.equal(doc.dns[1].answersCnt, 0);
});

test('EDNS OPT extends the rcode and is not an answer', () => {
  const s = new TestSession(CFG, { ipProtocol: 17, dstPort: 53 });
  const r = msg(9, 0x8580, name('e.example.com'), 1, [0, 0, 1], rr([0], 41, 0x01000000, [], 4096));
  const doc = s.run(dnsUdp, [[1, r]]) as any;
  assert.equal(doc.dns[0].status, 'BADSIG_VERS');
  assert.equal(doc.dns[0].answersCnt, 0);
  assert.deepEqual(doc.dns[0].headerFlags, ['AA', 'RD', 'RA']);
});

test('TXT, CAA, HTTPS, RRSIG, NSEC and DS records are formatted like Arkime', () => {
  const s = new TestSession(CFG, { ipProtocol: 17, dstPort: 53 });
  const https = [...u16(1), 0, ...u16(1), ...u16(6), 2, 0x68, 0x33, 2, 0x68, 0x32, ...u16(3), ...u16(2), ...u16(443), ...u16(4), ...u16(0)];
  const rrsig = [...u16(1), 13, 2, ...u32(3600), ...u32(1737849600), ...u32(1735257600), ...u16(12345), ...name('example.com')];
  const nsec = [...name('next.example.com'), 0, 6, 0x60, 0, 0, 0, 0, 0x03];
  const ds = [...u16(54321), 13, 2, 0xaa, 0xbb, 0x01];
  const r = msg(3, 0x8180, name('example.com'), 255, [6, 0, 0], [
    ...rr(PTR_Q, 16, 5, [3, 0x61, 0x3d, 0x62, 0, 2, 0x63, 0x64]),
    ...rr(PTR_Q, 257, 5, [0, 5, ...Buffer.from('issueletsencrypt.org')]),
    ...rr(PTR_Q, 65, 5, https),
    ...rr(PTR_Q, 46, 5, rrsig),
    ...rr(PTR_Q, 47, 5, nsec),
    ...rr(PTR_Q, 43, 5, ds),
  ]);
  const a = (s.run(dnsUdp, [[1, r]]) as any).dns[0].answers;
  assert.deepEqual(a[0].txt, ['a=b', 'cd']);
  assert.equal(a[1].caa, 'CAA 0 issue letsencrypt.org');
  assert.equal(a[2].https, 'HTTPS 1 . alpn=h3,h2 port=443 ipv4hint=');
  assert.equal(a[3].rrsig, 'RRSIG A 13 2 3600 1737849600 1735257600 12345 example.com');
  assert.equal(a[4].nsec, 'NSEC next.example.com A NS RRSIG NSEC');
  assert.equal(a[5].ds, 'DS 54321 13 2 AABB01');
  assert.equal(a[5].type, 'DS');
});

test('punycode names decode to unicode and keep the ACE form in puny', () => {
  const s = new TestSession(CFG, { ipProtocol: 17, dstPort: 53 });
  const doc = s.run(dnsUdp, [[0, msg(1, 0x100, name('xn--nxasmq5b.com'), 1)]]) as any;
  assert.equal(doc.dns[0].queryHost, 'όβλοσ.com');
  assert.deepEqual(doc.dns[0].puny, ['xn--nxasmq5b.com']);
  assert.equal(punycodeDecode('bcher-kva'), 'bücher');
  assert.equal(hostnameToUnicode('xn--!!.com'), undefined);
  const s2 = new TestSession(CFG, { ipProtocol: 17, dstPort: 53 });
  s2.run(dnsUdp, [[0, msg(1, 0x100, name('xn--!!.com'), 1)]]);
  assert.ok(s2.tags.has('bad-punycode'));
});

test('names escape odd bytes and survive pointer loops', () => {
  const b = new Uint8Array([2, 0x41, 0x81, 1, 0x05, 0]);
  assert.equal(readName(b, 0, b.length, 0, b.length).name, 'AM-^A.^E');
  const loop = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xc0, 12]);
  const n = readName(loop, 0, loop.length, 12, loop.length);
  assert.equal(n.name, undefined);
  assert.equal(n.pointerLoop, true);
  assert.equal(n.next, 14);
});

test('qdcount other than 1 is tagged; short messages are ignored', () => {
  const s = new TestSession(CFG, { ipProtocol: 17, dstPort: 53 });
  const m = msg(1, 0x100, name('a.b'), 1);
  m[5] = 2;
  const doc = s.run(dnsUdp, [[0, m], [0, new Uint8Array(10)]]) as any;
  assert.ok(s.tags.has('dns:qdcount-not-1'));
  assert.equal(doc.dns, undefined);
});

test('DNS over TCP reassembles length-prefixed messages split across chunks', () => {
  const s = new TestSession(CFG, { ipProtocol: 6, srcPort: 40000, dstPort: 53 });
  const q = msg(5, 0x100, name('tcp.example.org'), 1);
  const r = msg(5, 0x8180, name('tcp.example.org'), 1, [1, 0, 0], rr(PTR_Q, 1, 300, [10, 10, 10, 10]));
  const framed = new Uint8Array([...u16(r.length), ...r]);
  const doc = s.run(dnsTcp, [[0, new Uint8Array([...u16(q.length), ...q])], [1, framed.slice(0, 7)], [1, framed.slice(7)]]) as any;
  assert.deepEqual(doc.protocol, ['dns']);
  assert.equal(doc.dnsCnt, 1);
  assert.deepEqual(doc.dns[0].ip, ['10.10.10.10']);
});

test('LLMNR and mDNS name their protocol and step aside on port 53', () => {
  const s = new TestSession(CFG, { ipProtocol: 17, srcPort: 5355, dstPort: 5355 });
  s.run(llmnr, [[0, msg(1, 0, name('mypc'), 1)]]);
  assert.deepEqual([...s.protocols], ['llmnr']);
  const s2 = new TestSession(CFG, { ipProtocol: 17, srcPort: 5353, dstPort: 53 });
  s2.run(mdns, [[0, msg(1, 0, name('x.local'), 1)]]);
  assert.equal(s2.protocols.size, 0);
  const s3 = new TestSession(CFG, { ipProtocol: 17, srcPort: 5353, dstPort: 5353 });
  const r = msg(0, 0x8400, name('dev.local'), 1, [1, 0, 0], rr(PTR_Q, 1, 120, [10, 1, 13, 200], 0x8001));
  const doc = s3.run(mdns, [[1, r]]) as any;
  assert.deepEqual(doc.dns[0].ip, ['10.1.13.200']);
});

test('ip6 prints RFC 5952 text', () => {
  const b = new Uint8Array(16); b[0] = 0x20; b[1] = 0x01; b[15] = 1;
  assert.equal(ip6(b, 0), '2001::1');
  const m = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]);
  assert.equal(ip6(m, 0), '1.2.3.4');
  const z = new Uint8Array([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.equal(ip6(z, 0), '1:0:1::1');
});
