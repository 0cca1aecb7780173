// Decoding helpers for email text: RFC 2047 encoded words the way Arkime's smtp.c decodes them
// (text outside encoded words is windows-1252, each word converted from its own charset),
// a streaming base64 decoder with GLib's g_base64_decode_step semantics, and inet_aton-style
// IPv4 text as Received: headers write it (`10.000.00.03`).
import { isIPv6 } from 'node:net';

/** Arkime builds the decoded value in a 0xfff byte buffer. */
const MAX_DECODED = 0xfff;

/** Windows-1252 bytes iconv has no character for (WHATWG maps them to C1 controls instead). */
const CP1252_UNDEFINED = /[\x81\x8d\x8f\x90\x9d]/;

/** 0x80-0x9f of windows-1252 (Node 20's TextDecoder decodes this charset as latin1). */
const CP1252_HIGH = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

function windows1252(bytes: string): string {
  if (!/[\x80-\x9f]/.test(bytes)) return bytes;
  return bytes.replace(/[\x80-\x9f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]);
}

const decoders = new Map<string, TextDecoder | null>();

/** Bytes (latin1 string) in `charset` → text, or undefined when the charset is unknown or the bytes invalid. */
export function convertCharset(bytes: string, charset: string): string | undefined {
  const cs = charset.trim().toLowerCase();
  if (cs === 'iso-8859-1' || cs === 'iso8859-1' || cs === 'latin1' || cs === 'iso_8859-1' || cs === 'l1') return bytes;
  if (cs === 'us-ascii' || cs === 'ascii') return /[\x80-\xff]/.test(bytes) ? undefined : bytes;
  if (cs === 'windows-1252' || cs === 'cp1252') return CP1252_UNDEFINED.test(bytes) ? undefined : windows1252(bytes);
  let d = decoders.get(cs);
  if (d === undefined) {
    try { d = new TextDecoder(cs, { fatal: true }); } catch { d = null; }
    decoders.set(cs, d);
  }
  if (d === null) return undefined;
  try {
    return d.decode(Buffer.from(bytes, 'latin1'));
  } catch {
    return undefined;
  }
}

const HEX_VALUE = new Int8Array(256).fill(0);
for (let i = 0; i < 10; i++) HEX_VALUE[0x30 + i] = i;
for (let i = 0; i < 6; i++) { HEX_VALUE[0x41 + i] = 10 + i; HEX_VALUE[0x61 + i] = 10 + i; }

/** The Q encoding of RFC 2047 (`=XX`, `_` = space) up to `?=`, cut at the first NUL as C would. */
export function decodeQ(s: string, from: number): string {
  let out = '';
  let i = from;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0) break;
    if (c === 0x3d) { // '='
      if (i + 2 < s.length && s.charCodeAt(i + 1) !== 0 && s.charCodeAt(i + 2) !== 0 && s.charCodeAt(i + 1) !== 0x0a) {
        out += String.fromCharCode((HEX_VALUE[s.charCodeAt(i + 1) & 0xff] << 4) | HEX_VALUE[s.charCodeAt(i + 2) & 0xff]);
        i += 3;
        continue;
      }
      break;
    }
    if (c === 0x5f) out += ' ';
    else if (c === 0x3f && s.charCodeAt(i + 1) === 0x3d) break;
    else out += s[i];
    i++;
  }
  const nul = out.indexOf('\0');
  return nul < 0 ? out : out.slice(0, nul);
}

/** Truncate text so its UTF-8 form fits `max` bytes. */
function fitUtf8(s: string, max: number): string {
  if (s.length * 3 <= max || Buffer.byteLength(s) <= max) return s;
  return Buffer.from(s).subarray(0, max).toString('utf8');
}

/**
 * Decode a header value held as bytes (latin1 string) with RFC 2047 encoded words
 * (`=?charset?B|Q?text?=`). Returns undefined when Arkime would keep the raw value instead
 * (malformed word, unknown charset, bytes invalid in their charset).
 */
export function decodeEncodedWords(raw: string): string | undefined {
  let out = '';
  let p = 0;
  const end = raw.length;
  while (p < end) {
    let start = raw.indexOf('=?', p);
    if (start !== p) {
      // plain text before (or without) an encoded word: windows-1252
      let extra = 0;
      if (start < 0) start = end;
      else if (p + 1 === start && raw.charCodeAt(p) === 0x20) extra = 1; // " =?" keeps words joined
      const t = convertCharset(raw.slice(p + extra, start), 'windows-1252');
      if (t === undefined) return undefined;
      out += t;
      p = start;
      continue;
    }
    const q = raw.indexOf('?', p + 2);
    if (q < 0) return undefined;
    const endq = raw.indexOf('?=', q + 3);
    if (endq < 0) return undefined;
    const charset = raw.slice(p + 2, q);
    const enc = raw.charCodeAt(q + 1);
    if (q + 3 === endq) {
      // empty encoded text
    } else if (enc === 0x42 || enc === 0x62) { // B
      const t = convertCharset(base64DecodeAll(raw.slice(q + 3, endq)), charset);
      if (t === undefined) return undefined;
      out += t;
    } else if (enc === 0x51 || enc === 0x71) { // Q
      const t = convertCharset(decodeQ(raw, q + 3), charset);
      if (t === undefined) return undefined;
      out += t;
    } else {
      return undefined;
    }
    p = endq + 2;
  }
  return fitUtf8(out, MAX_DECODED);
}

const B64_RANK = new Uint8Array(256).fill(0xff);
{
  const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < 64; i++) B64_RANK[a.charCodeAt(i)] = i;
  B64_RANK[0x3d] = 0; // '=' counts as a zero sextet; it only suppresses output bytes
}

/**
 * Streaming base64 decoder with g_base64_decode_step's rules: characters outside the alphabet
 * are skipped, `=` ends a quantum early, state carries across calls (lines).
 */
export class Base64Stream {
  private v = 0;
  private n = 0;
  private last0 = 0;
  private last1 = 0;

  reset(): void { this.v = 0; this.n = 0; this.last0 = 0; this.last1 = 0; }

  /** Decode latin1 `s` and append the bytes to `out`, returning the new length. */
  decode(s: string, out: Uint8Array, outLen: number): number {
    let o = outLen;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i) & 0xff;
      const r = B64_RANK[c];
      if (r === 0xff) continue;
      this.last1 = this.last0;
      this.last0 = c;
      this.v = ((this.v << 6) | r) & 0xffffff;
      if (++this.n === 4) {
        if (o < out.length) out[o++] = this.v >> 16;
        if (this.last1 !== 0x3d && o < out.length) out[o++] = (this.v >> 8) & 0xff;
        if (this.last0 !== 0x3d && o < out.length) out[o++] = this.v & 0xff;
        this.n = 0;
      }
    }
    return o;
  }
}

/** Decode a whole base64 text (g_base64_decode_inplace) into a latin1 string of bytes. */
export function base64DecodeAll(s: string): string {
  const out = new Uint8Array(Math.ceil(s.length * 3 / 4) + 3);
  const n = new Base64Stream().decode(s, out, 0);
  return Buffer.from(out.buffer, out.byteOffset, n).toString('latin1');
}

/**
 * IPv4 text as inet_aton reads it (1-4 parts; decimal, 0-octal, 0x-hex) in dotted form, or
 * IPv6 text as is; undefined when it is neither.
 */
export function parseIpText(text: string): string | undefined {
  const s = text.trim();
  if (s.includes(':')) return isIPv6(s) ? s.toLowerCase() : undefined;
  const parts = s.split('.');
  if (parts.length < 1 || parts.length > 4) return undefined;
  const nums: number[] = [];
  for (const p of parts) {
    let v: number;
    if (/^0[xX][0-9a-fA-F]+$/.test(p)) v = parseInt(p.slice(2), 16);
    else if (/^0[0-7]*$/.test(p)) v = parseInt(p, 8);
    else if (/^[1-9][0-9]*$/.test(p)) v = parseInt(p, 10);
    else return undefined;
    nums.push(v);
  }
  let value: number;
  const last = nums[nums.length - 1];
  for (let i = 0; i < nums.length - 1; i++) if (nums[i] > 255) return undefined;
  switch (nums.length) {
    case 1: if (last > 0xffffffff) return undefined; value = last; break;
    case 2: if (last > 0xffffff) return undefined; value = nums[0] * 0x1000000 + last; break;
    case 3: if (last > 0xffff) return undefined; value = nums[0] * 0x1000000 + nums[1] * 0x10000 + last; break;
    default: if (last > 255) return undefined; value = nums[0] * 0x1000000 + nums[1] * 0x10000 + nums[2] * 0x100 + last;
  }
  return `${Math.floor(value / 0x1000000) & 255}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}
