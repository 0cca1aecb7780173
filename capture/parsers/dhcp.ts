// DHCP (UDP 67/68) and DHCPv6 (UDP 546/547), as Arkime's dhcp.c: message type, transaction
// id, client MAC and its vendor (OUI), host name (option 12 or FQDN 81), vendor class
// (option 60 / v6 option 16) and requested IP (option 50).
//
// Arkime keys DHCP sessions by client MAC (v4) or transaction id (v6) so a whole exchange,
// broadcast and unicast legs alike, is one session; that keying is the session core's job
// (capture/session/dhcp-session.ts), which hands every datagram to parseDhcp4/parseDhcp6. The
// port declarations below only serve sessions that core did not key that way.
import { defineField } from '../../db/fields/registry.js';
import { OuiTable } from '../enrich/oui.js';
import type { ParserConfig, ProtocolParser, SessionApi } from './api.js';
import { asciiLower, latin1ToText, latin1 } from './text.js';

export const dhcpFields = {
  type: defineField({ group: 'dhcp', exp: 'dhcp.type', db: 'dhcp.type', kind: 'uptermfield', friendly: 'DHCP Type', help: 'DHCP Type', cnt: true }),
  host: defineField({ group: 'dhcp', exp: 'dhcp.host', db: 'dhcp.host', kind: 'lotermfield', friendly: 'DHCP Host', help: 'DHCP Host', cnt: true, aliases: ['host.dhcp'], category: 'host' }),
  hostTokens: defineField({ group: 'dhcp', exp: 'dhcp.host.tokens', db: 'dhcp.hostTokens', kind: 'lotextfield', friendly: 'Hostname Tokens', help: 'DHCP Hostname Tokens', aliases: ['host.dhcp.tokens'], viewerOnly: true }),
  mac: defineField({ group: 'dhcp', exp: 'dhcp.mac', db: 'dhcp.mac', kind: 'lotermfield', friendly: 'DHCP Client MAC', help: 'Client ethernet MAC', cnt: true }),
  oui: defineField({ group: 'dhcp', exp: 'dhcp.oui', db: 'dhcp.oui', kind: 'termfield', friendly: 'DHCP Client OUI', help: 'Client ethernet OUI', cnt: true }),
  id: defineField({ group: 'dhcp', exp: 'dhcp.id', db: 'dhcp.id', kind: 'lotermfield', friendly: 'DHCP Transaction id', help: 'DHCP Transaction Id', cnt: true }),
  classId: defineField({ group: 'dhcp', exp: 'dhcp.classId', db: 'dhcp.classId', kind: 'termfield', friendly: 'DHCP Vendor Class', help: 'DHCP Vendor Class Identifier', cnt: true }),
  requestIp: defineField({ group: 'dhcp', exp: 'dhcp.requestIp', db: 'dhcp.requestIp', kind: 'ip', friendly: 'DHCP Request IP', help: 'DHCP Requested IP Address', cnt: true }),
};

const NAMES_V4 = [
  '', 'DISCOVER', 'OFFER', 'REQUEST', 'DECLINE', 'ACK', 'NAK', 'RELEASE', 'INFORM', 'FORCERENEW', 'LEASEQUERY',
  'LEASEUNASSIGNED', 'LEASEUNKNOWN', 'LEASEACTIVE', 'BULKLEASEQUERY', 'LEASEQUERYDONE', 'ACTIVELEASEQUERY',
  'LEASEQUERYSTATUS', 'TLS',
];

const NAMES_V6 = [
  '', 'SOLICIT', 'ADVERTISE', 'REQUEST', 'CONFIRM', 'RENEW', 'REBIND', 'REPLY', 'RELEASE', 'DECLINE', 'RECONFIGURE',
  'INFORMATION_REQUEST', 'RELAY_FORW', 'RELAY_REPL', 'LEASEQUERY', 'LEASEQUERY_REPLY', 'LEASEQUERY_DONE',
  'LEASEQUERY_DATA', 'LEASEQUERY_NO_DATA', 'LEASEQUERY_STATUS', 'LEASEQUERY_RECONF', 'LEASEQUERY_RECONF_REPLY',
];
export const NAMES_V6_COUNT = NAMES_V6.length;


let ouiCache: { file: string; table: OuiTable | undefined } | undefined;

/** The `ouiFile` table, loaded once per process; undefined when none is configured or readable. */
function ouiTable(config: ParserConfig): OuiTable | undefined {
  const file = config.str('ouiFile', '');
  if (ouiCache && ouiCache.file === file) return ouiCache.table;
  let table: OuiTable | undefined;
  try { table = file ? OuiTable.load(file) : undefined; } catch { table = undefined; }
  ouiCache = { file, table };
  return table;
}

/**
 * Arkime adds these values as C strings: they end at the first NUL. A DHCPv6 vendor class
 * starts with its 4-byte enterprise number (311 = 00 00 01 37), so Arkime records "" for it.
 */
function cText(buf: Uint8Array, off: number, len: number): string {
  let n = 0;
  while (n < len && buf[off + n] !== 0) n++;
  return latin1ToText(latin1(buf, off, n));
}

const HEX2 = Array.from({ length: 256 }, (_, i) => (i < 16 ? '0' : '') + i.toString(16));

/** Arkime's arkime_field_macoui_add: the MAC in text, and its vendor when known. */
function addMacOui(s: SessionApi, buf: Uint8Array, p: number): void {
  let mac = '';
  for (let i = 0; i < 6; i++) mac += (i ? ':' : '') + HEX2[buf[p + i]];
  s.addString(dhcpFields.mac, mac);
  const vendor = ouiTable(s.config)?.lookup(buf, p);
  if (vendor) s.addString(dhcpFields.oui, vendor);
}

/** One DHCPv4 message (BOOTP header, magic cookie, options). */
export function parseDhcp4(s: SessionApi, buf: Uint8Array, off: number, len: number): void {
  if (len < 256) return;
  if (buf[off + 1] === 1) addMacOui(s, buf, off + 28);
  const id = ((buf[off + 4] << 24) >>> 0) + ((buf[off + 5] << 16) | (buf[off + 6] << 8) | buf[off + 7]);
  s.addString(dhcpFields.id, id.toString(16));
  const end = off + len;
  let p = off + 240;
  while (end - p >= 2) {
    const t = buf[p++];
    if (t === 255) break;
    if (t === 0) continue;
    const l = buf[p++];
    if (l > end - p || l === 0) break;
    const v = p;
    p += l;
    switch (t) {
      case 12: s.addString(dhcpFields.host, latin1ToText(asciiLower(latin1(buf, v, l)))); break;
      case 53: if (l === 1 && buf[v] > 0 && buf[v] < NAMES_V4.length) s.addString(dhcpFields.type, NAMES_V4[buf[v]]); break;
      case 60: s.addString(dhcpFields.classId, cText(buf, v, l)); break;
      case 50: if (l === 4) s.addIp(dhcpFields.requestIp, `${buf[v]}.${buf[v + 1]}.${buf[v + 2]}.${buf[v + 3]}`); break;
      case 61: if (l === 7 && buf[v] === 1) addMacOui(s, buf, v + 1); break;
      case 81: if (l >= 3 && buf[v] === 0) s.addString(dhcpFields.host, latin1ToText(asciiLower(latin1(buf, v + 3, l - 3)))); break;
    }
  }
}

/** One DHCPv6 message: type, transaction id (not for relay messages), vendor class option. */
export function parseDhcp6(s: SessionApi, buf: Uint8Array, off: number, len: number): void {
  const type = buf[off];
  if (len < 4 || type === 0 || type >= NAMES_V6.length) return;
  s.addString(dhcpFields.type, NAMES_V6[type]);
  let p: number;
  if (type === 12 || type === 13) {
    if (len < 34) return;
    p = off + 34;
  } else {
    s.addString(dhcpFields.id, (((buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]) >>> 0).toString(16));
    p = off + 4;
  }
  const end = off + len;
  while (end - p >= 4) {
    const code = (buf[p] << 8) | buf[p + 1];
    const l = (buf[p + 2] << 8) | buf[p + 3];
    p += 4;
    if (l > end - p) break;
    if (code === 16 && l > 0) s.addString(dhcpFields.classId, cText(buf, p, l));
    p += l;
  }
}

export function isDhcp4(buf: Uint8Array, off: number, len: number): boolean {
  return len >= 256 && (buf[off] === 1 || buf[off] === 2) && buf[off + 1] === 1 && buf[off + 2] === 6 &&
    buf[off + 236] === 0x63 && buf[off + 237] === 0x82 && buf[off + 238] === 0x53 && buf[off + 239] === 0x63;
}

export const dhcpParser: ProtocolParser<object> = {
  name: 'dhcp',
  udpPorts: [67, 68],
  classify(s, _dir, buf, off, len) {
    if (s.hasProtocol('dhcp') || !isDhcp4(buf, off, len)) return undefined;
    s.addProtocol('dhcp');
    return {};
  },
  parse(_st, s, _dir, buf, off, len) {
    if (isDhcp4(buf, off, len)) parseDhcp4(s, buf, off, len);
    return len;
  },
};

export const dhcpv6Parser: ProtocolParser<object> = {
  name: 'dhcpv6',
  udpPorts: [546, 547],
  classify(s, _dir, buf, off, len) {
    if (s.hasProtocol('dhcpv6') || len < 4 || buf[off] === 0 || buf[off] >= NAMES_V6.length) return undefined;
    s.addProtocol('dhcpv6');
    return {};
  },
  parse(_st, s, _dir, buf, off, len) {
    parseDhcp6(s, buf, off, len);
    return len;
  },
};
