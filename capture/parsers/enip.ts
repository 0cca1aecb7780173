// EtherNet/IP encapsulation and CIP (Arkime's enip.c) on TCP/UDP 44818 and UDP 2222: the
// command and status of every 24-byte little-endian encapsulation header, CIP service and
// class from SendRRData/SendUnitData items (adds protocol `cip`), and vendor, device type and
// product name from ListIdentity replies.
import { defineField } from '../../db/fields/registry.js';
import type { Dir, ProtocolParser, SessionApi } from './api.js';
import { latin1 } from './text.js';

const str = (exp: string, db: string, friendly: string, help: string) =>
  defineField({ linked: false, group: 'enip', kind: 'termfield', cnt: true, exp: `enip.${exp}`, db: `enip.${db}`, friendly, help });

export const enipFields = {
  command: str('command', 'command', 'ENIP Command', 'ENIP encapsulation command (e.g. ListIdentity, RegisterSession, SendRRData)'),
  status: defineField({ linked: false, group: 'enip', kind: 'integer', cnt: true, exp: 'enip.status', db: 'enip.status', friendly: 'ENIP Status', help: 'ENIP encapsulation status codes' }),
  service: str('service', 'service', 'CIP Service', 'CIP service name (e.g. Get_Attribute_Single, Read_Tag, Forward_Open)'),
  class: str('class', 'class', 'CIP Class', 'CIP object class name (e.g. Identity, Message Router)'),
  vendor: str('vendor', 'vendor', 'ENIP Vendor', 'ENIP vendor name (looked up from vendor id, or Vendor-N if unknown)'),
  product: str('product', 'product', 'ENIP Product', 'ENIP product name string from a ListIdentity response'),
  deviceType: str('device-type', 'deviceType', 'ENIP Device Type', 'ENIP device type from ListIdentity'),
};

const COMMANDS: Record<number, string> = {
  0x00: 'NOP', 0x04: 'ListServices', 0x63: 'ListIdentity', 0x64: 'ListInterfaces', 0x65: 'RegisterSession',
  0x66: 'UnRegisterSession', 0x6f: 'SendRRData', 0x70: 'SendUnitData', 0x72: 'IndicateStatus', 0x73: 'Cancel',
};
const SERVICES: Record<number, string> = {
  0x01: 'Get_Attributes_All', 0x02: 'Set_Attributes_All', 0x03: 'Get_Attribute_List', 0x04: 'Set_Attribute_List',
  0x05: 'Reset', 0x06: 'Start', 0x07: 'Stop', 0x08: 'Create', 0x09: 'Delete', 0x0a: 'Multiple_Service_Packet',
  0x0d: 'Apply_Attributes', 0x0e: 'Get_Attribute_Single', 0x10: 'Set_Attribute_Single', 0x11: 'Find_Next_Object_Instance',
  0x14: 'Error_Response', 0x15: 'Restore', 0x16: 'Save', 0x17: 'NoOp', 0x18: 'Get_Member', 0x19: 'Set_Member',
  0x1a: 'Insert_Member', 0x1b: 'Remove_Member', 0x1c: 'GroupSync', 0x4b: 'Execute_PCCC', 0x4c: 'Read_Tag',
  0x4d: 'Write_Tag', 0x4e: 'Forward_Close', 0x52: 'Read_Tag_Fragmented', 0x53: 'Write_Tag_Fragmented',
  0x54: 'Forward_Open', 0x55: 'Get_Connection_Owner', 0x5b: 'Large_Forward_Open',
};
const CLASSES: Record<number, string> = {
  0x01: 'Identity', 0x02: 'Message Router', 0x03: 'DeviceNet', 0x04: 'Assembly', 0x05: 'Connection',
  0x06: 'Connection Manager', 0x07: 'Register', 0x08: 'Discrete Input Point', 0x09: 'Discrete Output Point',
  0x0a: 'Analog Input Point', 0x0b: 'Analog Output Point', 0x0e: 'Presence Sensing', 0x0f: 'Parameter',
  0x10: 'Parameter Group', 0x1d: 'Discrete Input Group', 0x1e: 'Discrete Output Group', 0x1f: 'Discrete Group',
  0x20: 'Analog Input Group', 0x21: 'Analog Output Group', 0x22: 'Analog Group', 0x23: 'Position Sensor',
  0x24: 'Position Controller Supervisor', 0x25: 'Position Controller', 0x26: 'Block Sequencer', 0x27: 'Command Block',
  0x28: 'Motor Data', 0x29: 'Control Supervisor', 0x2a: 'AC/DC Drive', 0x2b: 'Acknowledge Handler', 0x2c: 'Overload',
  0x2d: 'Softstart', 0x2e: 'Selection', 0x30: 'S-Device Supervisor', 0x31: 'S-Analog Sensor', 0x32: 'S-Analog Actuator',
  0x33: 'S-Single Stage Controller', 0x34: 'S-Gas Calibration', 0x35: 'Trip Point', 0x37: 'File',
  0x38: 'S-Partial Pressure', 0x39: 'Safety Supervisor', 0x3a: 'Safety Validator', 0x3b: 'Safety Discrete Output Point',
  0x3c: 'Safety Discrete Output Group', 0x3d: 'Safety Discrete Input Point', 0x3e: 'Safety Discrete Input Group',
  0x3f: 'Safety Dual Channel Output', 0x40: 'S-Sensor Calibration', 0x41: 'Event Log', 0x42: 'Motion Device Axis',
  0x43: 'Time Sync', 0x44: 'Modbus', 0xf0: 'ControlNet', 0xf1: 'ControlNet Keeper', 0xf2: 'ControlNet Scheduling',
  0xf3: 'Connection Configuration', 0xf4: 'Port', 0xf5: 'TCP/IP Interface', 0xf6: 'EtherNet Link', 0xf7: 'CompoNet',
  0xf8: 'CompoNet Repeater',
};
const VENDORS: Record<number, string> = {
  0x01: 'Rockwell Automation/Allen-Bradley', 0x02: 'Namco Controls Corp.', 0x05: 'Schneider Electric', 0x0c: 'Festo',
  0x17: 'OMRON', 0x1a: 'Hitachi', 0x2a: 'Mitsubishi Electric', 0x31: 'Siemens', 0x36: 'Bosch Rexroth', 0x4d: 'Lenze',
  0x5a: 'Beckhoff', 0x64: 'Yaskawa', 0x90: 'Pilz', 0x100: 'Phoenix Contact', 0x11b: 'WAGO', 0x12e: 'Rockwell Automation',
};
const HEADER = 24;
/** Arkime's parser buffer bound. */
const MAX_MSG = 0x10000;

const u16 = (b: Uint8Array, p: number) => b[p] | (b[p + 1] << 8);
const u32 = (b: Uint8Array, p: number) => (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
const hex = (v: number, w: number) => v.toString(16).padStart(w, '0');

/** Class id of the first logical class segment of a CIP path, or -1. */
export function cipClass(b: Uint8Array, p: number, end: number): number {
  while (p < end) {
    const seg = b[p++];
    const type = seg & 0xe0, fmt = seg & 0x03, kind = seg & 0x1c;
    if (type === 0x20) {
      if (kind === 0) {
        if (fmt === 0) return p < end ? b[p] : -1;
        if (fmt === 1) return p + 3 <= end ? u16(b, p + 1) : -1;
        if (fmt === 2) return p + 5 <= end ? u32(b, p + 1) : -1;
        return -1;
      }
      if (fmt === 3) return -1;
      p += fmt === 0 ? 1 : fmt === 1 ? 3 : 5;
    } else if (type === 0x80) {
      if (p >= end) return -1;
      const n = b[p++];
      p += n + (n & 1);
    } else if (type === 0x00) {
      if ((seg & 0x0f) === 0x0f) p += 2;
      if (seg & 0x10) { if (p >= end) return -1; const n = b[p++]; p += n + (n & 1); } else p += 1;
    } else return -1;
  }
  return -1;
}

/**
 * Walk a CPF item list at p (item count, then type/length/data items), at most `maxCount`
 * items; stops at the first item that does not fit.
 */
function forEachItem(b: Uint8Array, p: number, end: number, maxCount: number, onItem: (type: number, item: number, itemEnd: number) => void): void {
  if (p + 2 > end) return;
  const count = u16(b, p); p += 2;
  if (count === 0 || count > maxCount) return;
  for (let i = 0; i < count; i++) {
    if (p + 4 > end) return;
    const type = u16(b, p), len = u16(b, p + 2);
    p += 4;
    if (len > end - p) return;
    onItem(type, p, p + len);
    p += len;
  }
}

function sendData(s: SessionApi, b: Uint8Array, p: number, end: number): void {
  // interface handle, timeout, then the items
  forEachItem(b, p + 6, end, 16, (type, item, itemEnd) => {
    if (type !== 0xb1 && type !== 0xb2) return;
    const q = type === 0xb1 ? item + 2 : item;
    if (q >= itemEnd) return;
    const svc = b[q];
    if (!s.hasProtocol('cip')) s.addProtocol('cip');
    if (svc & 0x80) { s.addString(enipFields.service, SERVICES[svc & 0x7f] ?? 'Reply'); return; }
    s.addString(enipFields.service, SERVICES[svc] ?? `Service-0x${hex(svc & 0x7f, 2)}`);
    if (q + 1 >= itemEnd) return;
    const pathEnd = Math.min(q + 2 + b[q + 1] * 2, itemEnd);
    if (pathEnd <= q + 2) return;
    const cls = cipClass(b, q + 2, pathEnd);
    if (cls >= 0) s.addString(enipFields.class, CLASSES[cls] ?? `Class-0x${hex(cls, 2)}`);
  });
}

function listIdentity(s: SessionApi, b: Uint8Array, p: number, end: number): void {
  forEachItem(b, p, end, 8, (type, item, itemEnd) => {
    if (type !== 0x0c || item + 33 > itemEnd) return;
    const vendor = u16(b, item + 18), device = u16(b, item + 20), nameLen = b[item + 32];
    s.addString(enipFields.vendor, VENDORS[vendor] ?? `Vendor-${vendor}`);
    s.addString(enipFields.deviceType, `DeviceType-0x${hex(device, 4)}`);
    if (nameLen > 0 && nameLen <= itemEnd - item - 33) {
      s.addString(enipFields.product, latin1(b, item + 33, nameLen));
    }
  });
}

/** One encapsulation message at p, `avail` bytes of it present. */
function message(s: SessionApi, b: Uint8Array, p: number, avail: number): void {
  if (avail < HEADER) return;
  const cmd = u16(b, p), len = u16(b, p + 2), status = u32(b, p + 8);
  const name = COMMANDS[cmd];
  if (name) s.addString(enipFields.command, name);
  s.addInt(enipFields.status, status | 0);
  if (len === 0 || len > avail - HEADER) return;
  const body = p + HEADER, end = body + len;
  if (cmd === 0x63 && status === 0) listIdentity(s, b, body, end);
  else if (cmd === 0x6f || cmd === 0x70) sendData(s, b, body, end);
}

function looksValid(b: Uint8Array, off: number, len: number): boolean {
  return len >= HEADER && COMMANDS[u16(b, off)] !== undefined;
}

export const enipTcp: ProtocolParser<object> = {
  name: 'enip',
  tcpPorts: [44818],
  classify(s, _dir, buf, off, len) {
    if (s.hasProtocol('enip') || !looksValid(buf, off, len)) return undefined;
    s.addProtocol('enip');
    return {};
  },
  parse(_st, s, _dir: Dir, buf, off, len) {
    const end = off + len;
    let p = off;
    while (end - p >= HEADER) {
      if (COMMANDS[u16(buf, p)] === undefined) return -2;
      const total = HEADER + u16(buf, p + 2);
      if (total > MAX_MSG - 1) { s.addTag('enip:message-too-long'); return -2; }
      if (total > end - p) break;
      message(s, buf, p, total);
      p += total;
    }
    return p - off;
  },
};

export const enipUdp: ProtocolParser<object> = {
  name: 'enip',
  udpPorts: [44818, 2222],
  classify(s, _dir, buf, off, len) {
    if (s.hasProtocol('enip') || !looksValid(buf, off, len) || HEADER + u16(buf, off + 2) !== len) return undefined;
    s.addProtocol('enip');
    return {};
  },
  parse(_st, s, _dir, buf, off, len) {
    if (len >= HEADER) message(s, buf, off, len);
    return len;
  },
};
