// DNS names as Arkime prints them: wire labels (with compression pointers) become an escaped
// ASCII string (non-ASCII bytes as `M-x`, control bytes as `^X`, like cat -v), then GLib's
// g_hostname_to_unicode turns it into the presentation form: ASCII labels lowercased,
// `xn--` labels punycode-decoded, trailing dot dropped.

/** Outcome of reading a name; `next` is where the reader stands after it. */
export interface NameResult {
  /** Escaped ASCII name ('' for the root), or undefined when the name is unreadable. */
  name: string | undefined;
  next: number;
  /** The name ran past the end of its buffer (Arkime's sticky BSB error). */
  overrun: boolean;
  /** More than 10 compression pointers were followed. */
  pointerLoop: boolean;
}

const MAX_POINTERS = 10;
const MAX_NAME = 8000;

/**
 * Read a name at `pos` of the message `buf[start, start+len)`. Compression pointers are offsets
 * from `start`. Mirrors Arkime's reader, including its leniencies: a label longer than the
 * rest of the buffer is skipped (only its length byte is consumed) and the name simply ends
 * where the buffer ends.
 */
export function readName(buf: Uint8Array, start: number, len: number, pos: number, end: number): NameResult {
  const res: NameResult = { name: undefined, next: pos, overrun: false, pointerLoop: false };
  let out = '';
  let pointers = 0;
  let cur = pos;
  let curEnd = end;
  let jumped = false;
  const msgEnd = start + len;
  while (cur < curEnd) {
    const ch = buf[cur];
    if (ch === 0) { cur++; break; }
    if (ch & 0xc0) {
      if (pointers > MAX_POINTERS) { res.pointerLoop = true; if (!jumped) res.next = cur; return res; }
      pointers++;
      if (cur + 2 > curEnd) { // a pointer cut in half: the reader's error flag goes up
        if (!jumped) { res.overrun = true; res.next = curEnd; }
        return res;
      }
      const target = ((ch << 8) | buf[cur + 1]) & 0x3fff;
      if (!jumped) { res.next = cur + 2; jumped = true; }
      if (target >= len) return res;
      cur = start + target;
      curEnd = msgEnd;
      continue;
    }
    if (out.length) out += '.';
    cur++;
    const nlen = ch;
    if (nlen > curEnd - cur) {
      if (out.length) out = out.slice(0, -1); // Arkime removes the dot it just wrote
      continue;
    }
    for (let j = 0; j < nlen; j++) {
      let c = buf[cur + j];
      if (c >= 0x80) { out += 'M-'; c &= 0x7f; }
      if (c < 0x20 || c === 0x7f) { out += '^'; c ^= 0x40; }
      out += String.fromCharCode(c);
    }
    cur += nlen;
    if (out.length > MAX_NAME) out = out.slice(0, MAX_NAME);
  }
  if (!jumped) res.next = cur;
  res.name = out;
  return res;
}

// RFC 3492 punycode, as GLib's punycode_decode (basic code points keep their case).
const BASE = 36, TMIN = 1, TMAX = 26, SKEW = 38, DAMP = 700, INITIAL_BIAS = 72, INITIAL_N = 0x80;

function adapt(delta: number, numPoints: number, first: boolean): number {
  delta = first ? Math.floor(delta / DAMP) : delta >> 1;
  delta += Math.floor(delta / numPoints);
  let k = 0;
  while (delta > ((BASE - TMIN) * TMAX) >> 1) { delta = Math.floor(delta / (BASE - TMIN)); k += BASE; }
  return k + Math.floor(((BASE - TMIN + 1) * delta) / (delta + SKEW));
}

function decodeDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 22;
  if (c >= 0x41 && c <= 0x5a) return c - 0x41;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61;
  return BASE;
}

/** Decode the part after `xn--`; undefined when it is not valid punycode. */
export function punycodeDecode(input: string): string | undefined {
  const out: number[] = [];
  let split = input.length - 1;
  while (split > 0 && input.charCodeAt(split) !== 0x2d) split--;
  let p = 0;
  if (split > 0) {
    for (; p < split; p++) {
      const c = input.charCodeAt(p);
      if (c >= 0x80) return undefined;
      out.push(c);
    }
    p++;
  }
  let n = INITIAL_N, i = 0, bias = INITIAL_BIAS;
  while (p < input.length) {
    const oldi = i;
    for (let w = 1, k = BASE; ; k += BASE) {
      if (p >= input.length) return undefined;
      const digit = decodeDigit(input.charCodeAt(p++));
      if (digit >= BASE) return undefined;
      i += digit * w;
      if (i > 0xffffffff) return undefined;
      const t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
      if (digit < t) break;
      w *= BASE - t;
      if (w > 0xffffffff) return undefined;
    }
    bias = adapt(i - oldi, out.length + 1, oldi === 0);
    n += Math.floor(i / (out.length + 1));
    if (n > 0x10ffff) return undefined;
    i %= out.length + 1;
    out.splice(i++, 0, n);
  }
  let s = '';
  for (const cp of out) s += String.fromCodePoint(cp);
  return s;
}

/**
 * GLib's g_hostname_to_unicode for the escaped ASCII names readName makes: lowercase plain
 * labels, decode `xn--` labels, drop a trailing dot. Undefined when a punycode label is bad.
 */
export function hostnameToUnicode(name: string): string | undefined {
  if (!/xn--/i.test(name)) {
    const lower = name.toLowerCase();
    return lower.endsWith('.') ? lower.slice(0, -1) : lower;
  }
  const labels = name.split('.');
  if (labels.length > 1 && labels[labels.length - 1] === '') labels.pop();
  const out: string[] = [];
  for (const label of labels) {
    if (label.length >= 4 && label.slice(0, 4).toLowerCase() === 'xn--') {
      const dec = punycodeDecode(label.slice(4));
      if (dec === undefined) return undefined;
      out.push(dec);
    } else {
      out.push(label.toLowerCase());
    }
  }
  return out.join('.');
}
