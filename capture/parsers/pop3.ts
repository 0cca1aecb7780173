// POP3 (Arkime's pop3.c): classified by a server greeting `+OK ... POP ...`; the client's
// `USER name` gives the session user, then the parser is done. `AUTH NTLM` is tagged.
import { core } from '../../db/fields/core.js';
import { PARSE_DONE, type Dir, type ProtocolParser } from './api.js';
import { asciiLower, isSpaceCode, latin1ToText, latin1 } from './text.js';

const MAX_LINE = 16384;

export interface Pop3State {
  serverDir: Dir;
  line: [string, string];
}


export const pop3Parser: ProtocolParser<Pop3State> = {
  name: 'pop3',
  tcpPrefixes: [{ bytes: '+OK ' }],
  classify(s, dir, buf, off, len) {
    if (s.hasProtocol('pop3') || len < 8) return undefined;
    if (!latin1(buf, off + 4, len - 4).toLowerCase().includes('pop')) return undefined;
    s.addProtocol('pop3');
    return { serverDir: dir, line: ['', ''] };
  },
  parse(st, s, dir, buf, off, len) {
    const end = off + len;
    let p = off;
    while (p < end) {
      let nl = p;
      while (nl < end && buf[nl] !== 0x0a) nl++;
      if (nl === end) {
        if (st.line[dir].length + (end - p) > MAX_LINE) { s.addTag('pop3:line-too-long'); return PARSE_DONE; }
        st.line[dir] += latin1(buf, p, end - p);
        return len;
      }
      let n = nl - p;
      if (n > 0 && buf[nl - 1] === 0x0d) n--;
      const line = st.line[dir] + latin1(buf, p, n);
      st.line[dir] = '';
      p = nl + 1;
      if (dir === st.serverDir) continue;
      const upper = line.slice(0, 9).toUpperCase();
      if (upper === 'AUTH NTLM') { s.addTag('pop3:authntlm'); continue; }
      if (line.length > 5 && upper.startsWith('USER ')) {
        let a = 5, b = line.length;
        while (a < b && isSpaceCode(line.charCodeAt(a))) a++;
        while (b > a && isSpaceCode(line.charCodeAt(b - 1))) b--;
        if (b > a) s.addString(core.user, latin1ToText(asciiLower(line.slice(a, b))));
        return PARSE_DONE;
      }
    }
    return len;
  },
};
