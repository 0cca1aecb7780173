// Arkime's small built-in content signature table (`magicMode=basic`): names the type of a body
// (http.bodyMagic, email.bodyMagic) from its first bytes. libmagic is not available here, so
// `libmagic` and `both` fall back to this table too; `none` turns it off.
import type { Field } from '../../db/fields/registry.js';
import type { SessionApi } from './api.js';

/** True when `needle` (latin1) is at `buf[off + at]`, inside `len`. Exact bytes. */
function at(buf: Uint8Array, off: number, len: number, pos: number, needle: string): boolean {
  if (pos + needle.length > len) return false;
  for (let i = 0; i < needle.length; i++) if (buf[off + pos + i] !== needle.charCodeAt(i)) return false;
  return true;
}

/** Like `at` but also requires one byte after the needle (Arkime's `_LEN` variants use `len >`). */
function atLen(buf: Uint8Array, off: number, len: number, pos: number, needle: string): boolean {
  return len > pos + needle.length && at(buf, off, len, pos, needle);
}

/** ASCII case-insensitive `at`. */
function atCase(buf: Uint8Array, off: number, len: number, pos: number, needle: string): boolean {
  if (pos + needle.length > len) return false;
  for (let i = 0; i < needle.length; i++) {
    let c = buf[off + pos + i];
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    let n = needle.charCodeAt(i);
    if (n >= 0x41 && n <= 0x5a) n += 0x20;
    if (c !== n) return false;
  }
  return true;
}

function atCaseLen(buf: Uint8Array, off: number, len: number, pos: number, needle: string): boolean {
  return len > pos + needle.length && atCase(buf, off, len, pos, needle);
}

/** `needle` anywhere in [pos, len), and the region is longer than the needle. */
function contains(buf: Uint8Array, off: number, len: number, pos: number, needle: string): boolean {
  if (len <= pos + needle.length) return false;
  const first = needle.charCodeAt(0);
  for (let i = pos; i + needle.length <= len; i++) {
    if (buf[off + i] === first && at(buf, off, len, i, needle)) return true;
  }
  return false;
}

const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/** The content type named by the first bytes of a body, or undefined. Needs at least 5 bytes. */
export function basicMagic(buf: Uint8Array, off: number, len: number): string | undefined {
  if (len < 5) return undefined;
  const b0 = buf[off];
  const b1 = buf[off + 1];
  switch (b0) {
    case 0x00:
      if (len > 10 && at(buf, off, len, 4, 'ftyp')) {
        if (at(buf, off, len, 8, 'qt')) return 'video/quicktime';
        if (at(buf, off, len, 8, '3g')) return 'video/3gpp';
      }
      if (at(buf, off, len, 0, '\x00\x01\x00\x00\x00')) return 'application/x-font-ttf';
      if (atLen(buf, off, len, 0, '\x00\x00\x02\x00\x01\x00')) return 'image/x-win-bitmap';
      break;
    case 0x1a:
      if (at(buf, off, len, 0, '\x1a\x45\xdf\xa3')) {
        if (contains(buf, off, len, 4, 'webm')) return 'video/webm';
        if (contains(buf, off, len, 4, 'matroska')) return 'video/x-matroska';
      }
      break;
    case 0x1f:
      if (b1 === 0x8b) return 'application/x-gzip';
      if (b1 === 0x9d) return 'application/x-compress';
      break;
    case 0x21: // !
      if (atLen(buf, off, len, 1, '<arch>\ndebian-binary')) return 'application/x-debian-package';
      break;
    case 0x23: // #
      if (b1 === 0x21) {
        if (contains(buf, off, len, 3, 'node')) return 'application/javascript';
        if (contains(buf, off, len, 3, 'perl')) return 'text/x-perl';
        if (contains(buf, off, len, 3, 'ruby')) return 'text/x-ruby';
        if (contains(buf, off, len, 3, 'python')) return 'text/x-python';
        return 'text/x-shellscript';
      }
      break;
    case 0x25: // %
      if (at(buf, off, len, 0, '%PDF-')) return 'application/pdf';
      break;
    case 0x3c: // <
      switch (b1) {
        case 0x21: // !
          if (atCaseLen(buf, off, len, 0, '<!doctype html')) return 'text/html';
          if (atCaseLen(buf, off, len, 0, '<!doctype svg')) return 'text/svg+xml';
          break;
        case 0x3f: // ?
          if (atCase(buf, off, len, 0, '<?xml')) {
            if (contains(buf, off, len, 5, '<svg')) return 'image/svg+xml';
            return 'text/xml';
          }
          if (atCaseLen(buf, off, len, 2, 'php') || atCaseLen(buf, off, len, 2, ' php')) return 'text/x-php';
          break;
        case 0x42: case 0x62: // B b
          if (atCase(buf, off, len, 0, '<body')) return 'text/html';
          break;
        case 0x48: case 0x68: // H h
          if (atCase(buf, off, len, 0, '<head')) return 'text/html';
          if (atCase(buf, off, len, 0, '<html')) return 'text/html';
          break;
        case 0x53: case 0x73: // S s
          if (atCase(buf, off, len, 0, '<svg')) return 'image/svg';
          break;
      }
      break;
    case 0x7b: // {
      if (b1 === 0x22 && isAlpha(buf[off + 2])) return 'application/json';
      break;
    case 0x38: // 8
      if (at(buf, off, len, 0, '8BPS')) return 'image/vnd.adobe.photoshop';
      break;
    case 0x42: // B
      if (b1 === 0x4d) return 'application/x-ms-bmp';
      if (at(buf, off, len, 0, 'BZh')) return 'application/x-bzip2';
      break;
    case 0x43: // C
      if (at(buf, off, len, 0, 'CWS')) return 'application/x-shockwave-flash';
      break;
    case 0x46: // F
      if (at(buf, off, len, 0, 'FLV\x01')) return 'video/x-flv';
      break;
    case 0x47: // G
      if (at(buf, off, len, 0, 'GIF8')) return 'image/gif';
      if (len > 188 && buf[off + 2] === 0 && buf[off + 188] === 0x47) return 'video/mp2t';
      break;
    case 0x69: // i
      if (at(buf, off, len, 0, 'icns')) return 'image/x-icns';
      break;
    case 0x49: // I
      if (at(buf, off, len, 0, 'ID3')) return 'audio/mpeg';
      break;
    case 0x4d: // M
      if (b1 === 0x5a) return 'application/x-dosexec';
      if (atLen(buf, off, len, 0, 'MSCF\x00\x00')) return 'application/vnd.ms-cab-compressed';
      break;
    case 0x4f: // O
      if (len > 40 && at(buf, off, len, 0, 'OggS')) {
        if (at(buf, off, len, 28, 'Speex   ')) return 'audio/ogg';
        if (at(buf, off, len, 29, 'FLAC')) return 'audio/ogg';
        if (at(buf, off, len, 28, '\x01vorbis')) return 'audio/ogg';
        if (at(buf, off, len, 28, '\x80theora')) return 'video/ogg';
      } else if (at(buf, off, len, 0, 'OTTO')) return 'application/vnd.ms-opentype';
      break;
    case 0x50: // P
      if (at(buf, off, len, 0, 'PK\x03\x04')) return 'application/zip';
      if (at(buf, off, len, 0, 'PK\x05\x06')) return 'application/zip';
      if (atLen(buf, off, len, 0, 'PK\x07\x08PK')) return 'application/zip';
      break;
    case 0x52: // R
      if (at(buf, off, len, 0, 'RIFF')) return 'audio/x-wav';
      if (at(buf, off, len, 0, 'Rar!\x1a')) return 'application/x-rar';
      break;
    case 0x57: // W
      if (at(buf, off, len, 0, 'WAVE')) return 'audio/x-wav';
      break;
    case 0x64: // d
      if (atLen(buf, off, len, 0, 'd8:announce')) return 'application/x-bittorrent';
      break;
    case 0x77: // w
      if (at(buf, off, len, 0, 'wOFF')) return 'application/font-woff';
      if (at(buf, off, len, 0, 'wOF2')) return 'application/font-woff2';
      break;
    case 0x89:
      if (at(buf, off, len, 0, '\x89PNG')) return 'image/png';
      break;
    case 0xfd:
      if (atLen(buf, off, len, 0, '\xfd7zXZ')) return 'application/x-xz';
      break;
    case 0xff:
      if (len > 10 && at(buf, off, len, 0, '\xff\xd8\xff')) return 'image/jpeg';
      break;
    case 0xed:
      if (len > 10 && at(buf, off, len, 0, '\xed\xab\xee\xdb')) return 'application/x-rpm';
      break;
  }
  if (atLen(buf, off, len, 257, 'ustar')) return 'application/x-tar';
  if (contains(buf, off, len, 0, 'document.write') || contains(buf, off, len, 0, "'use strict'")) return 'text/javascript';
  return undefined;
}

/**
 * Name the body's type into `field` the way `magicMode` says (Arkime's arkime_parsers_magic).
 * Returns the type, or undefined.
 */
export function addBodyMagic(s: SessionApi, field: Field, buf: Uint8Array, off: number, len: number): string | undefined {
  if (s.config.str('magicMode', 'both') === 'none') return undefined;
  const m = basicMagic(buf, off, len);
  if (m !== undefined) s.addString(field, m);
  return m;
}
