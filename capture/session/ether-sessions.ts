// Non-IP frames Arkime turns into sessions of their own protocol (arp.c, lldp.c, isis.c): the
// decoder marks the frame with an ETHER_* code, the session is keyed as Arkime keys it, named
// after the protocol instead of unknown-ether, and a parser registered for the code reads the
// frame's payload. Parsers register here; the session layer knows nothing of their fields.
import type { SessionApi } from '../parsers/api.js';
import { ETHER_NONE, ETHER_ARP, ETHER_ISIS } from '../decode/packet.js';

export { ETHER_NONE, ETHER_ARP, ETHER_LLDP, ETHER_ISIS, ETHER_XID } from '../decode/packet.js';
const NAMES = ['', 'arp', 'lldp', 'isis', 'xid'];

/** Reads one frame's payload (after the Ethernet/LLC header) into session fields. */
export type EtherFrameParser = (s: SessionApi, buf: Uint8Array, off: number, len: number) => void;

const parsers: (EtherFrameParser | undefined)[] = [];

/** Register the parser for frames of `code` (one per code; a second registration replaces it). */
export function registerEtherParser(code: number, parse: EtherFrameParser): void {
  if (code <= ETHER_NONE || code >= NAMES.length) throw new Error(`registerEtherParser: unknown ether protocol code ${code}`);
  parsers[code] = parse;
}

/** The protocol a non-IP session is named after; frames of no known kind are unknown-ether. */
export function etherProtocolName(code: number): string { return NAMES[code] || 'unknown-ether'; }

export function etherParser(code: number): EtherFrameParser | undefined { return parsers[code]; }

/**
 * Key bytes [5..) of a non-IP session: the ethertype for most frames; ARP by the IP it asks
 * about (target of a request, sender of a reply), ISIS as one session whatever the 802.3 length.
 */
export function writeEtherKey(key: Uint8Array, code: number, ethertype: number, buf: Uint8Array, payOff: number, payLen: number): void {
  if (code === ETHER_ISIS) { key[5] = 0xfe; key[6] = 0xfe; return; }
  key[5] = (ethertype >> 8) & 0xff; key[6] = ethertype & 0xff;
  if (code === ETHER_ARP && payLen >= 28) {
    const ipOff = buf[payOff + 7] === 1 ? 24 : 14;
    for (let i = 0; i < 4; i++) key[7 + i] = buf[payOff + ipOff + i];
  }
}
