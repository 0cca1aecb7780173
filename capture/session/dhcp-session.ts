// Arkime's DHCP sessions (dhcp.c): a valid DHCPv4 datagram on UDP 67/68 is keyed by the client
// MAC, a DHCPv6 one on 546/547 by its transaction id, so the broadcast and unicast legs of an
// exchange form one session. Direction is decided by ports, data bytes are UDP payload, and
// the datagram goes straight to the DHCP parser (no classifiers, no payload8).
import type { DecodedPacket } from '../decode/packet.js';
import { dhcpParser, dhcpv6Parser, isDhcp4, NAMES_V6_COUNT } from '../parsers/dhcp.js';
import type { Session } from './session.js';

/** Key byte 0 for DHCP sessions: distinct from the IP versions 0, 4 and 6 of ordinary keys. */
export const DHCP4_KEY = 0xd4, DHCP6_KEY = 0xd6;

/** Overwrite `key` with the DHCP key when the UDP packet in `p` is DHCP; false leaves it alone. */
export function buildDhcpKey(p: DecodedPacket, key: Uint8Array): boolean {
  const sp = p.srcPort, dp = p.dstPort, buf = p.buf, o = p.payloadOff, len = p.payloadLen;
  if (dp === 67 || dp === 68 || sp === 67 || sp === 68) {
    if (!isDhcp4(buf, o, len)) return false;
    key.fill(0);
    key[0] = DHCP4_KEY; key[1] = 17;
    for (let i = 0; i < 6; i++) key[5 + i] = buf[o + 28 + i];
    return true;
  }
  if (dp === 546 || dp === 547 || sp === 546 || sp === 547) {
    if (len < 4 || buf[o] === 0 || buf[o] >= NAMES_V6_COUNT) return false;
    key.fill(0);
    key[0] = DHCP6_KEY; key[1] = 17;
    key[5] = buf[o + 1]; key[6] = buf[o + 2]; key[7] = buf[o + 3];
    return true;
  }
  return false;
}

export function dhcpProtocol(key: Uint8Array): string { return key[0] === DHCP4_KEY ? 'dhcp' : 'dhcpv6'; }

const NO_STATE = {};

/** Through the parsers' own entry points, so whatever watches parsers (the fuzzer) sees these too. */
export function parseDhcpDatagram(s: Session, buf: Uint8Array, off: number, len: number): void {
  if (s.key[0] === DHCP4_KEY) { if (len >= 256) dhcpParser.parse!(NO_STATE, s, 0, buf, off, len); }
  else dhcpv6Parser.parse!(NO_STATE, s, 0, buf, off, len);
}
