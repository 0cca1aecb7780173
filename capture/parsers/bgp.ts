// BGP on TCP port 179 (Arkime's bgp.c): the message type at the start of each delivered chunk.
// Classified when a chunk toward or from port 179 starts with the 16-byte all-ones marker.
import { defineField } from '../../db/fields/registry.js';
import { PARSE_DONE, type ProtocolParser } from './api.js';

export const bgpFields = {
  type: defineField({ linked: false, group: 'bgp', kind: 'uptermfield', exp: 'bgp.type', db: 'bgp.type', friendly: 'Type', help: 'BGP Type field' }),
};

const TYPES = ['', 'OPEN', 'UPDATE', 'NOTIFICATION', 'KEEPALIVE'];
const HEADER = 19;
const QUIET_SEC = 10;

function hasMarker(b: Uint8Array, off: number, len: number): boolean {
  if (len < HEADER) return false;
  for (let i = 0; i < 16; i++) if (b[off + i] !== 0xff) return false;
  return true;
}

export const bgpParser: ProtocolParser<object> = {
  name: 'bgp',
  tcpPorts: [179],
  classify(s, _dir, b, off, len) {
    if (s.dstPort !== 179 || !hasMarker(b, off, len)) return undefined;
    s.addProtocol('bgp');
    return {};
  },
  parse(_st, s, _dir, b, off, len) {
    if (!hasMarker(b, off, len)) return len;
    const msgLen = (b[off + 16] << 8) | b[off + 17];
    if (msgLen < HEADER || msgLen > 4096 || msgLen > len) return PARSE_DONE;
    const t = b[off + 18];
    if (t > 0 && t < TYPES.length) s.addString(bgpFields.type, TYPES[t]);
    // Arkime splits a BGP session once it has been quiet for 10 s of packet time.
    s.midSave(QUIET_SEC);
    return len;
  },
};
