// PostgreSQL startup (Arkime's postgresql.c): user, database and application_name from the
// client's StartupMessage; an SSLRequest alone names the protocol.
import { defineField } from '../../db/fields/registry.js';
import type { Dir, ProtocolParser } from './api.js';

const one = (exp: string, friendly: string, help: string, category?: string) =>
  defineField({ group: 'postgresql', kind: 'termfield', store: 'single', exp: `postgresql.${exp}`, db: `postgresql.${exp}`, friendly, help, category });

export const postgresqlFields = {
  user: one('user', 'User', 'Postgresql user name', 'user'),
  db: one('db', 'Database', 'Postgresql database'),
  app: one('app', 'Application', 'Postgresql application'),
};

const SSL_REQUEST = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

export interface PostgresqlState { clientDir: Dir }

function isSslRequest(b: Uint8Array, p: number, len: number): boolean {
  if (len !== 8) return false;
  for (let i = 0; i < 8; i++) if (b[p + i] !== SSL_REQUEST[i]) return false;
  return true;
}

export const postgresqlParser: ProtocolParser<PostgresqlState> = {
  name: 'postgresql',
  tcpPrefixes: [{ bytes: [0, 0, 0] }],
  classify(s, dir, buf, off, len) {
    if (s.hasProtocol('postgresql')) return undefined;
    if (isSslRequest(buf, off, len) || (len > 8 && buf[off + 3] <= len && buf[off + 4] === 0 && buf[off + 5] === 3 && buf[off + 6] === 0)) {
      return { clientDir: dir };
    }
    return undefined;
  },
  parse(st, s, dir, buf, off, len) {
    if (dir !== st.clientDir) return len;
    if (isSslRequest(buf, off, len)) { s.addProtocol('postgresql'); return len; }
    const end = off + len;
    const plen = ((buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3]) >>> 0;
    if (len < 8 || plen > len || plen < 16 || buf[off + 4] !== 0 || buf[off + 5] !== 3) return -2;
    let p = off + 8;
    const cstr = (): string | undefined => {
      const z = buf.indexOf(0, p);
      if (z < 0 || z >= end) return undefined;
      const v = Buffer.from(buf.buffer, buf.byteOffset + p, z - p).toString('utf8');
      p = z + 1;
      return v;
    };
    while (p < end && buf[p] !== 0) {
      const key = cstr();
      const value = key === undefined ? undefined : cstr();
      if (value === undefined) break;
      if (key === 'user') { s.addString(postgresqlFields.user, value); s.addProtocol('postgresql'); }
      else if (key === 'database') s.addString(postgresqlFields.db, value);
      else if (key === 'application_name') s.addString(postgresqlFields.app, value);
    }
    return -2;
  },
};
