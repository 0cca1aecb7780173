// IMAP (Arkime's imap.c): classified by a server greeting `* OK ... IMAP ...`; the client's
// SELECT/EXAMINE names the folder, and the header lines inside a server's FETCH response give
// sender, receivers and subject.
import { PARSE_DONE, type Dir, type ProtocolParser, type SessionApi } from './api.js';
import { emailFields as F } from './email-fields.js';
import { asciiLower, isSpaceCode, latin1ToText, latin1 } from './text.js';

/** Longest line kept while waiting for its end (Arkime tags and stops past it). */
const MAX_LINE = 16384;

export interface ImapState {
  serverDir: Dir;
  /** Partial line per direction. */
  line: [string, string];
  inFetch: boolean;
  inHeaders: boolean;
}


/** Addresses of a From/To/Cc value, lower case (imap_parse_email_address). */
function addresses(s: SessionApi, field: typeof F.src, v: string): void {
  const end = v.length;
  let p = 0;
  const stop = (c: string) => c === ',' || c === '\r' || c === '\n';
  while (p < end) {
    while (p < end && isSpaceCode(v.charCodeAt(p))) p++;
    let start = p;
    if (p < end && v[p] === '"') {
      p++;
      while (p < end && v[p] !== '"') p++;
      p++;
      while (p < end && isSpaceCode(v.charCodeAt(p))) p++;
      start = p;
    }
    while (p < end && v[p] !== '<' && !stop(v[p])) p++;
    if (p < end && v[p] === '<') {
      p++;
      start = p;
      while (p < end && v[p] !== '>') p++;
    }
    if (p > start) s.addString(field, latin1ToText(asciiLower(v.slice(start, Math.min(p, end)))));
    while (p < end && !stop(v[p])) p++;
    if (p < end) p++;
  }
}

function headerLine(s: SessionApi, line: string): void {
  if (line.length < 3) return;
  const l5 = line.slice(0, 8).toLowerCase();
  if (line.length > 5 && l5.startsWith('from:')) addresses(s, F.src, line.slice(5));
  else if (line.length > 3 && l5.startsWith('to:')) addresses(s, F.dst, line.slice(3));
  else if (line.length > 3 && l5.startsWith('cc:')) addresses(s, F.dst, line.slice(3));
  else if (line.length > 8 && l5 === 'subject:') {
    let i = 8;
    while (i < line.length && isSpaceCode(line.charCodeAt(i))) i++;
    s.addString(F.subject, latin1ToText(line.slice(i)));
  }
}

function serverLine(st: ImapState, s: SessionApi, line: string): void {
  if (line.length > 6 && line[0] === '*' && line[1] === ' ') {
    if (line.toLowerCase().includes('fetch')) { st.inFetch = true; st.inHeaders = true; }
  } else if (st.inFetch && line.length > 0 && line[0] === ')') {
    st.inFetch = false;
    st.inHeaders = false;
  } else if (st.inFetch && st.inHeaders) {
    if (line.length === 0) st.inHeaders = false;
    else headerLine(s, line);
  }
}

function clientLine(s: SessionApi, line: string): void {
  if (line.length <= 7) return;
  let p = 0;
  const end = line.length;
  while (p < end && !isSpaceCode(line.charCodeAt(p))) p++;
  while (p < end && isSpaceCode(line.charCodeAt(p))) p++;
  const cmd = line.slice(p, p + 8).toUpperCase();
  let f: number;
  if (cmd.startsWith('SELECT ')) f = p + 7;
  else if (cmd === 'EXAMINE ') f = p + 8;
  else return;
  while (f < end && isSpaceCode(line.charCodeAt(f))) f++;
  let fe = end;
  if (f < end && line[f] === '"') {
    f++;
    const q = line.indexOf('"', f);
    if (q >= 0) fe = q;
  } else {
    while (fe > f && isSpaceCode(line.charCodeAt(fe - 1))) fe--;
  }
  if (fe > f) s.addString(F.folder, latin1ToText(line.slice(f, fe)));
}

export const imapParser: ProtocolParser<ImapState> = {
  name: 'imap',
  tcpPrefixes: [{ bytes: '* OK ' }],
  classify(s, dir, buf, off, len) {
    if (s.hasProtocol('imap') || len < 10) return undefined;
    if (!latin1(buf, off + 5, len - 5).toLowerCase().includes('imap')) return undefined;
    s.addProtocol('imap');
    return { serverDir: dir, line: ['', ''], inFetch: false, inHeaders: false };
  },
  parse(st, s, dir, buf, off, len) {
    const end = off + len;
    let p = off;
    while (p < end) {
      let nl = p;
      while (nl < end && buf[nl] !== 0x0a) nl++;
      if (nl === end) {
        if (st.line[dir].length + (end - p) > MAX_LINE) { s.addTag('imap:line-too-long'); return PARSE_DONE; }
        st.line[dir] += latin1(buf, p, end - p);
        return len;
      }
      let n = nl - p;
      if (n > 0 && buf[nl - 1] === 0x0d) n--;
      let line = latin1(buf, p, n);
      if (st.line[dir].length) {
        if (st.line[dir].length + n > MAX_LINE) { s.addTag('imap:line-too-long'); return PARSE_DONE; }
        line = st.line[dir] + line;
        st.line[dir] = '';
        if (line.endsWith('\r')) line = line.slice(0, -1); // CR and LF arrived in different packets
        if (dir === st.serverDir) serverLine(st, s, line); // buffered client lines are not looked at (as Arkime)
      } else if (dir === st.serverDir) {
        serverLine(st, s, line);
      } else {
        clientLine(s, line);
      }
      p = nl + 1;
    }
    return len;
  },
};
