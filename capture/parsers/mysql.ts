// MySQL handshake (Arkime's mysql.c): server version from the v10 greeting and the user name
// from the client's handshake response; an SSL request hands both directions to TLS. As in
// Arkime, nothing is recorded until the client's response looks like a login: a greeting alone
// (or one answered by something else) names no protocol.
import { defineField } from '../../db/fields/registry.js';
import type { Dir, ProtocolParser } from './api.js';

export const mysqlFields = {
  version: defineField({ group: 'mysql', kind: 'termfield', store: 'single', exp: 'mysql.ver', db: 'mysql.version', friendly: 'Version', help: 'MySQL server version string' }),
  user: defineField({ group: 'mysql', kind: 'lotermfield', store: 'single', exp: 'mysql.user', db: 'mysql.user', friendly: 'User', help: 'MySQL user name', category: 'user' }),
};

const CLIENT_SSL = 0x800;

export interface MysqlState { serverDir: Dir; version: string }

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
    return { serverDir: dir, version: Buffer.from(buf.buffer, buf.byteOffset + off + 5, z - off - 5).toString('latin1') };
  },
  parse(st, s, dir, buf, off, len) {
    if (dir === st.serverDir) return len;
    // Handshake response (or SSL request): length < 64 KiB, sequence 1 or 2, at least the 32-byte
    // fixed part; the user name at 36 runs to a NUL or the packet end and must be printable.
    if ((len < 35 && len !== 8) || buf[off + 1] !== 0 || buf[off + 2] !== 0 || buf[off + 3] > 2) return -2;
    const plen = buf[off];
    if (plen < 32 || 4 + plen > len) return -2;
    const end = off + 4 + plen;
    let p = off + 36;
    while (p < end && buf[p] !== 0) {
      if (buf[p] < 0x20 || buf[p] > 0x7e) return -2;
      p++;
    }
    s.addProtocol('mysql');
    s.addString(mysqlFields.version, st.version);
    if (p > off + 36) s.addString(mysqlFields.user, Buffer.from(buf.buffer, buf.byteOffset + off + 36, p - off - 36).toString('latin1').toLowerCase());
    if (buf[off + 5] & (CLIENT_SSL >> 8)) { s.reclassify(0); s.reclassify(1); }
    return -2;
  },
};
