// RDP connection setup (Arkime's rdp.c): TPKT + X.224 connection request / confirm with the
// mstshash cookie (→ `user`) and the requested / selected security protocols, then the MCS
// Connect Initial's client core data (client name, keyboard layout, build). RDP-UDP is only named.
import { defineField } from '../../db/fields/registry.js';
import { core } from '../../db/fields/core.js';
import { PARSE_DONE, type Dir, type ProtocolParser, type SessionApi } from './api.js';
import { ucs2 } from './ntlm.js';
import { asciiLower } from './text.js';

const f = (exp: string, db: string, friendly: string, help: string, kind: 'termfield' | 'integer' = 'termfield') =>
  defineField({ exp, db, kind, group: 'rdp', friendly, help, cnt: true });

export const rdpFields = {
  clientName: f('rdp.client-name', 'rdp.clientName', 'Client Name', 'RDP client computer name'),
  keyboardLayout: f('rdp.keyboard-layout', 'rdp.keyboardLayout', 'Keyboard Layout', 'RDP client keyboard layout'),
  clientBuild: f('rdp.client-build', 'rdp.clientBuild', 'Client Build', 'RDP client build number', 'integer'),
  requestedProtocols: f('rdp.requested-protocols', 'rdp.requestedProtocols', 'Requested Protocols', 'RDP requested security protocols'),
  selectedProtocol: f('rdp.selected-protocol', 'rdp.selectedProtocol', 'Selected Protocol', 'RDP selected security protocol'),
};

const KEYBOARDS: Record<number, string> = {
  0x0401: 'ar-SA', 0x0404: 'zh-TW', 0x0405: 'cs-CZ', 0x0407: 'de-DE', 0x0408: 'el-GR', 0x0409: 'en-US',
  0x040c: 'fr-FR', 0x040d: 'he-IL', 0x040e: 'hu-HU', 0x0410: 'it-IT', 0x0411: 'ja-JP', 0x0412: 'ko-KR',
  0x0413: 'nl-NL', 0x0415: 'pl-PL', 0x0416: 'pt-BR', 0x0418: 'ro-RO', 0x0419: 'ru-RU', 0x041b: 'sk-SK',
  0x041e: 'th-TH', 0x041f: 'tr-TR', 0x0422: 'uk-UA', 0x0429: 'fa-IR', 0x042a: 'vi-VN', 0x0804: 'zh-CN',
  0x0809: 'en-GB', 0x0816: 'pt-PT', 0x0c0a: 'es-ES',
};

const COOKIE = 'Cookie: mstshash=';
const NEG_REQ = 1, NEG_RSP = 2, NEG_FAILURE = 3;
const GOT_REQUEST = 1, GOT_CONFIRM = 2, GOT_MCS = 3;
const MAX_TPKT = 8192;

const le32 = (b: Uint8Array, i: number) => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;

function startsWith(b: Uint8Array, p: number, end: number, text: string): boolean {
  if (end - p < text.length) return false;
  for (let i = 0; i < text.length; i++) if (b[p + i] !== text.charCodeAt(i)) return false;
  return true;
}

function addProtocols(s: SessionApi, field: typeof rdpFields.clientName, v: number): void {
  if (v === 0) s.addString(field, 'rdp');
  if (v & 1) s.addString(field, 'ssl');
  if (v & 2) s.addString(field, 'nla');
  if (v & 4) s.addString(field, 'rdstls');
  if (v & 8) s.addString(field, 'nla-ext');
}

/** TS_UD_CS_CORE: version, size, depth, SAS, keyboard layout, build, client name (32 bytes UTF-16). */
function clientCore(s: SessionApi, b: Uint8Array, p: number, end: number): void {
  if (end - p < 134) return;
  const layout = le32(b, p + 12);
  const build = le32(b, p + 16);
  const name = ucs2(b, p + 20, 32);
  if (name) s.addString(rdpFields.clientName, name);
  const kb = KEYBOARDS[layout];
  if (kb) s.addString(rdpFields.keyboardLayout, kb);
  else if (layout > 0) s.addString(rdpFields.keyboardLayout, `0x${layout.toString(16).padStart(4, '0')}`);
  if (build > 0) s.addInt(rdpFields.clientBuild, build);
}

/** A client-to-server GCC user data block header (type 0xc0xx, length in bounds) at `q`. */
function isUserDataBlock(b: Uint8Array, q: number, end: number): boolean {
  if (end - q < 4 || b[q + 1] !== 0xc0) return false;
  const length = b[q + 2] | (b[q + 3] << 8);
  return length >= 4 && length <= end - q;
}

/** MCS Connect Initial: the GCC user data follow the "Duca" marker as (type, length) blocks. */
function mcsConnect(s: SessionApi, b: Uint8Array, p: number, end: number): void {
  if (end - p < 30) return;
  for (let i = p; i < end - 4; i++) {
    if (b[i] !== 0x44 || b[i + 1] !== 0x75 || b[i + 2] !== 0x63 || b[i + 3] !== 0x61) continue;
    let q = i + 4;
    // Real clients put the PER-encoded user data length between "Duca" and the first block
    // (MS-RDPBCGR 4.1.3: 44 75 63 61 81 2a 01 c0 ...); Arkime reads a block header right after
    // the marker and so never finds the core data of real traffic. Keep its reading when a
    // block starts there, else step over the length.
    if (!isUserDataBlock(b, q, end) && q < end) q += b[q] & 0x80 ? 2 : 1;
    while (end - q >= 4) {
      const type = b[q] | (b[q + 1] << 8);
      const length = b[q + 2] | (b[q + 3] << 8);
      if (length < 4 || length > end - q) break;
      if (type === 0xc001) clientCore(s, b, q + 4, q + length);
      q += length;
    }
    return;
  }
}

/** One TPKT frame's X.224 payload in `[p, end)`. Returns the new state of the direction, or -1. */
function frame(s: SessionApi, b: Uint8Array, p: number, end: number): number {
  if (end - p < 2) return -1;
  const code = b[p + 1];
  if (code === 0xe0 || code === 0xd0) {
    p += 7;                                        // length, code, dst-ref, src-ref, class
    if (code === 0xe0 && startsWith(b, p, end, COOKIE)) {
      p += COOKIE.length;
      let e = p;
      while (e < end && b[e] !== 0x0d && b[e] !== 0x0a) e++;
      if (e > p) s.addString(core.user, asciiLower(Buffer.from(b.buffer, b.byteOffset + p, e - p).toString('latin1')));
      p = e;
      if (end - p >= 2) p += 2;
    }
    if (end - p >= 8) {
      const t = b[p];
      if (code === 0xe0 && t === NEG_REQ) addProtocols(s, rdpFields.requestedProtocols, le32(b, p + 4));
      if (code === 0xd0 && t === NEG_RSP) addProtocols(s, rdpFields.selectedProtocol, le32(b, p + 4));
    }
    return code === 0xe0 ? GOT_REQUEST : GOT_CONFIRM;
  }
  if (code === 0xf0 && end - p >= 5 && b[p + 3] === 0x7f && b[p + 4] === 0x65) {
    p += 5;                                        // length, code, EOT, BER tag 0x7f65
    if (p < end) {
      const lb = b[p++];
      if (lb & 0x80) p += lb & 0x7f;
    }
    mcsConnect(s, b, p, end);
    return GOT_MCS;
  }
  return -1;
}

export interface RdpState { state: [number, number] }

export const rdpParser: ProtocolParser<RdpState> = {
  name: 'rdp',
  tcpPrefixes: [{ bytes: [3, 0] }],

  classify(s, _dir, b, off, len) {
    if (s.hasProtocol('rdp') || len < 12) return undefined;
    if (b[off] !== 3 || b[off + 1] !== 0) return undefined;
    const tpktLen = (b[off + 2] << 8) | b[off + 3];
    if (tpktLen > len + 100) return undefined;
    const code = b[off + 5];
    if (code !== 0xe0 && code !== 0xd0) return undefined;
    const v = b[off + 11];
    if (!startsWith(b, off + 11, off + len, COOKIE) && v !== NEG_REQ && v !== NEG_RSP && v !== NEG_FAILURE) return undefined;
    s.addProtocol('rdp');
    return { state: [0, 0] };
  },

  parse(st, s, dir, b, off, len) {
    let p = off;
    const end = off + len;
    const other = (dir ^ 1) as Dir;
    while (end - p >= 4) {
      if (b[p] !== 3) return PARSE_DONE;
      const tpktLen = (b[p + 2] << 8) | b[p + 3];
      if (tpktLen < 7 || tpktLen > MAX_TPKT) return PARSE_DONE;
      if (end - p < tpktLen) break;
      const r = frame(s, b, p + 4, p + tpktLen);
      if (r > 0) st.state[dir] = r;
      p += tpktLen;
      if (st.state[0] >= GOT_CONFIRM && st.state[1] >= GOT_CONFIRM) return PARSE_DONE;
      if (st.state[dir] === GOT_MCS && st.state[other] >= GOT_CONFIRM) return PARSE_DONE;
    }
    return p - off;
  },
};

/** RDP over UDP (MS-RDPEUDP SYN: snSourceAck = 0xffffffff): named only. */
export const rdpUdpParser: ProtocolParser<true> = {
  name: 'rdpudp',
  udpPorts: [3389],
  classify(s, _dir, b, off, len) {
    if (len >= 8 && b[off] === 0xff && b[off + 1] === 0xff && b[off + 2] === 0xff && b[off + 3] === 0xff) {
      s.addProtocol('rdpudp');
      return true;
    }
    return undefined;
  },
};
