// IRC (Arkime's irc.c): nicknames from NICK and channels from JOIN lines the client sends.
// Classified on a server NOTICE, NOTICE AUTH, NICK, USER (with NICK or +iw, so FTP's USER
// is not taken) or CAP REQ.
import { defineField } from '../../db/fields/registry.js';
import type { ProtocolParser } from './api.js';

export const ircFields = {
  nick: defineField({ linked: false, group: 'irc', kind: 'termfield', cnt: true, exp: 'irc.nick', db: 'irc.nick', friendly: 'Nickname', help: 'Nicknames set', category: 'user' }),
  channel: defineField({ linked: false, group: 'irc', kind: 'termfield', cnt: true, exp: 'irc.channel', db: 'irc.channel', friendly: 'Channel', help: 'Channels joined' }),
};

const LINE_MAX = 8192;

export const ircParser: ProtocolParser<object> = {
  name: 'irc',
  tcpPrefixes: [{ bytes: ':' }, { bytes: 'NOTICE AUTH' }, { bytes: 'NICK ' }, { bytes: 'USER ' }, { bytes: 'CAP REQ ' }],
  classify(s, _dir, buf, off, len) {
    if (len < 8) return undefined;
    const text = Buffer.from(buf.buffer, buf.byteOffset + off, len).toString('latin1');
    if (text[0] === ':' && !text.includes(' NOTICE ')) return undefined;
    if (text[0] === 'U' && !text.includes('\nNICK ') && !text.includes(' +iw ')) return undefined;
    if (s.hasProtocol('irc')) return undefined;
    s.addProtocol('irc');
    return {};
  },
  parse(_st, s, dir, buf, off, len) {
    if (dir === 1) return len;
    const end = off + len;
    let p = off;
    while (p < end) {
      while (p < end && buf[p] === 0) p++; // some clients put NULs after newlines
      const nl = buf.indexOf(0x0a, p);
      const e = nl < 0 || nl >= end ? end : nl;
      if (e === end && end - p < LINE_MAX) break;
      if (e - p > 5) {
        const line = Buffer.from(buf.buffer, buf.byteOffset + p, e - p).toString('latin1');
        if (line.startsWith('JOIN ') || line.startsWith('NICK ')) {
          const m = /^[^ \r\n]*/.exec(line.slice(5));
          const v = m ? m[0] : '';
          s.addString(line[0] === 'J' ? ircFields.channel : ircFields.nick, v);
        }
      }
      p = e + 1;
    }
    return Math.min(p, end) - off;
  },
};
