// OpenVPN over UDP and TCP (Arkime's openvpn.c): classified by the client's
// P_CONTROL_HARD_RESET_CLIENT_V2 record (total length 14/38/42/54/86 for no/16/20/32/64-byte
// tls-auth HMAC, last five bytes zero). The TLS handshake carried in P_CONTROL_V1 records is
// reassembled per direction and its ClientHello, ServerHello and Certificate messages go to
// the TLS code, giving JA3/JA4 and certificates. Data records end the parser.
import { PARSE_DONE, PARSE_ERROR, type Dir, type ProtocolParser, type SessionApi } from './api.js';
import { processCertificateList, type CertSeen } from './tls-cert.js';
import { processClientHello } from './tls-fingerprint.js';
import { processServerHello } from './tls.js';

const OP_CONTROL_V1 = 4, OP_DATA_V1 = 6, OP_DATA_V2 = 9;
const MAX_FRAMES = 256;
const MAX_TLS = 65535;
const CONTINUE = 0;

export interface OpenVpnState extends CertSeen {
  tcp: boolean;
  hmacSize: number;
  frames: number;
  /** Inner TLS bytes not yet consumed, per direction. */
  tls: [Uint8Array | undefined, Uint8Array | undefined];
}

/** HMAC size of a client hard reset record at [off, off+len), or -1 when it is not one. */
export function clientHardResetHmac(b: Uint8Array, off: number, len: number): number {
  if (len < 14 || b[off] !== 0x38) return -1;
  const hmac = len === 14 ? 0 : len === 38 ? 16 : len === 42 ? 20 : len === 54 ? 32 : len === 86 ? 64 : -1;
  if (hmac < 0) return -1;
  for (let i = 1; i <= 5; i++) if (b[off + len - i] !== 0) return -1;
  return hmac;
}

/** Hand complete inner TLS records of one direction to the TLS code. */
function consumeTls(st: OpenVpnState, s: SessionApi, dir: Dir): number {
  let buf = st.tls[dir]!;
  let p = 0;
  while (buf.length - p >= 5) {
    if (buf[p] !== 0x16) return PARSE_DONE; // not a handshake record: the handshake is over
    const rlen = (buf[p + 3] << 8) | buf[p + 4];
    if (buf.length - p - 5 < rlen) break;
    let h = p + 5;
    const end = h + rlen;
    while (end - h >= 4) {
      const htype = buf[h];
      const hlen = (buf[h + 1] << 16) | (buf[h + 2] << 8) | buf[h + 3];
      if (hlen > end - h - 4) return PARSE_DONE;
      if (htype === 1) processClientHello(s, buf, h, hlen + 4);
      else if (htype === 2) processServerHello(s, buf, h + 4, hlen);
      else if (htype === 11) processCertificateList(s, st, buf, h + 4, hlen);
      h += 4 + hlen;
    }
    p = end;
  }
  if (p > 0) buf = buf.slice(p);
  st.tls[dir] = buf.length ? buf : undefined;
  return CONTINUE;
}

/** One OpenVPN record starting at its opcode byte. */
function record(st: OpenVpnState, s: SessionApi, dir: Dir, b: Uint8Array, off: number, len: number): number {
  if (++st.frames > MAX_FRAMES) return PARSE_DONE;
  if (len < 1) return CONTINUE;
  const opcode = b[off] >> 3;
  if (opcode === OP_DATA_V1 || opcode === OP_DATA_V2) return PARSE_DONE;
  if (opcode !== OP_CONTROL_V1) return CONTINUE;
  let p = off + 1 + 8;
  if (st.hmacSize) p += st.hmacSize + 8;
  const end = off + len;
  if (p >= end) return PARSE_DONE;
  const n = b[p];
  p += 1 + n * 4 + (n > 0 ? 8 : 0) + 4;
  if (p > end) return PARSE_DONE;
  if (p === end) return CONTINUE;
  const prev = st.tls[dir];
  const add = end - p;
  if ((prev?.length ?? 0) + add > MAX_TLS) return PARSE_DONE;
  const m = new Uint8Array((prev?.length ?? 0) + add);
  if (prev) m.set(prev);
  m.set(b.subarray(p, end), prev?.length ?? 0);
  st.tls[dir] = m;
  return consumeTls(st, s, dir);
}

export const openvpnParser: ProtocolParser<OpenVpnState> = {
  name: 'openvpn',
  udpPrefixes: [{ bytes: [0x38] }],
  tcpPrefixes: [0x0e, 0x26, 0x2a, 0x36, 0x56].map((l) => ({ bytes: [0x00, l, 0x38] })),

  classify(s, _dir, buf, off, len) {
    if (s.hasProtocol('openvpn')) return undefined;
    const tcp = s.ipProtocol === 6;
    let hmac: number;
    if (tcp) {
      if (len < 3) return undefined;
      const rlen = (buf[off] << 8) | buf[off + 1];
      if (rlen + 2 > len) return undefined;
      hmac = clientHardResetHmac(buf, off + 2, rlen);
    } else {
      hmac = clientHardResetHmac(buf, off, len);
    }
    if (hmac < 0) return undefined;
    s.addProtocol('openvpn');
    return { tcp, hmacSize: hmac, frames: 0, tls: [undefined, undefined] };
  },

  parse(st, s, dir, buf, off, len) {
    if (!st.tcp) {
      const r = record(st, s, dir, buf, off, len);
      return r < 0 ? r : len;
    }
    // TCP: 2-byte length-prefixed records; an incomplete one is handed back with the next bytes
    let p = off;
    const end = off + len;
    while (end - p >= 2) {
      const rlen = (buf[p] << 8) | buf[p + 1];
      if (rlen === 0) return PARSE_ERROR;
      if (end - p - 2 < rlen) break;
      const r = record(st, s, dir, buf, p + 2, rlen);
      if (r < 0) return r;
      p += 2 + rlen;
    }
    return p - off;
  },
};
