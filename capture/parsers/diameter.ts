// Diameter (RFC 6733, Arkime's diameter.c) over TCP and SCTP 3868/5658: command code with
// request/answer, application id, and the Origin/Destination Host/Realm, Session-Id and
// User-Name AVPs.
import { defineField } from '../../db/fields/registry.js';
import type { ProtocolParser, SessionApi } from './api.js';

const str = (exp: string, db: string, friendly: string, help: string, category?: string) =>
  defineField({ linked: false, group: 'diameter', kind: 'termfield', cnt: true, exp: `diameter.${exp}`, db: `diameter.${db}`, friendly, help, category });

export const diameterFields = {
  originHost: str('origin-host', 'originHost', 'Origin Host', 'Diameter Origin-Host AVP'),
  originRealm: str('origin-realm', 'originRealm', 'Origin Realm', 'Diameter Origin-Realm AVP'),
  destHost: str('dest-host', 'destHost', 'Dest Host', 'Diameter Destination-Host AVP'),
  destRealm: str('dest-realm', 'destRealm', 'Dest Realm', 'Diameter Destination-Realm AVP'),
  sessionId: str('session-id', 'sessionId', 'Session ID', 'Diameter Session-Id AVP'),
  user: str('user', 'user', 'User', 'Diameter User-Name AVP', 'user'),
  cmd: str('cmd', 'cmd', 'Command', 'Diameter Command Code'),
  app: str('app', 'app', 'Application', 'Diameter Application ID'),
  resultCode: defineField({ linked: false, group: 'diameter', kind: 'integer', cnt: true, exp: 'diameter.result-code', db: 'diameter.resultCode', friendly: 'Result Code', help: 'Diameter Result-Code AVP' }),
};

const COMMANDS: Record<number, string> = {
  257: 'Capabilities-Exchange', 258: 'Re-Auth', 271: 'Accounting', 272: 'Credit-Control', 274: 'Abort-Session',
  275: 'Session-Termination', 280: 'Device-Watchdog', 282: 'Disconnect-Peer', 300: 'User-Authorization',
  301: 'Server-Assignment', 302: 'Location-Info', 303: 'Multimedia-Auth', 304: 'Registration-Termination',
  305: 'Push-Profile', 306: 'User-Data', 307: 'Profile-Update', 308: 'Subscribe-Notifications', 309: 'Push-Notification',
  316: 'Update-Location', 317: 'Cancel-Location', 318: 'Authentication-Information', 319: 'Insert-Subscriber-Data',
  320: 'Delete-Subscriber-Data', 321: 'Purge-UE', 322: 'Reset', 323: 'Notify',
};
const APPS: Record<number, string> = {
  0: 'Common', 1: 'NASREQ', 2: 'Mobile-IPv4', 3: 'Base-Accounting', 4: 'Credit-Control', 5: 'EAP', 6: 'SIP', 7: 'MIP6I',
  8: 'MIP6A', 9: 'QoS', 0xffffffff: 'Relay', 16777216: '3GPP-Cx', 16777217: '3GPP-Sh', 16777236: '3GPP-Rx',
  16777238: '3GPP-Gx', 16777251: '3GPP-S6a', 16777252: '3GPP-S13', 16777255: '3GPP-SLg', 16777265: '3GPP-SWm',
  16777272: '3GPP-SWx', 16777291: '3GPP-S6b',
};
const AVP_FIELDS: Record<number, Exclude<keyof typeof diameterFields, 'resultCode'>> = {
  1: 'user', 263: 'sessionId', 264: 'originHost', 283: 'destRealm', 293: 'destHost', 296: 'originRealm',
};

const u24 = (b: Uint8Array, p: number) => (b[p] << 16) | (b[p + 1] << 8) | b[p + 2];
const u32 = (b: Uint8Array, p: number) => ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;

function avps(s: SessionApi, b: Uint8Array, p: number, end: number): void {
  while (end - p >= 8) {
    const code = u32(b, p), flags = b[p + 4], len = u24(b, p + 5);
    if (len < 8) break;
    let data = p + 8, dataLen = len - 8;
    if (flags & 0x80) { if (len < 12) break; data += 4; dataLen -= 4; }
    if (end - data < dataLen) break;
    const f = AVP_FIELDS[code];
    if (f) s.addString(diameterFields[f], Buffer.from(b.buffer, b.byteOffset + data, dataLen).toString('utf8'));
    else if (code === 268 && dataLen === 4) s.addInt(diameterFields.resultCode, u32(b, data));
    p = data + dataLen + ((4 - (len & 3)) & 3);
  }
}

export function diameterValid(b: Uint8Array, off: number, len: number): boolean {
  return len >= 20 && b[off] === 1 && u24(b, off + 1) >= 20 && (b[off + 4] & 0x0f) === 0 && u24(b, off + 5) !== 0;
}

function classify(s: SessionApi, _dir: number, buf: Uint8Array, off: number, len: number): object | undefined {
  if (!diameterValid(buf, off, len)) return undefined;
  s.addProtocol('diameter');
  return {};
}

function parse(_st: object, s: SessionApi, _dir: number, b: Uint8Array, off: number, len: number): number {
  const end = off + len;
  let p = off;
  while (end - p >= 20) {
    if (b[p] !== 1) return -2;
    const msgLen = u24(b, p + 1);
    if (msgLen < 20) return -2;
    if (msgLen > end - p) break;
    const flags = b[p + 4], cmd = u24(b, p + 5), app = u32(b, p + 8);
    const ra = flags & 0x80 ? 'Request' : 'Answer';
    const name = COMMANDS[cmd];
    s.addString(diameterFields.cmd, name ? `${name}-${ra} (${cmd})` : `${ra} (${cmd})`);
    const appName = APPS[app];
    s.addString(diameterFields.app, appName ? `${appName} (${app})` : String(app));
    avps(s, b, p + 20, p + msgLen);
    p += msgLen;
  }
  return p - off;
}

export const diameterParser: ProtocolParser<object> = {
  name: 'diameter',
  tcpPorts: [3868, 5658],
  sctpPorts: [3868, 5658],
  classify,
  parse,
};
