// OPC UA Binary (IEC 62541) over TCP (Arkime's opcua.c): the endpoint URL of Hello, the
// security policy URI of OpenSecureChannel and its sender certificate (recorded as a `cert`).
// Classified on a final Hello ("HELF"); at most four messages per direction are read.
import { defineField } from '../../db/fields/registry.js';
import { PARSE_DONE, type ProtocolParser, type SessionApi } from './api.js';
import { addCertificate, parseCertificate, type CertSeen } from './tls-cert.js';
import { bytesToText } from './text.js';

export const opcuaFields = {
  endpointUrl: defineField({ linked: false, group: 'opcua', kind: 'termfield', cnt: true, exp: 'opcua.endpointUrl', db: 'opcua.endpointUrl', friendly: 'OPC UA Endpoint URL', help: 'OPC UA endpoint URL from the Hello message' }),
  securityPolicyUri: defineField({ linked: false, group: 'opcua', kind: 'termfield', cnt: true, exp: 'opcua.securityPolicyUri', db: 'opcua.securityPolicyUri', friendly: 'OPC UA Security Policy', help: 'OPC UA SecurityPolicyUri from the OpenSecureChannel message' }),
};

const HEADER = 8;
const MAX_MSG = 16 * 1024 * 1024;
const MAX_BUFFERED = 32768; // a message larger than this is never waited for
const MAX_URL = 4096;
const MAX_CERT = 16 * 1024;
const MAX_MSGS = 4;
const TYPES = ['HEL', 'ACK', 'ERR', 'RHE', 'OPN', 'CLO', 'MSG'];

export interface OpcuaState extends CertSeen { msgs: [number, number] }

const u32le = (b: Uint8Array, p: number) => (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
const i32le = (b: Uint8Array, p: number) => b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24);

function validHeader(b: Uint8Array, p: number): boolean {
  const chunk = b[p + 3];
  if (chunk !== 0x46 && chunk !== 0x43 && chunk !== 0x41) return false; // F C A
  for (const t of TYPES) if (b[p] === t.charCodeAt(0) && b[p + 1] === t.charCodeAt(1) && b[p + 2] === t.charCodeAt(2)) return true;
  return false;
}

function hello(s: SessionApi, b: Uint8Array, p: number, msgLen: number): void {
  const at = p + HEADER + 20; // five uint32 limits precede the URL
  if (msgLen < HEADER + 24) return;
  const n = i32le(b, at);
  if (n <= 0 || n > MAX_URL || n > msgLen - (HEADER + 24)) return;
  s.addString(opcuaFields.endpointUrl, bytesToText(b, at + 4, n));
}

function openSecureChannel(st: OpcuaState, s: SessionApi, b: Uint8Array, p: number, msgLen: number): void {
  if (msgLen < HEADER + 8) return;
  const end = p + msgLen;
  let q = p + HEADER + 4; // SecureChannelId
  const policyLen = i32le(b, q);
  q += 4;
  if (policyLen > 0) {
    if (policyLen > MAX_URL || policyLen > end - q) return;
    s.addString(opcuaFields.securityPolicyUri, bytesToText(b, q, policyLen));
    q += policyLen;
  }
  if (end - q < 4) return;
  const certLen = i32le(b, q);
  q += 4;
  if (certLen > 0 && certLen <= MAX_CERT && certLen <= end - q) {
    const ci = parseCertificate(b, q, certLen, s);
    if (ci) addCertificate(s, st, ci);
  }
}

export const opcuaParser: ProtocolParser<OpcuaState> = {
  name: 'opcua',
  tcpPrefixes: [{ bytes: 'HELF' }],
  classify(s, _dir, b, off, len) {
    if (len < HEADER || !validHeader(b, off)) return undefined;
    const msgLen = u32le(b, off + 4);
    if (msgLen < HEADER || msgLen > MAX_MSG || s.hasProtocol('opcua')) return undefined;
    s.addProtocol('opcua');
    return { msgs: [0, 0] };
  },
  parse(st, s, dir, b, off, len) {
    const end = off + len;
    let p = off;
    while (end - p >= HEADER) {
      if (!validHeader(b, p)) return PARSE_DONE;
      const msgLen = u32le(b, p + 4);
      if (msgLen < HEADER || msgLen > MAX_BUFFERED) return PARSE_DONE;
      if (msgLen > end - p) break;
      if (b[p + 3] === 0x46) {
        if (b[p] === 0x48) hello(s, b, p, msgLen);
        else if (b[p] === 0x4f) openSecureChannel(st, s, b, p, msgLen);
      }
      p += msgLen;
      if (++st.msgs[dir] >= MAX_MSGS) return PARSE_DONE;
    }
    return p - off;
  },
};
