// TDS (Sybase / MS SQL) login (Arkime's tds.c): a client's first payload of at least 512 bytes
// starting with a TDS 4.x/5.0 login packet header; the user name is read from the fixed-size
// login record once its first 599 bytes have arrived.
import { core } from '../../db/fields/core.js';
import { PARSE_DONE, type ProtocolParser } from './api.js';
import { bytesToText } from './text.js';

const LOGIN_PREFIX = [0x02, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00];
const NEEDED = 599; // Arkime waits for this much of the login record before reading it
const USER_OFF = 39, USER_LEN_OFF = 69;

export interface TdsState { login: Uint8Array; have: number }

export const tdsParser: ProtocolParser<TdsState> = {
  name: 'tds',
  tcpPrefixes: [{ bytes: LOGIN_PREFIX }],
  classify(s, dir, _b, _off, len) {
    if (dir !== 0 || len < 512 || s.hasProtocol('tds')) return undefined;
    s.addProtocol('tds');
    return { login: new Uint8Array(NEEDED), have: 0 };
  },
  parse(st, s, dir, b, off, len) {
    if (dir !== 0) return len;
    const n = Math.min(len, NEEDED - st.have);
    st.login.set(b.subarray(off, off + n), st.have);
    st.have += n;
    if (st.have < NEEDED) return len;
    s.addString(core.user, bytesToText(st.login, USER_OFF, st.login[USER_LEN_OFF]).toLowerCase());
    return PARSE_DONE;
  },
};
