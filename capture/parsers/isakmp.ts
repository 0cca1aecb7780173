// ISAKMP / IKE v1 and v2 on UDP 500 and 4500 (NAT-T, after the 4-byte non-ESP marker), as
// Arkime's isakmp.c: SPIs, version, exchange type and, from unencrypted messages, the SA
// proposals' algorithms, vendor ids and X.509 certificates.
import { defineField } from '../../db/fields/registry.js';
import type { ProtocolParser, SessionApi } from './api.js';
import { addCertificate, parseCertificate, type CertSeen } from './tls-cert.js';

const f = (exp: string, db: string, friendly: string, help: string) =>
  defineField({ group: 'isakmp', exp, db, kind: 'termfield', friendly, help, cnt: true });

export const isakmpFields = {
  initiatorSpi: f('isakmp.initiator-spi', 'isakmp.initiatorSpi', 'Initiator SPI', 'ISAKMP initiator security parameter index'),
  responderSpi: f('isakmp.responder-spi', 'isakmp.responderSpi', 'Responder SPI', 'ISAKMP responder security parameter index'),
  version: f('isakmp.version', 'isakmp.version', 'Version', 'ISAKMP version'),
  exchangeType: f('isakmp.exchange-type', 'isakmp.exchangeType', 'Exchange Type', 'ISAKMP exchange type'),
  vendorId: f('isakmp.vendor-id', 'isakmp.vendorId', 'Vendor ID', 'ISAKMP vendor identifier'),
  encryption: f('isakmp.encryption', 'isakmp.encryption', 'Encryption', 'ISAKMP encryption algorithm'),
  hash: f('isakmp.hash', 'isakmp.hash', 'Hash/PRF', 'ISAKMP hash or PRF algorithm'),
  dhGroup: f('isakmp.dh-group', 'isakmp.dhGroup', 'DH Group', 'ISAKMP Diffie-Hellman group'),
  authMethod: f('isakmp.auth-method', 'isakmp.authMethod', 'Auth Method', 'ISAKMP authentication method'),
};

const V1_EXCHANGES: Record<number, string> = {
  0: 'none', 1: 'base', 2: 'identity-protection', 3: 'authentication-only', 4: 'aggressive', 5: 'informational',
  32: 'quick-mode', 33: 'new-group-mode',
};
const V2_EXCHANGES: Record<number, string> = { 34: 'ike-sa-init', 35: 'ike-auth', 36: 'create-child-sa', 37: 'informational' };
const ENCRYPTION: Record<number, string> = {
  1: 'des-cbc', 2: 'idea-cbc', 3: 'blowfish-cbc', 4: 'rc5-r16-b64-cbc', 5: '3des-cbc', 6: 'cast-cbc', 7: 'aes-cbc',
  8: 'camellia-cbc', 12: 'aes-ctr', 13: 'aes-ccm-8', 14: 'aes-ccm-12', 15: 'aes-ccm-16', 18: 'aes-gcm-8',
  19: 'aes-gcm-12', 20: 'aes-gcm-16', 23: 'chacha20-poly1305',
};
/** IKEv2 renumbered the encryption transforms (IANA "Transform Type 1"). */
const ENCRYPTION_V2: Record<number, string> = {
  2: 'des-cbc', 3: '3des-cbc', 4: 'rc5-r16-b64-cbc', 5: 'idea-cbc', 6: 'cast-cbc', 7: 'blowfish-cbc', 12: 'aes-cbc',
  13: 'aes-ctr', 14: 'aes-ccm-8', 15: 'aes-ccm-12', 16: 'aes-ccm-16', 18: 'aes-gcm-8', 19: 'aes-gcm-12',
  20: 'aes-gcm-16', 23: 'camellia-cbc', 28: 'chacha20-poly1305',
};
const HASH: Record<number, string> = { 1: 'md5', 2: 'sha1', 3: 'tiger', 4: 'sha2-256', 5: 'sha2-384', 6: 'sha2-512' };
const PRF: Record<number, string> = {
  1: 'prf-hmac-md5', 2: 'prf-hmac-sha1', 3: 'prf-hmac-tiger', 4: 'prf-aes128-xcbc', 5: 'prf-hmac-sha2-256',
  6: 'prf-hmac-sha2-384', 7: 'prf-hmac-sha2-512',
};
const DH: Record<number, string> = {
  1: 'modp768', 2: 'modp1024', 5: 'modp1536', 14: 'modp2048', 15: 'modp3072', 16: 'modp4096', 17: 'modp6144',
  18: 'modp8192', 19: 'ecp256', 20: 'ecp384', 21: 'ecp521', 22: 'modp1024s160', 23: 'modp2048s224',
  24: 'modp2048s256', 25: 'ecp192', 26: 'ecp224', 27: 'brainpoolp224', 28: 'brainpoolp256', 29: 'brainpoolp384',
  30: 'brainpoolp512', 31: 'curve25519', 32: 'curve448',
};
const AUTH: Record<number, string> = {
  1: 'psk', 2: 'dss-sig', 3: 'rsa-sig', 4: 'rsa-enc', 5: 'rsa-enc', 64221: 'hybrid-rsa', 65001: 'xauth-psk', 65005: 'xauth-rsa',
};
const VENDORS: [string, string][] = [
  ['4a131c8107035845', 'rfc3947-nat-t'], ['90cb80913ebb696e', 'draft-ietf-nat-t-02'],
  ['cd60464335df21f8', 'draft-ietf-nat-t-03'], ['7d9419a65310ca6f', 'draft-ietf-nat-t-rfc'],
  ['afcad71368a1f1c9', 'dpd'], ['12f5f28c457168a9', 'cisco-unity'], ['09002689dfd6b712', 'xauth'],
  ['1f07f70eaa6514d3', 'cisco-concentrator'], ['4048b7d56ebce885', 'ikev2'], ['4d532d4d616d6965', 'ms-ikev2'],
  ['1e2b516905991c7d', 'windows'], ['4f452e484a52414e', 'fortigate'], ['166f932d55eb64d8', 'strongswan'],
  ['699369228741c6d4', 'openswan'], ['4f50454e5377616e', 'openswan2'], ['fbf47614984031fa', 'checkpoint'],
  ['f4ed19e0c114eb51', 'checkpoint-ng'],
];

const PAYLOAD_SA = 1, PAYLOAD_CERT = 6, PAYLOAD_VENDOR_ID = 13, PAYLOAD_SA_V2 = 33, PAYLOAD_CERT_V2 = 37, PAYLOAD_VENDOR_ID_V2 = 43;

const HEX2 = Array.from({ length: 256 }, (_, i) => (i < 16 ? '0' : '') + i.toString(16));
function hex(b: Uint8Array, p: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += HEX2[b[p + i]];
  return s;
}
const u16 = (b: Uint8Array, p: number) => (b[p] << 8) | b[p + 1];

function addName(s: SessionApi, field: typeof isakmpFields.hash, table: Record<number, string>, v: number): void {
  const n = table[v];
  if (n) s.addString(field, n);
}

/** IKEv1 transform attributes (TV: type/value; TLV attributes are skipped). */
function transformV1(s: SessionApi, b: Uint8Array, p: number, end: number): void {
  if (end - p < 4) return;
  p += 4;
  while (end - p >= 4) {
    const at = u16(b, p);
    p += 2;
    if (at & 0x8000) {
      const v = u16(b, p);
      p += 2;
      switch (at & 0x7fff) {
        case 1: addName(s, isakmpFields.encryption, ENCRYPTION, v); break;
        case 2: addName(s, isakmpFields.hash, HASH, v); break;
        case 3: addName(s, isakmpFields.authMethod, AUTH, v); break;
        case 4: addName(s, isakmpFields.dhGroup, DH, v); break;
      }
    } else {
      p += 2 + u16(b, p);
    }
  }
}

function proposalV1(s: SessionApi, b: Uint8Array, p: number, end: number): void {
  if (end - p < 4) return;
  const spiSize = b[p + 2], n = b[p + 3];
  p += 4 + spiSize;
  for (let i = 0; i < n && end - p >= 4; i++) {
    const tl = u16(b, p + 2);
    if (tl < 4 || tl > end - p) break;
    transformV1(s, b, p + 4, p + tl);
    p += tl;
  }
}

function proposalV2(s: SessionApi, b: Uint8Array, p: number, end: number): void {
  if (end - p < 8) return; // after last/reserved/length: proposal#, protocol, spi size, transforms
  const spiSize = b[p + 2], n = b[p + 3];
  p += 4 + spiSize;
  for (let i = 0; i < n && end - p >= 8; i++) {
    const tl = u16(b, p + 2);
    if (tl < 8 || tl > end - p) break;
    const type = b[p + 4], id = u16(b, p + 6);
    if (type === 1) addName(s, isakmpFields.encryption, ENCRYPTION_V2, id);
    else if (type === 2) addName(s, isakmpFields.hash, PRF, id);
    else if (type === 4) addName(s, isakmpFields.dhGroup, DH, id);
    p += tl;
  }
}

function saV1(s: SessionApi, b: Uint8Array, p: number, end: number): void {
  if (end - p < 8) return;
  const doi = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  p += 8;
  if (doi !== 1) return;
  while (end - p >= 4) {
    const next = b[p], pl = u16(b, p + 2);
    if (pl < 4 || pl > end - p) break;
    proposalV1(s, b, p + 4, p + pl);
    p += pl;
    if (next === 0) break;
  }
}

function saV2(s: SessionApi, b: Uint8Array, p: number, end: number): void {
  while (end - p >= 8) {
    const last = b[p], pl = u16(b, p + 2);
    if (pl < 8 || pl > end - p) break;
    proposalV2(s, b, p + 4, p + pl);
    p += pl;
    if (last === 0) break;
  }
}

function vendorId(s: SessionApi, b: Uint8Array, p: number, n: number): void {
  if (n <= 0) return;
  const head = n >= 8 ? hex(b, p, 8) : '';
  for (const [pattern, name] of VENDORS) if (head === pattern) { s.addString(isakmpFields.vendorId, name); return; }
  s.addString(isakmpFields.vendorId, hex(b, p, Math.min(n, 16)));
}

const natt = (s: SessionApi) => s.srcPort === 4500 || s.dstPort === 4500;

/** One IKE message. */
export function parseIke(st: CertSeen, s: SessionApi, b: Uint8Array, off: number, len: number): void {
  let p = off;
  const end = off + len;
  if (natt(s)) {
    if (len < 4 || b[p] !== 0 || b[p + 1] !== 0 || b[p + 2] !== 0 || b[p + 3] !== 0) return;
    p += 4;
  }
  if (end - p < 28) return;
  const version = b[p + 17], exchange = b[p + 18], flags = b[p + 19];
  let next = b[p + 16];
  const major = version >> 4;
  const v2 = major === 2;
  s.addString(isakmpFields.initiatorSpi, hex(b, p, 8));
  let responder = false;
  for (let i = 8; i < 16; i++) if (b[p + i] !== 0) { responder = true; break; }
  if (responder) s.addString(isakmpFields.responderSpi, hex(b, p + 8, 8));
  s.addString(isakmpFields.version, `${major}.${version & 0x0f}`);
  const ex = v2 ? V2_EXCHANGES[exchange] : V1_EXCHANGES[exchange];
  if (ex) s.addString(isakmpFields.exchangeType, ex);
  if (!v2 && flags & 0x01) return; // IKEv1 encryption bit; IKEv2 encrypts inside its SK payload
  p += 28;
  while (next !== 0 && end - p >= 4) {
    const cur = next;
    next = b[p];
    const pl = u16(b, p + 2);
    if (pl < 4 || pl > end - p) break;
    const body = p + 4, bodyEnd = p + pl;
    p += pl;
    switch (cur) {
      case PAYLOAD_SA: if (!v2) saV1(s, b, body, bodyEnd); break;
      case PAYLOAD_SA_V2: if (v2) saV2(s, b, body, bodyEnd); break;
      case PAYLOAD_VENDOR_ID:
      case PAYLOAD_VENDOR_ID_V2: vendorId(s, b, body, bodyEnd - body); break;
      case PAYLOAD_CERT:
      case PAYLOAD_CERT_V2:
        if (bodyEnd - body > 1 && b[body] === 4) {
          const ci = parseCertificate(b, body + 1, bodyEnd - body - 1, s);
          if (ci) addCertificate(s, st, ci);
        }
        break;
    }
  }
}

/** Arkime's classifier checks: version 1 or 2, a known exchange type range, no reserved flags. */
function looksLikeIke(s: SessionApi, b: Uint8Array, off: number, len: number): boolean {
  let p = off;
  if (natt(s)) {
    if (len < 4 || b[p] !== 0 || b[p + 1] !== 0 || b[p + 2] !== 0 || b[p + 3] !== 0) return false;
    p += 4;
  }
  if (off + len - p < 28) return false;
  const major = b[p + 17] >> 4, ex = b[p + 18], flags = b[p + 19];
  if (major === 1) {
    if ((ex > 5 && ex < 32) || (ex > 33 && ex < 240)) return false;
    return (flags & 0xf8) === 0;
  }
  if (major === 2) return ex >= 34 && ex <= 37 && (flags & 0xc7) === 0;
  return false;
}

export const isakmpParser: ProtocolParser<CertSeen> = {
  name: 'isakmp',
  udpPorts: [500, 4500],
  classify(s, _dir, buf, off, len) {
    if (s.hasProtocol('isakmp') || !looksLikeIke(s, buf, off, len)) return undefined;
    s.addProtocol('isakmp');
    return {};
  },
  parse(st, s, _dir, buf, off, len) {
    parseIke(st, s, buf, off, len);
    return len;
  },
};
