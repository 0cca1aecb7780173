// The decoders seen from the session documents (`packrat capture --json`): each encapsulation
// and transport on a pcap we build gives the session of its inner flow, with the protocol names,
// VLANs, outer addresses and counts Arkime writes. Field-by-field decoding is in decoders.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipv4Frame, tcpConversation, tcpSegment, udpDatagram, type Endpoint, type Frame } from '../synth/traffic.js';
import { captureJson, packrat } from '../../test/support/json-capture.js';

let n = 0;

const capture = (frames: Frame[], linkType = 1, config = '[default]\n') => captureJson(frames, config, linkType);

const cat = (...parts: (Uint8Array | number[])[]) => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};
const be16 = (v: number) => [v >> 8, v & 0xff];
const ep = (last: number, port: number): Endpoint => ({ ip: [10, 9, 0, last], port, mac: [0, 0x1b, 0x21, 0, 0, last] });
const ipOf = (f: Uint8Array) => f.slice(14, 14 + ((f[16] << 8) | f[17]));
const ipv4 = (proto: number, payload: Uint8Array | number[], frag = 0, id = 1) =>
  cat([0x45, 0, ...be16(20 + payload.length), ...be16(id), ...be16(frag), 64, proto, 0, 0], [192, 0, 2, 1], [192, 0, 2, 2], payload);
const ether = (type: number, body: Uint8Array | number[]) => cat([2, 0, 0, 0, 0, 2], [2, 0, 0, 0, 0, 1], be16(type), body);
const T0 = 1_700_000_000_000_000;

/** A request and its reply between `c` and `s`, each wrapped by `wrap` (an encapsulation). */
function exchange(c: Endpoint, s: Endpoint, t: number, wrap: (frame: Uint8Array) => Uint8Array, proto = 17): Frame[] {
  const body = proto === 6 ? [tcpSegment(c.port, s.port, 1, 0, 0x02), tcpSegment(s.port, c.port, 9, 2, 0x12)] :
    [udpDatagram(c.port, s.port, new Uint8Array(10)), udpDatagram(s.port, c.port, new Uint8Array(20))];
  return [{ tsUs: t, data: wrap(ipv4Frame(c, s, proto, body[0])) }, { tsUs: t + 1000, data: wrap(ipv4Frame(s, c, proto, body[1])) }];
}

test('every encapsulation gives the session of its inner flow, named as Arkime names it', () => {
  const wraps: [string, (f: Uint8Array) => Uint8Array][] = [
    ['vlan', (f) => cat(f.subarray(0, 12), [0x81, 0, 0, 100], f.subarray(12))],
    ['qinq', (f) => cat(f.subarray(0, 12), [0x88, 0xa8, 0, 200, 0x81, 0, 1, 0x2c], f.subarray(12))],
    ['mpls', (f) => ether(0x8847, cat([0, 1, 0, 64, 0, 1, 0x11, 64], ipOf(f)))],
    ['pppoe', (f) => { const ip = ipOf(f); return ether(0x8864, cat([0x11, 0, 0, 1, ...be16(ip.length + 2), 0, 0x21], ip)); }],
    ['gre', (f) => ether(0x0800, ipv4(47, cat([0, 0, 8, 0], ipOf(f))))],
    ['erspan', (f) => ether(0x0800, ipv4(47, cat([0x10, 0, 0x88, 0xbe, 0, 0, 0, 1, 0x10, 0, 0, 0, 0, 0, 0, 0], f)))],
    ['vxlan', (f) => ether(0x0800, ipv4(17, udpDatagram(40000, 4789, cat([8, 0, 0, 0, 0, 0, 42, 0], f))))],
    ['geneve', (f) => ether(0x0800, ipv4(17, udpDatagram(40000, 6081, cat([0, 0, 0x65, 0x58, 0, 0, 43, 0], f))))],
    ['gtp', (f) => { const ip = ipOf(f); return ether(0x0800, ipv4(17, udpDatagram(2152, 2152, cat([0x30, 0xff, ...be16(ip.length), 0, 0, 0, 1], ip)))); }],
    ['ipip', (f) => ether(0x0800, ipv4(4, ipOf(f)))],
    ['vxlan0', (f) => ether(0x0800, ipv4(17, udpDatagram(40000, 4789, cat([8, 0, 0, 0, 0, 0, 0, 0], f))))],
  ];
  const frames = wraps.flatMap(([, w], i) => exchange(ep(1, 30000 + i), ep(2, 5000 + i), T0 + i * 10_000, w));
  const docs = capture(frames);
  assert.equal(docs.length, wraps.length);
  const byPort = new Map(docs.map((d) => [d.destination.port, d]));
  const want: Record<string, string[]> = {
    vlan: ['udp'], qinq: ['udp'], mpls: ['mpls', 'udp'], pppoe: ['pppoe', 'udp'], gre: ['gre', 'udp'], erspan: ['gre', 'udp'],
    vxlan: ['udp', 'vxlan'], geneve: ['geneve', 'udp'], gtp: ['gtp', 'udp'], ipip: ['udp'], vxlan0: ['udp', 'vxlan'],
  };
  wraps.forEach(([name], i) => {
    const d = byPort.get(5000 + i);
    assert.ok(d, `${name}: session of the inner flow`);
    assert.equal(d.source.ip, '10.9.0.1', name);
    assert.equal(d.destination.ip, '10.9.0.2', name);
    assert.equal(d.source.port, 30000 + i, name);
    assert.equal(d.network.packets, 2, `${name}: both directions in one session`);
    assert.deepEqual([...d.protocol].sort(), want[name], name);
  });
  assert.deepEqual(byPort.get(5000)!.network.vlan.id, [100]);
  // QinQ: vlan.id lists every tag of the stack, outer first (Arkime's dot1ad.pcap: [1525, 30]);
  // each tag is also kept by its kind.
  assert.deepEqual(byPort.get(5001)!.network.vlan.id, [200, 300]);
  assert.deepEqual(byPort.get(5001)!.dot1ad.id, [200]);
  assert.deepEqual(byPort.get(5001)!.dot1q.id, [300]);
  assert.deepEqual(byPort.get(5006)!.vni, [42]);
  assert.deepEqual(byPort.get(5007)!.vni, [43]);
  assert.equal(byPort.get(5010)!.vni, undefined, 'VNI 0 is not recorded, as in Arkime');
  for (const port of [5004, 5006, 5008, 5009]) assert.deepEqual(byPort.get(port)!.srcOuterIp, ['192.0.2.1'], `outer ip of ${port}`);
});

test('IPv4 fragments are reassembled into one UDP packet of the session', () => {
  const c = ep(1, 45353), s = ep(2, 9999);
  const udp = udpDatagram(c.port, s.port, new Uint8Array(200));
  const ip = ipOf(ipv4Frame(c, s, 17, udp));
  const hdr = (frag: number, len: number) => { const h = ip.slice(0, 20); h[2] = (20 + len) >> 8; h[3] = (20 + len) & 0xff; h[4] = 0; h[5] = 77; h[6] = frag >> 8; h[7] = frag & 0xff; return h; };
  const eth = (b: Uint8Array) => cat(s.mac, c.mac, [8, 0], b);
  const docs = capture([
    { tsUs: T0, data: eth(cat(hdr(0x2000, 104), udp.subarray(0, 104))) },
    { tsUs: T0 + 10, data: eth(cat(hdr(13, udp.length - 104), udp.subarray(104))) },
  ]);
  assert.equal(docs.length, 1);
  assert.deepEqual(docs[0].protocol, ['udp']);
  assert.equal(docs[0].destination.port, 9999);
  assert.equal(docs[0].network.packets, 1, 'the reassembled datagram counts once');
  // At its own length, Ethernet + IP header + the whole UDP datagram (socks5-http-302-frag.pcap).
  assert.equal(docs[0].network.bytes, 14 + 20 + udp.length);
  assert.equal(docs[0].totDataBytes, 200);
});

test('IPv6 fragments (behind a hop-by-hop header) are reassembled into one UDP packet of the session', () => {
  const c = ep(1, 45354), s = ep(2, 9998);
  const udp = udpDatagram(c.port, s.port, new Uint8Array(200));
  const a6 = (last: number) => [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last];
  // IPv6 (next 0) → hop-by-hop (next 44, 8 bytes) → fragment header (next 17, id 0x01020304).
  const frag = (offset: number, more: boolean, part: Uint8Array) => cat(s.mac, c.mac, [0x86, 0xdd, 0x60, 0, 0, 0, ...be16(16 + part.length), 0, 64], a6(1), a6(2),
    [44, 0, 1, 4, 0, 0, 0, 0], [17, 0, ...be16(offset | (more ? 1 : 0)), 1, 2, 3, 4], part);
  const docs = capture([
    { tsUs: T0, data: frag(104, false, udp.subarray(104)) }, // last piece first
    { tsUs: T0 + 10, data: frag(0, true, udp.subarray(0, 104)) },
  ]);
  assert.equal(docs.length, 1);
  assert.equal(docs[0].source.ip, '2001:db8::1');
  assert.equal(docs[0].destination.port, 9998);
  assert.equal(docs[0].network.packets, 1, 'the reassembled datagram counts once');
  assert.equal(docs[0].totDataBytes, 200);
});

test('transports: TCP handshake, ICMP, ICMPv6, SCTP and (with trackESP) ESP each make their session', () => {
  const c = ep(1, 40000), s = ep(2, 80);
  const frames: Frame[] = tcpConversation(c, s, T0, new Uint8Array(Buffer.from('GET / HTTP/1.1\r\n\r\n')), new Uint8Array(Buffer.from('HTTP/1.1 200 OK\r\n\r\n')));
  const v6 = (next: number, payload: number[]) => cat(s.mac, c.mac, [0x86, 0xdd, 0x60, 0, 0, 0, ...be16(payload.length), next, 64],
    [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], [0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2], payload);
  frames.push(
    { tsUs: T0 + 100_000, data: ipv4Frame(c, s, 1, new Uint8Array([8, 0, 0, 0, 0, 1, 0, 1])) },
    { tsUs: T0 + 200_000, data: v6(58, [128, 0, 0, 0, 0, 1, 0, 1]) },
    { tsUs: T0 + 300_000, data: ipv4Frame(c, s, 132, new Uint8Array([...be16(2905), ...be16(2906), 0, 0, 0, 1, 0, 0, 0, 0])) },
    { tsUs: T0 + 400_000, data: ipv4Frame(c, s, 50, new Uint8Array([0, 0, 0x10, 1, 0, 0, 0, 1, 1, 2, 3, 4])) },
  );
  assert.equal(capture(frames).filter((d) => d.ipProtocol === 50).length, 0, 'ESP is not tracked by default (trackESP=false)');
  const docs = capture(frames, 1, '[default]\ntrackESP=true\n');
  assert.deepEqual(docs.map((d) => d.ipProtocol).sort((a: number, b: number) => a - b), [1, 6, 50, 58, 132]);
  for (const [proto, name] of [[1, 'icmp'], [6, 'tcp'], [50, 'esp'], [58, 'icmp'], [132, 'sctp']] as const) {
    assert.ok(docs.find((d) => d.ipProtocol === proto)!.protocol.includes(name), `${name} session of protocol ${proto}`);
  }
  assert.equal(docs.length, 5);
  const tcp = docs.find((d) => d.ipProtocol === 6)!;
  assert.equal(tcp.network.packets, 10);
  assert.equal(tcp.tcpflags.syn, 1);
  assert.equal(tcp.tcpflags['syn-ack'], 1);
  assert.equal(docs.find((d) => d.ipProtocol === 58)!.source.ip, '2001:db8::1');
  assert.equal(docs.find((d) => d.ipProtocol === 132)!.destination.port, 2906);
  assert.equal(docs.find((d) => d.ipProtocol === 50)!.network.packets, 1);
  assert.equal(docs.find((d) => d.ipProtocol === 1)!.network.packets, 1);
});

test('link types of the session: Linux cooked SLL and SLL2, BSD null, raw IP', () => {
  const c = ep(1, 41000), s = ep(2, 53);
  const ip = ipOf(ipv4Frame(c, s, 17, udpDatagram(c.port, s.port, new Uint8Array(8))));
  const cases: [number, Uint8Array][] = [
    [113, cat([0, 0, 0, 1, 0, 6], c.mac, [0, 0, 8, 0], ip)],
    [276, cat([8, 0, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6], c.mac, [0, 0], ip)],
    [0, cat([2, 0, 0, 0], ip)],
    [101, ip],
  ];
  for (const [lt, frame] of cases) {
    const docs = capture([{ tsUs: T0, data: frame }], lt);
    assert.equal(docs.length, 1, `link type ${lt}`);
    assert.deepEqual(docs[0].protocol, ['udp'], `link type ${lt}`);
    assert.equal(docs[0].source.ip, '10.9.0.1', `link type ${lt}`);
    assert.equal(docs[0].destination.port, 53, `link type ${lt}`);
  }
});
