// Packet mutations. Each works in place on a scratch frame (bytes + length) and knows where the
// IP header, transport header and payload were in the original, so it can aim at length
// fields: that is where parsers trust their input most.
import type { CorpusPacket, Layout } from './corpus.js';
import type { Rng } from './rng.js';

/** Largest frame a mutation may produce. */
export const MAX_FRAME = 65535 + 2048;

/** The frame being mutated: reused for every packet. */
export class Frame {
  readonly buf = new Uint8Array(MAX_FRAME);
  len = 0;
  wireLen = 0;
  tsSec = 0;
  tsUsec = 0;
  linkType = 1;
  layout!: Layout;

  load(p: CorpusPacket): void {
    this.buf.set(p.data);
    this.len = p.data.length;
    this.wireLen = p.wireLen;
    this.tsSec = p.tsSec;
    this.tsUsec = p.tsUsec;
    this.linkType = p.linkType;
    this.layout = p.layout;
  }
}

/** Mutation names, in the order of their bits in a packet's mutation mask. */
export const MUTATIONS = [
  'bitflip', 'byte', 'payload-bitflip', 'payload-byte', 'truncate', 'ip-len', 'ip-hl', 'tcp-off', 'udp-len',
  'payload-len', 'insert', 'delete', 'append', 'splice', 'tcp-flags', 'tcp-seq', 'time',
] as const;
export type MutationName = typeof MUTATIONS[number];

export function mutationNames(mask: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < MUTATIONS.length; i++) if (mask & (1 << i)) out.push(MUTATIONS[i]);
  return out;
}

const INTERESTING8 = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];

/** Another packet's payload, for `splice` (keeps headers, swaps in bytes from another protocol). */
export type PayloadSource = (rng: Rng) => CorpusPacket;

/** Apply one mutation chosen by index; returns its mask bit (0 when it could not apply). */
export function mutate(f: Frame, which: number, rng: Rng, other: PayloadSource): number {
  const L = f.layout, b = f.buf;
  const hasPayload = L.payloadOff >= 0 && L.payloadOff < f.len;
  switch (MUTATIONS[which]) {
    case 'bitflip': {
      if (f.len === 0) return 0;
      for (let n = 1 + rng.int(8); n > 0; n--) { const i = rng.int(f.len); b[i] ^= 1 << rng.int(8); }
      break;
    }
    case 'byte': {
      if (f.len === 0) return 0;
      for (let n = 1 + rng.int(4); n > 0; n--) b[rng.int(f.len)] = rng.chance(0.5) ? rng.pick(INTERESTING8) : rng.int(256);
      break;
    }
    case 'payload-bitflip': {
      if (!hasPayload) return 0;
      const span = f.len - L.payloadOff;
      for (let n = 1 + rng.int(8); n > 0; n--) { const i = L.payloadOff + rng.int(Math.min(span, rng.chance(0.5) ? 64 : span)); b[i] ^= 1 << rng.int(8); }
      break;
    }
    case 'payload-byte': {
      if (!hasPayload) return 0;
      const span = f.len - L.payloadOff;
      for (let n = 1 + rng.int(4); n > 0; n--) b[L.payloadOff + rng.int(span)] = rng.chance(0.5) ? rng.pick(INTERESTING8) : rng.int(256);
      break;
    }
    case 'truncate': {
      if (f.len === 0) return 0;
      // Half the time keep the headers and cut inside the payload.
      f.len = hasPayload && rng.chance(0.5) ? L.payloadOff + rng.int(f.len - L.payloadOff) : rng.int(f.len);
      break;
    }
    case 'ip-len': {
      if (L.ipOff < 0 || L.ipOff + 6 > f.len) return 0;
      const o = L.ipVersion === 4 ? L.ipOff + 2 : L.ipOff + 4;
      put16(b, o, lie16(rng, get16(b, o)));
      break;
    }
    case 'ip-hl': {
      if (L.ipVersion !== 4 || L.ipOff >= f.len) return 0;
      b[L.ipOff] = (b[L.ipOff] & 0xf0) | rng.int(16);
      break;
    }
    case 'tcp-off': {
      if (L.ipProtocol !== 6 || L.l4Off < 0 || L.l4Off + 13 > f.len) return 0;
      b[L.l4Off + 12] = (rng.int(16) << 4) | (b[L.l4Off + 12] & 0x0f);
      break;
    }
    case 'udp-len': {
      if (L.ipProtocol !== 17 || L.l4Off < 0 || L.l4Off + 6 > f.len) return 0;
      put16(b, L.l4Off + 4, lie16(rng, get16(b, L.l4Off + 4)));
      break;
    }
    case 'payload-len': {
      // A length field in the first bytes of the payload that lies: 1, 2 or 4 bytes, either order.
      if (!hasPayload) return 0;
      const span = f.len - L.payloadOff;
      const o = L.payloadOff + rng.int(Math.min(span, 24));
      const width = rng.pick([1, 2, 4]);
      if (o + width > f.len) return 0;
      const v = rng.pick([0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, span - 1, span + 1, rng.u32()]) >>> 0;
      const le = rng.chance(0.3);
      for (let i = 0; i < width; i++) b[o + (le ? i : width - 1 - i)] = (v >>> (8 * i)) & 0xff;
      break;
    }
    case 'insert': {
      const n = 1 + rng.int(64);
      if (f.len + n > MAX_FRAME) return 0;
      const at = hasPayload && rng.chance(0.7) ? L.payloadOff + rng.int(f.len - L.payloadOff + 1) : rng.int(f.len + 1);
      b.copyWithin(at + n, at, f.len);
      for (let i = 0; i < n; i++) b[at + i] = rng.int(256);
      f.len += n; f.wireLen += n;
      break;
    }
    case 'delete': {
      if (f.len < 2) return 0;
      const at = rng.int(f.len - 1);
      const n = 1 + rng.int(Math.min(64, f.len - at - 1));
      b.copyWithin(at, at + n, f.len);
      f.len -= n;
      break;
    }
    case 'append': {
      const n = 1 + rng.int(rng.chance(0.1) ? 4096 : 256);
      if (f.len + n > MAX_FRAME) return 0;
      for (let i = 0; i < n; i++) b[f.len + i] = rng.chance(0.5) ? 0 : rng.int(256);
      f.len += n; f.wireLen += n;
      break;
    }
    case 'splice': {
      if (L.payloadOff < 0 || L.payloadOff > f.len) return 0;
      const src = other(rng);
      const sl = src.layout;
      if (sl.payloadOff < 0 || sl.payloadLen <= 0) return 0;
      const n = Math.min(src.data.length - sl.payloadOff, MAX_FRAME - L.payloadOff);
      b.set(src.data.subarray(sl.payloadOff, sl.payloadOff + n), L.payloadOff);
      f.wireLen += L.payloadOff + n - f.len;
      f.len = L.payloadOff + n;
      break;
    }
    case 'tcp-flags': {
      if (L.ipProtocol !== 6 || L.l4Off < 0 || L.l4Off + 14 > f.len) return 0;
      b[L.l4Off + 13] = rng.chance(0.5) ? rng.int(256) : b[L.l4Off + 13] ^ (1 << rng.int(8));
      break;
    }
    case 'tcp-seq': {
      if (L.ipProtocol !== 6 || L.l4Off < 0 || L.l4Off + 12 > f.len) return 0;
      const o = L.l4Off + (rng.chance(0.5) ? 4 : 8);
      const v = get32(b, o);
      const d = rng.pick([1, -1, 1460, -1460, 0x7fffffff, 0x80000000, rng.u32(), rng.int(65536) - 32768]);
      put32(b, o, (v + d) >>> 0);
      break;
    }
    case 'time': {
      const jump = rng.pick([-86400 * 400, -3600, -1, 1, 61, 481, 3600, 86400 * 30]);
      f.tsSec = Math.max(0, f.tsSec + jump);
      if (rng.chance(0.3)) f.tsUsec = rng.int(1_000_000);
      break;
    }
  }
  if (f.wireLen < f.len) f.wireLen = f.len;
  return 1 << which;
}

/** A lying 16-bit length: zero, one off, tiny, huge, or random. */
function lie16(rng: Rng, actual: number): number {
  return rng.pick([0, 1, 19, 20, 39, 40, actual - 1, actual + 1, actual + 1000, 0x7fff, 0xffff, rng.int(65536)]) & 0xffff;
}
function get16(b: Uint8Array, o: number): number { return (b[o] << 8) | b[o + 1]; }
function put16(b: Uint8Array, o: number, v: number): void { b[o] = v >> 8; b[o + 1] = v; }
function get32(b: Uint8Array, o: number): number { return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0; }
function put32(b: Uint8Array, o: number, v: number): void { b[o] = v >>> 24; b[o + 1] = v >>> 16; b[o + 2] = v >>> 8; b[o + 3] = v; }

/** Move a whole flow onto another port: the same conversation, read by another protocol's parser. */
export function remapPort(f: Frame, from: number, to: number): void {
  const L = f.layout;
  if (L.l4Off < 0 || L.l4Off + 4 > f.len || (L.ipProtocol !== 6 && L.ipProtocol !== 17)) return;
  if (get16(f.buf, L.l4Off) === from) put16(f.buf, L.l4Off, to);
  if (get16(f.buf, L.l4Off + 2) === from) put16(f.buf, L.l4Off + 2, to);
}
