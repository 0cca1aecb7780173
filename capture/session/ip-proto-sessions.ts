// IP protocols other than TCP/UDP/SCTP/ICMP/ESP that Arkime parses per packet (ospf.c): a
// parser registered for the IP protocol number sees each packet's payload after the IP header.
// Parsers register here; the session layer knows nothing of their fields.
import type { SessionApi } from '../parsers/api.js';

/**
 * Reads one packet's IP payload into session fields. `packetNum` is this packet's number in
 * the session segment (1 for the first), for parsers that look only at the first few.
 */
export type IpProtoParser = (s: SessionApi, buf: Uint8Array, off: number, len: number, packetNum: number) => void;

const parsers: (IpProtoParser | undefined)[] = new Array(256).fill(undefined);

/** Register the parser for IP protocol `proto` (one per protocol; a second registration replaces it). */
export function registerIpProtoParser(proto: number, parse: IpProtoParser): void {
  if (!Number.isInteger(proto) || proto < 0 || proto > 255) throw new Error(`registerIpProtoParser: bad IP protocol number ${proto}`);
  parsers[proto] = parse;
}

export function ipProtoParser(proto: number): IpProtoParser | undefined { return parsers[proto & 0xff]; }
