// Arkime session semantics fixed against the conformance corpus, each on a pcap we make:
// payload8 across segments, out-of-order and acked-unseen tags, a SYN-less session that
// delivers nothing, ICMP data bytes with padding, ESP keeping one packet, DHCP keyed by MAC,
// SCTP DATA chunks classified, and outer tunnel headers in Arkime's (direction-free) order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dnsAnswerA, dnsQuery, ipv4Frame, tcpSegment, udpDatagram, type Endpoint, type Frame } from '../synth/traffic.js';
import { captureJson } from '../../test/support/json-capture.js';


const capture = (frames: Frame[], config = '[default]\n') => captureJson(frames, config);

const C: Endpoint = { ip: [10, 1, 1, 1], port: 40001, mac: [0, 1, 2, 3, 4, 5] };
const S: Endpoint = { ip: [192, 0, 2, 80], port: 9999, mac: [0, 6, 7, 8, 9, 10] };
const SYN = 0x02, ACK = 0x10, PSH = 0x08;
const T0 = 1_700_000_000_000_000;
const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const tcp = (from: Endpoint, to: Endpoint, us: number, seq: number, ack: number, flags: number, data?: Uint8Array): Frame =>
  ({ tsUs: us, data: ipv4Frame(from, to, 6, tcpSegment(from.port, to.port, seq, ack, flags, data)) });
const handshake = (us: number): Frame[] => [
  tcp(C, S, us, 100, 0, SYN), tcp(S, C, us + 10, 500, 101, SYN | ACK), tcp(C, S, us + 20, 101, 501, ACK),
];

test('srcPayload8 gathers the first 8 stream bytes across segments', () => {
  const docs = capture([...handshake(T0),
    tcp(C, S, T0 + 30, 101, 501, PSH | ACK, bytes('\x05\x01\x00')),
    tcp(C, S, T0 + 40, 104, 501, PSH | ACK, bytes('\x05\x01\x00\x01\x0a\x00'))]);
  assert.equal(docs.length, 1);
  assert.equal(docs[0].srcPayload8, '050100050100010a');
  assert.equal(docs[0].client.bytes, 9);
});

test('a segment past a gap waits, tags out-of-order, and is delivered when the gap fills', () => {
  const docs = capture([...handshake(T0),
    tcp(C, S, T0 + 30, 105, 501, PSH | ACK, bytes('5678')),
    tcp(C, S, T0 + 40, 101, 501, PSH | ACK, bytes('1234'))]);
  assert.equal(docs[0].srcPayload8, '3132333435363738');
  assert.equal(docs[0].client.bytes, 8);
  assert.ok(docs[0].tags.includes('out-of-order-src'));
});

test('an ack beyond the bytes seen tags acked-unseen-segment', () => {
  const docs = capture([...handshake(T0),
    tcp(S, C, T0 + 30, 501, 101, PSH | ACK, bytes('hello')),
    tcp(C, S, T0 + 40, 101, 600, ACK)]);
  assert.ok(docs[0].tags.includes('acked-unseen-segment-src'));
});

test('a SYN-less session delivers no bytes, as Arkime does', () => {
  const docs = capture([tcp(C, S, T0, 101, 501, ACK, bytes('abcdefgh')), tcp(C, S, T0 + 10, 109, 501, ACK, bytes('ijkl'))]);
  assert.equal(docs[0].client.bytes, 0);
  assert.equal(docs[0].srcPayload8, undefined);
  assert.equal(docs[0].tags, undefined);
});

test('ICMP data bytes count the whole captured message, padding included', () => {
  const echo = new Uint8Array(8); echo[0] = 8;
  const frame = ipv4Frame(C, S, 1, echo);
  const padded = new Uint8Array(frame.length + 6); padded.set(frame); // Ethernet minimum-size padding
  const docs = capture([{ tsUs: T0, data: padded }]);
  assert.equal(docs[0].client.bytes, padded.length - 14 - 20); // everything after the IP header
  assert.ok(docs[0].client.bytes > echo.length);
});

test('ESP keeps the first packet position only and tags truncated-pcap', () => {
  const esp = new Uint8Array(40); esp[3] = 1;
  const docs = capture([{ tsUs: T0, data: ipv4Frame(C, S, 50, esp) }, { tsUs: T0 + 10, data: ipv4Frame(S, C, 50, esp) }],
    '[default]\ntrackESP=true\n');
  assert.equal(docs[0].packetPos.length, 1);
  assert.equal(docs[0].network.packets, 2);
  assert.deepEqual(docs[0].tags, ['truncated-pcap']);
  assert.equal(docs[0].client.bytes, 32);
  // Behind AH (ah-esp.pcap) it is the same kind of session: first position only, truncated-pcap.
  const ah = new Uint8Array(24 + 40); ah[0] = 50; ah[1] = 4; ah.set(esp, 24);
  const viaAh = capture([{ tsUs: T0, data: ipv4Frame(C, S, 51, ah) }, { tsUs: T0 + 10, data: ipv4Frame(S, C, 51, ah) }],
    '[default]\ntrackESP=true\n');
  assert.equal(viaAh[0].ipProtocol, 51);
  assert.deepEqual(viaAh[0].protocol, ['esp']);
  assert.equal(viaAh[0].packetPos.length, 1);
  assert.deepEqual(viaAh[0].tags, ['truncated-pcap']);
});

function dhcp(op: number, xid: number, mac: number[]): Uint8Array {
  const b = new Uint8Array(300);
  b[0] = op; b[1] = 1; b[2] = 6;
  b[4] = xid >>> 24; b[5] = (xid >> 16) & 0xff; b[6] = (xid >> 8) & 0xff; b[7] = xid & 0xff;
  b.set(mac, 28);
  b.set([0x63, 0x82, 0x53, 0x63, 53, 1, op === 1 ? 1 : 2, 255], 236);
  return b;
}

test('DHCP legs with different addresses are one session keyed by the client MAC', () => {
  const cli: Endpoint = { ip: [0, 0, 0, 0], port: 68, mac: [2, 0, 0, 0, 0, 1] };
  const bcast: Endpoint = { ip: [255, 255, 255, 255], port: 67, mac: [255, 255, 255, 255, 255, 255] };
  const srv: Endpoint = { ip: [192, 168, 0, 1], port: 67, mac: [2, 0, 0, 0, 0, 9] };
  const off: Endpoint = { ip: [192, 168, 0, 10], port: 68, mac: [2, 0, 0, 0, 0, 1] };
  const docs = capture([
    { tsUs: T0, data: ipv4Frame(cli, bcast, 17, udpDatagram(68, 67, dhcp(1, 0x1234, cli.mac))) },
    { tsUs: T0 + 100, data: ipv4Frame(srv, off, 17, udpDatagram(67, 68, dhcp(2, 0x1234, cli.mac))) },
  ]);
  assert.equal(docs.length, 1);
  assert.deepEqual(docs[0].protocol.sort(), ['dhcp', 'udp']);
  assert.equal(docs[0].server.bytes, 300);
  assert.equal(docs[0].srcPayload8, undefined);
  assert.deepEqual(docs[0].dhcp.type.sort(), ['DISCOVER', 'OFFER']);
});

/** One SCTP packet with one DATA chunk (flags 3: a whole message, B and E). */
function sctpData(tsn: number, payload: Uint8Array, flags = 3, stream = 0): Uint8Array {
  const clen = 16 + payload.length;
  const b = new Uint8Array(12 + ((clen + 3) & ~3));
  b[0] = C.port >> 8; b[1] = C.port & 0xff; b[2] = 0; b[3] = 80;
  b.set([0, flags, clen >> 8, clen & 0xff, tsn >>> 24, (tsn >> 16) & 0xff, (tsn >> 8) & 0xff, tsn & 0xff, stream >> 8, stream & 0xff], 12);
  b.set(payload, 28);
  return b;
}

test('SCTP DATA chunk user data is what payload8 and the classifiers see', () => {
  const docs = capture([{ tsUs: T0, data: ipv4Frame(C, { ...S, port: 80 }, 132, sctpData(7, bytes('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))) }]);
  assert.equal(docs[0].srcPayload8, '474554202f204854');
  assert.ok(docs[0].protocol.includes('http'));
});

test('SCTP fragments join per stream in TSN order across a gap; chunks ahead of the expected TSN wait, duplicates are dropped', () => {
  const at = (i: number, tsn: number, data: string, flags: number, stream: number) =>
    ({ tsUs: T0 + i * 1000, data: ipv4Frame(C, { ...S, port: 80 }, 132, sctpData(tsn, bytes(data), flags, stream)) });
  // the first chunk seen sets the expected TSN (10); 11 arrives early on stream 2 as a whole
  // message and waits; stream 1's B (10) and E (12) join with 11 between them, as Arkime does
  const docs = capture([at(0, 10, 'AAAA', 2, 1), at(1, 10, 'ZZZZ', 2, 1), at(2, 12, 'BBBB', 1, 1), at(3, 11, 'CCCC', 3, 2)]);
  assert.equal(docs[0].srcPayload8, '4141414142424242', 'B + E of stream 1; the duplicate TSN 10 dropped');
  const early = capture([at(0, 10, 'AAAA', 2, 1), at(1, 12, 'CCCC', 3, 2), at(2, 11, 'BBBB', 1, 1)]);
  assert.equal(early[0].srcPayload8, '4141414142424242', 'a whole message ahead of the expected TSN is not sent first');
});

test('a TCP session without a SYN is mid-saved after tcpSaveTimeout; the empty segment keeps no TTL or handshake', () => {
  const other: Endpoint = { ip: [10, 9, 9, 9], port: 5353, mac: [0, 6, 7, 8, 9, 11] };
  const docs = capture([
    tcp(C, S, T0, 1000, 0, 0x20),                                              // URG only
    { tsUs: T0 + 481_000_000, data: ipv4Frame(other, S, 17, udpDatagram(5353, 5353, bytes('x'))) },
    { tsUs: T0 + 482_000_000, data: ipv4Frame(other, S, 17, udpDatagram(5353, 5353, bytes('y'))) },
  ], '[default]\ntcpTimeout=600\n');
  const segs = docs.filter((d) => d.ipProtocol === 6).sort((a, b) => a.segmentCnt - b.segmentCnt);
  assert.equal(segs.length, 2);
  assert.equal(segs[0].network.packets, 1);
  assert.deepEqual(segs[0].srcTTL, [64]);
  assert.equal(segs[0].tcpSynValidated, undefined);
  assert.equal(segs[1].segmentCnt, 2);
  assert.equal(segs[1].network.packets, 0);
  assert.equal(segs[1].srcTTL, undefined);
  assert.ok(segs[0].rootId && segs[0].rootId === segs[1].rootId);
});

test('IGMP packets between any addresses are one session, all from its first source, no community id', () => {
  const igmp = new Uint8Array(8); igmp[0] = 0x16;
  const g1: Endpoint = { ip: [239, 1, 1, 1], port: 0, mac: [1, 0, 0x5e, 1, 1, 1] };
  const g2: Endpoint = { ip: [224, 0, 0, 22], port: 0, mac: [1, 0, 0x5e, 0, 0, 0x16] };
  const docs = capture([
    { tsUs: T0, data: ipv4Frame(C, g2, 2, igmp, 1) },
    { tsUs: T0 + 100, data: ipv4Frame(S, g1, 2, igmp, 1) },
  ]);
  assert.equal(docs.length, 1);
  assert.deepEqual(docs[0].protocol, ['igmp']);
  assert.equal(docs[0].source.packets, 2);
  assert.equal(docs[0].source.ip, '10.1.1.1');
  assert.equal(docs[0].source.mac.length, 2);
  assert.equal(docs[0].network.community_id, undefined);
});

test('initRTT is halved whole milliseconds, the microseconds truncated across a second boundary', () => {
  // smb-port80.pcap: SYN at .833103, first ACK at .158288 of the next second: 325.185 ms gives 163.
  const syn = 1_379_519_109_833_103, ack = 1_379_519_110_158_288;
  let docs = capture([tcp(C, S, syn, 100, 0, SYN), tcp(S, C, syn + 100_000, 500, 101, SYN | ACK), tcp(C, S, ack, 101, 501, ACK)]);
  assert.equal(docs[0].initRTT, 163);
  // Within one second the quotient is plain: 11.837 ms gives 5 (80211http.pcap).
  docs = capture([tcp(C, S, T0 + 739_049, 100, 0, SYN), tcp(S, C, T0 + 745_000, 500, 101, SYN | ACK), tcp(C, S, T0 + 750_886, 101, 501, ACK)]);
  assert.equal(docs[0].initRTT, 5);
});

test('the client\'s first ACK validates the SYN-ACK even when it carries data', () => {
  const docs = capture([tcp(C, S, T0, 100, 0, SYN), tcp(S, C, T0 + 10, 500, 101, SYN | ACK),
    tcp(C, S, T0 + 20, 101, 501, PSH | ACK, bytes('hello'))]);
  assert.equal(docs[0].tcpSynValidated, true);
  assert.equal(docs[0].tcpSynAckValidated, true);
});

test('a file out of time order gives a positive length and the range the packets span', () => {
  // dns-flags0110.pcap: the answer is stamped 36 ms before the query that precedes it.
  const q: Frame = { tsUs: T0 + 363_000, data: ipv4Frame(S, C, 17, udpDatagram(53, C.port, bytes('answer'))) };
  const a: Frame = { tsUs: T0 + 327_000, data: ipv4Frame(C, S, 17, udpDatagram(C.port, 53, bytes('query'))) };
  const docs = capture([q, a]);
  assert.equal(docs[0].firstPacket, (T0 + 363_000) / 1000);
  assert.equal(docs[0].lastPacket, (T0 + 327_000) / 1000);
  assert.equal(docs[0].length, 36);
  assert.deepEqual(docs[0].packetRange, { gte: (T0 + 327_000) / 1000, lte: (T0 + 363_000) / 1000 });
});

test('MACs come from the first 10 packets of each direction only', () => {
  const frames: Frame[] = [];
  for (let i = 0; i < 12; i++) {
    // Each datagram from C goes to another destination MAC; only the first 10 count.
    const to: Endpoint = { ...S, mac: [0, 6, 7, 8, 9, 10 + i] };
    frames.push({ tsUs: T0 + i * 1000, data: ipv4Frame(C, to, 17, udpDatagram(C.port, S.port, bytes(`d${i}`))) });
  }
  const docs = capture(frames);
  assert.equal(docs[0].network.packets, 12);
  assert.equal(docs[0].destination['mac-cnt'], 10);
  assert.ok(!docs[0].destination.mac.includes('00:06:07:08:09:14'), 'the 11th frame adds no MAC');
});

test('a session\'s own SYN arriving after its FINs joins it; a SYN with another ISN starts a new session', () => {
  const FIN = 0x01;
  // tcp-reassembly-synthetic.pcap: SYN-ACK first (SYN missed), an exchange, both FINs, then the SYN.
  const closed: Frame[] = [
    tcp(S, C, T0, 500, 101, SYN | ACK), tcp(C, S, T0 + 10, 101, 501, ACK),
    tcp(C, S, T0 + 20, 101, 501, PSH | ACK, bytes('ping')), tcp(S, C, T0 + 30, 501, 105, PSH | ACK, bytes('pong')),
    tcp(C, S, T0 + 40, 105, 505, FIN | ACK), tcp(S, C, T0 + 50, 505, 106, FIN | ACK), tcp(C, S, T0 + 60, 106, 506, ACK),
  ];
  let docs = capture([...closed, tcp(C, S, T0 + 70, 100, 0, SYN)]);
  assert.equal(docs.length, 1);
  assert.equal(docs[0].network.packets, 8);
  assert.equal(docs[0].tcpflags.syn, 1);
  assert.equal(docs[0].tcpseq.src, 100);
  assert.equal(docs[0].tcpSynValidated, true);
  docs = capture([...closed, tcp(C, S, T0 + 70, 9000, 0, SYN)]);
  assert.equal(docs.length, 2, 'port reuse: a new ISN is a new session');
});

test('an [override-ips] address in any IP field tags the session, not only its endpoints', () => {
  // smtp-originating.pcap: an email.ip value brings its tag; here a DNS answer does.
  const dnsC: Endpoint = { ...C, port: 40053 }, dnsS: Endpoint = { ...S, port: 53 };
  const frames: Frame[] = [
    { tsUs: T0, data: ipv4Frame(dnsC, dnsS, 17, udpDatagram(dnsC.port, 53, dnsQuery(7, 'tagged.example'))) },
    { tsUs: T0 + 10, data: ipv4Frame(dnsS, dnsC, 17, udpDatagram(53, dnsC.port, dnsAnswerA(7, 'tagged.example', [203, 0, 113, 9]))) },
  ];
  const docs = capture(frames, '[default]\n[override-ips]\n203.0.113.9=tag:watched-answer;country:NL\n');
  assert.deepEqual(docs[0].dns[0].ip, ['203.0.113.9']);
  assert.deepEqual(docs[0].tags, ['watched-answer']);
  assert.deepEqual(capture(frames).map((d) => d.tags), [undefined], 'untagged without the override');
});
