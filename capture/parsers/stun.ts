// STUN/TURN (RFC 5389/5766) over UDP and TCP, plus the text "RSP/x.x ... STUN" variant, as
// Arkime's stun.c: message types, mapped / XOR-mapped / XOR-relayed addresses, username,
// software, realm, error codes and the ICE attributes present.
import { defineField, type Field } from '../../db/fields/registry.js';
import type { ProtocolParser, SessionApi } from './api.js';
import { cString, ip4, ip6 } from './dns-record.js';

const f = (exp: string, db: string, kind: 'termfield' | 'integer' | 'ip', friendly: string, help: string) =>
  defineField({ group: 'stun', kind, cnt: true, exp, db, friendly, help });

export const stunFields = {
  type: f('stun.type', 'stun.type', 'termfield', 'Message Type', 'STUN message type'),
  mappedIp: f('stun.mapped-ip', 'stun.mappedIp', 'ip', 'Mapped IP', 'STUN MAPPED-ADDRESS IP'),
  mappedPort: f('stun.mapped-port', 'stun.mappedPort', 'integer', 'Mapped Port', 'STUN MAPPED-ADDRESS port'),
  xorMappedIp: f('stun.xor-mapped-ip', 'stun.xorMappedIp', 'ip', 'XOR Mapped IP', 'STUN XOR-MAPPED-ADDRESS IP (external/NAT IP)'),
  xorMappedPort: f('stun.xor-mapped-port', 'stun.xorMappedPort', 'integer', 'XOR Mapped Port', 'STUN XOR-MAPPED-ADDRESS port'),
  xorRelayedIp: f('stun.xor-relayed-ip', 'stun.xorRelayedIp', 'ip', 'XOR Relayed IP', 'TURN XOR-RELAYED-ADDRESS IP (relay server allocated address)'),
  xorRelayedPort: f('stun.xor-relayed-port', 'stun.xorRelayedPort', 'integer', 'XOR Relayed Port', 'TURN XOR-RELAYED-ADDRESS port'),
  username: defineField({ group: 'stun', kind: 'termfield', cnt: true, exp: 'stun.username', db: 'stun.username', friendly: 'Username', help: 'STUN username (ICE credentials)', category: 'user' }),
  software: f('stun.software', 'stun.software', 'termfield', 'Software', 'STUN software attribute'),
  realm: f('stun.realm', 'stun.realm', 'termfield', 'Realm', 'STUN realm'),
  error: f('stun.error', 'stun.error', 'integer', 'Error Code', 'STUN error code'),
  attributes: f('stun.attributes', 'stun.attributes', 'termfield', 'Attributes', 'STUN ICE attributes present'),
};

const METHODS: Record<number, string> = { 1: 'Binding', 3: 'Allocate', 4: 'Refresh', 6: 'Send', 7: 'Data', 8: 'CreatePermission', 9: 'ChannelBind' };
const CLASSES = ['Request', 'Indication', 'Response', 'Error'];
const FLAG_ATTRS: Record<number, string> = { 0x0025: 'use-candidate', 0x8028: 'fingerprint', 0x8029: 'ice-controlled', 0x802a: 'ice-controlling' };
const COOKIE = 0x2112a442;

function hasCookie(buf: Uint8Array, off: number): boolean {
  return buf[off + 4] === 0x21 && buf[off + 5] === 0x12 && buf[off + 6] === 0xa4 && buf[off + 7] === 0x42;
}

function address(s: SessionApi, buf: Uint8Array, p: number, alen: number, txn: number, xor: boolean, ipF: Field, portF: Field): void {
  if (alen < 8) return;
  const family = buf[p + 1];
  let port = (buf[p + 2] << 8) | buf[p + 3];
  if (xor) port ^= COOKIE >>> 16;
  s.addInt(portF, port);
  let ip: string | undefined;
  if (family === 1) {
    const a = new Uint8Array(4);
    for (let i = 0; i < 4; i++) a[i] = xor ? buf[p + 4 + i] ^ buf[txn - 4 + i] : buf[p + 4 + i];
    ip = ip4(a, 0);
  } else if (family === 2 && alen >= 20) {
    const a = new Uint8Array(16);
    for (let i = 0; i < 16; i++) a[i] = xor ? buf[p + 4 + i] ^ buf[txn - 4 + i] : buf[p + 4 + i];
    ip = ip6(a, 0);
  }
  if (ip === undefined) return;
  s.addIp(ipF, ip);
  if (xor && ipF === stunFields.xorMappedIp && ip !== s.srcIp && ip !== s.dstIp) s.addTag('stun:nat-discovered');
}

/** One STUN message at buf[off, off+len). */
export function parseStun(s: SessionApi, buf: Uint8Array, off: number, len: number): void {
  if (len < 20) return;
  const type = (buf[off] << 8) | buf[off + 1];
  const mlen = (buf[off + 2] << 8) | buf[off + 3];
  if (!hasCookie(buf, off) && mlen + 20 !== len) return;
  const method = (type & 0x000f) | ((type & 0x00e0) >> 1) | ((type & 0x3e00) >> 2);
  const cls = ((type & 0x0010) >> 4) | ((type & 0x0100) >> 7);
  if (METHODS[method]) s.addString(stunFields.type, `${METHODS[method]} ${CLASSES[cls]}`);
  const txn = off + 8; // cookie then transaction id: the XOR key for IPv6 starts at off + 4
  const end = off + len;
  let p = off + 20;
  while (end - p >= 4) {
    const at = (buf[p] << 8) | buf[p + 1];
    const alen = (buf[p + 2] << 8) | buf[p + 3];
    p += 4;
    if (alen > end - p) break;
    switch (at) {
      case 0x0001: address(s, buf, p, alen, txn, false, stunFields.mappedIp, stunFields.mappedPort); break;
      case 0x0020: case 0x8020: address(s, buf, p, alen, txn, true, stunFields.xorMappedIp, stunFields.xorMappedPort); break;
      case 0x0016: address(s, buf, p, alen, txn, true, stunFields.xorRelayedIp, stunFields.xorRelayedPort); break;
      case 0x0006: if (alen > 0 && alen < 513) s.addString(stunFields.username, cString(buf, p, alen)); break;
      case 0x8022: if (alen > 0 && alen < 763) s.addString(stunFields.software, cString(buf, p, alen)); break;
      case 0x0014: if (alen > 0 && alen < 763) s.addString(stunFields.realm, cString(buf, p, alen)); break;
      case 0x0009: if (alen >= 4) s.addInt(stunFields.error, buf[p + 2] * 100 + buf[p + 3]); break;
      default: if (FLAG_ATTRS[at]) s.addString(stunFields.attributes, FLAG_ATTRS[at]);
    }
    p += (alen + 3) & ~3;
  }
}

const isRsp = (buf: Uint8Array, off: number, len: number) =>
  len > 7 && Buffer.from(buf.buffer, buf.byteOffset + off + 7, len - 7).includes('STUN');

export const stunUdp: ProtocolParser<object> = {
  name: 'stun',
  udpPrefixes: [{ bytes: [0, 1, 0] }, { bytes: [0, 3, 0] }, { bytes: [1, 1, 0] }, { bytes: 'RSP/' }],
  classify(s, _dir, buf, off, len) {
    if (s.hasProtocol('stun')) return undefined;
    if (buf[off] === 0x52) { if (isRsp(buf, off, len)) { s.addProtocol('stun'); return true; } return undefined; }
    if (len < 20) return undefined;
    if (!hasCookie(buf, off)) {
      if (((buf[off + 2] << 8) | buf[off + 3]) + 20 !== len || buf[off] > 1) return undefined;
    }
    s.addProtocol('stun');
    return {};
  },
  parse(_st, s, _dir, buf, off, len) { parseStun(s, buf, off, len); return len; },
};

export const stunTcp: ProtocolParser<object> = {
  name: 'stun',
  tcpPrefixes: [{ bytes: [0, 1, 0] }, { bytes: [0, 3, 0] }, { bytes: [0, 4, 0] }, { bytes: [0, 8, 0] }, { bytes: [0, 9, 0] }, { bytes: 'RSP/' }],
  classify(s, _dir, buf, off, len) {
    if (s.hasProtocol('stun')) return undefined;
    if (buf[off] === 0x52) { if (isRsp(buf, off, len)) { s.addProtocol('stun'); return true; } return undefined; }
    if (len < 20 || !hasCookie(buf, off) || (buf[off] & 0xc0) !== 0) return undefined;
    s.addProtocol('stun');
    return {};
  },
  parse(_st, s, _dir, buf, off, len) {
    let p = off;
    while (off + len - p >= 20) {
      const m = ((buf[p + 2] << 8) | buf[p + 3]) + 20;
      if (off + len - p < m) break;
      parseStun(s, buf, p, m);
      p += m;
    }
    return p - off;
  },
};
