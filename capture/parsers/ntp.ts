// NTP (RFC 5905) on UDP 123, as Arkime's ntp.c: version, mode, stratum class, reference id.
import { defineField } from '../../db/fields/registry.js';
import type { ProtocolParser } from './api.js';

export const ntpFields = {
  version: defineField({ group: 'ntp', kind: 'integer', cnt: true, exp: 'ntp.version', db: 'ntp.version', friendly: 'Version', help: 'NTP version' }),
  mode: defineField({ group: 'ntp', kind: 'termfield', cnt: true, exp: 'ntp.mode', db: 'ntp.mode', friendly: 'Mode', help: 'NTP mode' }),
  stratum: defineField({ group: 'ntp', kind: 'termfield', cnt: true, exp: 'ntp.stratum', db: 'ntp.stratum', friendly: 'Stratum', help: 'NTP stratum' }),
  refId: defineField({ group: 'ntp', kind: 'termfield', cnt: true, exp: 'ntp.ref-id', db: 'ntp.refId', friendly: 'Reference ID', help: 'NTP reference identifier' }),
};

const MODES = ['reserved', 'symmetric-active', 'symmetric-passive', 'client', 'server', 'broadcast', 'control', 'private'];

function hex4(buf: Uint8Array, p: number): string {
  let s = '';
  for (let i = 0; i < 4; i++) s += buf[p + i].toString(16).padStart(2, '0');
  return s;
}

export const ntp: ProtocolParser<object> = {
  name: 'ntp',
  udpPorts: [123],
  classify(s, _dir, buf, off, len) {
    if (s.hasProtocol('ntp') || len < 48 || buf[off + 1] > 16) return undefined;
    const version = (buf[off] >> 3) & 7, mode = buf[off] & 7;
    if (version < 1 || version > 4 || mode === 0) return undefined;
    s.addProtocol('ntp');
    return {};
  },
  parse(_st, s, _dir, buf, off, len) {
    if (len < 48) return len;
    s.addInt(ntpFields.version, (buf[off] >> 3) & 7);
    s.addString(ntpFields.mode, MODES[buf[off] & 7]);
    const stratum = buf[off + 1];
    if (stratum === 0) s.addString(ntpFields.stratum, 'unspecified');
    else if (stratum === 1) s.addString(ntpFields.stratum, 'primary');
    else if (stratum <= 15) s.addString(ntpFields.stratum, 'secondary');
    else if (stratum === 16) s.addString(ntpFields.stratum, 'unsynchronized');
    const r = off + 12;
    if (stratum <= 1) {
      let n = 4;
      while (n > 0 && (buf[r + n - 1] === 0 || buf[r + n - 1] === 0x20)) n--;
      if (n > 0) {
        let printable = true;
        for (let i = 0; i < n; i++) if (buf[r + i] < 0x20 || buf[r + i] > 0x7e) { printable = false; break; }
        s.addString(ntpFields.refId, printable ? Buffer.from(buf.buffer, buf.byteOffset + r, n).toString('latin1') : hex4(buf, r));
      }
    } else if (stratum <= 15) {
      s.addString(ntpFields.refId, hex4(buf, r));
    }
    return len;
  },
};
