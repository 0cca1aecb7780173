// RADIUS (RFC 2865/2866) on UDP 1812/1813/1645/1646, as Arkime's radius.c: message type, user,
// NAS IP/port, framed IP, calling-station MAC and endpoint IP from the attribute list.
import { defineField } from '../../db/fields/registry.js';
import type { ProtocolParser } from './api.js';
import { latin1 } from './text.js';

export const radiusFields = {
  user: defineField({ group: 'radius', kind: 'termfield', exp: 'radius.user', db: 'radius.user', friendly: 'User', help: 'RADIUS user', category: 'user' }),
  mac: defineField({ group: 'radius', kind: 'lotermfield', cnt: true, exp: 'radius.mac', db: 'radius.mac', friendly: 'MAC', help: 'Radius Mac' }),
  endpointIp: defineField({ group: 'radius', kind: 'ip', cnt: true, exp: 'radius.endpoint-ip', db: 'radius.endpointIp', friendly: 'Endpoint IP', help: 'Radius endpoint ip addresses for session' }),
  framedIp: defineField({ group: 'radius', kind: 'ip', cnt: true, exp: 'radius.framed-ip', db: 'radius.framedIp', friendly: 'Framed IP', help: 'Radius framed ip addresses for session' }),
  nasIp: defineField({ group: 'radius', kind: 'ip', cnt: true, exp: 'radius.nas-ip', db: 'radius.nasIp', friendly: 'NAS IP', help: 'Radius NAS ip addresses for session' }),
  nasPort: defineField({ group: 'radius', kind: 'integer', cnt: true, exp: 'radius.nas-port', db: 'radius.nasPort', friendly: 'NAS Port', help: 'Radius NAS ports for session' }),
  msgType: defineField({ group: 'radius', kind: 'termfield', cnt: true, exp: 'radius.msg-type', db: 'radius.msgType', friendly: 'Message Type', help: 'Radius message types' }),
};

const MSG_TYPES: Record<number, string> = {
  1: 'access-request', 2: 'access-accept', 3: 'access-reject', 4: 'accounting-request', 5: 'accounting-response',
  11: 'access-challenge', 12: 'status-server', 13: 'status-client', 40: 'disconnect-request', 41: 'disconnect-ack',
  42: 'disconnect-nak', 43: 'coa-request', 44: 'coa-ack', 45: 'coa-nak',
};

const RADIUS_PORTS = [1812, 1813, 1645, 1646];

export const radius: ProtocolParser<object> = {
  name: 'radius',
  udpPrefixes: [{ bytes: [1] }, { bytes: [2] }, { bytes: [3] }, { bytes: [4] }, { bytes: [5] }],
  classify(s, _dir, buf, off, len) {
    if (s.hasProtocol('radius') || len < 20 || ((buf[off + 2] << 8) | buf[off + 3]) > len) return undefined;
    if (!RADIUS_PORTS.includes(s.srcPort) && !RADIUS_PORTS.includes(s.dstPort)) return undefined;
    s.addProtocol('radius');
    return {};
  },
  parse(_st, s, _dir, buf, off, len) {
    if (len < 20) return len;
    const t = MSG_TYPES[buf[off]];
    if (t) s.addString(radiusFields.msgType, t);
    const end = off + len;
    let p = off + 20;
    while (end - p > 2) {
      const type = buf[p];
      const vlen = (buf[p + 1] - 2) & 0xff; // Arkime's unsigned char arithmetic
      p += 2;
      if (vlen > end - p) break;
      const v = p;
      p += vlen;
      switch (type) {
        case 1: s.addString(radiusFields.user, Buffer.from(buf.buffer, buf.byteOffset + v, vlen).toString('utf8')); break;
        case 4: if (vlen === 4) s.addIp(radiusFields.nasIp, `${buf[v]}.${buf[v + 1]}.${buf[v + 2]}.${buf[v + 3]}`); break;
        case 5: if (vlen === 4) s.addInt(radiusFields.nasPort, ((buf[v] << 24) >>> 0) + ((buf[v + 1] << 16) | (buf[v + 2] << 8) | buf[v + 3])); break;
        case 8: if (vlen === 4) s.addIp(radiusFields.framedIp, `${buf[v]}.${buf[v + 1]}.${buf[v + 2]}.${buf[v + 3]}`); break;
        case 31:
          if (vlen === 12) {
            const m = latin1(buf, v, 12).toLowerCase();
            s.addString(radiusFields.mac, m.replace(/(..)(?!$)/g, '$1:'));
          }
          break;
        case 66: {
          const ip = latin1(buf, v, vlen);
          if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip) || ip.includes(':')) s.addIp(radiusFields.endpointIp, ip);
          break;
        }
      }
    }
    return len;
  },
};
