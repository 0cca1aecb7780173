// The packets pane of one session: each packet's direction, time, hex and ASCII, and the payload
// reassembled per direction (TCP in sequence order, retransmissions dropped) with HTTP bodies
// de-chunked and gunzipped. Decoding goes only as deep as finding the addresses and the payload.
import zlib from 'node:zlib';
import type { PacketAnonymizer } from '../db/pcap/anonymize-packet.js';
import { PCAP_RECORD_HEADER_LEN, u32 } from '../db/pcap/format.js';
import { decodePacketPos, type PcapFiles } from './pcap-source.js';

export interface Flow { srcIp: string; dstIp: string; srcPort: number; dstPort: number; proto: number; payloadOff: number; payloadLen: number; seq: number }

function ip4(b: Uint8Array, o: number): string { return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`; }
function ip6(b: Uint8Array, o: number): string {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((b[o + i] << 8) | b[o + i + 1]).toString(16));
  return g.join(':').replace(/(^|:)0(:0)+(:|$)/, '::').replace(/:{3,}/, '::');
}

/** Addresses, ports and payload of a frame; undefined when it is not IP. */
export function decodeFrame(b: Uint8Array, off: number, len: number, linktype: number): Flow | undefined {
  const end = off + len;
  let p = off, etype = -1;
  switch (linktype) {
    case 1: // Ethernet, with VLAN tags
      if (len < 14) return undefined;
      etype = (b[p + 12] << 8) | b[p + 13]; p += 14;
      while ((etype === 0x8100 || etype === 0x88a8) && p + 4 <= end) { etype = (b[p + 2] << 8) | b[p + 3]; p += 4; }
      break;
    case 101: case 12: case 14: etype = (b[p] >> 4) === 6 ? 0x86dd : 0x0800; break;
    case 0: case 108: { const fam = b[p] | b[p + 1]; p += 4; etype = fam === 2 ? 0x0800 : 0x86dd; break; }
    case 113: etype = (b[p + 14] << 8) | b[p + 15]; p += 16; break;
    case 276: etype = (b[p] << 8) | b[p + 1]; p += 20; break;
    default: return undefined;
  }
  let proto: number, srcIp: string, dstIp: string, l4: number, l4end: number;
  if (etype === 0x0800) {
    if (p + 20 > end) return undefined;
    const ihl = (b[p] & 0x0f) * 4;
    proto = b[p + 9]; srcIp = ip4(b, p + 12); dstIp = ip4(b, p + 16);
    l4 = p + ihl; l4end = Math.min(end, p + ((b[p + 2] << 8) | b[p + 3]));
  } else if (etype === 0x86dd) {
    if (p + 40 > end) return undefined;
    proto = b[p + 6]; srcIp = ip6(b, p + 8); dstIp = ip6(b, p + 24);
    l4 = p + 40; l4end = Math.min(end, l4 + ((b[p + 4] << 8) | b[p + 5]));
    while ((proto === 0 || proto === 43 || proto === 60) && l4 + 8 <= l4end) { proto = b[l4]; l4 += (b[l4 + 1] + 1) * 8; }
  } else return undefined;
  const f: Flow = { srcIp, dstIp, srcPort: 0, dstPort: 0, proto, payloadOff: l4, payloadLen: Math.max(0, l4end - l4), seq: 0 };
  if ((proto === 6 || proto === 17 || proto === 132) && l4 + 4 <= l4end) {
    f.srcPort = (b[l4] << 8) | b[l4 + 1]; f.dstPort = (b[l4 + 2] << 8) | b[l4 + 3];
    const hl = proto === 6 ? (b[l4 + 12] >> 4) * 4 : proto === 17 ? 8 : 12;
    if (proto === 6) f.seq = u32(b, l4 + 4, false);
    f.payloadOff = Math.min(l4end, l4 + hl);
    f.payloadLen = Math.max(0, l4end - f.payloadOff);
  }
  return f;
}

export interface PacketJson {
  num: number;
  /** 0: source → destination, 1: destination → source. */
  dir: 0 | 1;
  ts: number;
  caplen: number;
  wirelen: number;
  hex: string;
  ascii: string;
  payloadOffset: number;
  payloadLength: number;
}

export interface ReassembledJson {
  dir: 0 | 1; ts: number; bytes: number; text: string; body?: string; bodyEncoding?: string;
  /** The decoded body was cut at this many bytes (MAX_DECODED_BODY). */
  bodyCut?: number;
}

const ascii = (b: Uint8Array) => Array.from(b, (c) => (c >= 32 && c < 127) || c === 10 || c === 13 || c === 9 ? String.fromCharCode(c) : '.').join('');

/**
 * Most bytes one HTTP body is inflated to for the packets pane. A body on the wire is attacker
 * data: deflate expands zeros about 1000-fold, so 1 MB of packets could become a 1 GB buffer
 * (and a string of it) in the viewer. Past this bound the body shown is cut and says so.
 */
export const MAX_DECODED_BODY = 1 << 20;

export interface HttpBody { body: Buffer; encoding?: string; /** Set when inflating stopped at MAX_DECODED_BODY. */ cut?: number }

/**
 * Inflates gzip or deflate data, stopping once `max` bytes came out: a stream, so nothing larger
 * than the bound (plus one zlib chunk) is ever held, and the event loop is yielded between chunks.
 */
export function inflateBounded(data: Buffer, enc: 'gzip' | 'deflate', max: number): Promise<{ out: Buffer; cut: boolean }> {
  return new Promise((resolve, reject) => {
    const opts = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
    const z = enc === 'gzip' ? zlib.createGunzip(opts) : zlib.createInflate(opts);
    const parts: Buffer[] = [];
    let n = 0, done = false;
    const finish = (cut: boolean) => { if (done) return; done = true; const out = Buffer.concat(parts, Math.min(n, max)); resolve({ out, cut }); };
    z.on('data', (c: Buffer) => {
      if (done) return;
      parts.push(c); n += c.length;
      if (n > max) { finish(true); z.destroy(); }
    });
    z.on('end', () => finish(false));
    z.on('error', (e) => { if (!done) { done = true; reject(e); } });
    z.end(data);
  });
}

/** An HTTP message's body, de-chunked and gunzipped (at most MAX_DECODED_BODY bytes) when the headers say so. */
export async function decodeHttpBody(msg: Buffer, max = MAX_DECODED_BODY): Promise<HttpBody | undefined> {
  const sep = msg.indexOf('\r\n\r\n');
  if (sep < 0 || !/^(HTTP\/\d|[A-Z]+ \S+ HTTP\/\d)/.test(msg.subarray(0, 16).toString('latin1'))) return undefined;
  const head = msg.subarray(0, sep).toString('latin1');
  let body = msg.subarray(sep + 4);
  if (/^transfer-encoding:\s*chunked/im.test(head)) {
    const parts: Buffer[] = [];
    let p = 0;
    for (;;) {
      const eol = body.indexOf('\r\n', p);
      if (eol < 0) break;
      const size = parseInt(body.subarray(p, eol).toString('latin1'), 16);
      if (!Number.isFinite(size) || size <= 0) break;
      parts.push(body.subarray(eol + 2, eol + 2 + size));
      p = eol + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  }
  const enc = /^content-encoding:\s*(\S+)/im.exec(head)?.[1]?.toLowerCase();
  if (enc === 'gzip' || enc === 'deflate') {
    try {
      const r = await inflateBounded(body, enc, max);
      return r.cut ? { body: r.out, encoding: enc, cut: max } : { body: r.out, encoding: enc };
    } catch { return { body, encoding: `${enc} (could not decode)` }; }
  }
  return { body };
}

export async function sessionPackets(files: PcapFiles, doc: Record<string, unknown>, maxPackets: number, anon?: PacketAnonymizer): Promise<{ packets: PacketJson[]; reassembled: ReassembledJson[]; error?: string }> {
  const node = String(doc.node ?? '');
  const packetPos = (doc.packetPos as number[] | undefined) ?? [];
  const src = doc.source as { ip?: string; port?: number } | undefined;
  await files.prime([{ node, packetPos }]);
  const { files: nums, positions } = decodePacketPos(packetPos, files.isGap0(node, packetPos));
  const packets: PacketJson[] = [];
  const segs: { dir: 0 | 1; ts: number; seq: number; tcp: boolean; data: Buffer }[] = [];
  let error: string | undefined;
  for (let i = 0; i < positions.length && packets.length < maxPackets; i++) {
    try {
      const f = await files.get(node, nums[i]);
      const off = await f.record(positions[i]);
      const b = f.buffer, le = f.header.littleEndian;
      const caplen = u32(b, off + 8, le);
      const frac = u32(b, off + 4, le);
      const ts = u32(b, off, le) * 1000 + (f.header.nanos ? frac / 1e6 : frac / 1e3);
      const frame = Buffer.from(b.subarray(off + PCAP_RECORD_HEADER_LEN, off + PCAP_RECORD_HEADER_LEN + caplen));
      const flow = decodeFrame(frame, 0, caplen, f.header.linktype);
      const dir: 0 | 1 = flow && src && (flow.srcIp !== src.ip || (src.port !== undefined && flow.srcPort !== src.port)) ? 1 : 0;
      anon?.frame(frame, 0, caplen, f.header.linktype); // a copy; the direction was found from the real addresses
      packets.push({ num: packets.length, dir, ts, caplen, wirelen: u32(b, off + 12, le), hex: frame.toString('hex'), ascii: ascii(frame),
        payloadOffset: flow?.payloadOff ?? 0, payloadLength: flow?.payloadLen ?? 0 });
      if (flow && flow.payloadLen > 0) segs.push({ dir, ts, seq: flow.seq, tcp: flow.proto === 6, data: frame.subarray(flow.payloadOff, flow.payloadOff + flow.payloadLen) });
    } catch (e) { error = (e as Error).message; break; }
  }
  return { packets, reassembled: await reassemble(segs), error };
}

/** Consecutive payloads of one direction become one message; TCP bytes already seen are dropped. */
async function reassemble(segs: { dir: 0 | 1; ts: number; seq: number; tcp: boolean; data: Buffer }[]): Promise<ReassembledJson[]> {
  const next: (number | undefined)[] = [undefined, undefined];
  const out: { dir: 0 | 1; ts: number; parts: Buffer[] }[] = [];
  for (const s of segs) {
    let data = s.data;
    if (s.tcp) {
      const exp = next[s.dir];
      if (exp !== undefined) {
        const behind = (exp - s.seq) >>> 0;
        if (behind < 0x80000000) { if (behind >= data.length) continue; data = data.subarray(behind); }
      }
      next[s.dir] = (s.seq + s.data.length) >>> 0;
    }
    const last = out[out.length - 1];
    if (last && last.dir === s.dir) last.parts.push(data);
    else out.push({ dir: s.dir, ts: s.ts, parts: [data] });
  }
  const msgs: ReassembledJson[] = [];
  for (const m of out) {
    const all = Buffer.concat(m.parts);
    const r: ReassembledJson = { dir: m.dir, ts: m.ts, bytes: all.length, text: ascii(all) };
    const http = await decodeHttpBody(all);
    if (http && http.encoding) {
      r.body = ascii(http.body); r.bodyEncoding = http.encoding;
      if (http.cut !== undefined) r.bodyCut = http.cut;
    }
    msgs.push(r);
  }
  return msgs;
}
