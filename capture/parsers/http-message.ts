// HTTP/1.x wire grammar for one direction of a stream: request/status lines, headers (with
// obsolete line folding), bodies by Content-Length, chunked or until end of stream. It knows
// nothing about session fields: it reports what it reads to an `HttpSink`, with the same
// message boundaries as the nodejs http_parser Arkime uses (a body is reported in one piece per
// contiguous region of the bytes handed to `feed`, which decides what "first body chunk" means).
import { latin1Slice } from './text.js';

export interface HttpHead {
  isRequest: boolean;
  /** Request method (upper case as sent), '' for responses. */
  method: string;
  /** Response status code, 0 for requests. */
  status: number;
  major: number;
  minor: number;
  /** The message switches protocols after its headers (Upgrade + Connection: upgrade, or CONNECT). */
  upgrade: boolean;
}

export interface HttpSink {
  /** A message starts; `head` already holds its start line (method or status, version). */
  messageBegin(head: HttpHead): void;
  url(url: string): void;
  header(name: string, value: string): void;
  headersComplete(head: HttpHead): void;
  body(buf: Uint8Array, off: number, len: number): void;
  messageComplete(): void;
}

/** Methods http_parser accepts (its HTTP_METHOD_MAP, plus PRI for the HTTP/2 preface). */
export const HTTP_METHODS: readonly string[] = [
  'DELETE', 'GET', 'HEAD', 'POST', 'PUT', 'CONNECT', 'OPTIONS', 'TRACE', 'COPY', 'LOCK', 'MKCOL',
  'MOVE', 'PROPFIND', 'PROPPATCH', 'SEARCH', 'UNLOCK', 'BIND', 'REBIND', 'UNBIND', 'ACL', 'REPORT',
  'MKACTIVITY', 'CHECKOUT', 'MERGE', 'M-SEARCH', 'NOTIFY', 'SUBSCRIBE', 'UNSUBSCRIBE', 'PATCH',
  'PURGE', 'MKCALENDAR', 'LINK', 'UNLINK', 'SOURCE', 'PRI',
];
const METHOD_SET = new Set(HTTP_METHODS);

const enum Phase { Start, Headers, BodyLength, ChunkSize, ChunkData, ChunkEnd, Trailers, BodyEof, Dead }

/** Bytes of an unfinished line we are willing to wait for (http_parser's header limit is 80 KiB). */
const MAX_PENDING = 65536;

// RFC 7230 tchar
const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) { TOKEN[c] = 1; TOKEN[c + 0x20] = 1; }

// bytes of a method name or of "HTTP/1.1"
const START_CHAR = new Uint8Array(256);
for (const c of '-_/.') START_CHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) START_CHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) START_CHAR[c] = 1;

function latin1(buf: Uint8Array, start: number, end: number): string {
  return latin1Slice.call(buf, start, end);
}

function indexOfLf(buf: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) if (buf[i] === 0x0a) return i;
  return -1;
}

/** End of the line content (before CR LF or LF). */
function lineEnd(buf: Uint8Array, start: number, lf: number): number {
  return lf > start && buf[lf - 1] === 0x0d ? lf - 1 : lf;
}

export class HttpStream {
  private phase = Phase.Start;
  private head: HttpHead = { isRequest: false, method: '', status: 0, major: 0, minor: 0, upgrade: false };
  private contentLength = -1;
  private chunked = false;
  private hasUpgradeHeader = false;
  private connectionUpgrade = false;
  private remaining = 0;
  private pendingName: string | undefined;
  private pendingValue = '';
  /** Why the stream stopped, for stats and debugging. */
  error: string | undefined;

  constructor(private readonly sink: HttpSink) {}

  /** The last `feed` stopped after the headers of a message that switches protocols. */
  upgraded = false;

  get dead(): boolean { return this.phase === Phase.Dead; }
  /** Between messages: nothing of a message has been read. */
  get idle(): boolean { return this.phase === Phase.Start; }

  /**
   * Read what can be read of buf[off, off+len). Returns the bytes consumed; the caller hands the
   * rest back prefixed to the next bytes. Reading stops right after the headers of a message
   * that switches protocols (what follows is another protocol).
   */
  feed(buf: Uint8Array, off: number, len: number): number {
    const end = off + len;
    let p = off;
    this.upgraded = false;
    while (p < end) {
      switch (this.phase) {
        case Phase.Dead:
          return len;
        case Phase.Start: {
          // http_parser skips blank lines between messages
          if (buf[p] === 0x0d || buf[p] === 0x0a) { p++; continue; }
          // fail at once on bytes that cannot start a method or "HTTP/x.y" (binary after an upgrade)
          for (let i = p; i < end && i < p + 16 && buf[i] !== 0x20; i++) {
            if (!START_CHAR[buf[i]]) { this.fail('not an HTTP start line'); return len; }
          }
          const lf = indexOfLf(buf, p, end);
          if (lf < 0) return this.wait(p, end, off);
          if (!this.startLine(buf, p, lineEnd(buf, p, lf))) return len;
          p = lf + 1;
          break;
        }
        case Phase.Headers:
        case Phase.Trailers: {
          const lf = indexOfLf(buf, p, end);
          if (lf < 0) return this.wait(p, end, off);
          // A folded line continues the previous value; we only know a header is complete once
          // the next line starts, so a header line waits for the first byte of the next one.
          if (lf + 1 >= end && lineEnd(buf, p, lf) > p) return this.wait(p, end, off);
          const e = lineEnd(buf, p, lf);
          const trailers = this.phase === Phase.Trailers;
          if (e === p) {
            p = lf + 1;
            if (trailers) { this.pendingName = undefined; this.complete(); break; }
            this.flushHeader();
            if (this.headersDone()) return p - off; // upgraded: the rest is another protocol
            break;
          }
          if (buf[p] === 0x20 || buf[p] === 0x09) {
            if (this.pendingName === undefined) { this.fail('continuation line before any header'); return len; }
            let s = p;
            while (s < e && (buf[s] === 0x20 || buf[s] === 0x09)) s++;
            this.pendingValue += ' ' + latin1(buf, s, e);
          } else {
            if (!trailers) this.flushHeader();
            if (!this.headerLine(buf, p, e, trailers)) return len;
          }
          p = lf + 1;
          break;
        }
        case Phase.BodyLength:
        case Phase.ChunkData: {
          const n = Math.min(this.remaining, end - p);
          this.sink.body(buf, p, n);
          p += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            if (this.phase === Phase.BodyLength) this.complete();
            else this.phase = Phase.ChunkEnd;
          }
          break;
        }
        case Phase.ChunkEnd: {
          if (buf[p] === 0x0d) { p++; continue; }
          if (buf[p] !== 0x0a) { this.fail('missing CRLF after chunk data'); return len; }
          p++;
          this.phase = Phase.ChunkSize;
          break;
        }
        case Phase.ChunkSize: {
          const lf = indexOfLf(buf, p, end);
          if (lf < 0) return this.wait(p, end, off);
          const e = lineEnd(buf, p, lf);
          let size = 0;
          let i = p;
          for (; i < e; i++) {
            const c = buf[i];
            const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
            if (d < 0) break;
            size = size * 16 + d;
          }
          if (i === p || (i < e && buf[i] !== 0x3b && buf[i] !== 0x20 && buf[i] !== 0x09) || size > 0x7fffffff) {
            this.fail(`bad chunk size '${latin1(buf, p, Math.min(e, p + 20))}'`);
            return len;
          }
          p = lf + 1;
          if (size === 0) { this.phase = Phase.Trailers; break; }
          this.remaining = size;
          this.phase = Phase.ChunkData;
          break;
        }
        case Phase.BodyEof:
          this.sink.body(buf, p, end - p);
          p = end;
          break;
      }
    }
    return len;
  }

  /** The stream ended: a body that runs until the end of the stream is complete now. */
  eof(): void {
    if (this.phase === Phase.BodyEof) this.complete();
  }

  private wait(p: number, end: number, off: number): number {
    if (end - p < MAX_PENDING) return p - off;
    this.fail(`line longer than ${MAX_PENDING} bytes`);
    return end - off;
  }

  /** Stop reading this direction for good (http_parser's error state). Returns false. */
  private fail(why: string): false {
    this.error = why;
    this.phase = Phase.Dead;
    return false;
  }

  private startLine(buf: Uint8Array, s: number, e: number): boolean {
    const h = this.head;
    h.upgrade = false;
    this.contentLength = -1;
    this.chunked = false;
    this.hasUpgradeHeader = false;
    this.connectionUpgrade = false;
    this.pendingName = undefined;
    if (e - s >= 5 && buf[s] === 0x48 && buf[s + 1] === 0x54 && buf[s + 2] === 0x54 && buf[s + 3] === 0x50 && buf[s + 4] === 0x2f) {
      // HTTP/x.y SP code [SP reason]
      let i = s + 5;
      const v = this.version(buf, i, e);
      if (v < 0) return this.fail('bad version in status line');
      i = v;
      if (i >= e || buf[i] !== 0x20) return this.fail('bad status line');
      while (i < e && buf[i] === 0x20) i++;
      let code = 0;
      let digits = 0;
      while (i < e && buf[i] >= 0x30 && buf[i] <= 0x39 && digits < 4) { code = code * 10 + buf[i] - 0x30; i++; digits++; }
      if (digits !== 3 || (i < e && buf[i] !== 0x20 && buf[i] !== 0x0d)) return this.fail('bad status code');
      h.isRequest = false;
      h.method = '';
      h.status = code;
      this.sink.messageBegin(h);
    } else {
      let i = s;
      while (i < e && buf[i] !== 0x20) i++;
      const method = latin1(buf, s, i);
      if (!METHOD_SET.has(method)) return this.fail(`unknown method '${method.slice(0, 20)}'`);
      while (i < e && buf[i] === 0x20) i++;
      const u = i;
      while (i < e && buf[i] !== 0x20) i++;
      if (i === u) return this.fail('missing request target');
      const urlEnd = i;
      h.isRequest = true;
      h.method = method;
      h.status = 0;
      // http_parser reports the URL as soon as it ends, before it looks at the version
      this.sink.messageBegin(h);
      this.sink.url(latin1(buf, u, urlEnd));
      if (urlEnd === e) {
        h.major = 0; // "GET /path" alone: HTTP/0.9
        h.minor = 9;
      } else {
        while (i < e && buf[i] === 0x20) i++;
        if (e - i < 5 || latin1(buf, i, i + 5) !== 'HTTP/') return this.fail('missing HTTP version in request line');
        const v = this.version(buf, i + 5, e);
        if (v < 0 || v !== e) return this.fail('bad version in request line');
      }
    }
    this.phase = Phase.Headers;
    return true;
  }

  /** Parse `d.d` at i; sets major/minor, returns the index after it or -1. */
  private version(buf: Uint8Array, i: number, e: number): number {
    if (i + 3 > e) return -1;
    const a = buf[i], dot = buf[i + 1], b = buf[i + 2];
    if (a < 0x30 || a > 0x39 || dot !== 0x2e || b < 0x30 || b > 0x39) return -1;
    this.head.major = a - 0x30;
    this.head.minor = b - 0x30;
    return i + 3;
  }

  private headerLine(buf: Uint8Array, s: number, e: number, trailer: boolean): boolean {
    let i = s;
    while (i < e && TOKEN[buf[i]]) i++;
    if (i === s || i >= e || buf[i] !== 0x3a) return this.fail(`bad header line '${latin1(buf, s, Math.min(e, s + 40))}'`);
    const name = latin1(buf, s, i);
    i++;
    while (i < e && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
    if (trailer) return true; // trailers are read past, not reported
    this.pendingName = name;
    this.pendingValue = latin1(buf, i, e);
    return true;
  }

  private flushHeader(): void {
    const name = this.pendingName;
    if (name === undefined) return;
    this.pendingName = undefined;
    const value = this.pendingValue;
    this.pendingValue = '';
    const lower = name.toLowerCase();
    if (lower === 'content-length') {
      const t = value.trim();
      if (/^[0-9]+$/.test(t)) this.contentLength = Number(t);
    } else if (lower === 'transfer-encoding') {
      this.chunked = /(^|,)\s*chunked\s*$/i.test(value);
    } else if (lower === 'upgrade') {
      this.hasUpgradeHeader = true;
    } else if (lower === 'connection') {
      if (/(^|,)\s*upgrade\s*(,|$)/i.test(value)) this.connectionUpgrade = true;
    }
    this.sink.header(name, value);
  }

  /** Headers are complete: report, pick the body framing. Returns true when the stream upgraded. */
  private headersDone(): boolean {
    const h = this.head;
    h.upgrade = this.hasUpgradeHeader && this.connectionUpgrade
      ? (h.isRequest || h.status === 101)
      : h.method === 'CONNECT';
    this.sink.headersComplete(h);
    const hasBody = this.chunked || this.contentLength > 0;
    if (h.upgrade && (h.method === 'CONNECT' || !hasBody)) {
      this.complete();
      this.upgraded = true;
      return true;
    }
    if (this.chunked) {
      this.phase = Phase.ChunkSize;
    } else if (this.contentLength >= 0) {
      if (this.contentLength === 0) this.complete();
      else { this.remaining = this.contentLength; this.phase = Phase.BodyLength; }
    } else if (h.isRequest || h.status < 200 || h.status === 204 || h.status === 304) {
      this.complete();
    } else {
      this.phase = Phase.BodyEof;
    }
    return false;
  }

  private complete(): void {
    this.phase = Phase.Start;
    this.sink.messageComplete();
  }
}
