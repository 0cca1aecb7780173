// ClientHello → JA3 / JA4 (and the SNI, session id, ECH tags Arkime takes from it), shared by
// TLS over TCP, QUIC Initial packets and DTLS. Byte-for-byte Arkime's rules, including its
// quirks (8-bit counters, JA3 dropped when a list it rewinds is empty).
import { createHash } from 'node:crypto';
import type { SessionApi } from './api.js';
import { tlsFields, httpHostField } from './tls-fields.js';

/** GREASE values (RFC 8701): 0x?a?a with equal bytes. */
export const isGrease = (v: number) => (v & 0x0f) === 0x0a && (v & 0xff) === (v >> 8);

/** Bounded reader with a sticky error, like Arkime's BSB. */
class Reader {
  error = false;
  constructor(readonly b: Uint8Array, public pos: number, public end: number) {
    if (end < pos) this.error = true;
  }
  get remaining(): number { return this.error ? 0 : this.end - this.pos; }
  u8(): number {
    if (this.error || this.pos + 1 > this.end) { this.error = true; return 0; }
    return this.b[this.pos++];
  }
  u16(): number {
    if (this.error || this.pos + 2 > this.end) { this.error = true; return 0; }
    const v = (this.b[this.pos] << 8) | this.b[this.pos + 1];
    this.pos += 2;
    return v;
  }
  skip(n: number): void {
    if (this.error || n < 0 || this.pos + n > this.end) { this.error = true; return; }
    this.pos += n;
  }
  /** A sub-reader over the next `n` bytes (Arkime's BSB_IMPORT_bsb). */
  sub(n: number): Reader {
    const r = new Reader(this.b, this.pos, this.pos + n);
    if (this.error || this.pos + n > this.end) { r.error = true; this.error = true; } else this.pos += n;
    return r;
  }
}

/** A text list that remembers whether Arkime's "remove the last separator" failed on it. */
class List {
  s = '';
  bad = false;
  add(v: string): void { this.s += v; }
  /** Arkime's BSB_EXPORT_rewind(1): on an empty buffer it sets the error flag. */
  dropLast(): void { this.s = this.s.slice(0, -1); }
}

const hex4 = (v: number) => v.toString(16).padStart(4, '0');
const sha12 = (s: string) => createHash('sha256').update(s, 'latin1').digest('hex').slice(0, 12);
const digitPair = (n: number) => String.fromCharCode(48 + Math.floor((n & 0xff) / 10), 48 + ((n & 0xff) % 10));

function ja4Version(ver: number, dtls: boolean): string {
  switch (ver) {
    case 0x0100: return 's1';
    case 0x0200: return 's2';
    case 0x0300: return 's3';
    case 0x0301: return '10';
    case 0x0302: return '11';
    case 0x0303: return '12';
    case 0x0304: return '13';
    case 0xfeff: return dtls ? 'd1' : '00';
    case 0xfefd: return dtls ? 'd2' : '00';
    case 0xfefc: return dtls ? 'd3' : '00';
    default: return '00';
  }
}

/** The JA4 fingerprint and its raw form from the collected ClientHello values. */
export function ja4Of(proto: string, ver: string, sni: boolean, ciphers: number[], nExt: number, exts: number[], algos: number[], alpn: string): [string, string] {
  const head = proto + ver + (sni ? 'd' : 'i') + digitPair(ciphers.length) + digitPair(nExt) + alpn + '_';
  const c = ciphers.slice().sort((a, b) => a - b).map(hex4).join(',');
  let e = exts.slice().sort((a, b) => a - b).map(hex4).join(',');
  if (algos.length) e += '_' + algos.map(hex4).join(',');
  const ja4 = head + (c ? sha12(c) : '000000000000') + '_' + (e ? sha12(e) : '000000000000');
  return [ja4, head + c + '_' + e];
}

/**
 * Process a ClientHello handshake message: `off` points at the version (DTLS) or at the
 * handshake type byte (TLS, QUIC). Adds ja3/ja4 (+ strings), SNI to host.http, session id.
 */
export function processClientHello(s: SessionApi, b: Uint8Array, off: number, len: number, dtls = false): void {
  let ver: number;
  let cr: Reader;
  const ja3 = new List();
  if (dtls) {
    cr = new Reader(b, off, off + len);
    ver = cr.u16();
    if (cr.error || cr.remaining <= 32) return;
  } else {
    if (len < 7) return;
    const plen = Math.min(len - 4, (b[off + 2] << 8) | b[off + 3]);
    ver = (b[off + 4] << 8) | b[off + 5];
    ja3.add(`${ver},`);
    cr = new Reader(b, off + 6, off + 6 + plen - 2);
  }
  const ciphers: number[] = [];
  const exts: number[] = [];
  const algos: number[] = [];
  let nExt = 0;
  let sni = false;
  let alpn = '00';
  const eja3 = new List(), ecja3 = new List(), ecfja3 = new List();

  if (dtls || cr.remaining > 32) {
    cr.skip(32);                                       // random
    let n = cr.u8();                                   // session id
    if (!dtls && n > 0 && cr.remaining > n) s.addString(tlsFields.srcSessionId, Buffer.from(b.buffer, b.byteOffset + cr.pos, n).toString('hex'));
    cr.skip(n);
    if (dtls) cr.skip(cr.u8());                        // cookie
    n = cr.u16();                                      // cipher suites
    while (!cr.error && n > 0) {
      const c = cr.u16();
      if (!isGrease(c)) { ja3.add(`${c}-`); ciphers.push(c); }
      n -= 2;
    }
    if (!dtls) { ja3.dropLast(); ja3.add(','); }
    cr.skip(cr.u8());                                  // compression methods
    if (cr.remaining >= 6) {
      const etot = Math.min(cr.u16(), cr.remaining);
      const er = new Reader(b, cr.pos, cr.pos + etot);
      while (er.remaining >= 4) {
        const etype = er.u16();
        const elen = er.u16();
        if (isGrease(etype)) { er.skip(elen); continue; }
        nExt++;
        exts.push(etype);
        eja3.add(`${etype}-`);
        if (elen > er.remaining) break;
        if (etype === 0) {                             // server_name
          exts.pop();
          const r = er.sub(elen);
          if (r.u16() !== r.remaining) continue;
          if (r.u8() !== 0) continue;
          const l = r.u16();
          if (l !== r.remaining) continue;
          if (!dtls) s.addString(httpHostField(), Buffer.from(b.buffer, b.byteOffset + r.pos, l).toString('latin1'));
          sni = true;
        } else if (etype === 0x000a && !dtls) {        // supported groups
          const r = er.sub(elen);
          let l = r.u16();
          while (l > 0 && !r.error) {
            const g = r.u16();
            if (!isGrease(g)) ecja3.add(`${g}-`);
            l -= 2;
          }
          ecja3.dropLast();
        } else if (etype === 0x000b && !dtls) {        // ec point formats
          const r = er.sub(elen);
          let l = r.u8();
          while (l > 0 && !r.error) { ecfja3.add(`${r.u8()}-`); l -= 1; }
          ecfja3.dropLast();
        } else if (etype === 0x000d) {                 // signature algorithms
          const r = er.sub(elen);
          let l = r.u16();
          while (l > 0 && !r.error) {
            algos.push(r.u16());                       // Arkime keeps the 0 a short read gives
            l -= 2;
          }
        } else if (etype === 0x0010) {                 // ALPN: first protocol's first and last byte
          exts.pop();
          const r = er.sub(elen);
          r.skip(2);
          const al = r.u8();
          const start = r.pos;
          r.skip(al);
          if (al > 0 && !r.error) alpn = String.fromCharCode(b[start], b[start + al - 1]);
        } else if (etype === 0x002b) {                 // supported versions: highest non-GREASE
          const r = er.sub(elen);
          let l = r.u8();
          while (l > 0 && !r.error) {
            const v = r.u16();
            if (!r.error && !isGrease(v)) ver = Math.max(v, ver);
            l--;
          }
        } else if (etype === 0xffce && !dtls) {
          s.addTag('tls:has_esni');
          er.skip(elen);
        } else if (etype === 0xfe0d && !dtls) {
          s.addTag('tls:has_ech');
          er.skip(elen);
        } else er.skip(elen);
      }
      eja3.dropLast();
    }
  }

  if (!dtls && !eja3.bad && !ecja3.bad && !ecfja3.bad) {
    const str = `${ja3.s}${eja3.s},${ecja3.s},${ecfja3.s}`;
    if (s.config.bool('ja3Strings', false)) s.addString(tlsFields.ja3string, str);
    s.addString(tlsFields.ja3, createHash('md5').update(str, 'latin1').digest('hex'));
  }

  const proto = dtls ? 'd' : s.ipProtocol === 6 ? 't' : 'q';
  const [ja4, ja4r] = ja4Of(proto, ja4Version(ver, dtls), sni, ciphers.slice(0, 255), nExt, exts, algos, alpn);
  s.addString(tlsFields.ja4, ja4);
  if (s.config.bool('ja4Raw', false)) s.addString(tlsFields.ja4r, ja4r);
}
