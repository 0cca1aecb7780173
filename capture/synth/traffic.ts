// Packrat's own sample traffic: small, deterministic pcaps of TCP (HTTP), UDP (DNS) and ICMP
// sessions with correct headers, for the demo and for tests that need a pcap with known content.
import { writeFileSync } from 'node:fs';

export interface Frame { tsUs: number; data: Uint8Array }

const MAC_C = [0x00, 0x1b, 0x21, 0x01, 0x02, 0x03]; // Intel
const MAC_S = [0x00, 0x50, 0x56, 0x0a, 0x0b, 0x0c]; // VMware

/** The Internet checksum (RFC 1071) of `len` bytes at `off`, starting from the partial sum `init`. */
export function csum(b: Uint8Array, off: number, len: number, init = 0): number {
  let s = init;
  for (let i = 0; i + 1 < len; i += 2) s += (b[off + i] << 8) | b[off + i + 1];
  if (len & 1) s += b[off + len - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

export interface Endpoint { ip: [number, number, number, number]; port: number; mac: number[] }

/** An endpoint from a dotted IPv4 address; clients get an Intel MAC, servers a VMware one. */
export function endpoint(ip: string, port: number, side: 'client' | 'server' = 'client'): Endpoint {
  const q = ip.split('.').map(Number);
  if (q.length !== 4 || q.some((n) => !(n >= 0 && n <= 255))) throw new Error(`endpoint: bad IPv4 address ${ip}`);
  return { ip: q as Endpoint['ip'], port, mac: side === 'client' ? MAC_C : MAC_S };
}

/** Build an Ethernet/IPv4 frame carrying `l4` (TCP or UDP header + payload already laid out). */
export function ipv4Frame(src: Endpoint, dst: Endpoint, proto: number, l4: Uint8Array, ttl = 64, vlan?: number): Uint8Array {
  const eth = vlan !== undefined ? 18 : 14;
  const f = new Uint8Array(Math.max(60, eth + 20 + l4.length));
  f.set(dst.mac, 0); f.set(src.mac, 6);
  let o = 12;
  if (vlan !== undefined) { f[o] = 0x81; f[o + 1] = 0; f[o + 2] = vlan >> 8; f[o + 3] = vlan & 0xff; o += 4; }
  f[o] = 0x08; f[o + 1] = 0x00; o += 2;
  const ip = o, total = 20 + l4.length;
  f[ip] = 0x45; f[ip + 2] = total >> 8; f[ip + 3] = total & 0xff;
  f[ip + 6] = 0x40; f[ip + 8] = ttl; f[ip + 9] = proto;
  f.set(src.ip, ip + 12); f.set(dst.ip, ip + 16);
  const c = csum(f, ip, 20); f[ip + 10] = c >> 8; f[ip + 11] = c & 0xff;
  f.set(l4, ip + 20);
  // L4 checksum over the pseudo header
  let ph = (src.ip[0] << 8 | src.ip[1]) + (src.ip[2] << 8 | src.ip[3]) + (dst.ip[0] << 8 | dst.ip[1]) + (dst.ip[2] << 8 | dst.ip[3]) + proto + l4.length;
  const co = proto === 6 ? 16 : proto === 17 ? 6 : -1;
  if (co >= 0) {
    ph = (ph & 0xffff) + (ph >>> 16);
    const l4c = csum(f, ip + 20, l4.length, ph);
    f[ip + 20 + co] = l4c >> 8; f[ip + 20 + co + 1] = l4c & 0xff;
  }
  return f;
}

export function tcpSegment(sport: number, dport: number, seq: number, ack: number, flags: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const t = new Uint8Array(20 + payload.length);
  t[0] = sport >> 8; t[1] = sport & 0xff; t[2] = dport >> 8; t[3] = dport & 0xff;
  new DataView(t.buffer).setUint32(4, seq >>> 0); new DataView(t.buffer).setUint32(8, ack >>> 0);
  t[12] = 0x50; t[13] = flags; t[14] = 0xff; t[15] = 0xff;
  t.set(payload, 20);
  return t;
}

export function udpDatagram(sport: number, dport: number, payload: Uint8Array): Uint8Array {
  const u = new Uint8Array(8 + payload.length);
  u[0] = sport >> 8; u[1] = sport & 0xff; u[2] = dport >> 8; u[3] = dport & 0xff;
  u[4] = u.length >> 8; u[5] = u.length & 0xff;
  u.set(payload, 8);
  return u;
}

/**
 * An Ethernet frame of any kind: `typeOrLength` is the ethertype (ARP 0x0806, ...) or, for an
 * 802.3/LLC frame, the payload length. Padded to the 60-byte minimum as a NIC sends it.
 */
export function etherFrame(dstMac: readonly number[], srcMac: readonly number[], typeOrLength: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(Math.max(60, 14 + payload.length));
  f.set(dstMac, 0); f.set(srcMac, 6);
  f[12] = typeOrLength >> 8; f[13] = typeOrLength & 0xff;
  f.set(payload, 14);
  return f;
}

const enc = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

/** A complete TCP conversation: handshake, one request/response, FIN/ACK teardown. */
export function tcpConversation(c: Endpoint, s: Endpoint, startUs: number, request: Uint8Array, response: Uint8Array, rttUs = 2000): Frame[] {
  return tcpDialog(c, s, startUs, [{ from: 'client', data: request }, { from: 'server', data: response }], { rttUs, mss: Infinity });
}

/** One message of a dialog: who sends it and its bytes. */
export interface Message { from: 'client' | 'server'; data: Uint8Array | string }

const bytesOf = (d: Uint8Array | string) => (typeof d === 'string' ? enc(d) : d);

/**
 * A TCP session carrying `messages` in order: handshake, each message (split into `mss`-sized
 * segments) acknowledged by the peer, then FIN/ACK teardown. Parser sample pcaps are built from it.
 */
export function tcpDialog(c: Endpoint, s: Endpoint, startUs: number, messages: Message[], opts: { rttUs?: number; mss?: number } = {}): Frame[] {
  const rttUs = opts.rttUs ?? 2000, mss = opts.mss ?? 1460;
  const out: Frame[] = [];
  let t = startUs, cs = 1000, ss = 5000;
  const push = (fromClient: boolean, seg: Uint8Array) => { out.push({ tsUs: t, data: fromClient ? ipv4Frame(c, s, 6, seg) : ipv4Frame(s, c, 6, seg, 60) }); t += rttUs / 2; };
  push(true, tcpSegment(c.port, s.port, cs, 0, 0x02));
  push(false, tcpSegment(s.port, c.port, ss, cs + 1, 0x12));
  cs++; ss++;
  push(true, tcpSegment(c.port, s.port, cs, ss, 0x10));
  for (const m of messages) {
    const data = bytesOf(m.data), fromClient = m.from === 'client';
    for (let o = 0; o < data.length; o += mss) {
      const part = data.subarray(o, Math.min(data.length, o + mss));
      if (fromClient) { push(true, tcpSegment(c.port, s.port, cs, ss, 0x18, part)); cs += part.length; }
      else { push(false, tcpSegment(s.port, c.port, ss, cs, 0x18, part)); ss += part.length; }
    }
    push(!fromClient, fromClient ? tcpSegment(s.port, c.port, ss, cs, 0x10) : tcpSegment(c.port, s.port, cs, ss, 0x10));
  }
  push(true, tcpSegment(c.port, s.port, cs, ss, 0x11)); cs++;
  push(false, tcpSegment(s.port, c.port, ss, cs, 0x11)); ss++;
  push(true, tcpSegment(c.port, s.port, cs, ss, 0x10));
  return out;
}

/** A UDP exchange: one datagram per message, `gapUs` apart. */
export function udpDialog(c: Endpoint, s: Endpoint, startUs: number, messages: Message[], gapUs = 1000): Frame[] {
  return messages.map((m, i) => ({
    tsUs: startUs + i * gapUs,
    data: m.from === 'client' ? ipv4Frame(c, s, 17, udpDatagram(c.port, s.port, bytesOf(m.data)))
      : ipv4Frame(s, c, 17, udpDatagram(s.port, c.port, bytesOf(m.data)), 60),
  }));
}

export function dnsQuery(id: number, name: string, qtype = 1): Uint8Array {
  const labels = name.split('.').flatMap((l) => [l.length, ...enc(l)]);
  return new Uint8Array([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, 0, qtype, 0, 1]);
}

export function dnsAnswerA(id: number, name: string, ip: number[]): Uint8Array {
  const q = dnsQuery(id, name);
  const r = new Uint8Array([...q, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, ...ip]);
  r[2] = 0x81; r[3] = 0x80; r[7] = 1;
  return r;
}

/** Serialise frames as a classic microsecond pcap (little endian, Ethernet). */
export function pcapBytes(frames: Frame[], linkType = 1): Uint8Array {
  const size = 24 + frames.reduce((n, f) => n + 16 + f.data.length, 0);
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0xa1b2c3d4, true); v.setUint16(4, 2, true); v.setUint16(6, 4, true);
  v.setUint32(16, 65535, true); v.setUint32(20, linkType, true);
  let o = 24;
  for (const f of frames) {
    v.setUint32(o, Math.floor(f.tsUs / 1e6), true); v.setUint32(o + 4, f.tsUs % 1e6, true);
    v.setUint32(o + 8, f.data.length, true); v.setUint32(o + 12, f.data.length, true);
    b.set(f.data, o + 16); o += 16 + f.data.length;
  }
  return b;
}

/** The demo workload: `sessions` HTTP, DNS and ICMP sessions spread over a few minutes. */
export function sampleTraffic(sessions = 300, startSec = 1_763_700_000): Frame[] {
  const frames: Frame[] = [];
  let seed = 7;
  const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
  const hosts = ['www.example.com', 'api.example.net', 'cdn.example.org', 'mail.example.com', 'packrat.example'];
  for (let i = 0; i < sessions; i++) {
    const t = startSec * 1e6 + i * 200_000 + Math.floor(rnd() * 100_000);
    const c: Endpoint = { ip: [10, 0, (i >> 8) & 0xff, (i & 0xff) || 1], port: 40000 + (i % 20000), mac: MAC_C };
    const host = hosts[i % hosts.length];
    const kind = i % 3;
    if (kind === 0) {
      const s: Endpoint = { ip: [93, 184, 216, 34 + (i % 5)], port: 80, mac: MAC_S };
      const body = `<html><body>${host} ${i}</body></html>`;
      const req = enc(`GET /page/${i} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: packrat-demo/1.0\r\nAccept: */*\r\n\r\n`);
      const res = enc(`HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      frames.push(...tcpConversation(c, s, t, req, res));
    } else if (kind === 1) {
      const s: Endpoint = { ip: [8, 8, 8, 8], port: 53, mac: MAC_S };
      frames.push({ tsUs: t, data: ipv4Frame(c, s, 17, udpDatagram(c.port, 53, dnsQuery(i & 0xffff, host))) });
      frames.push({ tsUs: t + 15_000, data: ipv4Frame(s, c, 17, udpDatagram(53, c.port, dnsAnswerA(i & 0xffff, host, [93, 184, 216, 34]))) });
    } else {
      const s: Endpoint = { ip: [1, 1, 1, 1], port: 0, mac: MAC_S };
      const echo = (type: number) => { const m = new Uint8Array(16); m[0] = type; m[5] = i & 0xff; const ck = csum(m, 0, 16); m[2] = ck >> 8; m[3] = ck & 0xff; return m; };
      frames.push({ tsUs: t, data: ipv4Frame(c, s, 1, echo(8)) });
      frames.push({ tsUs: t + 9_000, data: ipv4Frame(s, c, 1, echo(0), 57) });
    }
  }
  frames.sort((a, b) => a.tsUs - b.tsUs);
  return frames;
}

export function writeSamplePcap(path: string, sessions = 300): number {
  const frames = sampleTraffic(sessions);
  writeFileSync(path, pcapBytes(frames));
  return frames.length;
}
