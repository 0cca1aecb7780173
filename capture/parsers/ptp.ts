// PTP, IEEE 1588v2, on UDP 319 (event) and 320 (general) (Arkime's ptp.c): message type and
// the source clock identity of each message.
import { defineField } from '../../db/fields/registry.js';
import type { ProtocolParser } from './api.js';

export const ptpFields = {
  msgType: defineField({ linked: false, group: 'ptp', kind: 'termfield', cnt: true, exp: 'ptp.msgType', db: 'ptp.msgType', friendly: 'Message Type', help: 'PTP message type' }),
  clockId: defineField({ linked: false, group: 'ptp', kind: 'termfield', cnt: true, exp: 'ptp.clockId', db: 'ptp.clockId', friendly: 'Clock ID', help: 'PTP source clock identity' }),
};

const MSG_TYPES: (string | undefined)[] = [
  'sync', 'delay-req', 'pdelay-req', 'pdelay-resp', undefined, undefined, undefined, undefined,
  'follow-up', 'delay-resp', 'pdelay-resp-follow-up', 'announce', 'signaling', 'management',
];
const HEADER = 34;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export const ptpParser: ProtocolParser<object> = {
  name: 'ptp',
  udpPorts: [319, 320],
  classify(s, _dir, b, off, len) {
    if (s.hasProtocol('ptp') || len < HEADER || (b[off + 1] & 0x0f) !== 2) return undefined;
    if (MSG_TYPES[b[off] & 0x0f] === undefined) return undefined;
    const msgLen = (b[off + 2] << 8) | b[off + 3];
    if (msgLen < HEADER || msgLen > len) return undefined;
    s.addProtocol('ptp');
    return {};
  },
  parse(_st, s, _dir, b, off, len) {
    const msgLen = len >= HEADER ? (b[off + 2] << 8) | b[off + 3] : 0;
    if (msgLen < HEADER || msgLen > len) return len;
    const type = MSG_TYPES[b[off] & 0x0f];
    if (type) s.addString(ptpFields.msgType, type);
    let id = HEX[b[off + 20]];
    for (let i = 21; i < 28; i++) id += ':' + HEX[b[off + i]];
    s.addString(ptpFields.clockId, id);
    return len;
  },
};
