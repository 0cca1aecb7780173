// SOCKS4/4a and SOCKS5 (Arkime's socks.c): the destination the client asked for, the user, and
// then the tunneled bytes are classified again as whatever protocol they carry.
import { defineField, type FieldSpec } from '../../db/fields/registry.js';
import { PARSE_DONE, type Dir, type ProtocolParser, type SessionApi } from './api.js';
import { asciiLower, latin1ToText } from './text.js';

const g = (s: Omit<FieldSpec, 'group'>) => defineField({ group: 'socks', ...s });

export const socksFields = {
  ip: g({ exp: 'ip.socks', db: 'socks.ip', kind: 'ip', store: 'single', friendly: 'IP', help: 'SOCKS destination IP', aliases: ['socks.ip'], portField: 'socks.port', ipPre: true, category: 'ip' }),
  host: g({ exp: 'host.socks', db: 'socks.host', kind: 'lotermfield', store: 'single', friendly: 'Host', help: 'SOCKS destination host', aliases: ['socks.host'], category: 'host' }),
  port: g({ exp: 'port.socks', db: 'socks.port', kind: 'integer', store: 'single', friendly: 'Port', help: 'SOCKS destination port', aliases: ['socks.port'], category: 'port' }),
  user: g({ exp: 'socks.user', db: 'socks.user', kind: 'termfield', store: 'single', friendly: 'User', help: 'SOCKS authenticated user', aliases: ['socksuser'], category: 'user' }),
};
const F = socksFields;

const enum S5 { None, VerRequest, VerReply, UserRequest, UserReply, ConnRequest, ConnReply, ConnData }

export class SocksState {
  /** Direction of the client's first message. */
  which: Dir = 0;
  // SOCKS4: what the request asked for, written when the reply grants it
  ip: string | undefined;
  port = 0;
  user: string | undefined;
  host: string | undefined;
  replied = false;
  // SOCKS5: per-direction state
  readonly state5: [S5, S5] = [S5.None, S5.None];
  constructor(readonly version: 4 | 5) {}
}

const ipv4 = (b: Uint8Array, o: number) => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
const u16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const latin1 = (b: Uint8Array, s: number, e: number) => Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('latin1');

/** SOCKS4 request: VN=4 CD PORT IP USERID\0 [HOST\0 when IP is 0.0.0.x (4a)]. */
function classify4(dir: Dir, buf: Uint8Array, off: number, len: number): SocksState | undefined {
  if (len < 9 || buf[off + len - 1] !== 0) return undefined;
  const st = new SocksState(4);
  st.which = dir;
  st.port = u16(buf, off + 2);
  const is4a = buf[off + 4] === 0 && buf[off + 5] === 0 && buf[off + 6] === 0 && buf[off + 7] !== 0;
  if (!is4a) st.ip = ipv4(buf, off + 4);
  let i = 8;
  while (i < len && buf[off + i] !== 0) i++;
  if (i > 8 && i !== len) st.user = latin1ToText(latin1(buf, off + 8, off + i));
  if (is4a) {
    i++;
    const start = i;
    while (i < len && buf[off + i] !== 0) i++;
    if (i > start && i !== len) st.host = asciiLower(latin1(buf, off + start, off + i));
  }
  return st;
}

function parse4(st: SocksState, s: SessionApi, dir: Dir, buf: Uint8Array, off: number, len: number): number {
  if (st.replied) return PARSE_DONE; // first tunneled bytes: the classifiers have them
  if (dir === st.which) return len;
  if (len >= 8 && buf[off] === 0 && buf[off + 1] >= 0x5a && buf[off + 1] <= 0x5d) {
    if (st.ip !== undefined && st.ip !== '0.0.0.0') s.addIp(F.ip, st.ip);
    s.addInt(F.port, st.port);
    s.addProtocol('socks');
    if (st.user !== undefined) s.addString(F.user, st.user);
    if (st.host !== undefined) s.addString(F.host, latin1ToText(st.host));
    st.replied = true;
    // what follows, in either direction, is the tunneled protocol
    s.reclassify(0);
    s.reclassify(1);
    return 8;
  }
  return len;
}

/** Length of a SOCKS5 address (ATYP at o) with its port, or -1 for an unknown type. */
function addrLen(buf: Uint8Array, o: number, len: number): number {
  switch (buf[o]) {
    case 1: return 4 + 2;
    case 3: return len > 1 ? 1 + buf[o + 1] + 2 : -1;
    case 4: return 16 + 2;
    default: return -1;
  }
}

function parse5(st: SocksState, s: SessionApi, dir: Dir, buf: Uint8Array, off: number, len: number): number {
  const other: Dir = dir === 0 ? 1 : 0;
  switch (st.state5[dir]) {
    case S5.VerRequest:
      st.state5[dir] = buf[off + 2] === 0 ? S5.ConnRequest : S5.UserRequest;
      st.state5[other] = S5.VerReply;
      return len;
    case S5.VerReply:
      if (len !== 2 || buf[off] !== 5 || buf[off + 1] > 2) return PARSE_DONE;
      s.addProtocol('socks');
      if (st.state5[st.which] === S5.ConnData) {
        st.state5[dir] = S5.ConnReply; // the client already went ahead
      } else if (buf[off + 1] === 0) {
        st.state5[st.which] = S5.ConnRequest;
        st.state5[dir] = S5.ConnReply;
      } else if (buf[off + 1] === 2) {
        st.state5[st.which] = S5.UserRequest;
        st.state5[dir] = S5.UserReply;
      } else {
        return PARSE_DONE; // other auth methods are not followed
      }
      return 2;
    case S5.UserRequest: {
      // VER ULEN UNAME PLEN PASSWD
      if (len < 2) return PARSE_DONE; // ULEN itself is missing (read past the end it is undefined: NaN checks pass)
      const ulen = buf[off + 1];
      if (2 + ulen >= len || 2 + ulen + 1 + buf[off + 2 + ulen] > len) return PARSE_DONE;
      s.addString(F.user, latin1ToText(latin1(buf, off + 2, off + 2 + ulen)));
      s.addTag('socks:password');
      st.state5[dir] = S5.ConnRequest;
      return len;
    }
    case S5.UserReply:
      st.state5[dir] = S5.ConnReply;
      return len;
    case S5.ConnRequest: {
      if (len < 6 || buf[off] !== 5 || buf[off + 1] !== 1 || buf[off + 2] !== 0) return PARSE_DONE;
      st.state5[dir] = S5.ConnData;
      const a = addrLen(buf, off + 3, len - 3);
      if (a < 0 || 3 + 1 + a > len) return len;
      const portAt = off + 4 + a - 2;
      if (buf[off + 3] === 1) {
        s.addIp(F.ip, ipv4(buf, off + 4));
        s.addInt(F.port, u16(buf, portAt));
      } else if (buf[off + 3] === 3) {
        s.addString(F.host, latin1ToText(asciiLower(latin1(buf, off + 5, off + 5 + buf[off + 4]))));
        s.addInt(F.port, u16(buf, portAt));
      }
      s.reclassify(dir);
      return 4 + a;
    }
    case S5.ConnReply: {
      if (len < 6) return PARSE_DONE;
      st.state5[dir] = S5.ConnData;
      const a = addrLen(buf, off + 3, len - 3);
      if (a < 0 || 3 + 1 + a > len) return len;
      s.reclassify(dir);
      return 4 + a;
    }
    case S5.ConnData:
      return PARSE_DONE; // the tunneled bytes were handed to the classifiers
    default:
      return PARSE_DONE;
  }
}

export const socksParser: ProtocolParser<SocksState> = {
  name: 'socks',
  tcpPrefixes: [{ bytes: [5] }, { bytes: [4, 0] }, { bytes: [4, 1] }],

  classify(_s, dir, buf, off, len) {
    if (buf[off] === 4) return classify4(dir, buf, off, len);
    // VER NMETHODS METHODS...: a short greeting whose length matches its method count
    if (len >= 3 && len <= 5 && buf[off + 1] === len - 2 && buf[off + 2] <= 3) {
      const st = new SocksState(5);
      st.which = dir;
      st.state5[dir] = S5.VerRequest;
      return st;
    }
    return undefined;
  },

  parse(st, s, dir, buf, off, len) {
    return st.version === 4 ? parse4(st, s, dir, buf, off, len) : parse5(st, s, dir, buf, off, len);
  },
};
