// Small text helpers shared by the text-protocol parsers (HTTP, SMTP headers, ...).

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * Bytes held as a latin1 string (one char per byte) → the string a JSON document should carry:
 * decoded as UTF-8 when the bytes are valid UTF-8, else left byte-for-byte.
 */
export function latin1ToText(s: string): string {
  let ascii = true;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) { ascii = false; break; }
  if (ascii) return s;
  try {
    return utf8Strict.decode(Buffer.from(s, 'latin1'));
  } catch {
    return s;
  }
}

/** Node's latin1 decoder behind Buffer#toString, callable on any Uint8Array: no Buffer view per string. */
export const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string }).latin1Slice;

/** Bytes as a latin1 string, one char per byte (no copy of the bytes before decoding). */
export function latin1(buf: Uint8Array, off: number, len: number): string {
  return latin1Slice.call(buf, off, off + len);
}

/** Bytes → text: UTF-8 when valid, else latin1 (one char per byte). */
export function bytesToText(buf: Uint8Array, off: number, len: number): string {
  const view = Buffer.from(buf.buffer, buf.byteOffset + off, len);
  try {
    return utf8Strict.decode(view);
  } catch {
    return view.toString('latin1');
  }
}

/** True when the bytes are valid UTF-8 with no NUL byte (GLib's g_utf8_validate with a length). */
export function isUtf8(buf: Uint8Array, off: number, len: number): boolean {
  for (let i = off; i < off + len; i++) if (buf[i] === 0) return false;
  try {
    utf8Strict.decode(Buffer.from(buf.buffer, buf.byteOffset + off, len));
    return true;
  } catch {
    return false;
  }
}

/** Lower-case A-Z only (GLib's g_ascii_strdown), leaving every other character alone. */
export function asciiLower(s: string): string {
  let upper = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
    if (c >= 0x41 && c <= 0x5a) upper = true;
  }
  // All ASCII: toLowerCase changes A-Z only.
  return upper ? s.toLowerCase() : s;
}

/** C isspace(): space, \t, \n, \v, \f, \r. */
export function isSpaceCode(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** Drop leading C-isspace characters. */
export function trimLeftC(s: string): string {
  let i = 0;
  while (i < s.length && isSpaceCode(s.charCodeAt(i))) i++;
  return i ? s.slice(i) : s;
}
