// MySQL handshake (Arkime's mysql.c): server version from the v10 greeting and the user name
// from the client's handshake response; an SSL request hands both directions to TLS.
import { defineField } from '../../db/fields/registry.js';
import type { Dir, ProtocolParser } from './api.js';

export const mysqlFields = {
  version: defineField({ group: 'mysql', kind: 'termfield', store: 'single', exp: 'mysql.ver', db: 'mysql.version', friendly: 'Version', help: 'MySQL server version string' }),
  user: defineField({ group: 'mysql', kind: 'lotermfield', store: 'single', exp: 'mysql.user', db: 'mysql.user', friendly: 'User', help: 'MySQL user name', category: 'user' }),
};

const CLIENT_SSL = 0x800;

export interface MysqlState { serverDir: Dir }

export const mysqlParser: ProtocolParser<MysqlState> = {
  name: 'mysql',
  tcpPrefixes: [{ offset: 2, bytes: [0, 0, 0x0a] }],
  classify(s, dir, buf, off, len) {
    // Greeting: 3-byte length, sequence 0, protocol 10, NUL-terminated version.
    if (s.hasProtocol('mysql') || len < 10 || buf[off + 3] !== 0 || buf[off + 4] !== 10) return undefined;
    const plen = buf[off] | (buf[off + 1] << 8) | (buf[off + 2] << 16);
    if (plen + 4 !== len && plen + 4 > len) return undefined;
    const z = buf.indexOf(0, off + 5);
    if (z < 0 || z >= off + len || z === off + 5) return undefined;
    for (let i = off + 5; i < z; i++) if (buf[i] < 0x20 || buf[i] > 0x7e) return undefined;
    s.addProtocol('mysql');
    s.addString(mysqlFields.version, Buffer.from(buf.buffer, buf.byteOffset + off + 5, z - off - 5).toString('latin1'));
    return { serverDir: dir };
  },
  parse(st, s, dir, buf, off, len) {
    if (dir === st.serverDir) return len;
    if (len < 36 || buf[off + 3] !== 1) return -2;
    const caps = buf[off + 4] | (buf[off + 5] << 8);
    const plen = buf[off] | (buf[off + 1] << 8) | (buf[off + 2] << 16);
    if ((caps & CLIENT_SSL) && plen === 32) { s.reclassify(0); s.reclassify(1); return -2; }
    const end = off + len;
    const z = buf.indexOf(0, off + 36);
    if (z > off + 36 && z < end) s.addString(mysqlFields.user, Buffer.from(buf.buffer, buf.byteOffset + off + 36, z - off - 36).toString('utf8'));
    return -2;
  },
};
