// TLS over TCP (Arkime's tls.c): the ClientHello of the classifying chunk gives JA3/JA4, SNI
// and the client session id; the server direction is followed record by record through
// ServerHello (version, cipher, JA3S, session id, h2 ALPN) and Certificate until
// ServerHelloDone or the first non-handshake record, then the parser detaches.
import { createHash } from 'node:crypto';
import { PARSE_DONE, type Dir, type ProtocolParser, type SessionApi } from './api.js';
import { cipherName } from './tls-ciphers.js';
import { processCertificateList, type CertSeen } from './tls-cert.js';
import { processClientHello } from './tls-fingerprint.js';
import { tlsFields } from './tls-fields.js';

/** Arkime keeps at most this many bytes of a server record in flight; later bytes are dropped. */
const SERVER_BUF = 8192;

export interface TlsState extends CertSeen {
  /** The direction carrying the server's handshake. */
  which: Dir;
  buf?: Uint8Array;
  len: number;
  /** A ClientHello record still arriving (only kept until it is complete). */
  client?: Uint8Array;
  clientLen: number;
  clientPending?: boolean;
}

/** `tls.version` text of a protocol version. */
export function versionName(ver: number): string {
  switch (ver) {
    case 0x0100: return 'SSLv1';
    case 0x0200: return 'SSLv2';
    case 0x0300: return 'SSLv3';
    case 0x0301: return 'TLSv1';
    case 0x0302: return 'TLSv1.1';
    case 0x0303: return 'TLSv1.2';
    case 0x0304: return 'TLSv1.3';
    default:
      if (ver >= 0x7f00 && ver <= 0x7fff) return `TLSv1.3-draft-${String(ver & 0xff).padStart(2, '0')}`;
      return '0x' + ver.toString(16).padStart(4, '0');
  }
}

/** ServerHello body (after the 4-byte handshake header). */
export function processServerHello(s: SessionApi, b: Uint8Array, off: number, len: number): void {
  const end = off + len;
  if (len < 34) return;
  const ver = (b[off] << 8) | b[off + 1];
  let p = off + 34;
  let add12Later = false;
  if (ver !== 0x0303) s.addString(tlsFields.version, versionName(ver));
  else add12Later = true;
  if (ver >= 0x0300 && ver <= 0x0303) {
    const n = p < end ? b[p] : 0;
    p++;
    if (n > 0 && end - p > n) s.addString(tlsFields.dstSessionId, Buffer.from(b.buffer, b.byteOffset + p, n).toString('hex'));
    p += n;
  }
  const cipher = p + 2 <= end ? (b[p] << 8) | b[p + 1] : 0;
  p += 2;
  s.addString(tlsFields.cipher, cipherName(cipher));
  if (ver < 0x0700 || ver >= 0x7f16) p += 1;             // compression (absent in early TLS 1.3 drafts)

  let exts = '';
  if (end - p > 2) {
    const etot = Math.min((b[p] << 8) | b[p + 1], end - p - 2);
    let e = p + 2;
    const eend = e + etot;
    while (eend - e >= 4) {
      const etype = (b[e] << 8) | b[e + 1];
      const elen = (b[e + 2] << 8) | b[e + 3];
      e += 4;
      exts += `${etype}-`;
      if (elen > eend - e) break;
      if (etype === 0x2b && elen === 2) {
        if (((b[e] << 8) | b[e + 1]) === 0x0304) { s.addString(tlsFields.version, versionName(0x0304)); add12Later = false; }
      } else if (etype === 0x10 && elen === 5 && b[e] === 0 && b[e + 1] === 3 && b[e + 2] === 2 && b[e + 3] === 0x68 && b[e + 4] === 0x32) {
        s.addProtocol('http2');
      }
      e += elen;
    }
    exts = exts.slice(0, -1);
  }
  if (add12Later) s.addString(tlsFields.version, versionName(0x0303));
  const ja3s = `${ver},${cipher},${exts}`;
  if (s.config.bool('ja3Strings', false)) s.addString(tlsFields.ja3sstring, ja3s);
  s.addString(tlsFields.ja3s, createHash('md5').update(ja3s, 'latin1').digest('hex'));
}

/** Handshake messages of one server record; true once ServerHelloDone is seen. */
export function processServerHandshake(s: SessionApi, seen: CertSeen, b: Uint8Array, off: number, len: number): boolean {
  let p = off;
  const end = off + len;
  while (end - p >= 4) {
    const hlen = Math.min(end - p, ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) + 4);
    switch (b[p]) {
      case 2: processServerHello(s, b, p + 4, hlen - 4); break;
      case 11: processCertificateList(s, seen, b, p + 4, hlen - 4); break;
      case 14: return true;
    }
    p += hlen;
  }
  return false;
}

/**
 * A TLS record starting at `off` holding a ClientHello: fingerprint it once the whole record is
 * there. Returns false while it is incomplete.
 */
export function processClientRecord(s: SessionApi, b: Uint8Array, off: number, len: number): boolean {
  if (len < 5) return false;
  const rlen = (b[off + 3] << 8) | b[off + 4];
  if (len - 5 < rlen) return false;
  processClientHello(s, b, off + 5, rlen);
  return true;
}

export const tlsParser: ProtocolParser<TlsState> = {
  name: 'tls',
  tcpPrefixes: [{ bytes: [0x16, 0x03] }],

  classify(s, dir, buf, off, len) {
    if (len < 6 || buf[off + 2] > 3 || s.hasProtocol('tls')) return undefined;
    const type = buf[off + 5];
    if (type !== 1 && type !== 2) return undefined;
    s.addProtocol('tls');
    if (type === 1) {
      // a ClientHello split over several chunks is gathered by parse, which gets this chunk too
      const complete = processClientRecord(s, buf, off, len);
      return { which: (dir ^ 1) as Dir, len: 0, clientLen: 0, clientPending: !complete };
    }
    return { which: dir, len: 0, clientLen: 0 };
  },

  parse(st, s, dir, buf, off, len) {
    if (dir !== st.which) {
      if (st.clientPending) {
        const c = st.client ??= new Uint8Array(SERVER_BUF);
        const take = Math.min(len, SERVER_BUF - st.clientLen);
        c.set(buf.subarray(off, off + take), st.clientLen);
        st.clientLen += take;
        if (processClientRecord(s, c, 0, st.clientLen) || st.clientLen >= SERVER_BUF) { st.clientPending = false; st.client = undefined; }
      }
      return len;
    }
    // Arkime's fixed buffer: bytes beyond it are dropped, one record is handled per chunk
    const b = st.buf ??= new Uint8Array(SERVER_BUF);
    const take = Math.min(len, SERVER_BUF - st.len);
    b.set(buf.subarray(off, off + take), st.len);
    st.len += take;
    if (st.len < 5) return len;
    if (b[0] !== 0x16) return done(st);
    const need = ((b[3] << 8) | b[4]) + 5;
    if (need > st.len) return len;
    if (processServerHandshake(s, st, b, 5, need - 5)) return done(st);
    st.len -= need;
    if (st.len) b.copyWithin(0, need, need + st.len);
    return len;
  },

  save(st, s) {
    if (st.buf && st.len > 5 && st.buf[0] === 0x16) processServerHandshake(s, st, st.buf, 5, st.len - 5);
    st.len = 0;
  },
};

function done(st: TlsState): number {
  st.buf = undefined;
  st.len = 0;
  return PARSE_DONE;
}
