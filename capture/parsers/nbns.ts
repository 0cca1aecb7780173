// NetBIOS Name Service (RFC 1001/1002) on UDP 137, as Arkime's nbns.c: first-level decoded
// names from questions (queryHost when a query) and from answer/additional records (host),
// plus the IPs of NB records.
import { defineField } from '../../db/fields/registry.js';
import type { ProtocolParser, SessionApi } from './api.js';

const g = { group: 'nbns', kind: 'termfield', cnt: true } as const;
export const nbnsFields = {
  name: defineField({ ...g, exp: 'nbns.name', db: 'nbns.name', friendly: 'Name', help: 'NetBIOS names' }),
  queryType: defineField({ ...g, exp: 'nbns.queryType', db: 'nbns.queryType', friendly: 'Query Type', help: 'NetBIOS query types' }),
  queryHost: defineField({ ...g, exp: 'nbns.queryHost', db: 'nbns.queryHost', friendly: 'Query Host', help: 'NetBIOS hosts being queried' }),
  host: defineField({ ...g, exp: 'nbns.host', db: 'nbns.host', friendly: 'Host', help: 'NetBIOS hosts from responses' }),
  ip: defineField({ group: 'nbns', kind: 'ip', cnt: true, exp: 'nbns.ip', db: 'nbns.ip', friendly: 'IP', help: 'IP addresses from NetBIOS responses' }),
};

const isNibble = (c: number) => c >= 0x41 && c <= 0x50;

/** Decode the 32-byte first-level encoding at p: printable chars, trailing spaces trimmed. */
function decodeName(buf: Uint8Array, p: number, strict: boolean): string | undefined {
  let out = '';
  for (let i = 0; i < 32 && out.length < 15; i += 2) {
    const a = buf[p + i], b = buf[p + i + 1];
    if (!isNibble(a) || !isNibble(b)) { if (strict) return undefined; break; }
    const c = ((a - 0x41) << 4) | (b - 0x41);
    if (c >= 0x20 && c <= 0x7e) out += String.fromCharCode(c);
  }
  return out.trimEnd();
}

/** The name a compression pointer at p points to (offsets from the message start). */
function pointedName(buf: Uint8Array, off: number, end: number, p: number): string {
  const t = off + (((buf[p] << 8) | buf[p + 1]) & 0x3fff);
  if (t + 33 > end || buf[t] !== 0x20) return '';
  return decodeName(buf, t + 1, false) ?? '';
}

/** Skip scope labels up to their terminating zero; returns the new position. */
function skipScope(buf: Uint8Array, p: number, end: number): number {
  while (p < end) {
    const l = buf[p++];
    if (l === 0) break;
    p += l;
  }
  return p;
}

export function parseNbns(s: SessionApi, buf: Uint8Array, off: number, len: number): void {
  if (len < 50) return;
  s.addProtocol('nbns');
  const end = off + len;
  const qr = buf[off + 2] >> 7;
  const qd = (buf[off + 4] << 8) | buf[off + 5];
  const records = ((buf[off + 6] << 8) | buf[off + 7]) + ((buf[off + 10] << 8) | buf[off + 11]);
  let p = off + 12;
  for (let q = 0; q < qd; q++) {
    if (p >= end || buf[p] !== 0x20 || end - p - 1 < 32) return;
    const name = decodeName(buf, p + 1, true);
    if (name === undefined) return;
    p = skipScope(buf, p + 33, end);
    if (end - p < 4) return;
    const qtype = (buf[p] << 8) | buf[p + 1];
    p += 4;
    if (qtype === 0x20) s.addString(nbnsFields.queryType, 'NB');
    else if (qtype === 0x21) s.addString(nbnsFields.queryType, 'NBSTAT');
    if (name.length) {
      s.addString(nbnsFields.name, name);
      if (qr === 0) s.addString(nbnsFields.queryHost, name);
    }
  }
  for (let a = 0; a < records; a++) {
    if (p >= end) return;
    const first = buf[p++];
    let name = '';
    if ((first & 0xc0) === 0xc0) {
      if (p >= end) return;
      name = pointedName(buf, off, end, p - 1);
      p++;
    } else if (first === 0x20) {
      if (end - p < 32) return;
      name = decodeName(buf, p, false) ?? '';
      p = skipScope(buf, p + 32, end);
    } else {
      return;
    }
    if (end - p < 10) return;
    const rtype = (buf[p] << 8) | buf[p + 1];
    const rdlen = (buf[p + 8] << 8) | buf[p + 9];
    p += 10;
    if (rdlen > end - p) return;
    if (name.length) {
      s.addString(nbnsFields.name, name);
      s.addString(nbnsFields.host, name);
    }
    if (rtype === 0x20) {
      for (let r = p; p + rdlen - r >= 6; r += 6) s.addIp(nbnsFields.ip, `${buf[r + 2]}.${buf[r + 3]}.${buf[r + 4]}.${buf[r + 5]}`);
    }
    p += rdlen;
  }
}

export const nbns: ProtocolParser<object> = {
  name: 'nbns',
  udpPorts: [137],
  classify(_s, _dir, buf, off, len) {
    if (len < 50 || buf[off + 12] !== 0x20) return undefined;
    for (let i = 13; i < 17; i++) if (!isNibble(buf[off + i])) return undefined;
    return {};
  },
  parse(_st, s, _dir, buf, off, len) { parseNbns(s, buf, off, len); return len; },
};

/** NetBIOS datagram service (UDP 138): classification only; SMB inside is the smb parser's. */
export const nbds: ProtocolParser<object> = {
  name: 'nbds',
  udpPorts: [138],
  classify(s, _dir, buf, off, len) {
    if (s.hasProtocol('nbds') || len < 14 || buf[off] < 0x10 || buf[off] > 0x16) return undefined;
    s.addProtocol('nbds');
    return true;
  },
};
