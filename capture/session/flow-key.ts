// Canonical session key (both directions map to one key) and its hash. Written into a reused
// scratch array; sessions keep their own copy, made once per session.
import { DecodedPacket, PacketKind } from '../decode/packet.js';
import { writeEtherKey } from './ether-sessions.js';

export const KEY_LEN = 41;
// Layout: [0] ip version (0 = non-IP), [1] ip protocol (non-IP: packet kind), [2..5) vlan/vni
// (24 bits), [5..21) lower endpoint address, [21..37) higher endpoint address, [37..39) lower
// port, [39..41) higher port. Non-IP sessions hold the ethertype in [5..7).

export interface KeyOptions {
  /** sessionIdTracking=vlan: VLAN (after collapse) is part of the key. */
  trackVlan: boolean;
  /** sessionIdTracking=vni. */
  trackVni: boolean;
  /** [vlan-vni-collapse]: id → canonical id. */
  collapse: Map<number, number>;
}

/**
 * IP protocols Arkime gathers into one session per protocol (and VLAN): IGMP and PIM. OSPF is
 * keyed by its address pair (Arkime's ospf.c ospf_create_sessionid).
 */
export function isSingleSessionProto(proto: number): boolean { return proto === 2 || proto === 103; }

/** Protocols whose sessions have no ports in the key. */
function hasPorts(proto: number): boolean { return proto === 6 || proto === 17 || proto === 132; }

/**
 * Fill `key` for the packet in `p`. Returns true when the packet's source is the "lower"
 * endpoint of the canonical order (used to tell direction against the session's first packet).
 */
export function buildKey(p: DecodedPacket, key: Uint8Array, opts: KeyOptions): void {
  key.fill(0);
  const buf = p.buf;
  let tag = 0;
  if (opts.trackVni && p.vni >= 0) tag = p.vni;
  else if (opts.trackVlan && p.vlan) tag = p.vlan;
  if (tag && opts.collapse.size) tag = opts.collapse.get(tag) ?? tag;
  key[2] = (tag >> 16) & 0xff; key[3] = (tag >> 8) & 0xff; key[4] = tag & 0xff;
  if (p.ipVersion === 0) {
    // Non-IP: one session per ethertype (and vlan), as Arkime keys its ether sessions.
    key[1] = p.kind;
    writeEtherKey(key, p.etherProto, p.ethertype, buf, p.payloadOff, p.payloadLen);
    return;
  }
  const alen = p.ipVersion === 4 ? 4 : 16;
  key[0] = p.ipVersion;
  key[1] = p.ipProtocol;
  // IGMP and PIM: one session per protocol, whatever the addresses (Arkime's igmp.c, pim.c).
  if (p.kind === PacketKind.UnknownIp && isSingleSessionProto(p.ipProtocol)) return;
  const ports = hasPorts(p.ipProtocol) && p.kind === PacketKind.Ok;
  const sp = ports ? p.srcPort : 0, dp = ports ? p.dstPort : 0;
  // Compare (src addr, port) with (dst addr, port) to choose the canonical order.
  let cmp = 0;
  for (let i = 0; i < alen && cmp === 0; i++) cmp = buf[p.srcAddrOff + i] - buf[p.dstAddrOff + i];
  if (cmp === 0) cmp = sp - dp;
  const loOff = cmp <= 0 ? p.srcAddrOff : p.dstAddrOff;
  const hiOff = cmp <= 0 ? p.dstAddrOff : p.srcAddrOff;
  const loPort = cmp <= 0 ? sp : dp;
  const hiPort = cmp <= 0 ? dp : sp;
  for (let i = 0; i < alen; i++) { key[5 + i] = buf[loOff + i]; key[21 + i] = buf[hiOff + i]; }
  key[37] = loPort >> 8; key[38] = loPort & 0xff;
  key[39] = hiPort >> 8; key[40] = hiPort & 0xff;
}

/** 32-bit hash of a key (FNV-1a over the 40 bytes, then a murmur finaliser). */
export function hashKey(key: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < KEY_LEN; i++) { h ^= key[i]; h = Math.imul(h, 0x01000193); }
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b); h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35); h ^= h >>> 16;
  return h >>> 0;
}

export function keysEqual(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < KEY_LEN; i++) if (a[i] !== b[i]) return false;
  return true;
}
