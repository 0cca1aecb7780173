// SMTP and LMTP (Arkime's smtp.c): HELO/EHLO name, MAIL FROM / RCPT TO, AUTH LOGIN/PLAIN
// user, the message headers of DATA/BDAT (addresses, subject with RFC 2047 words, ids,
// Received hosts and IPs, configured headers, every other header with parseSMTPHeaderAll),
// MIME parts (boundaries, attachment filenames, base64 attachments' md5/sha256 and magic),
// the status code answering the end of a message, and STARTTLS, after which both directions
// are classified again so TLS takes over.
//
// Each direction runs Arkime's byte-driven line state machine; lines are kept as latin1
// strings (one char per byte) and turned into text only when a value is added.
import { createHash, type Hash } from 'node:crypto';
import { core } from '../../db/fields/core.js';
import { PARSE_DONE, type Dir, type ProtocolParser, type SessionApi } from './api.js';
import { Base64Stream, base64DecodeAll, decodeEncodedWords, parseIpText } from './email-decode.js';
import { emailConfig, emailFields as F, type EmailConfig } from './email-fields.js';
import { addBodyMagic } from './magic.js';
import { asciiLower, isSpaceCode, latin1ToText, trimLeftC, latin1 } from './text.js';

const enum St {
  Cmd, CmdReturn,
  AuthLogin, AuthLoginReturn,
  AuthPlain, AuthPlainReturn,
  DataHeader, DataHeaderReturn, DataHeaderDone,
  Data, DataReturn,
  Ignore,
  TlsOk, TlsOkReturn, Tls,
  Mime, MimeReturn, MimeDone,
  MimeData, MimeDataReturn,
}

/** States that gather bytes into the line until CR, and the state CR leads to. */
const RETURN_OF: (St | -1)[] = [];
for (let i = 0; i <= St.MimeDataReturn; i++) RETURN_OF.push(-1);
RETURN_OF[St.Cmd] = St.CmdReturn;
RETURN_OF[St.AuthLogin] = St.AuthLoginReturn;
RETURN_OF[St.AuthPlain] = St.AuthPlainReturn;
RETURN_OF[St.DataHeader] = St.DataHeaderReturn;
RETURN_OF[St.Data] = St.DataReturn;
RETURN_OF[St.TlsOk] = St.TlsOkReturn;
RETURN_OF[St.Mime] = St.MimeReturn;
RETURN_OF[St.MimeData] = St.MimeDataReturn;

/** A line longer than this stops growing (Arkime's GString has no bound; we keep one). */
const MAX_LINE = 65536;
/** Arkime decodes a base64 line only into a 20000 byte buffer. */
const B64_LINE_MAX = 20000;

interface Side {
  state: St;
  line: string;
  needStatus: boolean;
  seenHeaders: boolean;
  inBdat: boolean;
  bdatRemaining: number;
  base64Decode: boolean;
  firstInContent: boolean;
  b64: Base64Stream;
  md5: Hash | undefined;
  sha256: Hash | undefined;
}

export interface SmtpState {
  cfg: EmailConfig;
  sides: [Side, Side];
  boundaries: string[];
  b64buf: Uint8Array | undefined;
}

function newSide(): Side {
  return {
    state: St.Cmd, line: '', needStatus: false, seenHeaders: false, inBdat: false, bdatRemaining: 0,
    base64Decode: false, firstInContent: false, b64: new Base64Stream(), md5: undefined, sha256: undefined,
  };
}

export function createSmtpState(s: SessionApi): SmtpState {
  return { cfg: emailConfig(s.config), sides: [newSide(), newSide()], boundaries: [], b64buf: undefined };
}


function startsCI(s: string, prefix: string): boolean {
  return s.length >= prefix.length && s.slice(0, prefix.length).toUpperCase() === prefix.toUpperCase();
}

/** C atoi: optional space and sign, then digits. */
function atoi(s: string): number {
  const m = /^[\t\n\v\f\r ]*([+-]?\d+)/.exec(s);
  if (!m) return 0;
  const v = parseInt(m[1], 10);
  return v > 2147483647 || v < -2147483648 ? 0 : v;
}

/** Arkime's smtp_remove_matching: skip space, drop a leading `start`, cut at the first `stop`. */
export function removeMatching(s: string, start: string, stop: string): string {
  let i = 0;
  while (i < s.length && isSpaceCode(s.charCodeAt(i))) i++;
  if (s[i] === start) i++;
  const e = s.indexOf(stop, i);
  const nul = s.indexOf('\0', i);
  let end = e < 0 ? s.length : e;
  if (nul >= 0 && nul < end) end = nul;
  return s.slice(i, end);
}

/** Case-insensitive search of `needle` in `s` (arkime_memcasestr); index or -1. */
function indexOfCI(s: string, needle: string): number {
  return s.toLowerCase().indexOf(needle);
}

/** Addresses of a From/To/Cc value: `"Name" <a@b>, c@d` → a@b, c@d (lower case). */
export function parseAddresses(s: SessionApi, field: typeof F.src, v: string): void {
  const end = v.length;
  let p = 0;
  while (p < end) {
    while (p < end && isSpaceCode(v.charCodeAt(p))) p++;
    let start = p;
    if (p < end && v[p] === '"') {
      p++;
      while (p < end && v[p] !== '"') p++;
      p++;
      while (p < end && isSpaceCode(v.charCodeAt(p))) p++;
      start = p;
    }
    while (p < end && v[p] !== '<' && v[p] !== ',') p++;
    if (p < end && v[p] === '<') {
      p++;
      start = p;
      while (p < end && v[p] !== '>') p++;
    }
    s.addString(field, latin1ToText(asciiLower(v.slice(start, Math.min(p, end)))));
    while (p < end && v[p] !== ',') p++;
    if (p < end && v[p] === ',') p++;
  }
}

function addIpText(s: SessionApi, text: string): void {
  const ip = parseIpText(text);
  if (ip !== undefined) s.addIp(F.ip, ip);
}

/** A Received: value: `from` / `by` hosts and every bracketed IP. */
export function parseReceived(s: SessionApi, v: string): void {
  const end = v.length;
  let p = 0;
  const hostAt = (from: number): number => {
    let q = from;
    while (q < end && isSpaceCode(v.charCodeAt(q))) q++;
    let hs = q;
    while (q < end && v[q] !== ' ' && v[q] !== ')') {
      if (v[q] === '@') hs = q + 1;
      q++;
    }
    s.addString(F.host, latin1ToText(asciiLower(v.slice(hs, q))));
    return q;
  };
  while (p < end) {
    if (end - p > 10) {
      if (v.startsWith('from ', p) && (p === 0 || v[p - 1] !== '-')) {
        let q = p + 5;
        while (q < end && isSpaceCode(v.charCodeAt(q))) q++;
        if (v[q] === '[') {
          q++;
          const ipStart = q;
          while (q < end && v[q] !== ']') q++;
          addIpText(s, v.slice(ipStart, q));
          p = q + 1;
          continue;
        }
        p = hostAt(q);
      } else if (v.startsWith('by ', p)) {
        p = hostAt(p + 3);
      }
    }
    if (v[p] === '[') {
      p++;
      const ipStart = p;
      while (p < end && v[p] !== ']') p++;
      addIpText(s, v.slice(ipStart, p));
    }
    p++;
  }
}

/** A value that may hold RFC 2047 encoded words; the raw value when they do not decode. */
function addEncoded(s: SessionApi, field: typeof F.subject, raw: string): void {
  s.addString(field, decodeEncodedWords(raw) ?? latin1ToText(raw));
}

/** A header value into a plain (configured or built-in) field, as smtp_email_add_value. */
function addValue(s: SessionApi, field: typeof F.subject, kind: 'integer' | 'string' | 'lower' | 'ip', v: string): void {
  const t = trimLeftC(v);
  switch (kind) {
    case 'integer': s.addInt(field, atoi(t)); break;
    case 'ip': for (const part of t.split(',')) addIpText(s, part); break;
    case 'lower': s.addString(field, latin1ToText(asciiLower(t))); break;
    default: s.addString(field, latin1ToText(t));
  }
}

function addBoundary(st: SmtpState, value: string): void {
  const b = indexOfCI(value, 'boundary=');
  if (b >= 0) st.boundaries.push(removeMatching(value.slice(b + 9), '"', '"'));
}

/** One complete header line of the message (continuations joined). */
function header(st: SmtpState, s: SessionApi, line: string): void {
  const colon = line.indexOf(':');
  const lower = asciiLower(line.slice(0, colon));
  const cfg = st.cfg;
  s.addString(F.header, latin1ToText(lower));
  const cpos = colon + 1;
  const value = line.slice(cpos);
  let consumed = false;
  const target = cfg.headers.get(lower);
  if (target) {
    switch (target.role) {
      case 'subject':
        if (line[8] !== ' ') {
          s.addTag('smtp:missing-subject-space');
          addEncoded(s, F.subject, line.slice(8));
        } else {
          addEncoded(s, F.subject, line.slice(9));
        }
        break;
      case 'dst': parseAddresses(s, F.dst, value); break;
      case 'src': parseAddresses(s, F.src, value); break;
      case 'id': s.addString(F.id, latin1ToText(removeMatching(value, '<', '>'))); break;
      case 'received': parseReceived(s, value); break;
      case 'contentType': {
        const v = trimLeftC(line.slice(13));
        s.addString(F.contentType, latin1ToText(v));
        addBoundary(st, v);
        break;
      }
      case 'useragent': addValue(s, F.useragent, 'string', value); break;
      case 'mimeVersion': addValue(s, F.mimeVersion, 'string', value); break;
      default: addValue(s, target.field!, target.role, value);
    }
    consumed = true;
  }
  if (!consumed) {
    for (const h of cfg.ipHeaders) {
      if (h === lower) {
        addIpText(s, removeMatching(line.slice(h.length + 1), '[', ']'));
        consumed = true;
      }
    }
  }
  if (!consumed && cfg.headerAll) {
    s.addString(F.headerField, latin1ToText(lower));
    addValue(s, F.headerValue, 'string', value);
  }
}

/** A MIME part header line (content-type boundary, filename, transfer encoding). */
function mimeHeader(st: SmtpState, s: SessionApi, side: Side, line: string): void {
  if (startsCI(line, 'content-type:')) {
    addBoundary(st, trimLeftC(line.slice(13)));
  } else if (startsCI(line, 'content-disposition:')) {
    const v = trimLeftC(line.slice(13));
    const f = indexOfCI(v, 'filename=');
    if (f >= 0) addEncoded(s, F.filename, removeMatching(v.slice(f + 9), '"', '"'));
  } else if (startsCI(line, 'content-transfer-encoding:')) {
    if (indexOfCI(line.slice(26), 'base64') >= 0) side.base64Decode = true;
  }
}

function isBoundary(st: SmtpState, line: string): boolean {
  if (line[0] !== '-') return false;
  for (const b of st.boundaries) if (line.length >= b.length + 2 && line.startsWith(b, 2)) return true;
  return false;
}

/** A data or MIME-data line: end of message, a boundary, or (base64) attachment content. */
function dataLine(st: SmtpState, s: SessionApi, side: Side, mime: boolean): void {
  const line = side.line;
  if (!side.inBdat && line === '.') {
    side.needStatus = true;
    side.state = St.Cmd;
    return;
  }
  if (isBoundary(st, line)) {
    if (side.base64Decode) {
      s.addString(F.md5, (side.md5 ?? createHash('md5')).digest('hex'));
      if (st.cfg.sha256) s.addString(F.sha256, (side.sha256 ?? createHash('sha256')).digest('hex'));
    }
    side.firstInContent = true;
    side.base64Decode = false;
    side.b64.reset();
    side.md5 = side.sha256 = undefined;
    side.state = St.Mime;
    return;
  }
  if (mime) {
    if (side.base64Decode && line.length < B64_LINE_MAX) {
      const out = st.b64buf ??= new Uint8Array(B64_LINE_MAX);
      const n = side.b64.decode(line, out, 0);
      const bytes = out.subarray(0, n);
      (side.md5 ??= createHash('md5')).update(bytes);
      if (st.cfg.sha256) (side.sha256 ??= createHash('sha256')).update(bytes);
      if (side.firstInContent) {
        side.firstInContent = false;
        addBodyMagic(s, F.bodyMagic, out, 0, n);
      }
    }
    side.state = St.MimeData;
  } else {
    side.state = St.Data;
  }
}

/** AUTH PLAIN response `authzid \0 authcid \0 password` → the authcid. */
function authPlainUser(s: SessionApi, b64: string): void {
  const d = base64DecodeAll(b64);
  const zation = d.indexOf('\0') < 0 ? d.length : d.indexOf('\0');
  if (zation < d.length) {
    const rest = d.slice(zation + 1);
    const cation = rest.indexOf('\0') < 0 ? rest.length : rest.indexOf('\0');
    if (cation + zation + 1 < d.length) s.addString(core.user, latin1ToText(asciiLower(rest.slice(0, cation))));
  }
}

function authLoginUser(s: SessionApi, b64: string): void {
  const d = base64DecodeAll(b64);
  if (d.length > 0) s.addString(core.user, latin1ToText(asciiLower(d)));
}

/** A complete command (or reply) line. Returns false when the parser stops reading this direction. */
function command(st: SmtpState, s: SessionApi, side: Side, dir: Dir): boolean {
  const other = st.sides[dir ^ 1];
  const line = side.line;
  if (other.needStatus) {
    other.needStatus = false;
    s.addTag(`smtp:statuscode:${atoi(line)}`);
    // Arkime stays in the return state here: the next byte is looked at once more
  } else if (startsCI(line, 'MAIL FROM:')) {
    side.state = St.Cmd;
    s.addString(F.src, latin1ToText(asciiLower(removeMatching(line.slice(10), '<', '>'))));
  } else if (startsCI(line, 'RCPT TO:')) {
    side.state = St.Cmd;
    s.addString(F.dst, latin1ToText(asciiLower(removeMatching(line.slice(8), '<', '>'))));
  } else if (startsCI(line, 'DATA')) {
    side.state = St.DataHeader;
    side.seenHeaders = true;
  } else if (startsCI(line, 'BDAT')) {
    side.inBdat = true;
    side.bdatRemaining = atoi(line.slice(5)) + 1;
    if (side.seenHeaders) side.state = St.Data;
    else { side.seenHeaders = true; side.state = St.DataHeader; }
  } else if (startsCI(line, 'AUTH LOGIN')) {
    s.addTag('smtp:authlogin');
    if (line.length > 11) { authLoginUser(s, line.slice(11)); side.state = St.Cmd; } else side.state = St.AuthLogin;
  } else if (startsCI(line, 'AUTH PLAIN')) {
    s.addTag('smtp:authplain');
    if (line.length > 11) { authPlainUser(s, line.slice(11)); side.state = St.Cmd; } else side.state = St.AuthPlain;
  } else if (startsCI(line, 'STARTTLS')) {
    s.addTag('smtp:starttls');
    side.state = St.Ignore;
    other.state = St.TlsOk;
    s.reclassify(dir); // the client's next bytes are its TLS ClientHello
    return false;
  } else if (startsCI(line, 'HELO ') || startsCI(line, 'EHLO ') || startsCI(line, 'LHLO ')) {
    side.state = St.Cmd;
    const name = line.slice(5).trim();
    if (name.length) s.addString(F.smtpHello, latin1ToText(asciiLower(name)));
  } else {
    side.state = St.Cmd;
  }
  side.line = '';
  return true;
}

/** Run the state machine of one direction over `buf[off, off+len)`. */
export function parseSmtp(st: SmtpState, s: SessionApi, dir: Dir, buf: Uint8Array, off: number, len: number): number {
  const side = st.sides[dir];
  const end = off + len;
  let p = off;
  while (p < end) {
    const ret = RETURN_OF[side.state];
    let advance = 1;
    if (ret !== -1) {
      // gather up to CR (or to the end of a BDAT chunk)
      const lim = side.inBdat ? Math.min(end, p + side.bdatRemaining) : end;
      let r = p;
      while (r < lim && buf[r] !== 0x0d) r++;
      if (r > p && side.line.length < MAX_LINE) side.line += latin1(buf, p, Math.min(r - p, MAX_LINE - side.line.length));
      if (r < lim) { side.state = ret; advance = r - p + 1; } else advance = r - p;
      if (advance === 0) break; // bdatRemaining 0 cannot happen; guard anyway
    } else {
      const c = buf[p];
      const nl = c === 0x0a;
      switch (side.state) {
        case St.CmdReturn:
          if (!command(st, s, side, dir)) return len;
          if (!nl) advance = 0;
          break;
        case St.AuthLoginReturn:
          if (side.line.length > 0) authLoginUser(s, side.line);
          side.state = St.Cmd; // Arkime keeps the line: the next one is swallowed with it
          break;
        case St.AuthPlainReturn:
          if (side.line.length > 0) authPlainUser(s, side.line);
          side.state = St.Cmd;
          break;
        case St.DataHeaderReturn:
          if (side.line === '.') { side.needStatus = true; side.state = St.Cmd; }
          else if (side.line === '') side.state = St.Data;
          else side.state = St.DataHeaderDone;
          if (!nl) advance = 0;
          break;
        case St.DataHeaderDone:
          side.state = St.DataHeader;
          if (c === 0x20 || c === 0x09) { side.line += ' '; break; }
          if (side.line.indexOf(':') < 0) { side.line = ''; break; } // Arkime drops this byte too
          header(st, s, side.line);
          side.line = '';
          if (!nl) advance = 0;
          break;
        case St.DataReturn:
        case St.MimeDataReturn:
          dataLine(st, s, side, side.state === St.MimeDataReturn);
          side.line = '';
          if (!nl) advance = 0;
          break;
        case St.MimeReturn:
          if (side.line === '') side.state = St.MimeData;
          else if (side.line === '.') { side.needStatus = true; side.state = St.Cmd; }
          else side.state = St.MimeDone;
          if (!nl) advance = 0;
          break;
        case St.MimeDone:
          side.state = St.Mime;
          if (c === 0x20 || c === 0x09) { side.line += String.fromCharCode(c); break; }
          mimeHeader(st, s, side, side.line);
          side.line = '';
          if (!nl) advance = 0;
          break;
        case St.TlsOkReturn:
          side.state = St.Tls;
          s.reclassify(dir); // the server's next bytes are its TLS handshake
          if (!nl) advance = 0;
          break;
        case St.Tls:
          side.state = St.Ignore;
          return st.sides[dir ^ 1].state === St.Ignore ? PARSE_DONE : len;
        case St.Ignore:
          return st.sides[dir ^ 1].state === St.Ignore || st.sides[dir ^ 1].state === St.Tls ? PARSE_DONE : len;
      }
    }
    p += advance;
    if (side.inBdat && advance > 0) {
      side.bdatRemaining -= advance;
      if (side.bdatRemaining <= 0) { side.state = St.Cmd; side.inBdat = false; }
    }
  }
  return len;
}

function classifySmtp(s: SessionApi, buf: Uint8Array, off: number, len: number): SmtpState | undefined {
  if (len < 5) return undefined;
  const head = latin1(buf, off, 5);
  let proto: string | undefined;
  if (head === 'HELO ' || head === 'EHLO ') proto = 'smtp';
  else if (head === 'LHLO ') proto = 'lmtp';
  else if (head.startsWith('220 ') || head.startsWith('220-')) {
    const text = latin1(buf, off, len);
    if (text.includes('SMTP')) proto = 'smtp';
    else if (text.includes('LMTP')) proto = 'lmtp';
  }
  if (proto === undefined || s.hasProtocol('smtp') || s.hasProtocol('lmtp')) return undefined;
  s.addProtocol(proto);
  return createSmtpState(s);
}

export const smtpParser: ProtocolParser<SmtpState> = {
  name: 'smtp',
  tcpPrefixes: [{ bytes: 'HELO' }, { bytes: 'EHLO' }, { bytes: 'LHLO' }, { bytes: '220 ' }, { bytes: '220-' }],
  classify: (s, _dir, buf, off, len) => classifySmtp(s, buf, off, len),
  parse: parseSmtp,
};
