// IP range → AS number and organisation, from the @ip-location-db/asn CSVs:
//   asn-ipv4-num.csv  "16777216,16777471,13335,"Cloudflare, Inc.""   (range as integers)
//   asn-ipv6.csv      "2001::,2001::ffff:...:ffff,6939,Hurricane Electric LLC"
// Rows are sorted and disjoint; they go into typed arrays searched by bisection, and the
// organisation names into one deduplicated string table.
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

function countLines(buf: Buffer): number {
  let n = 0, i = -1;
  while ((i = buf.indexOf(NL, i + 1)) >= 0) n++;
  return buf.length > 0 && buf[buf.length - 1] !== NL ? n + 1 : n;
}

export class AsnTable {
  private v4Start = new Uint32Array(0);
  private v4End = new Uint32Array(0);
  private v4Asn = new Uint32Array(0);
  private v4Org = new Uint32Array(0);
  private v6Start = new Uint32Array(0); // 4 words per row
  private v6End = new Uint32Array(0);
  private v6Asn = new Uint32Array(0);
  private v6Org = new Uint32Array(0);
  private readonly orgs = new OrgTable();

  get v4Rows(): number { return this.v4Asn.length; }
  get v6Rows(): number { return this.v6Asn.length; }
  get orgCount(): number { return this.orgs.names.length; }

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
    return { number: this.v4Asn[found], org: this.orgs.names[this.v4Org[found]] };
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
    return { number: this.v6Asn[found], org: this.orgs.names[this.v6Org[found]] };
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
