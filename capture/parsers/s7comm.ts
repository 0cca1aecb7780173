// Siemens S7comm and S7comm-plus over TPKT/COTP (Arkime's s7comm.c): ROSCTR, PDU reference,
// error class/code of acks, function code and name; S7comm-plus opcodes. A flow is taken when
// its first TPKT is a COTP connection request/confirm carrying TSAP parameters (not RDP) or a
// DT Data PDU holding protocol id 0x32 or 0x72. The protocol name is added on the first PDU.
import { defineField } from '../../db/fields/registry.js';
import type { Dir, ProtocolParser, SessionApi } from './api.js';

const int = (exp: string, friendly: string, help: string) =>
  defineField({ linked: false, group: 's7comm', kind: 'integer', cnt: true, exp: `s7comm.${exp}`, db: `s7comm.${exp}`, friendly, help });

export const s7commFields = {
  rosctr: int('rosctr', 'S7comm ROSCTR', 'S7comm Remote Operating Service Control (1=Job, 2=Ack, 3=Ack_Data, 7=Userdata)'),
  func: int('func', 'S7comm Function Code', 'S7comm Function Codes'),
  funcName: defineField({ linked: false, group: 's7comm', kind: 'termfield', cnt: true, exp: 's7comm.funcName', db: 's7comm.funcName', friendly: 'S7comm Function Name', help: 'S7comm Function Names (Read Var, Write Var, PLC Stop, etc)' }),
  pduref: int('pduref', 'S7comm PDU Reference', 'S7comm PDU Reference IDs'),
  errorClass: int('errorClass', 'S7comm Error Class', 'S7comm Error Classes'),
  errorCode: int('errorCode', 'S7comm Error Code', 'S7comm Error Codes'),
  opcode: int('opcode', 'S7comm-plus Opcode', 'S7comm-plus Opcodes (0x31=Request, 0x32=Response, 0x33=Notification)'),
};

const FUNCS: Record<number, string> = {
  0x00: 'Setup communication', 0x04: 'Read Var', 0x05: 'Write Var', 0x1a: 'Request download', 0x1b: 'Download block',
  0x1c: 'Download ended', 0x1d: 'Start upload', 0x1e: 'Upload', 0x1f: 'End upload', 0x28: 'PLC Control',
  0x29: 'PLC Stop', 0xf0: 'Setup communication',
};
/** Userdata function groups. */
const GROUPS: Record<number, string> = {
  0: 'Mode transition', 1: 'Programmer commands', 2: 'Cyclic data', 3: 'Block functions', 4: 'CPU services',
  5: 'Security', 6: 'PBC BSEND/BRECV', 7: 'Time functions',
};
/** Arkime's parser buffer bound. */
const MAX_TPKT = 0x10000;

function pdu(s: SessionApi, b: Uint8Array, p: number, end: number): void {
  const id = b[p++];
  if (id === 0x32) {
    if (!s.hasProtocol('s7comm')) s.addProtocol('s7comm');
    if (end - p < 9) return;
    const rosctr = b[p];
    s.addInt(s7commFields.rosctr, rosctr);
    s.addInt(s7commFields.pduref, (b[p + 3] << 8) | b[p + 4]);
    const paramLen = (b[p + 5] << 8) | b[p + 6];
    p += 9;
    if (rosctr === 2 || rosctr === 3) {
      if (end - p < 2) return;
      if (b[p]) s.addInt(s7commFields.errorClass, b[p]);
      if (b[p + 1]) s.addInt(s7commFields.errorCode, b[p + 1]);
      p += 2;
    }
    if (paramLen >= 1 && p < end) {
      s.addInt(s7commFields.func, b[p]);
      // Userdata parameters: 3-byte head, length, method, then type/function group.
      const name = rosctr === 7 ? (paramLen >= 6 && p + 5 < end ? GROUPS[b[p + 5] & 0x0f] : undefined) : FUNCS[b[p]];
      if (name) s.addString(s7commFields.funcName, name);
    }
  } else if (id === 0x72) {
    if (!s.hasProtocol('s7comm-plus')) s.addProtocol('s7comm-plus');
    if (end - p < 4) return;
    p += 3 + 1 + b[p + 3];
    if (p < end) s.addInt(s7commFields.opcode, b[p]);
  }
}

export function isS7Tpkt(b: Uint8Array, off: number, len: number): boolean {
  if (len < 7 || b[off] !== 3 || b[off + 1] !== 0) return false;
  const tpktLen = (b[off + 2] << 8) | b[off + 3];
  if (tpktLen < 7 || tpktLen > len) return false;
  const cotpLen = b[off + 4], type = b[off + 5] >> 4;
  if (type === 0x0e || type === 0x0d) {
    let o = 11;
    while (o + 2 < len && o < 5 + cotpLen) {
      if (b[off + o] === 0xc1 || b[off + o] === 0xc2) return true;
      o += 2 + b[off + o + 1];
    }
    return false;
  }
  if (type === 0x0f) {
    const o = 5 + cotpLen;
    return o < len && (b[off + o] === 0x32 || b[off + o] === 0x72);
  }
  return false;
}

export const s7commParser: ProtocolParser<object> = {
  name: 's7comm',
  tcpPrefixes: [{ bytes: [0x03, 0x00] }],
  classify(s, _dir, buf, off, len) {
    if (s.hasProtocol('s7comm') || s.hasProtocol('s7comm-plus') || !isS7Tpkt(buf, off, len)) return undefined;
    return {};
  },
  parse(_st, s, _dir: Dir, buf, off, len) {
    const end = off + len;
    let p = off;
    while (end - p >= 4) {
      if (buf[p] !== 3) return -2;
      const tpktLen = (buf[p + 2] << 8) | buf[p + 3];
      if (tpktLen < 4 || tpktLen > MAX_TPKT) return -2;
      if (tpktLen > end - p) break;
      const e = p + tpktLen;
      if (tpktLen >= 6) {
        const cotpLen = buf[p + 4], type = buf[p + 5] >> 4;
        const q = p + 5 + cotpLen;
        if (type === 0x0f && q < e) pdu(s, buf, q, e);
      }
      p = e;
    }
    return p - off;
  },
};

