// HTTP/1.x (Arkime's http.c): maps what the wire grammar in http-message.ts reads onto the
// http.* session fields. One state per session; each direction has its own message stream,
// but the URL, Host, Cookie and Authorization of the current request are shared, as in Arkime
// (a URL read on one side is turned into http.uri at the next "headers complete" of either).
import { createHash, type Hash } from 'node:crypto';
import { isIP } from 'node:net';
import { PARSE_DONE, type Dir, type ProtocolParser, type SessionApi } from './api.js';
import { HTTP_METHODS, HttpStream, type HttpHead, type HttpSink } from './http-message.js';
import { COUNTED_METHODS, headerTables, httpFields as F, methodCountFields, type HeaderTables, type HeaderTarget } from './http-fields.js';
import { addBodyMagic } from './magic.js';
import { ntlmDecodeToken } from './ntlm.js';
import { asciiLower, bytesToText, isUtf8, latin1ToText, trimLeftC } from './text.js';
import { WebsocketState, websocketFeed, websocketSave } from './websocket.js';
import { addHttpUriLabels } from './http-uri-labels.js';

const MAX_URL_LENGTH = 4096;
/** Header names are kept to 39 characters (Arkime's header[40]). */
const MAX_HEADER_NAME = 39;
const H2_PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
const REQ_VALUE: HeaderTarget = { field: F.requestHeaderValue, kind: 'lower' };
const RES_VALUE: HeaderTarget = { field: F.responseHeaderValue, kind: 'lower' };

const enum Mode { Http, Handoff, Dead }

/** Config values read once per session. */
interface HttpOptions {
  tables: HeaderTables;
  reqAll: boolean;
  resAll: boolean;
  parseQSValue: boolean;
  parseCookieValue: boolean;
  sha256: boolean;
  maxReqBody: number;
  reqBodyOnlyUtf8: boolean;
  headerValueMaxLen: number;
}

function options(s: SessionApi): HttpOptions {
  const c = s.config;
  return {
    tables: headerTables(c),
    reqAll: c.bool('parseHTTPHeaderRequestAll', false),
    resAll: c.bool('parseHTTPHeaderResponseAll', false),
    parseQSValue: c.bool('parseQSValue', false),
    parseCookieValue: c.bool('parseCookieValue', false),
    sha256: c.bool('supportSha256', false),
    maxReqBody: c.int('maxReqBody', 256),
    reqBodyOnlyUtf8: c.bool('reqBodyOnlyUtf8', true),
    headerValueMaxLen: Math.min(2048, Math.max(1, c.int('parseHTTPHeaderValueMaxLen', 1024))),
  };
}

/** One direction's message stream and what the current message has shown so far. */
class Side implements HttpSink {
  readonly stream: HttpStream;
  mode = Mode.Http;
  isRequest = false;
  method = '';
  inBody = false;
  md5: Hash | undefined;
  sha: Hash | undefined;
  upgradeWebsocket = false;

  constructor(private readonly st: HttpState, readonly dir: Dir) {
    this.stream = new HttpStream(this);
  }

  messageBegin(head: HttpHead): void {
    this.isRequest = head.isRequest;
    this.method = head.method;
    this.inBody = false;
    this.md5 = this.sha = undefined;
    this.upgradeWebsocket = false;
  }
  url(url: string): void { this.st.onUrl(this, url); }
  header(name: string, value: string): void { this.st.onHeader(this, name, value); }
  headersComplete(head: HttpHead): void { this.st.onHeadersComplete(this, head); }
  body(buf: Uint8Array, off: number, len: number): void { this.st.onBody(this, buf, off, len); }
  messageComplete(): void { this.st.onMessageComplete(this); }
}

export class HttpState {
  readonly opt: HttpOptions;
  readonly sides: [Side, Side];
  /** The session being fed right now (set by parse/save; the sink callbacks run inside them). */
  s: SessionApi;
  url: string | undefined;
  urlWhich: Dir = 0;
  host: string | undefined;
  cookie = '';
  auth = '';
  proxyAuth = '';
  http2Upgrade = false;
  /** Set by a 101 response with "Upgrade: websocket": its direction, until the websocket starts. */
  websocketFrom: Dir | -1 = -1;
  /** The websocket frames that follow a 101, read here rather than by a second parser so that
   * it sees exactly the bytes after the response headers. */
  ws: WebsocketState | undefined;
  readonly methodCounts = new Uint32Array(COUNTED_METHODS.length);
  /** Arkime unregistered its HTTP parser (both sides failed, or h2c): its save never runs. */
  unregistered = false;

  constructor(s: SessionApi) {
    this.s = s;
    this.opt = options(s);
    this.sides = [new Side(this, 0), new Side(this, 1)];
  }

  onUrl(side: Side, url: string): void {
    if (this.url === undefined) { this.url = url; this.urlWhich = side.dir; } else this.url += url;
  }

  onHeader(side: Side, name: string, value: string): void {
    const s = this.s;
    const lower = asciiLower(name.length > MAX_HEADER_NAME ? name.slice(0, MAX_HEADER_NAME) : name);
    const reqSide = side.dir === this.urlWhich;
    let target = (reqSide ? this.opt.tables.request : this.opt.tables.response).get(lower);
    if (!target) {
      if (reqSide && this.opt.reqAll) { s.addString(F.requestHeaderField, lower); target = REQ_VALUE; }
      else if (!reqSide && this.opt.resAll) { s.addString(F.responseHeaderField, lower); target = RES_VALUE; }
    }
    if (reqSide) {
      s.addString(F.requestHeader, lower);
    } else {
      s.addString(F.responseHeader, lower);
      if (lower === 'upgrade') {
        if (value.startsWith('h2c')) this.http2Upgrade = true;
        if (/websocket/i.test(value)) side.upgradeWebsocket = true;
      }
    }
    // http_parser leaves the method of a response (and of DELETE) at 0, which Arkime tests
    if (side.isRequest && side.method !== 'DELETE') {
      if (lower === 'host') this.host = (this.host ?? '') + value;
      else if (lower === 'cookie') this.cookie += value;
      else if (lower === 'authorization') this.auth += value;
      else if (lower === 'proxy-authorization') this.proxyAuth += value;
    }
    if (target) this.addHeaderValue(target, value);
  }

  private addHeaderValue(t: HeaderTarget, raw: string): void {
    const s = this.s;
    const v = trimLeftC(raw);
    switch (t.kind) {
      case 'integer': s.addInt(t.field, atoi(v)); break;
      case 'float': s.addFloat(t.field, Number.parseFloat(v) || 0); break;
      case 'ip':
        // Arkime splits on ',' and parses each part as is: " 10.0.0.2" is not an address
        for (const part of v.split(',')) if (isIP(part)) s.addIp(t.field, part);
        break;
      case 'lower': {
        const max = this.opt.headerValueMaxLen;
        s.addString(t.field, latin1ToText(asciiLower(v.length > max ? v.slice(0, max) : v)));
        break;
      }
      default: s.addString(t.field, latin1ToText(v));
    }
  }

  onHeadersComplete(side: Side, head: HttpHead): void {
    const s = this.s;
    const version = `${head.major}.${head.minor}`;
    if (head.isRequest) {
      s.addString(F.method, head.method);
      s.addString(F.clientVersion, version);
      const i = COUNTED_METHODS.indexOf(head.method as typeof COUNTED_METHODS[number]);
      if (i >= 0) this.methodCounts[i]++;
    } else {
      s.addInt(F.statuscode, head.status);
      s.addString(F.serverVersion, version);
      if (head.status === 101 && side.upgradeWebsocket) this.websocketFrom = side.dir;
    }

    if (this.url !== undefined) {
      for (let i = 0; i < this.url.length; i++) {
        const c = this.url.charCodeAt(i);
        if (c === 0) break;
        if (c < 32 || c > 127) { s.addTag('http:control-char'); break; } // C's signed char
      }
    }
    if (this.cookie) { this.parseCookie(this.cookie); this.cookie = ''; }
    if (this.auth) { this.parseAuthorization(this.auth); this.auth = ''; }
    if (this.proxyAuth) { this.parseAuthorization(this.proxyAuth); this.proxyAuth = ''; }
    this.emitUrl();
    s.addProtocol('http');
  }

  /** Turn the pending URL and Host into http.host, http.path, http.key/value and http.uri. */
  private emitUrl(): void {
    const s = this.s;
    const url = this.url;
    const host = this.host === undefined ? undefined : asciiLower(this.host);
    this.url = this.host = undefined;
    let uri: string | undefined;
    if (host !== undefined) {
      const colon = host.indexOf(':');
      s.addString(F.host, latin1ToText(colon >= 0 ? host.slice(0, colon) : host));
    }
    if (url !== undefined && host !== undefined) {
      this.parseUrl(url);
      if (url[0] !== '/') {
        const at = url.indexOf(host);
        // the host is in the first bytes of an absolute URL: the URL says it all
        uri = at >= 0 && at <= 8 ? url : `${host};${url}`;
      } else {
        uri = host + url;
      }
    } else if (url !== undefined) {
      uri = url;
    }
    if (uri !== undefined) {
      if (uri.length > MAX_URL_LENGTH) { uri = uri.slice(0, MAX_URL_LENGTH); s.addTag('http:url-truncated'); }
      s.addString(F.uri, latin1ToText(uri));
    }
    if (url !== undefined) addHttpUriLabels(s, url);
  }

  /** http.path, and the query string's keys and values (percent-decoded). */
  private parseUrl(url: string): void {
    const s = this.s;
    const q = url.indexOf('?');
    if (q < 0) { s.addString(F.path, latin1ToText(url)); return; }
    s.addString(F.path, latin1ToText(url.slice(0, q)));
    const qsv = this.opt.parseQSValue;
    let start = q + 1;
    let isKey = true;
    let i = start;
    for (; i < url.length; i++) {
      const c = url.charCodeAt(i);
      if (c === 0x26 /* & */ || c === 0x3d /* = */) {
        if (i !== start && (qsv || isKey)) s.addString(isKey ? F.key : F.value, unescapeSegment(url, start, i));
        start = i + 1;
        isKey = c === 0x26;
      }
    }
    if (qsv && !isKey && i > start) s.addString(F.value, unescapeSegment(url, start, i));
  }

  private parseCookie(cookie: string): void {
    const s = this.s;
    const end = cookie.length;
    let start = 0;
    for (;;) {
      while (start < end && isCSpace(cookie.charCodeAt(start))) start++;
      const equal = cookie.indexOf('=', start);
      if (equal < 0) break;
      s.addString(F.cookieKey, latin1ToText(cookie.slice(start, equal)));
      const semi = cookie.indexOf(';', equal + 1);
      if (this.opt.parseCookieValue) {
        let v = equal + 1;
        while (v < end && isCSpace(cookie.charCodeAt(v))) v++;
        if (v < end && v !== semi) s.addString(F.cookieValue, latin1ToText(cookie.slice(v, semi >= 0 ? semi : end)));
      }
      if (semi < 0) break;
      start = semi + 1;
    }
  }

  private parseAuthorization(raw: string): void {
    const s = this.s;
    const str = trimLeftC(raw);
    const space = str.indexOf(' ');
    if (space < 0) return;
    s.addString(F.authType, latin1ToText(asciiLower(str.slice(0, space))));
    if (/^basic/i.test(str)) {
      const rest = trimLeftC(str.slice(5));
      if (rest.length < 2) return;
      if (rest.startsWith('token=')) return; // Yahoo reused Basic
      // GLib decodes in place without a terminator: bytes past the decoded ones are the input's
      const decoded = Buffer.from(rest, 'base64').toString('latin1');
      let user = decoded + rest.slice(decoded.length);
      const nul = user.indexOf('\0');
      if (nul >= 0) user = user.slice(0, nul);
      const colon = user.indexOf(':');
      if (colon >= 0) user = user.slice(0, colon);
      s.addString(F.user, latin1ToText(user));
    } else if (/^(ntlm|negotiate) /i.test(str)) {
      const token = Buffer.from(trimLeftC(str.slice(space + 1)), 'base64'); // NTLMSSP, raw or in SPNEGO
      ntlmDecodeToken(s, token, 0, token.length);
    } else if (/^digest/i.test(str)) {
      let p = str.indexOf('username', 5);
      if (p < 0) return;
      p += 8;
      while (p < str.length && isCSpace(str.charCodeAt(p))) p++;
      if (str[p] !== '=') return;
      p++;
      while (p < str.length && isCSpace(str.charCodeAt(p))) p++;
      const quote = str[p] === '"';
      if (quote) p++;
      let e = p;
      while (e < str.length && (str[e] !== '"' || !quote) && (str[e] !== ',' || quote)) e++;
      s.addString(F.user, latin1ToText(str.slice(p, e)));
    }
  }

  onBody(side: Side, buf: Uint8Array, off: number, len: number): void {
    const s = this.s;
    if (!side.inBody) {
      side.inBody = true;
      if (containsPassword(buf, off, len)) s.addTag('http:password');
      addBodyMagic(s, F.bodyMagic, buf, off, len);
      if (side.dir === this.urlWhich && len > 0 && len <= this.opt.maxReqBody) {
        if (!this.opt.reqBodyOnlyUtf8 || isUtf8(buf, off, len)) s.addString(F.requestBody, bytesToText(buf, off, len));
      }
      side.md5 = createHash('md5');
      if (this.opt.sha256) side.sha = createHash('sha256');
    }
    // node's hash takes a view, not (buffer, offset, length): one small view per body region
    const view = buf.subarray(off, off + len);
    side.md5!.update(view);
    side.sha?.update(view);
  }

  onMessageComplete(side: Side): void {
    if (!side.inBody) return;
    this.s.addString(F.md5, side.md5!.digest('hex'));
    if (side.sha) this.s.addString(F.sha256, side.sha.digest('hex'));
    side.md5 = side.sha = undefined;
  }

  /** Feed one direction. Returns bytes consumed or PARSE_DONE. */
  feed(s: SessionApi, dir: Dir, buf: Uint8Array, off: number, len: number): number {
    this.s = s;
    if (this.ws) websocketFeed(this.ws, s, dir, buf, off, len);
    if (this.http2Upgrade && !this.unregistered) {
      // the 101 asked for reclassification of both sides; what follows is HTTP/2
      this.unregistered = true;
    }
    if (this.unregistered) return this.ws ? len : PARSE_DONE;
    const side = this.sides[dir];
    if (side.mode !== Mode.Http) return len;

    let consumed = side.stream.feed(buf, off, len);
    if (side.stream.upgraded) {
      // stopped after the headers of a message that switches protocols
      const rest = off + consumed;
      if (side.isRequest && side.method === 'CONNECT') {
        side.mode = Mode.Handoff;
        s.reclassify(dir);
        return consumed;
      }
      if (this.http2Upgrade) {
        s.reclassify(dir);
        s.reclassify(dir === 0 ? 1 : 0);
        return consumed;
      }
      if (this.websocketFrom === dir && !this.ws) {
        this.websocketFrom = -1;
        this.ws = new WebsocketState();
        s.addProtocol('websocket');
        websocketFeed(this.ws, s, dir, buf, rest, len - consumed);
      }
      consumed += side.stream.feed(buf, rest, len - consumed); // http_parser goes on (and fails on frames)
    }
    if (side.stream.dead) {
      side.mode = Mode.Dead;
      if (this.sides[0].mode === Mode.Dead && this.sides[1].mode === Mode.Dead) {
        this.unregistered = true;
        return this.ws ? len : PARSE_DONE;
      }
      return len;
    }
    return consumed;
  }

  save(s: SessionApi, final: boolean): void {
    this.s = s;
    if (this.ws) websocketSave(this.ws, s);
    if (this.unregistered) return;
    if (final) for (const side of this.sides) if (side.mode === Mode.Http) side.stream.eof();
    // Each segment counts its own requests: a mid-save writes the counts so far and starts over
    // (Arkime's arkime_synthetic.pcap: method-GET in the first segment, not the empty second).
    for (let i = 0; i < COUNTED_METHODS.length; i++) {
      if (this.methodCounts[i]) { s.addInt(methodCountFields[i], this.methodCounts[i]); this.methodCounts[i] = 0; }
    }
  }
}

function atoi(v: string): number {
  const m = /^[+-]?[0-9]+/.exec(v);
  return m ? Number.parseInt(m[0], 10) | 0 : 0;
}

function isCSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

const hexVal = (c: number) => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1);

/**
 * GLib's g_uri_unescape_segment on url[start, end): %XX decoded; a bad escape or %00 makes it
 * fail, and Arkime then keeps the raw text.
 */
function unescapeSegment(url: string, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; i++) {
    const c = url.charCodeAt(i);
    if (c !== 0x25) { out += url[i]; continue; }
    if (i + 2 >= end) return latin1ToText(url.slice(start, end));
    const hi = hexVal(url.charCodeAt(i + 1));
    const lo = hexVal(url.charCodeAt(i + 2));
    const v = hi < 0 || lo < 0 ? 0 : hi * 16 + lo;
    if (v === 0) return latin1ToText(url.slice(start, end));
    out += String.fromCharCode(v);
    i += 2;
  }
  return latin1ToText(out);
}

/** byte | 0x20 for the letters compared below ('=' is 0x3d either way). */
const lc = (c: number) => c | 0x20;

/**
 * Case-insensitive search for a password form field ("password=", "passwd=" or "pass=") in a
 * body's first region (once per message): native byte search for 'p' and 'P', then a check there.
 */
export function containsPassword(buf: Uint8Array, off: number, len: number): boolean {
  if (len < 5) return false;
  const b = Buffer.from(buf.buffer, buf.byteOffset + off, len);
  let lo = b.indexOf(0x70), up = b.indexOf(0x50);
  while (lo >= 0 || up >= 0) {
    const i = up < 0 || (lo >= 0 && lo < up) ? lo : up;
    if (passwordAt(b, i, len)) return true;
    if (i === lo) lo = b.indexOf(0x70, i + 1); else up = b.indexOf(0x50, i + 1);
  }
  return false;
}

/** "pass=", "passwd=" or "password=" (any case) at b[i] (a 'p' or 'P'), within b[0..end). */
function passwordAt(b: Uint8Array, i: number, end: number): boolean {
  if (i + 5 > end || lc(b[i + 1]) !== 0x61 || lc(b[i + 2]) !== 0x73 || lc(b[i + 3]) !== 0x73) return false; // "ass"
  const c = b[i + 4];
  if (c === 0x3d) return true; // pass=
  if (lc(c) !== 0x77) return false; // w
  if (i + 7 <= end && lc(b[i + 5]) === 0x64 && b[i + 6] === 0x3d) return true; // passwd=
  return i + 9 <= end && lc(b[i + 5]) === 0x6f && lc(b[i + 6]) === 0x72 && lc(b[i + 7]) === 0x64 && b[i + 8] === 0x3d; // password=
}

function startsWith(buf: Uint8Array, off: number, len: number, text: string): boolean {
  if (len < text.length) return false;
  for (let i = 0; i < text.length; i++) if (buf[off + i] !== text.charCodeAt(i)) return false;
  return true;
}

export const httpParser: ProtocolParser<HttpState> = {
  name: 'http',
  tcpPrefixes: [...HTTP_METHODS.map((m) => ({ bytes: m })), { bytes: 'HTTP' }],

  classify(s, _dir, buf, off, len) {
    if (s.hasProtocol('http')) return undefined;
    s.addProtocol('http');
    if (startsWith(buf, off, len, H2_PREFACE)) s.addProtocol('http2');
    return new HttpState(s);
  },

  parse(st, s, dir, buf, off, len) {
    return st.feed(s, dir, buf, off, len);
  },

  save(st, s, final) {
    st.save(s, final);
  },
};
