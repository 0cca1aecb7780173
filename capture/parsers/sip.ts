// SIP (RFC 3261, Arkime's sip.c) over UDP and TCP: request methods, response status codes,
// Call-ID, From, To, Via, Contact, User-Agent (compact header forms too), and the user part
// of From/To URIs and of Digest Authorization. TCP messages are framed by the blank line and
// Content-Length.
import { defineField } from '../../db/fields/registry.js';
import type { Dir, ProtocolParser, SessionApi } from './api.js';
import { latin1 } from './text.js';

const str = (exp: string, db: string, friendly: string, help: string, category?: string) =>
  defineField({ linked: false, group: 'sip', kind: 'termfield', cnt: true, exp: `sip.${exp}`, db: `sip.${db}`, friendly, help, category });

export const sipFields = {
  method: str('method', 'method', 'Method', 'SIP method (INVITE, BYE, REGISTER, etc.)'),
  statuscode: defineField({ linked: false, group: 'sip', kind: 'integer', cnt: true, exp: 'sip.statuscode', db: 'sip.statuscode', friendly: 'Status Code', help: 'SIP response status codes' }),
  callid: str('callid', 'callid', 'Call ID', 'SIP Call-ID header'),
  from: str('from', 'from', 'From', 'SIP From header'),
  to: str('to', 'to', 'To', 'SIP To header'),
  useragent: str('user-agent', 'useragent', 'User-Agent', 'SIP User-Agent header'),
  via: str('via', 'via', 'Via', 'SIP Via headers'),
  contact: str('contact', 'contact', 'Contact', 'SIP Contact header'),
  user: str('user', 'user', 'User', 'SIP user from URI or auth', 'user'),
};

/** SIP request methods. PUBLISH counts too: the conformance documents list it (sip.method). */
const METHODS = new Set(['ACK', 'BYE', 'CANCEL', 'INVITE', 'INFO', 'MESSAGE', 'NOTIFY', 'OPTIONS', 'PRACK',
  'REGISTER', 'REFER', 'SUBSCRIBE', 'UPDATE', 'PUBLISH']);
/** Header block bigger than this is never completed (Arkime's parser buffer). */
const MAX_HEADERS = 8192;


/** User part of the first sip:/sips: URI in a header value. */
function addUser(s: SessionApi, v: string): void {
  const lower = v.toLowerCase();
  let i = lower.indexOf('sip:');
  if (i >= 0) i += 4;
  else { i = lower.indexOf('sips:'); if (i < 0) return; i += 5; }
  for (let j = i; j < v.length; j++) {
    const c = v[j];
    if (c === '@') { if (j > i) s.addString(sipFields.user, v.slice(i, j)); return; }
    if (c === '>' || c === ';' || c === ' ') return;
  }
}

/** One header line; returns the Content-Length value or -1. */
function header(s: SessionApi, line: string): number {
  const colon = line.indexOf(':');
  if (colon <= 0) return -1;
  const value = line.slice(colon + 1).replace(/^[ \t]+/, '');
  if (!value) return -1;
  const name = line.slice(0, colon).toLowerCase();
  switch (name) {
    case 'call-id': case 'i': s.addString(sipFields.callid, value); break;
    case 'from': case 'f': s.addString(sipFields.from, value); addUser(s, value); break;
    case 'to': case 't': s.addString(sipFields.to, value); addUser(s, value); break;
    case 'user-agent': s.addString(sipFields.useragent, value); break;
    case 'via': case 'v': s.addString(sipFields.via, value); break;
    case 'contact': case 'm': s.addString(sipFields.contact, value); break;
    case 'authorization': {
      const i = value.toLowerCase().indexOf('username="');
      if (i >= 0) { const e = value.indexOf('"', i + 10); if (e >= 0) s.addString(sipFields.user, value.slice(i + 10, e)); }
      break;
    }
    case 'content-length': case 'l': { const m = /^\d+/.exec(value); return m ? parseInt(m[0], 10) : 0; }
  }
  return -1;
}

/** Start line and headers of one message in [p, end); returns its Content-Length. */
export function sipMessage(s: SessionApi, text: string): number {
  const lines = text.split(/\r?\n/);
  let contentLength = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') break;
    if (i === 0) {
      if (line.startsWith('SIP/2.0')) {
        if (line.length >= 12 && line.startsWith('SIP/2.0 ')) {
          const code = parseInt(line.slice(8), 10);
          if (code >= 100 && code < 700) s.addInt(sipFields.statuscode, code);
        }
      } else {
        const sp = line.indexOf(' ');
        if (sp > 0 && sp < 20 && METHODS.has(line.slice(0, sp)) && line.length >= sp + 10 && line.includes('SIP/2.0')) {
          s.addString(sipFields.method, line.slice(0, sp));
        }
      }
      continue;
    }
    const cl = header(s, line);
    if (cl >= 0) contentLength = cl;
  }
  return contentLength;
}

function looksLikeSip(buf: Uint8Array, off: number, len: number): boolean {
  return len >= 12 && latin1(buf, off, Math.min(len, 200)).includes('SIP/2.0');
}

const PREFIXES = [{ bytes: 'SIP/2.0' }, { bytes: 'INVITE sip:' }, { bytes: 'REGISTER sip:' }, { bytes: 'NOTIFY sip:' }, { bytes: 'OPTIONS sip:' }];

export const sipUdp: ProtocolParser<true | object> = {
  name: 'sip',
  udpPrefixes: PREFIXES,
  classify(s, _dir, buf, off, len) {
    if (s.hasProtocol('sip') || !looksLikeSip(buf, off, len)) return undefined;
    s.addProtocol('sip');
    return {};
  },
  parse(_st, s, _dir, buf, off, len) {
    sipMessage(s, latin1(buf, off, len));
    return len;
  },
};

export interface SipTcpState { skip: [number, number]; calls: number }

export const sipTcp: ProtocolParser<SipTcpState> = {
  name: 'sip',
  tcpPrefixes: PREFIXES,
  classify(s, _dir, buf, off, len) {
    if (s.hasProtocol('sip') || !looksLikeSip(buf, off, len)) return undefined;
    s.addProtocol('sip');
    return { skip: [0, 0], calls: 0 };
  },
  parse(st, s, dir: Dir, buf, off, len) {
    if (++st.calls > 200) return -2;
    const end = off + len;
    let p = off;
    for (;;) {
      if (st.skip[dir] > 0) {
        const n = Math.min(st.skip[dir], end - p);
        st.skip[dir] -= n;
        p += n;
      }
      if (end - p <= 4) break;
      const text = latin1(buf, p, end - p);
      const e = text.indexOf('\r\n\r\n');
      if (e < 0) {
        if (end - p >= MAX_HEADERS) { s.addTag('sip:headers-too-long'); return -2; }
        break;
      }
      st.skip[dir] = sipMessage(s, text.slice(0, e + 4));
      p += e + 4;
    }
    return p - off;
  },
};
