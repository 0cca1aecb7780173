// PANA, RFC 5191, over UDP (Arkime's pana.c): message type, session id and the EAP identity
// carried in an EAP-Payload AVP. Classified when a datagram starts with the reserved 00 00 and
// its length field equals the datagram length.
import { defineField } from '../../db/fields/registry.js';
import { PARSE_ERROR, type ProtocolParser, type SessionApi } from './api.js';
import { bytesToText } from './text.js';

export const panaFields = {
  user: defineField({ linked: false, group: 'pana', kind: 'termfield', cnt: true, exp: 'pana.user', db: 'pana.user', friendly: 'User', help: 'PANA/EAP User Identity', category: 'user' }),
  msgType: defineField({ linked: false, group: 'pana', kind: 'termfield', cnt: true, exp: 'pana.msg-type', db: 'pana.msgType', friendly: 'Msg Type', help: 'PANA Message Type' }),
  sessionId: defineField({ linked: false, group: 'pana', kind: 'termfield', cnt: true, exp: 'pana.session-id', db: 'pana.sessionId', friendly: 'Session ID', help: 'PANA Session ID' }),
};

const MSG_TYPES = ['unknown', 'client-initiation', 'auth', 'termination', 'notification'];
const HEADER = 16;

/** EAP Request/Response Identity → user. */
function eap(s: SessionApi, b: Uint8Array, off: number, len: number): void {
  if (len < 5) return;
  const code = b[off], eapLen = (b[off + 2] << 8) | b[off + 3], type = b[off + 4];
  if ((code !== 1 && code !== 2) || type !== 1) return;
  const n = eapLen - 5;
  if (n > 0 && n <= len - 5) s.addString(panaFields.user, bytesToText(b, off + 5, n));
}

function parsePana(s: SessionApi, b: Uint8Array, off: number, len: number): number {
  const msgLen = len >= HEADER ? (b[off + 2] << 8) | b[off + 3] : 0;
  if (msgLen < HEADER || msgLen > len) return PARSE_ERROR;
  const type = (b[off + 6] << 8) | b[off + 7];
  if (type > 0 && type < MSG_TYPES.length) s.addString(panaFields.msgType, MSG_TYPES[type]);
  const sid = ((b[off + 8] << 24) | (b[off + 9] << 16) | (b[off + 10] << 8) | b[off + 11]) >>> 0;
  if (sid !== 0) s.addString(panaFields.sessionId, sid.toString(16).padStart(8, '0'));
  const end = off + msgLen;
  let p = off + HEADER;
  while (end - p >= 8) {
    const code = (b[p] << 8) | b[p + 1], avpLen = (b[p + 4] << 8) | b[p + 5];
    p += 8;
    if (avpLen > end - p) return PARSE_ERROR;
    if (code === 2) eap(s, b, p, avpLen);
    p += (avpLen + 3) & ~3;
  }
  return len;
}

export const panaParser: ProtocolParser<object> = {
  name: 'pana',
  udpPrefixes: [{ bytes: [0, 0] }],
  classify(s, _dir, b, off, len) {
    if (s.hasProtocol('pana') || len < HEADER || ((b[off + 2] << 8) | b[off + 3]) !== len) return undefined;
    const type = (b[off + 6] << 8) | b[off + 7];
    if (type < 1 || type >= MSG_TYPES.length) return undefined;
    s.addProtocol('pana');
    return {};
  },
  parse: (_st, s, _dir, b, off, len) => parsePana(s, b, off, len),
};
