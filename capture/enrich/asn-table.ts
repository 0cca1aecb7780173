// IP range → AS number and organisation, from the @ip-location-db/asn CSVs:
//   asn-ipv4-num.csv  "16777216,16777471,13335,"Cloudflare, Inc.""   (range as integers)
//   asn-ipv6.csv      "2001::,2001::ffff:...:ffff,6939,Hurricane Electric LLC"
// Rows are sorted and disjoint; they go into typed arrays searched by bisection, and the
// organisation names into one deduplicated string table.
// The parsed table also has a compact binary form (toBytes/fromBytes): typed-array views over
// one buffer, names decoded on first use. It is cached on disk and, as a SharedArrayBuffer,
// shared by every packet thread (see shared-tables.ts), so the CSV is parsed once per install.
import { readFileSync } from 'node:fs';

export class AsnFileError extends Error {}

export interface AsnHit { number: number; org: string }

const COMMA = 0x2c, QUOTE = 0x22, NL = 0x0a, CR = 0x0d, COLON = 0x3a;

class CsvCursor {
  pos = 0;
  line = 1;
  constructor(readonly buf: Buffer, readonly file: string) {}
  fail(what: string): never { throw new AsnFileError(`${this.file}:${this.line}: ${what}`); }
  /** Unsigned decimal up to the next comma. */
  int(): number {
    const b = this.buf;
    let n = 0, digits = 0;
    while (this.pos < b.length && b[this.pos] >= 0x30 && b[this.pos] <= 0x39) {
      n = n * 10 + (b[this.pos++] - 0x30); digits++;
    }
    if (digits === 0) this.fail('expected a number');
    return n;
  }
  expect(c: number): void {
    if (this.buf[this.pos] !== c) this.fail(`expected '${String.fromCharCode(c)}'`);
    this.pos++;
  }
  /** Last field of the line, quoted or not; returns [start, end, hasEscapedQuotes]. */
  lastField(): [number, number, boolean] {
    const b = this.buf;
    let start = this.pos, end: number, escaped = false;
    if (b[start] === QUOTE) {
      start++;
      let i = start;
      for (;;) {
        if (i >= b.length) this.fail('unterminated quoted field');
        if (b[i] === QUOTE) {
          if (b[i + 1] === QUOTE) { escaped = true; i += 2; continue; }
          break;
        }
        i++;
      }
      end = i;
      this.pos = i + 1;
    } else {
      let i = start;
      while (i < b.length && b[i] !== NL && b[i] !== CR) i++;
      end = i;
      this.pos = i;
    }
    if (b[this.pos] === CR) this.pos++;
    if (this.pos < b.length && b[this.pos] !== NL) this.fail('unexpected text after the last field');
    this.pos++;
    this.line++;
    return [start, end, escaped];
  }
  /** IPv6 text up to the next comma into out[o..o+4) as four big-endian 32-bit words. */
  ipv6(out: Uint32Array, o: number): void {
    const b = this.buf;
    const words = new Uint16Array(8);
    let n = 0, gap = -1, cur = 0, digits = 0;
    while (this.pos < b.length && b[this.pos] !== COMMA) {
      const c = b[this.pos++];
      if (c === COLON) {
        const double = b[this.pos] === COLON;
        if (digits > 0) { if (n >= 8) this.fail('too many IPv6 groups'); words[n++] = cur; cur = 0; digits = 0; }
        else if (!double) this.fail('bad IPv6 address');
        if (double) { if (gap >= 0) this.fail("two '::' in an IPv6 address"); gap = n; this.pos++; }
        continue;
      }
      const v = c >= 0x30 && c <= 0x39 ? c - 0x30 : (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x57 : -1;
      if (v < 0 || digits === 4) this.fail('bad IPv6 address');
      cur = (cur << 4) | v; digits++;
    }
    if (digits > 0) { if (n >= 8) this.fail('too many IPv6 groups'); words[n++] = cur; }
    if (gap >= 0) {
      const move = n - gap;
      for (let i = 0; i < move; i++) words[7 - i] = words[n - 1 - i];
      for (let i = gap; i < 8 - move; i++) words[i] = 0;
    } else if (n !== 8) this.fail('IPv6 address without 8 groups');
    for (let i = 0; i < 4; i++) out[o + i] = ((words[i * 2] << 16) | words[i * 2 + 1]) >>> 0;
  }
}

class OrgTable {
  readonly names: string[] = [];
  private readonly index = new Map<string, number>();
  intern(buf: Buffer, start: number, end: number, escaped: boolean): number {
    let s = buf.toString('utf8', start, end);
    if (escaped) s = s.replace(/""/g, '"');
    let i = this.index.get(s);
    if (i === undefined) { i = this.names.length; this.names.push(s); this.index.set(s, i); }
    return i;
  }
}

/** Organisation names of a binary table: UTF-8 bytes by offset, each decoded on first use. */
class OrgBlob {
  private readonly cache: (string | undefined)[];
  constructor(private readonly offsets: Uint32Array, private readonly bytes: Buffer) {
    this.cache = new Array(offsets.length - 1);
  }
  get count(): number { return this.offsets.length - 1; }
  name(i: number): string {
    return this.cache[i] ??= this.bytes.toString('utf8', this.offsets[i], this.offsets[i + 1]);
  }
}

/** Binary layout: MAGIC, VERSION, v4 rows, v6 rows, org count, org bytes (u32 words, host order). */
const MAGIC = 0x53415250; // "PRAS" read little-endian; another byte order reads a different word
export const ASN_FORM_VERSION = 1;
const VERSION = ASN_FORM_VERSION;
const HEADER_WORDS = 6;

function countLines(buf: Buffer): number {
  let n = 0, i = -1;
  while ((i = buf.indexOf(NL, i + 1)) >= 0) n++;
  return buf.length > 0 && buf[buf.length - 1] !== NL ? n + 1 : n;
}

export class AsnTable {
  private v4Start: Uint32Array = new Uint32Array(0);
  private v4End: Uint32Array = new Uint32Array(0);
  private v4Asn: Uint32Array = new Uint32Array(0);
  private v4Org: Uint32Array = new Uint32Array(0);
  private v6Start: Uint32Array = new Uint32Array(0); // 4 words per row
  private v6End: Uint32Array = new Uint32Array(0);
  private v6Asn: Uint32Array = new Uint32Array(0);
  private v6Org: Uint32Array = new Uint32Array(0);
  private readonly orgs = new OrgTable();
  private blob: OrgBlob | undefined;

  get v4Rows(): number { return this.v4Asn.length; }
  get v6Rows(): number { return this.v6Asn.length; }
  get orgCount(): number { return this.blob ? this.blob.count : this.orgs.names.length; }

  private orgName(i: number): string { return this.blob ? this.blob.name(i) : this.orgs.names[i]; }

  /**
   * The compact binary form, in a SharedArrayBuffer when `shared` (worker threads can then use
   * one copy). Read it back with fromBytes.
   */
  toBytes(shared = false): Uint8Array {
    const names = this.orgs.names.map((n) => Buffer.from(n, 'utf8'));
    const nameBytes = names.reduce((a, b) => a + b.length, 0);
    const v4 = this.v4Rows, v6 = this.v6Rows;
    const words = HEADER_WORDS + v4 * 4 + v6 * 10 + names.length + 1;
    const size = words * 4 + nameBytes;
    const out = new Uint8Array(shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size));
    const w = new Uint32Array(out.buffer, 0, words);
    w.set([MAGIC, VERSION, v4, v6, names.length, nameBytes]);
    let o = HEADER_WORDS;
    for (const a of [this.v4Start, this.v4End, this.v4Asn, this.v4Org, this.v6Start, this.v6End, this.v6Asn, this.v6Org]) {
      w.set(a, o); o += a.length;
    }
    let at = words * 4;
    for (let i = 0; i < names.length; i++) {
      w[o + i] = at - words * 4;
      out.set(names[i], at); at += names[i].length;
    }
    w[o + names.length] = nameBytes;
    return out;
  }

  /** A table over `bytes` (made by toBytes; views, not copies). Throws AsnFileError on a bad form. */
  static fromBytes(bytes: Uint8Array, what = 'ASN table'): AsnTable {
    if (bytes.byteOffset % 4 !== 0 || bytes.length < HEADER_WORDS * 4) throw new AsnFileError(`${what}: too short or misaligned`);
    const h = new Uint32Array(bytes.buffer, bytes.byteOffset, HEADER_WORDS);
    if (h[0] !== MAGIC || h[1] !== VERSION) throw new AsnFileError(`${what}: not a version ${VERSION} packrat ASN table`);
    const [v4, v6, orgs, nameBytes] = [h[2], h[3], h[4], h[5]];
    const words = HEADER_WORDS + v4 * 4 + v6 * 10 + orgs + 1;
    if (bytes.length !== words * 4 + nameBytes) throw new AsnFileError(`${what}: ${bytes.length} bytes, the header says ${words * 4 + nameBytes}`);
    let o = bytes.byteOffset + HEADER_WORDS * 4;
    const take = (n: number) => { const a = new Uint32Array(bytes.buffer, o, n); o += n * 4; return a; };
    const t = new AsnTable();
    t.v4Start = take(v4); t.v4End = take(v4); t.v4Asn = take(v4); t.v4Org = take(v4);
    t.v6Start = take(v6 * 4); t.v6End = take(v6 * 4); t.v6Asn = take(v6); t.v6Org = take(v6);
    const offsets = take(orgs + 1);
    t.blob = new OrgBlob(offsets, Buffer.from(bytes.buffer, o, nameBytes));
    return t;
  }

  /** asn-ipv4-num.csv: start,end,asn,org with integer addresses. */
  loadV4Num(file: string): void {
    const buf = readBuffer(file);
    const rows = countLines(buf);
    const start = new Uint32Array(rows), end = new Uint32Array(rows), asn = new Uint32Array(rows), org = new Uint32Array(rows);
    const c = new CsvCursor(buf, file);
    let n = 0;
    while (c.pos < buf.length) {
      if (buf[c.pos] === NL || buf[c.pos] === CR) { c.pos++; c.line++; continue; }
      start[n] = c.int(); c.expect(COMMA);
      end[n] = c.int(); c.expect(COMMA);
      asn[n] = c.int(); c.expect(COMMA);
      if (n > 0 && start[n] <= end[n - 1]) {
        if (start[n] <= start[n - 1]) c.fail('rows are not sorted by range start');
        end[n - 1] = start[n] - 1; // overlapping rows (the package has one): the later, narrower one wins
      }
      const [s, e, esc] = c.lastField();
      org[n] = this.orgs.intern(buf, s, e, esc);
      n++;
    }
    this.v4Start = start.slice(0, n); this.v4End = end.slice(0, n);
    this.v4Asn = asn.slice(0, n); this.v4Org = org.slice(0, n);
  }

  /** asn-ipv6.csv: start,end,asn,org with IPv6 text addresses. */
  loadV6Text(file: string): void {
    const buf = readBuffer(file);
    const rows = countLines(buf);
    const start = new Uint32Array(rows * 4), end = new Uint32Array(rows * 4);
    const asn = new Uint32Array(rows), org = new Uint32Array(rows);
    const c = new CsvCursor(buf, file);
    let n = 0;
    while (c.pos < buf.length) {
      if (buf[c.pos] === NL || buf[c.pos] === CR) { c.pos++; c.line++; continue; }
      c.ipv6(start, n * 4); c.expect(COMMA);
      c.ipv6(end, n * 4); c.expect(COMMA);
      asn[n] = c.int(); c.expect(COMMA);
      if (n > 0 && cmp4(start, n * 4, end[n * 4 - 4], end[n * 4 - 3], end[n * 4 - 2], end[n * 4 - 1]) <= 0) {
        if (cmp4(start, n * 4, start[n * 4 - 4], start[n * 4 - 3], start[n * 4 - 2], start[n * 4 - 1]) <= 0) {
          c.fail('rows are not sorted by range start');
        }
        decrement4(start, n * 4, end, n * 4 - 4); // clip the earlier row to end just before this one
      }
      const [s, e, esc] = c.lastField();
      org[n] = this.orgs.intern(buf, s, e, esc);
      n++;
    }
    this.v6Start = start.slice(0, n * 4); this.v6End = end.slice(0, n * 4);
    this.v6Asn = asn.slice(0, n); this.v6Org = org.slice(0, n);
  }

  lookupV4(ip: number): AsnHit | undefined {
    const s = this.v4Start;
    let lo = 0, hi = s.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (s[mid] <= ip) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (found < 0 || ip > this.v4End[found]) return undefined;
    return { number: this.v4Asn[found], org: this.orgName(this.v4Org[found]) };
  }

  /** `addr` holds 16 bytes at `off`. */
  lookupV6(addr: Uint8Array, off = 0): AsnHit | undefined {
    const w0 = word(addr, off), w1 = word(addr, off + 4), w2 = word(addr, off + 8), w3 = word(addr, off + 12);
    const s = this.v6Start;
    let lo = 0, hi = this.v6Asn.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp4(s, mid * 4, w0, w1, w2, w3) <= 0) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (found < 0 || cmp4(this.v6End, found * 4, w0, w1, w2, w3) < 0) return undefined;
    return { number: this.v6Asn[found], org: this.orgName(this.v6Org[found]) };
  }
}

function word(a: Uint8Array, o: number): number {
  return ((a[o] << 24) | (a[o + 1] << 16) | (a[o + 2] << 8) | a[o + 3]) >>> 0;
}

/** Compare row words t[o..o+4) with (w0..w3): negative when the row is smaller. */
function cmp4(t: Uint32Array, o: number, w0: number, w1: number, w2: number, w3: number): number {
  return t[o] !== w0 ? t[o] - w0 : t[o + 1] !== w1 ? t[o + 1] - w1 : t[o + 2] !== w2 ? t[o + 2] - w2 : t[o + 3] - w3;
}

/** to[t..t+4) = from[f..f+4) − 1 (128-bit). */
function decrement4(from: Uint32Array, f: number, to: Uint32Array, t: number): void {
  let borrow = 1;
  for (let i = 3; i >= 0; i--) {
    const v = from[f + i] - borrow;
    borrow = v < 0 ? 1 : 0;
    to[t + i] = v >>> 0;
  }
}

function readBuffer(file: string): Buffer {
  try { return readFileSync(file); } catch (e) {
    throw new AsnFileError(`cannot read ASN table ${file}: ${(e as Error).message}`);
  }
}
