// Kerberos 5 (Arkime's krb5.c) over UDP and TCP port 88: realm, client and server principal
// names and offered encryption types from AS-REQ / TGS-REQ, the same plus the error code from
// KRB-ERROR. TCP records carry a 4-byte length; one past 64 KiB is tagged and ends the parser.
import { defineField } from '../../db/fields/registry.js';
import { PARSE_DONE, type ProtocolParser, type SessionApi } from './api.js';
import { readTlv, Span, Tlv } from './tls-cert.js';
import { cstr } from './ntlm.js';

const f = (exp: string, friendly: string, help: string) =>
  defineField({ exp, db: exp, kind: 'termfield', group: 'krb5', friendly, help, cnt: true });

export const krb5Fields = {
  realm: f('krb5.realm', 'Realm', 'Kerberos 5 Realm'),
  cname: f('krb5.cname', 'cname', 'Kerberos 5 cname'),
  sname: f('krb5.sname', 'sname', 'Kerberos 5 sname'),
  etype: f('krb5.etype', 'Encryption Type', 'Kerberos 5 encryption type'),
  error: f('krb5.error', 'Error Code', 'Kerberos 5 error code'),
};

/** RFC 3961/3962/8009 encryption type names. */
const ETYPES: Record<number, string> = {
  1: 'des-cbc-crc', 2: 'des-cbc-md4', 3: 'des-cbc-md5', 5: 'des3-cbc-md5', 7: 'des3-cbc-sha1',
  16: 'des3-cbc-sha1-kd', 17: 'aes128-cts-hmac-sha1-96', 18: 'aes256-cts-hmac-sha1-96',
  19: 'aes128-cts-hmac-sha256-128', 20: 'aes256-cts-hmac-sha384-192', 23: 'rc4-hmac', 24: 'rc4-hmac-exp',
  25: 'camellia128-cts-cmac', 26: 'camellia256-cts-cmac',
};

/** RFC 4120 error codes. */
const ERRORS: string[] = [];
[
  'KDC_ERR_NONE', 'KDC_ERR_NAME_EXP', 'KDC_ERR_SERVICE_EXP', 'KDC_ERR_BAD_PVNO', 'KDC_ERR_C_OLD_MAST_KVNO',
  'KDC_ERR_S_OLD_MAST_KVNO', 'KDC_ERR_C_PRINCIPAL_UNKNOWN', 'KDC_ERR_S_PRINCIPAL_UNKNOWN',
  'KDC_ERR_PRINCIPAL_NOT_UNIQUE', 'KDC_ERR_NULL_KEY', 'KDC_ERR_CANNOT_POSTDATE', 'KDC_ERR_NEVER_VALID',
  'KDC_ERR_POLICY', 'KDC_ERR_BADOPTION', 'KDC_ERR_ETYPE_NOSUPP', 'KDC_ERR_SUMTYPE_NOSUPP',
  'KDC_ERR_PADATA_TYPE_NOSUPP', 'KDC_ERR_TRTYPE_NOSUPP', 'KDC_ERR_CLIENT_REVOKED', 'KDC_ERR_SERVICE_REVOKED',
  'KDC_ERR_TGT_REVOKED', 'KDC_ERR_CLIENT_NOTYET', 'KDC_ERR_SERVICE_NOTYET', 'KDC_ERR_KEY_EXPIRED',
  'KDC_ERR_PREAUTH_FAILED', 'KDC_ERR_PREAUTH_REQUIRED', 'KDC_ERR_SERVER_NOMATCH', 'KDC_ERR_MUST_USE_USER2USER',
  'KDC_ERR_PATH_NOT_ACCEPTED', 'KDC_ERR_SVC_UNAVAILABLE',
].forEach((n, i) => { ERRORS[i] = n; });
[
  'KRB_AP_ERR_BAD_INTEGRITY', 'KRB_AP_ERR_TKT_EXPIRED', 'KRB_AP_ERR_TKT_NYV', 'KRB_AP_ERR_REPEAT',
  'KRB_AP_ERR_NOT_US', 'KRB_AP_ERR_BADMATCH', 'KRB_AP_ERR_SKEW', 'KRB_AP_ERR_BADADDR', 'KRB_AP_ERR_BADVERSION',
  'KRB_AP_ERR_MSG_TYPE', 'KRB_AP_ERR_MODIFIED', 'KRB_AP_ERR_BADORDER',
].forEach((n, i) => { ERRORS[31 + i] = n; });
[
  'KRB_AP_ERR_BADKEYVER', 'KRB_AP_ERR_NOKEY', 'KRB_AP_ERR_MUT_FAIL', 'KRB_AP_ERR_BADDIRECTION',
  'KRB_AP_ERR_METHOD', 'KRB_AP_ERR_BADSEQ', 'KRB_AP_ERR_INAPP_CKSUM', 'KRB_AP_PATH_NOT_ACCEPTED',
  'KRB_ERR_RESPONSE_TOO_BIG',
].forEach((n, i) => { ERRORS[44 + i] = n; });
[
  'KRB_ERR_GENERIC', 'KRB_ERR_FIELD_TOOLONG', 'KDC_ERROR_CLIENT_NOT_TRUSTED', 'KDC_ERROR_KDC_NOT_TRUSTED',
  'KDC_ERROR_INVALID_SIG', 'KDC_ERR_KEY_TOO_WEAK', 'KDC_ERR_CERTIFICATE_MISMATCH', 'KRB_AP_ERR_NO_TGT',
  'KDC_ERR_WRONG_REALM', 'KRB_AP_ERR_USER_TO_USER_REQUIRED', 'KDC_ERR_CANT_VERIFY_CERTIFICATE',
  'KDC_ERR_INVALID_CERTIFICATE', 'KDC_ERR_REVOKED_CERTIFICATE', 'KDC_ERR_REVOCATION_STATUS_UNKNOWN',
  'KDC_ERR_REVOCATION_STATUS_UNAVAILABLE', 'KDC_ERR_CLIENT_NAME_MISMATCH', 'KDC_ERR_KDC_NAME_MISMATCH',
].forEach((n, i) => { ERRORS[60 + i] = n; });

/** Largest TCP record we hold (the framework's pending limit). */
const MAX_TCP_RECORD = 0xffff;

// ---------------------------------------------------------------------------------------------
// DER helpers in Arkime's lenient style

interface Item { pc: number; tag: number; off: number; len: number }

/** The elements of `[off, off+len)`, optionally inside a SEQUENCE wrapper; at most `max`. */
function sequence(b: Uint8Array, off: number, len: number, max: number, wrapper: boolean): Item[] {
  const out: Item[] = [];
  const t = new Tlv();
  let sp = new Span(b, off, off + len);
  if (wrapper) {
    if (!readTlv(sp, t) || !t.pc || t.tag !== 16) return out;
    sp = new Span(b, t.off, t.off + t.len);
  }
  while (out.length < max && readTlv(sp, t)) out.push({ pc: t.pc, tag: t.tag, off: t.off, len: t.len });
  return out;
}

/** The string inside an explicitly tagged element (or the element itself when primitive); undefined on a bad TLV. */
function itemString(b: Uint8Array, it: Item): string | undefined {
  let o = it.off, l = it.len;
  if (it.pc) {
    const t = new Tlv();
    if (!readTlv(new Span(b, it.off, it.off + it.len), t)) return undefined;
    o = t.off; l = t.len;
  }
  return cstr(b, o, l);
}

/** The integer inside an explicitly tagged element, -1 when absent or longer than 4 bytes. */
function itemInt(b: Uint8Array, it: Item): number {
  let o = it.off, l = it.len;
  if (it.pc) {
    const t = new Tlv();
    if (!readTlv(new Span(b, it.off, it.off + it.len), t)) return -1;
    o = t.off; l = t.len;
  }
  if (l === 0 || l > 4) return -1;
  let v = 0;
  for (let i = 0; i < l; i++) v = ((v << 8) | b[o + i]) | 0;
  return v;
}

/** PrincipalName ::= SEQUENCE { name-type [0], name-string [1] SEQUENCE OF GeneralString } */
function principal(s: SessionApi, field: typeof krb5Fields.cname, b: Uint8Array, it: Item): void {
  const seq = sequence(b, it.off, it.len, 2, true);
  if (seq.length < 2 || seq[1].tag !== 1) return;
  const names = sequence(b, seq[1].off, seq[1].len, 2, true);
  if (names.length === 1) {
    const v = itemString(b, names[0]);
    if (v) s.addString(field, v);
  } else if (names.length === 2) {
    const a = itemString(b, names[0]);
    const c = itemString(b, names[1]);
    if (a !== undefined && c !== undefined) s.addString(field, `${a}/${c}`.slice(0, 254));
  }
}

function addRealm(s: SessionApi, b: Uint8Array, it: Item): void {
  const v = itemString(b, it);
  if (v) s.addString(krb5Fields.realm, v);
}

/** KDC-REQ-BODY: cname [1], realm [2], sname [3], etype [8]. */
function reqBody(s: SessionApi, b: Uint8Array, it: Item): void {
  const seq = sequence(b, it.off, it.len, 12, true);
  if (seq.length < 2) return;
  for (const e of seq) {
    if (e.tag === 1) principal(s, krb5Fields.cname, b, e);
    else if (e.tag === 2) addRealm(s, b, e);
    else if (e.tag === 3) principal(s, krb5Fields.sname, b, e);
    else if (e.tag === 8) {
      for (const et of sequence(b, e.off, e.len, 20, true)) {
        const name = ETYPES[itemInt(b, et)];
        if (name) s.addString(krb5Fields.etype, name);
      }
    }
  }
}

/** KDC-REQ: pvno [1] = 5, msg-type [2] = 10|12, padata [3]?, req-body [4]. */
function request(s: SessionApi, b: Uint8Array, off: number, len: number): void {
  const seq = sequence(b, off, len, 5, true);
  if (seq.length < 3 || seq[0].len === 0 || seq[1].len === 0) return;
  if (!seq[0].pc || seq[0].tag !== 1 || b[seq[0].off + seq[0].len - 1] !== 5) return;
  const msgType = b[seq[1].off + seq[1].len - 1];
  if (!seq[1].pc || seq[1].tag !== 2 || (msgType !== 10 && msgType !== 12)) return;
  s.addProtocol('krb5');
  if (seq[2].pc && seq[2].tag === 4) reqBody(s, b, seq[2]);
  else if (seq.length === 4 && seq[3].pc && seq[3].tag === 4) reqBody(s, b, seq[3]);
}

/** KRB-ERROR: error-code [6], crealm [7], cname [8], realm [9], sname [10]. */
function error(s: SessionApi, b: Uint8Array, off: number, len: number): void {
  const seq = sequence(b, off, len, 13, true);
  if (seq.length < 2) return;
  s.addProtocol('krb5');
  for (const e of seq) {
    if (e.tag === 6) {
      const code = itemInt(b, e);
      if (code >= 0 && ERRORS[code]) s.addString(krb5Fields.error, ERRORS[code]);
    } else if (e.tag === 7 || e.tag === 9) addRealm(s, b, e);
    else if (e.tag === 8) principal(s, krb5Fields.cname, b, e);
    else if (e.tag === 10) principal(s, krb5Fields.sname, b, e);
  }
}

/** One Kerberos message (the APPLICATION-tagged outer element). */
export function krb5Message(s: SessionApi, b: Uint8Array, off: number, len: number): void {
  const t = new Tlv();
  if (!readTlv(new Span(b, off, off + len), t) || !t.pc) return;
  if (t.tag === 10 || t.tag === 12) request(s, b, t.off, t.len);
  else if (t.tag === 11 || t.tag === 13) s.addProtocol('krb5');
  else if (t.tag === 30) error(s, b, t.off, t.len);
}

// ---------------------------------------------------------------------------------------------
// UDP: one message per datagram

export const krb5Udp: ProtocolParser<object> = {
  name: 'krb5',
  udpPrefixes: [{ offset: 7, bytes: [3, 2, 1, 5] }, { offset: 9, bytes: [3, 2, 1, 5] }],

  classify(s, _dir, b, off, len) {
    if (s.hasProtocol('krb5')) return undefined;
    const t = new Tlv();
    if (!readTlv(new Span(b, off, off + len), t)) return undefined;
    if (!t.pc || (t.tag !== 10 && t.tag !== 12 && t.tag !== 30)) return undefined;
    return {};
  },

  parse(_st, s, _dir, b, off, len) {
    krb5Message(s, b, off, len);
    return len;
  },
};

// ---------------------------------------------------------------------------------------------
// TCP: 4-byte big-endian record length, then the message

export const krb5Tcp: ProtocolParser<object> = {
  name: 'krb5',
  tcpPrefixes: [{ offset: 11, bytes: [3, 2, 1, 5] }, { offset: 13, bytes: [3, 2, 1, 5] }],

  classify(_s, _dir, b, off, len) {
    if (len < 5 || b[off] !== 0 || b[off + 1] !== 0) return undefined;
    const tag = b[off + 4];
    if (tag !== 0x6a && tag !== 0x6b && tag !== 0x6c && tag !== 0x6d && tag !== 0x7e) return undefined;
    return {};
  },

  parse(_st, s, _dir, b, off, len) {
    let p = off;
    const end = off + len;
    while (end - p >= 4) {
      const rec = ((b[p] & 0x7f) * 0x1000000) + (b[p + 1] << 16) + (b[p + 2] << 8) + b[p + 3];
      if (rec > MAX_TCP_RECORD) { s.addTag('krb5:record-too-long'); return PARSE_DONE; }
      if (end - p - 4 < rec) break;
      krb5Message(s, b, p + 4, rec);
      p += 4 + rec;
    }
    return p - off;
  },
};
