// Oracle TNS Connect (Arkime's oracle.c): HOST, USER and SERVICE_NAME from the connect
// descriptor of the client's first packet, lower-cased.
import { defineField } from '../../db/fields/registry.js';
import type { ProtocolParser } from './api.js';

const one = (exp: string, friendly: string, help: string, category?: string) =>
  defineField({ group: 'oracle', kind: 'lotermfield', store: 'single', exp: `oracle.${exp}`, db: `oracle.${exp}`, friendly, help, category });

export const oracleFields = {
  user: one('user', 'User', 'Oracle User', 'user'),
  host: one('host', 'Host', 'Oracle Host'),
  service: one('service', 'Service', 'Oracle Service'),
};

/** Value of `(NAME=value)` in a connect descriptor, lower-cased, or undefined. */
export function tnsItem(desc: string, name: string): string | undefined {
  const i = desc.indexOf(name);
  if (i < 0) return undefined;
  const e = desc.indexOf(')', i);
  if (e < 0 || e === i + name.length) return undefined;
  return desc.slice(i + name.length, e).toLowerCase();
}

export const oracleParser: ProtocolParser<true> = {
  name: 'oracle',
  tcpPrefixes: [{ offset: 2, bytes: [0, 0, 1, 0, 0, 0] }],
  classify(s, dir, buf, off, len) {
    if (dir !== 0 || len <= 27) return undefined;
    const plen = (buf[off] << 8) | buf[off + 1];
    const dlen = (buf[off + 24] << 8) | buf[off + 25], doff = (buf[off + 26] << 8) | buf[off + 27];
    if (plen !== len || dlen + doff !== len) return undefined;
    const desc = Buffer.from(buf.buffer, buf.byteOffset + off + doff, dlen).toString('latin1');
    const host = tnsItem(desc, 'HOST='), user = tnsItem(desc, 'USER='), service = tnsItem(desc, 'SERVICE_NAME=');
    if (host) s.addString(oracleFields.host, host);
    if (user) s.addString(oracleFields.user, user);
    if (service) s.addString(oracleFields.service, service);
    s.addProtocol('oracle');
    return true;
  },
};
