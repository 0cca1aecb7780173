// FTP control channel (Arkime's ftp.c): banner, commands, user, file name arguments and reply
// codes; PASS tags `ftp:password`. Classified on a `220 ` / `220-` greeting, which SMTP and
// LMTP share: until the client's first command shows it is not HELO/EHLO/LHLO, what was seen
// is held back, so a mail session never shows up as FTP.
import { core } from '../../db/fields/core.js';
import { defineField, type Field } from '../../db/fields/registry.js';
import type { Dir, ProtocolParser, SessionApi } from './api.js';

export const ftpFields = {
  command: defineField({ linked: false, group: 'ftp', kind: 'uptermfield', cnt: true, exp: 'ftp.command', db: 'ftp.command', friendly: 'Command', help: 'FTP command' }),
  filename: defineField({ linked: false, group: 'ftp', kind: 'termfield', cnt: true, exp: 'ftp.filename', db: 'ftp.filename', friendly: 'Filename', help: 'FTP filename argument (RETR/STOR/DELE/RNFR/RNTO/MKD/RMD/SIZE/MDTM)' }),
  responseCode: defineField({ linked: false, group: 'ftp', kind: 'integer', cnt: true, exp: 'ftp.responseCode', db: 'ftp.responseCode', friendly: 'Response Code', help: 'FTP response code' }),
  banner: defineField({ linked: false, group: 'ftp', kind: 'termfield', cnt: true, exp: 'ftp.banner', db: 'ftp.banner', friendly: 'Banner', help: 'FTP server welcome banner' }),
};

const FILE_COMMANDS = new Set(['RETR', 'STOR', 'STOU', 'APPE', 'DELE', 'RNFR', 'RNTO', 'MKD', 'RMD', 'SIZE', 'MDTM']);
const LINE_MAX = 8192;

export interface FtpState {
  serverDir: Dir;
  sawBanner: boolean;
  /** Values held back until the session is known not to be mail; undefined once confirmed. */
  held: [Field, string | number][] | undefined;
  tags: string[];
}

function add(st: FtpState, s: SessionApi, f: Field, v: string | number): void {
  if (st.held) st.held.push([f, v]);
  else if (typeof v === 'number') s.addInt(f, v);
  else s.addString(f, v);
}

function confirm(st: FtpState, s: SessionApi): void {
  if (!st.held) return;
  const held = st.held;
  st.held = undefined;
  s.addProtocol('ftp');
  for (const [f, v] of held) add(st, s, f, v);
  for (const t of st.tags) s.addTag(t);
}

/** Returns false when the line shows this is SMTP/LMTP. */
function clientLine(st: FtpState, s: SessionApi, line: string): boolean {
  line = line.replace(/^[ \t]+/, '');
  if (line.length < 3) return true;
  const sp = line.indexOf(' ');
  const cmdLen = sp >= 0 ? sp : line.length;
  if (cmdLen < 3 || cmdLen > 8 || !/^[A-Za-z]+$/.test(line.slice(0, cmdLen))) return true;
  const cmd = line.slice(0, cmdLen).toUpperCase();
  if (cmd === 'HELO' || cmd === 'EHLO' || cmd === 'LHLO') return false;
  confirm(st, s);
  const arg = sp >= 0 ? line.slice(sp + 1).replace(/^[ \t]+/, '').replace(/[\r \t]+$/, '') : '';
  s.addString(ftpFields.command, cmd);
  if (!arg) return true;
  if (cmd === 'USER') s.addString(core.user, arg.toLowerCase());
  else if (cmd === 'PASS') s.addTag('ftp:password');
  else if (FILE_COMMANDS.has(cmd)) s.addString(ftpFields.filename, arg);
  return true;
}

function serverLine(st: FtpState, s: SessionApi, line: string): void {
  if (line.length < 4 || !/^\d\d\d/.test(line)) return;
  const code = parseInt(line.slice(0, 3), 10);
  add(st, s, ftpFields.responseCode, code);
  if (!st.sawBanner && code === 220) {
    const msg = line.slice(4).replace(/^[- \t]+/, '').replace(/[\r \t-]+$/, '');
    if (msg) { add(st, s, ftpFields.banner, msg); st.sawBanner = true; }
  }
}

export const ftpParser: ProtocolParser<FtpState> = {
  name: 'ftp',
  tcpPrefixes: [{ bytes: '220 ' }, { bytes: '220-' }],
  classify(s, dir, buf, off, len) {
    if (s.hasProtocol('ftp')) return undefined;
    const text = Buffer.from(buf.buffer, buf.byteOffset + off, len).toString('latin1');
    if (text.includes('LMTP') || text.includes('SMTP') || text.includes(' TLS')) return undefined;
    return { serverDir: dir, sawBanner: false, held: [], tags: [] };
  },
  parse(st, s, dir, buf, off, len) {
    const end = off + len;
    let p = off;
    while (p < end) {
      const nl = buf.indexOf(0x0a, p);
      if (nl < 0 || nl >= end) {
        if (end - p > LINE_MAX) return -2;
        break;
      }
      if (nl - p > LINE_MAX) return -2;
      let e = nl;
      if (e > p && buf[e - 1] === 0x0d) e--;
      if (e > p) {
        const line = Buffer.from(buf.buffer, buf.byteOffset + p, e - p).toString('latin1');
        if (dir === st.serverDir) serverLine(st, s, line);
        else if (!clientLine(st, s, line)) { st.held = []; st.tags = []; return -2; }
      }
      p = nl + 1;
    }
    return p - off;
  },
  save(st, s, final) {
    if (final && st.held && st.held.length) confirm(st, s);
  },
};
