// X.509 certificates as Arkime records them: one `cert` object per certificate of a TLS/DTLS
// Certificate handshake message (also used by other parsers that carry DER certificates).
// The DER reader follows Arkime's lenient one (lengths are clamped to what is there).
import { createHash } from 'node:crypto';
import { defineField } from '../../db/fields/registry.js';
import type { SessionApi } from './api.js';

const c = (exp: string, db: string, kind: 'lotermfield' | 'termfield' | 'date' | 'integer', friendly: string, help: string, cnt = false) =>
  defineField({ exp, db, kind, group: 'cert', friendly, help, object: 'cert', ...(cnt ? { cnt: true } : {}) });

export const certFields = {
  cnt: defineField({ exp: 'cert.cnt', db: 'certCnt', kind: 'integer', group: 'cert', friendly: 'Cert Cnt', help: 'Count of certificates', store: 'single' }),
  alt: c('cert.alt', 'cert.alt', 'lotermfield', 'Alt Name', 'Certificate alternative names', true),
  serial: c('cert.serial', 'cert.serial', 'lotermfield', 'Serial Number', 'Serial Number'),
  issuerCN: c('cert.issuer.cn', 'cert.issuerCN', 'lotermfield', 'Issuer CN', "Issuer's common name"),
  subjectCN: c('cert.subject.cn', 'cert.subjectCN', 'lotermfield', 'Subject CN', "Subject's common name"),
  issuerON: c('cert.issuer.on', 'cert.issuerON', 'termfield', 'Issuer ON', "Issuer's organization name"),
  subjectON: c('cert.subject.on', 'cert.subjectON', 'termfield', 'Subject ON', "Subject's organization name"),
  issuerOU: c('cert.issuer.ou', 'cert.issuerOU', 'termfield', 'Issuer Org Unit', "Issuer's organizational unit"),
  subjectOU: c('cert.subject.ou', 'cert.subjectOU', 'termfield', 'Subject Org Unit', "Subject's organizational unit"),
  hash: c('cert.hash', 'cert.hash', 'lotermfield', 'Hash', 'SHA1 hash of entire certificate'),
  notBefore: c('cert.notbefore', 'cert.notBefore', 'date', 'Not Before', 'Certificate is not valid before this date'),
  notAfter: c('cert.notafter', 'cert.notAfter', 'date', 'Not After', 'Certificate is not valid after this date'),
  validDays: c('cert.validfor', 'cert.validDays', 'integer', 'Days Valid For', 'Certificate is valid for this many days total'),
  remainingDays: c('cert.remainingDays', 'cert.remainingDays', 'integer', 'Days remaining', 'Certificate is still valid for this many days'),
  validSeconds: c('cert.validforSeconds', 'cert.validSeconds', 'integer', 'Seconds Valid For', 'Certificate is valid for this many seconds total'),
  remainingSeconds: c('cert.remainingSeconds', 'cert.remainingSeconds', 'integer', 'Seconds remaining', 'Certificate is still valid for this many seconds'),
  curve: c('cert.curve', 'cert.curve', 'termfield', 'Curve', 'Curve Algorithm'),
  publicAlgorithm: c('cert.publicAlgorithm', 'cert.publicAlgorithm', 'termfield', 'Public Algorithm', 'Public Key Algorithm'),
};

// ---------------------------------------------------------------------------------------------
// DER reading

/** One tag-length-value read by `readTlv`; `off`/`len` locate the value. Reused by the caller. */
export class Tlv { pc = 0; tag = 0; off = 0; len = 0; }

/** A bounded view: `pos` advances, `end` is exclusive. */
export class Span {
  constructor(public buf: Uint8Array, public pos: number, public end: number) {}
  get remaining(): number { return this.end - this.pos; }
}

/**
 * Read one TLV from `sp` into `t` (Arkime's asn_get_tlv: long lengths up to 4 bytes, a length
 * past the end is clamped). Returns false on error.
 */
export function readTlv(sp: Span, t: Tlv): boolean {
  const b = sp.buf;
  if (sp.end - sp.pos < 2) return false;
  let ch = b[sp.pos++];
  t.pc = (ch >> 5) & 1;
  t.tag = 0;
  if ((ch & 0x1f) === 0x1f) {
    // high tag numbers: Arkime reuses the last tag byte as the length byte
    while (sp.pos < sp.end) {
      ch = b[sp.pos++];
      t.tag = ((t.tag << 7) | (ch & 0x7f)) >>> 0;
      if ((ch & 0x80) === 0) break;
    }
  } else {
    t.tag = ch & 0x1f;
    if (sp.pos >= sp.end) return false;
    ch = b[sp.pos++];
  }
  if (ch === 0x80) return false;
  let len = ch;
  if (ch & 0x80) {
    let cnt = ch & 0x7f;
    if (cnt > 4) return false;
    len = 0;
    while (cnt > 0 && sp.pos < sp.end) { len = (len * 256) + b[sp.pos++]; cnt--; }
    if (cnt > 0) return false;
  }
  if (len > sp.end - sp.pos) len = sp.end - sp.pos;
  t.off = sp.pos;
  t.len = len;
  sp.pos += len;
  return true;
}

/** Dotted text of an OID value. */
export function decodeOid(b: Uint8Array, off: number, len: number): string {
  let out = '';
  let value = 0;
  let first = true;
  for (let i = off; i < off + len; i++) {
    value = (value * 128 + (b[i] & 0x7f)) >>> 0;
    if (b[i] & 0x80) continue;
    if (first) { first = false; out = value > 40 ? `${Math.floor(value / 40)}.${value % 40}` : `${value}`; }
    else out += `.${value}`;
    value = 0;
  }
  return out;
}

const d = (b: Uint8Array, i: number) => (b[i] >= 0x30 && b[i] <= 0x39 ? b[i] - 0x30 : 0);
const n2 = (b: Uint8Array, i: number) => d(b, i) * 10 + d(b, i + 1);
const n4 = (b: Uint8Array, i: number) => n2(b, i) * 100 + n2(b, i + 2);

function timegm(y: number, mo: number, day: number, h: number, mi: number, s: number): number {
  const dt = new Date(0);
  dt.setUTCFullYear(y, mo, day);
  dt.setUTCHours(h, mi, s, 0);
  return Math.floor(dt.getTime() / 1000);
}

/** UTCTime (23) or GeneralizedTime (24) to epoch seconds, with Arkime's leniency; 0 when unknown. */
export function parseAsnTime(s: SessionApi | undefined, tag: number, b: Uint8Array, off: number, len: number): number {
  let val: number;
  if (tag === 23 && len > 12) {
    let offset = 0;
    if (len >= 17 && b[off + 12] !== 0x5a) offset = n2(b, off + 13) * 3600 + n2(b, off + 15) * 60;
    if (b[off + 12] === 0x2b) offset = -offset;
    let y = n2(b, off);
    y += y < 50 ? 2000 : 1900;
    val = timegm(y, n2(b, off + 2) - 1, n2(b, off + 4), n2(b, off + 6), n2(b, off + 8), n2(b, off + 10)) + offset;
  } else if (tag === 24 && len >= 10) {
    const y = n4(b, off), mo = n2(b, off + 4) - 1, day = n2(b, off + 6), h = n2(b, off + 8);
    let mi = 0, sec = 0, pos: number;
    const zone = (i: number) => b[off + i] === 0x5a || b[off + i] === 0x2b || b[off + i] === 0x2d;
    if (len < 12 || zone(10)) pos = 10;
    else {
      mi = n2(b, off + 10);
      if (len < 14 || zone(12)) pos = 12;
      else {
        sec = n2(b, off + 12);
        if (len < 15 || zone(14)) pos = 14;
        else pos = b[off + 14] === 0x2e ? 18 : 14;
      }
    }
    let offset = 0;
    if (pos !== len && pos + 5 <= len && (b[off + pos] === 0x2b || b[off + pos] === 0x2d)) {
      offset = n2(b, off + pos + 1) * 3600 + n2(b, off + pos + 3) * 60;
      if (b[off + pos] === 0x2b) offset = -offset;
    }
    val = timegm(y, mo, day, h, mi, sec) + offset;
  } else return 0;
  if (val < 0) { s?.addTag('cert:pre-epoch-time'); return 0; }
  return val;
}

// OpenSSL short names for the OIDs Arkime reports (OBJ_nid2sn)
const PUBLIC_ALGORITHMS: Record<string, string> = {
  '1.2.840.113549.1.1.1': 'rsaEncryption', '1.2.840.10045.2.1': 'id-ecPublicKey', '1.2.840.10040.4.1': 'DSA',
  '1.2.840.113549.1.1.10': 'RSASSA-PSS', '1.3.101.110': 'X25519', '1.3.101.111': 'X448', '1.3.101.112': 'ED25519',
  '1.3.101.113': 'ED448', '1.2.840.10046.2.1': 'dhpublicnumber', '1.2.840.113549.1.3.1': 'dhKeyAgreement',
  '1.2.643.2.2.19': 'gost2001', '1.2.643.7.1.1.1.1': 'gost2012_256', '1.2.643.7.1.1.1.2': 'gost2012_512',
  '1.2.156.10197.1.301': 'SM2', '2.5.8.1.1': 'RSA', '1.2.840.113549.1.1.7': 'RSAES-OAEP',
};
const CURVES: Record<string, string> = {
  '1.2.840.10045.3.1.7': 'prime256v1', '1.3.132.0.34': 'secp384r1', '1.3.132.0.35': 'secp521r1', '1.3.132.0.10': 'secp256k1',
  '1.2.840.10045.3.1.1': 'prime192v1', '1.3.132.0.33': 'secp224r1', '1.3.36.3.3.2.8.1.1.7': 'brainpoolP256r1',
  '1.3.36.3.3.2.8.1.1.11': 'brainpoolP384r1', '1.3.36.3.3.2.8.1.1.13': 'brainpoolP512r1', '1.2.156.10197.1.301': 'SM2',
  '1.3.132.0.8': 'secp160r1', '1.3.132.0.30': 'secp160r2', '1.3.132.0.31': 'secp192k1', '1.3.132.0.32': 'secp224k1',
};

// ---------------------------------------------------------------------------------------------
// One certificate

interface Names { cn: string[]; on: string[]; ou: string[] }

/** What was read from one certificate. */
export interface CertInfo {
  hash: string;
  serial: string;
  issuer: Names;
  subject: Names;
  notBefore: number;   // s
  notAfter: number;    // s
  alt: string[];
  isCA: boolean;
  badAltName: boolean;
  publicAlgorithm?: string;
  curve?: string;
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');
const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const asciiLower = (str: string) => str.replace(/[A-Z]+/g, (m) => m.toLowerCase());

/** Walk a Name collecting CN (2.5.4.3), O (2.5.4.10) and OU (2.5.4.11) strings. */
function readNames(b: Uint8Array, sp: Span, out: Names): void {
  const t = new Tlv();
  let lastOid = '';
  while (sp.remaining > 0) {
    if (!readTlv(sp, t)) return;
    if (t.pc) readNames(b, new Span(b, t.off, t.off + t.len), out);
    else if (t.tag === 6) lastOid = decodeOid(b, t.off, t.len);
    else if (lastOid && (t.tag === 20 || t.tag === 19 || t.tag === 12)) {
      const isUtf8 = t.tag === 12;
      const v = (isUtf8 ? utf8 : latin1).decode(b.subarray(t.off, t.off + t.len));
      if (lastOid === '2.5.4.3') out.cn.push(isUtf8 ? v.toLowerCase() : asciiLower(v));
      else if (lastOid === '2.5.4.10') out.on.push(v);
      else if (lastOid === '2.5.4.11') out.ou.push(v);
    }
  }
}

function readPublicKey(b: Uint8Array, off: number, len: number, ci: CertInfo): void {
  const t = new Tlv();
  const sp = new Span(b, off, off + len);
  if (!readTlv(sp, t)) { ci.publicAlgorithm = 'corrupt'; return; }
  const alg = new Span(b, t.off, t.off + t.len);
  if (!readTlv(alg, t)) { ci.publicAlgorithm = 'corrupt'; return; }
  const oid = decodeOid(b, t.off, t.len);
  ci.publicAlgorithm = PUBLIC_ALGORITHMS[oid] ?? 'unknown';
  if (oid === '1.2.840.10045.2.1') {
    if (!readTlv(alg, t) || t.len > 12) ci.curve = 'corrupt';
    else ci.curve = CURVES[decodeOid(b, t.off, t.len)] ?? 'unknown';
  }
}

const isOctetString = (t: Tlv) => !t.pc && t.tag === 4;

/** Extensions: keyUsage (keyCertSign bit marks a CA) and the dNSNames of the first subjectAltName. */
function readExtensions(b: Uint8Array, off: number, len: number, ci: CertInfo): void {
  const t = new Tlv();
  const outer = new Span(b, off, off + len);
  if (!readTlv(outer, t) || !t.pc) return;           // Extensions SEQUENCE
  const exts = new Span(b, t.off, t.off + t.len);
  while (exts.remaining >= 2) {
    if (!readTlv(exts, t)) return;
    if (!t.pc) continue;
    const ext = new Span(b, t.off, t.off + t.len);
    if (!readTlv(ext, t) || t.tag !== 6) continue;
    const oid = decodeOid(b, t.off, t.len);
    if (oid !== '2.5.29.15' && oid !== '2.5.29.17') continue;
    // skip the optional critical flag, find the OCTET STRING
    let octets = false;
    while (!octets && readTlv(ext, t)) octets = isOctetString(t);
    if (!octets) continue;
    if (oid === '2.5.29.15') {
      if (t.len === 4) ci.isCA = (b[t.off + 3] & 0x04) !== 0;
      continue;
    }
    if (ci.alt.length > 0) continue;
    const inner = new Span(b, t.off, t.off + t.len);
    if (!readTlv(inner, t) || !t.pc) continue;
    const names = new Span(b, t.off, t.off + t.len);
    // Arkime stops collecting at the first constructed or tag-6 (URI) entry
    while (names.remaining >= 2 && readTlv(names, t)) {
      if (t.pc || t.tag === 6) break;
      if (t.tag !== 2) continue;
      const raw = b.subarray(t.off, t.off + t.len);
      try { ci.alt.push(asciiLower(utf8Strict.decode(raw))); } catch { ci.badAltName = true; }
    }
  }
}

const hex = (b: Uint8Array, off: number, len: number) => Buffer.from(b.buffer, b.byteOffset + off, len).toString('hex');

/** Parse one DER certificate; undefined when its outer structure is unreadable. */
export function parseCertificate(b: Uint8Array, off: number, len: number, s?: SessionApi): CertInfo | undefined {
  const digest = createHash('sha1').update(b.subarray(off, off + len)).digest('hex');
  const ci: CertInfo = {
    hash: digest.replace(/(..)(?!$)/g, '$1:'), serial: '', issuer: { cn: [], on: [], ou: [] }, subject: { cn: [], on: [], ou: [] },
    notBefore: 0, notAfter: 0, alt: [], isCA: false, badAltName: false,
  };
  const t = new Tlv();
  let sp = new Span(b, off, off + len);
  if (!readTlv(sp, t)) return undefined;                        // Certificate
  sp = new Span(b, t.off, t.off + t.len);
  if (!readTlv(sp, t)) return undefined;                        // tbsCertificate
  sp = new Span(b, t.off, t.off + t.len);
  if (!readTlv(sp, t)) return undefined;                        // version [0] or serial
  if (t.pc && !readTlv(sp, t)) return undefined;
  ci.serial = hex(b, t.off, t.len);
  if (!readTlv(sp, t)) return undefined;                        // signature algorithm
  if (!readTlv(sp, t)) return undefined;                        // issuer
  readNames(b, new Span(b, t.off, t.off + t.len), ci.issuer);
  if (!readTlv(sp, t)) return undefined;                        // validity
  const v = new Span(b, t.off, t.off + t.len);
  if (!readTlv(v, t)) return undefined;
  ci.notBefore = parseAsnTime(s, t.tag, b, t.off, t.len);
  if (!readTlv(v, t)) return undefined;
  ci.notAfter = parseAsnTime(s, t.tag, b, t.off, t.len);
  if (!readTlv(sp, t)) return undefined;                        // subject
  readNames(b, new Span(b, t.off, t.off + t.len), ci.subject);
  if (!readTlv(sp, t)) return undefined;                        // subjectPublicKeyInfo
  readPublicKey(b, t.off, t.len, ci);
  if (sp.remaining > 0) {
    if (!readTlv(sp, t)) return undefined;                      // [1]/[2] unique ids are rare; [3] extensions
    while (t.tag !== 3 && sp.remaining > 0 && readTlv(sp, t)) { /* skip issuer/subject unique ids */ }
    if (t.tag === 3) readExtensions(b, t.off, t.len, ci);
  }
  return ci;
}

// ---------------------------------------------------------------------------------------------
// Session mapping

/** Per-session memory of the certificates already recorded (Arkime dedups equal ones). */
export interface CertSeen { keys?: Set<string> }

function certKey(ci: CertInfo): string {
  const n = (x: Names) => `${x.cn.join('\u0001')}\u0002${x.on.join('\u0001')}\u0002${x.ou.join('\u0001')}`;
  return `${ci.serial}\u0003${n(ci.issuer)}\u0003${n(ci.subject)}`;
}

/** The `cert` object Arkime writes for one certificate. */
export function certObject(ci: CertInfo, firstPacketMs: number): Record<string, unknown> {
  const o: Record<string, unknown> = { hash: ci.hash };
  if (ci.publicAlgorithm) o.publicAlgorithm = ci.publicAlgorithm;
  if (ci.curve) o.curve = ci.curve;
  if (ci.issuer.cn.length) o.issuerCN = ci.issuer.cn;
  if (ci.issuer.on.length) o.issuerON = ci.issuer.on;
  if (ci.issuer.ou.length) o.issuerOU = ci.issuer.ou;
  if (ci.subject.cn.length) o.subjectCN = ci.subject.cn;
  if (ci.subject.on.length) o.subjectON = ci.subject.on;
  if (ci.subject.ou.length) o.subjectOU = ci.subject.ou;
  o.serial = ci.serial;
  if (ci.alt.length) { o.altCnt = ci.alt.length; o.alt = ci.alt; }
  o.notBefore = ci.notBefore * 1000;
  o.notAfter = ci.notAfter * 1000;
  const first = Math.floor(firstPacketMs / 1000);
  const remaining = ci.notAfter < first ? 0 : ci.notAfter - first;
  o.remainingDays = Math.trunc(remaining / 86400);
  o.remainingSeconds = remaining;
  o.validDays = Math.trunc((ci.notAfter - ci.notBefore) / 86400);
  o.validSeconds = ci.notAfter - ci.notBefore;
  return o;
}

/** Record one certificate on the session: tags, dedup, then the `cert` object. */
export function addCertificate(s: SessionApi, seen: CertSeen, ci: CertInfo): boolean {
  if (ci.badAltName) s.addTag('bad-altname');
  const firstCert = !seen.keys || seen.keys.size === 0;
  const sameOrg = (ci.subject.on.length === 1 && ci.issuer.on.length === 1 && ci.subject.on[0] === ci.issuer.on[0]) ||
    (ci.subject.on.length === 0 && ci.issuer.on.length === 0);
  if (firstCert && !ci.isCA && sameOrg && ci.subject.cn.length === 1 && ci.issuer.cn.length === 1 && ci.subject.cn[0] === ci.issuer.cn[0]) {
    s.addTag('cert:self-signed');
  }
  if (ci.isCA) s.addTag('cert:certificate-authority');
  const key = certKey(ci);
  if (!seen.keys) seen.keys = new Set();
  if (seen.keys.has(key)) return false;
  seen.keys.add(key);
  s.addObject('cert', certObject(ci, s.firstPacketMs));
  return true;
}

/**
 * A TLS Certificate handshake message body (3-byte list length, then 3-byte length + DER per
 * certificate). Stops at the first certificate that cannot be read, as Arkime does.
 */
export function processCertificateList(s: SessionApi, seen: CertSeen, b: Uint8Array, off: number, len: number): void {
  let pos = off + 3;
  const end = off + len;
  while (end - pos > 3) {
    const clen = Math.min(end - pos - 3, (b[pos] << 16) | (b[pos + 1] << 8) | b[pos + 2]);
    const ci = parseCertificate(b, pos + 3, clen, s);
    if (!ci) break;
    addCertificate(s, seen, ci);
    pos += clen + 3;
  }
}
