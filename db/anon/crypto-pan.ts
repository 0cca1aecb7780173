// Crypto-PAn: prefix-preserving IP address anonymisation (Xu, Fan, Ammar, Moon, ICNP 2002), with
// AES-128 from node:crypto. A 32-byte key: the first 16 bytes key the cipher, the second 16 are
// encrypted once to make the pad. Output bit i flips input bit i by the top bit of
// AES(first i input bits ‖ the pad's remaining bits); two addresses that share an n-bit prefix
// therefore share an n-bit prefix anonymised. IPv4 is the 32 leading bits of the 128-bit block
// (the reference implementation's layout); IPv6 uses all 128, as yacryptopan does.
//
// Speed: the top 16 flip bits of an IPv4 address depend on its first 15 bits only, so they are
// cached per /16 (65,536 entries); the 16 blocks left go through the cipher in one call. Whole
// results are kept in a direct-mapped cache (IPv4 and IPv6), so an address seen before costs a
// lookup and allocates nothing; only a new address pays for the cipher call.
import { createCipheriv, type Cipher } from 'node:crypto';
import { ipToBytes } from '../fields/columns.js';

/** A key that cannot be used; `key` names the config key or option it came from. */
export class AnonymizeKeyError extends Error {
  constructor(readonly key: string, message: string) { super(message); }
}

const V4_CACHE_BITS = 16;
const V6_CACHE_BITS = 12;

export class CryptoPAn {
  private readonly cipher: Cipher;
  private readonly pad = new Uint8Array(16);
  /** Cipher input of one address: up to 128 blocks, each the pad with a prefix of the address. */
  private readonly blocks = new Uint8Array(128 * 16);
  /** Top 16 flip bits of an IPv4 address by its first 16 bits; bit 16 set once filled. */
  private readonly v4Prefix = new Uint32Array(1 << 16);
  private readonly v4Keys = new Uint32Array(1 << V4_CACHE_BITS);
  private readonly v4Vals = new Uint32Array(1 << V4_CACHE_BITS);
  private readonly v4Used = new Uint8Array(1 << V4_CACHE_BITS);
  private readonly v6Keys = new Uint8Array(16 << V6_CACHE_BITS);
  private readonly v6Vals = new Uint8Array(16 << V6_CACHE_BITS);
  private readonly v6Used = new Uint8Array(1 << V6_CACHE_BITS);

  /** `key`: 32 bytes (AES key ‖ pad seed). */
  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new AnonymizeKeyError('key', `a Crypto-PAn key is 32 bytes, not ${key.length}`);
    this.cipher = createCipheriv('aes-128-ecb', key.subarray(0, 16), null);
    this.cipher.setAutoPadding(false);
    this.pad.set(this.cipher.update(key.subarray(16, 32)));
    for (let i = 0; i < 128; i++) this.blocks.set(this.pad, i * 16);
  }

  /** From 64 hex digits; errors name `source` (a config key or an option). */
  static fromHex(hex: string | undefined, source = 'anonymizeKey'): CryptoPAn {
    return new CryptoPAn(parseKeyHex(hex, source));
  }

  /** Flip bits for positions [from, to) of the 128-bit block whose leading bits are `addr` (bytes at `off`). */
  private flips(addr: Uint8Array, off: number, from: number, to: number): Uint8Array {
    const b = this.blocks, pad = this.pad;
    for (let pos = from; pos < to; pos++) {
      const o = (pos - from) * 16;
      const full = pos >>> 3, rem = pos & 7;
      for (let k = 0; k < full; k++) b[o + k] = addr[off + k];
      if (rem) {
        const m = (0xff00 >>> rem) & 0xff;
        b[o + full] = (addr[off + full] & m) | (pad[full] & ~m & 0xff);
        for (let k = full + 1; k < 16; k++) b[o + k] = pad[k];
      } else {
        for (let k = full; k < 16; k++) b[o + k] = pad[k];
      }
    }
    return this.cipher.update(b.subarray(0, (to - from) * 16));
  }

  private readonly v4Bytes = new Uint8Array(4);

  /** The anonymised form of an IPv4 address given as an unsigned 32-bit integer. */
  anonymizeV4(addr: number): number {
    addr >>>= 0;
    const h = (Math.imul(addr, 0x9e3779b1) >>> (32 - V4_CACHE_BITS));
    if (this.v4Used[h] && this.v4Keys[h] === addr) return this.v4Vals[h];
    const a = this.v4Bytes;
    a[0] = addr >>> 24; a[1] = (addr >>> 16) & 0xff; a[2] = (addr >>> 8) & 0xff; a[3] = addr & 0xff;
    const p16 = addr >>> 16;
    let hi = this.v4Prefix[p16];
    if (!(hi & 0x10000)) {
      const f = this.flips(a, 0, 0, 16);
      hi = 0x10000;
      for (let i = 0; i < 16; i++) hi |= (f[i * 16] >>> 7) << (15 - i);
      this.v4Prefix[p16] = hi;
    }
    const f = this.flips(a, 0, 16, 32);
    let lo = 0;
    for (let i = 0; i < 16; i++) lo |= (f[i * 16] >>> 7) << (15 - i);
    const out = (addr ^ (((hi & 0xffff) << 16) | lo)) >>> 0;
    this.v4Used[h] = 1; this.v4Keys[h] = addr; this.v4Vals[h] = out;
    return out;
  }

  /** Anonymise the 4-byte IPv4 address at `off` in place. */
  anonymizeV4At(buf: Uint8Array, off: number): void {
    const v = this.anonymizeV4(((buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]) >>> 0);
    buf[off] = v >>> 24; buf[off + 1] = (v >>> 16) & 0xff; buf[off + 2] = (v >>> 8) & 0xff; buf[off + 3] = v & 0xff;
  }

  /** Anonymise the 16-byte IPv6 address at `off` in place. */
  anonymizeV6At(buf: Uint8Array, off: number): void {
    let x = 0x811c9dc5;
    for (let i = 0; i < 16; i++) x = Math.imul(x ^ buf[off + i], 0x01000193);
    const h = x >>> (32 - V6_CACHE_BITS), c = h * 16;
    const keys = this.v6Keys, vals = this.v6Vals;
    if (this.v6Used[h]) {
      let same = true;
      for (let i = 0; i < 16 && same; i++) same = keys[c + i] === buf[off + i];
      if (same) { for (let i = 0; i < 16; i++) buf[off + i] = vals[c + i]; return; }
    }
    for (let i = 0; i < 16; i++) keys[c + i] = buf[off + i];
    const f = this.flips(buf, off, 0, 128);
    for (let i = 0; i < 16; i++) {
      let bits = 0;
      for (let j = 0; j < 8; j++) bits |= (f[(i * 8 + j) * 16] >>> 7) << (7 - j);
      buf[off + i] ^= bits;
      vals[c + i] = buf[off + i];
    }
    this.v6Used[h] = 1;
  }

  /**
   * The address whose anonymised form is the `bytes`-long address at `off` (4 or 16 bytes),
   * written in place. Bit i of the original is bit i of the image flipped by the function of the
   * original's first i bits, so the original comes back bit by bit, one cipher call per bit.
   */
  deanonymizeAt(buf: Uint8Array, off: number, bytes: 4 | 16): void {
    const orig = new Uint8Array(16);
    for (let pos = 0; pos < bytes * 8; pos++) {
      const flip = this.flips(orig, 0, pos, pos + 1)[0] >>> 7;
      const bit = ((buf[off + (pos >>> 3)] >>> (7 - (pos & 7))) & 1) ^ flip;
      orig[pos >>> 3] |= bit << (7 - (pos & 7));
    }
    buf.set(orig.subarray(0, bytes), off);
  }

  /** The original of an anonymised IPv4 or IPv6 address text; undefined when it is neither. */
  deanonymizeText(text: string): string | undefined {
    const t = text.trim();
    const b = ipToBytes(t);
    if (!b) return undefined;
    if (!t.includes(':')) {
      this.deanonymizeAt(b, 12, 4);
      return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
    }
    this.deanonymizeAt(b, 0, 16);
    return v6Text(b);
  }

  /** The anonymised text of an IPv4 or IPv6 address text; undefined when it is neither. */
  anonymizeText(text: string): string | undefined {
    const t = text.trim();
    const b = ipToBytes(t);
    if (!b) return undefined;
    if (!t.includes(':')) {
      this.anonymizeV4At(b, 12);
      return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
    }
    this.anonymizeV6At(b, 0);
    return v6Text(b);
  }
}

/** Text of the 16-byte IPv6 address in `b` (RFC 5952). */
export function v6Text(b: Uint8Array): string {
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((b[i] << 8) | b[i + 1]).toString(16));
  return compressV6(g);
}

/** RFC 5952 text of eight hex groups: the longest run (≥ 2) of zero groups becomes `::`. */
function compressV6(g: string[]): string {
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== '0') { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === '0') j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  if (best < 0) return g.join(':');
  return `${g.slice(0, best).join(':')}::${g.slice(best + bestLen).join(':')}`;
}

/** 64 hex digits to 32 bytes; errors name `source`. */
export function parseKeyHex(hex: string | undefined, source = 'anonymizeKey'): Uint8Array {
  if (hex === undefined || hex.trim() === '') {
    throw new AnonymizeKeyError(source, `anonymisation needs ${source}: 64 hex digits (a 32-byte Crypto-PAn key), and none is set`);
  }
  const h = hex.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(h)) {
    throw new AnonymizeKeyError(source, `${source} must be 64 hex digits (a 32-byte Crypto-PAn key), not ${h.length} characters` +
      `${/[^0-9a-fA-F]/.test(h) ? ' with non-hex ones' : ''}`);
  }
  return Uint8Array.from(Buffer.from(h, 'hex'));
}
