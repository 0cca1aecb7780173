// Network and transport layers, and the tunnels that nest a packet inside another (IP-in-IP,
// 6in4, GRE, ERSPAN, VXLAN, Geneve, GTP-U). Tunnels record the outer header and recurse.
import {
  DecodedPacket, PacketKind, ENCAP_GRE, ENCAP_VXLAN, ENCAP_GENEVE, ENCAP_GTP, ENCAP_ERSPAN, ENCAP_IPIP,
  ENCAP_VXLAN_GPE,
} from './packet.js';
import { decodeEthernet, decodeEthertype } from './link.js';

export const IPPROTO_ICMP = 1, IPPROTO_IGMP = 2, IPPROTO_IPIP = 4, IPPROTO_TCP = 6, IPPROTO_UDP = 17,
  IPPROTO_IPV6 = 41, IPPROTO_GRE = 47, IPPROTO_ESP = 50, IPPROTO_AH = 51, IPPROTO_ICMPV6 = 58,
  IPPROTO_OSPF = 89, IPPROTO_PIM = 103, IPPROTO_SCTP = 132;

const PORT_VXLAN = 4789, PORT_VXLAN_GPE = 4790, PORT_GENEVE = 6081, PORT_GTPU = 2152;

/** Arkime gives up on a tunnelled IP header this far into the frame (its offsets are 11 bits). */
const MAX_INNER_IP_OFFSET = 2048;

/** How deep tunnels may nest before we stop (a crafted packet must not recurse forever). */
const MAX_DEPTH = 4;

function enterTunnel(p: DecodedPacket): boolean {
  // The outer IP is the header right around the innermost packet (Arkime overwrites it per tunnel).
  p.outerIpOff = p.ipOff; p.outerIpVersion = p.ipVersion;
  return ++tunnelDepth <= MAX_DEPTH;
}
let tunnelDepth = 0;

export function resetDecodeDepth(): void { tunnelDepth = 0; }

export function decodeIpv4(p: DecodedPacket, buf: Uint8Array, off: number, end: number): PacketKind {
  if (end - off < 20) return PacketKind.CorruptIp;
  const vhl = buf[off];
  const hl = (vhl & 0x0f) * 4;
  if ((vhl >> 4) !== 4 || hl < 20 || end - off < hl) return PacketKind.CorruptIp;
  const total = (buf[off + 2] << 8) | buf[off + 3];
  if (total < hl) return PacketKind.CorruptIp;
  p.ipVersion = 4;
  p.ipOff = off;
  p.ipHdrLen = hl;
  p.tos = buf[off + 1];
  p.ttl = buf[off + 8];
  p.ipProtocol = buf[off + 9];
  p.srcAddrOff = off + 12;
  p.dstAddrOff = off + 16;
  // Ethernet padding makes the frame longer than the datagram; a short capture makes it shorter.
  const ipEnd = Math.min(end, off + total);
  p.ipTotalLen = ipEnd - off;
  const frag = ((buf[off + 6] << 8) | buf[off + 7]) & 0x3fff;
  if (frag !== 0) return PacketKind.Fragment;
  return decodeL4(p, buf, off + hl, ipEnd, p.ipProtocol);
}

export function decodeIpv6(p: DecodedPacket, buf: Uint8Array, off: number, end: number): PacketKind {
  if (end - off < 40) return PacketKind.CorruptIp;
  if ((buf[off] >> 4) !== 6) return PacketKind.CorruptIp;
  const plen = (buf[off + 4] << 8) | buf[off + 5];
  p.ipVersion = 6;
  p.ipOff = off;
  p.tos = ((buf[off] & 0x0f) << 4) | (buf[off + 1] >> 4);
  p.ttl = buf[off + 7];
  p.srcAddrOff = off + 8;
  p.dstAddrOff = off + 24;
  const ipEnd = plen === 0 ? end : Math.min(end, off + 40 + plen);
  p.ipTotalLen = ipEnd - off;
  let next = buf[off + 6];
  let o = off + 40;
  // Extension headers: hop-by-hop, routing, destination options, fragment, mobility.
  for (;;) {
    if (next === 0 || next === 43 || next === 60 || next === 135) {
      if (ipEnd - o < 8) return PacketKind.CorruptIp;
      next = buf[o];
      o += (buf[o + 1] + 1) * 8;
      continue;
    }
    if (next === 44) {
      if (ipEnd - o < 8) return PacketKind.CorruptIp;
      const fo = ((buf[o + 2] << 8) | buf[o + 3]);
      p.ipProtocol = buf[o];
      p.ipHdrLen = o + 8 - off;
      if (fo !== 0) return PacketKind.Fragment; // offset or more-fragments set
      next = buf[o]; o += 8;
      continue;
    }
    break;
  }
  if (o > ipEnd) return PacketKind.CorruptIp;
  p.ipHdrLen = o - off;
  p.ipProtocol = next;
  return decodeL4(p, buf, o, ipEnd, next);
}

export function decodeL4(p: DecodedPacket, buf: Uint8Array, off: number, end: number, proto: number): PacketKind {
  p.l4Off = off;
  const len = end - off;
  switch (proto) {
    case IPPROTO_TCP: {
      if (len < 20) return PacketKind.CorruptIp;
      const doff = (buf[off + 12] >> 4) * 4;
      if (doff < 20 || doff > len) return PacketKind.CorruptIp;
      p.srcPort = (buf[off] << 8) | buf[off + 1];
      p.dstPort = (buf[off + 2] << 8) | buf[off + 3];
      p.tcpSeq = ((buf[off + 4] << 24) | (buf[off + 5] << 16) | (buf[off + 6] << 8) | buf[off + 7]) >>> 0;
      p.tcpAck = ((buf[off + 8] << 24) | (buf[off + 9] << 16) | (buf[off + 10] << 8) | buf[off + 11]) >>> 0;
      p.tcpFlags = buf[off + 13] | ((buf[off + 12] & 1) << 8);
      p.tcpWin = (buf[off + 14] << 8) | buf[off + 15];
      p.payloadOff = off + doff;
      p.payloadLen = len - doff;
      return PacketKind.Ok;
    }
    case IPPROTO_UDP: {
      if (len < 8) return PacketKind.CorruptIp;
      p.srcPort = (buf[off] << 8) | buf[off + 1];
      p.dstPort = (buf[off + 2] << 8) | buf[off + 3];
      const ulen = (buf[off + 4] << 8) | buf[off + 5];
      if (ulen < 8) return PacketKind.CorruptIp; // a UDP length shorter than its own header
      const e = ulen <= len ? off + ulen : end;
      p.payloadOff = off + 8;
      p.payloadLen = e - off - 8;
      // UDP tunnels are recognised by destination port only, as Arkime's udp port callbacks.
      switch (p.dstPort) {
        case PORT_VXLAN: return decodeVxlan(p, buf, off + 8, e);
        case PORT_VXLAN_GPE: return decodeVxlanGpe(p, buf, off + 8, e);
        case PORT_GENEVE: return decodeGeneve(p, buf, off + 8, e);
        case PORT_GTPU: return decodeGtpu(p, buf, off + 8, e);
      }
      return PacketKind.Ok;
    }
    case IPPROTO_ICMP: case IPPROTO_ICMPV6: {
      if (len < 2) return PacketKind.CorruptIp;
      p.icmpType = buf[off];
      p.icmpCode = buf[off + 1];
      p.payloadOff = off;
      p.payloadLen = len;
      return PacketKind.Ok;
    }
    case IPPROTO_SCTP: {
      if (len < 12) return PacketKind.CorruptIp;
      p.srcPort = (buf[off] << 8) | buf[off + 1];
      p.dstPort = (buf[off + 2] << 8) | buf[off + 3];
      p.payloadOff = off + 12;
      p.payloadLen = len - 12;
      return PacketKind.Ok;
    }
    case IPPROTO_ESP:
      p.payloadOff = off; p.payloadLen = len;
      return PacketKind.Ok;
    case IPPROTO_AH: {
      // AH authenticates what follows; the session is about the inner protocol (often ESP).
      if (len < 8) return PacketKind.CorruptIp;
      const ahLen = (buf[off + 1] + 2) * 4;
      if (ahLen > len) return PacketKind.CorruptIp;
      if (buf[off] === IPPROTO_ESP) { p.payloadOff = off + ahLen; p.payloadLen = len - ahLen; return PacketKind.Ok; }
      return PacketKind.UnknownIp;
    }
    case IPPROTO_IPIP: case IPPROTO_IPV6: {
      if (off - p.frameOff >= MAX_INNER_IP_OFFSET || !enterTunnel(p)) return PacketKind.CorruptIp;
      p.encap |= ENCAP_IPIP;
      return proto === IPPROTO_IPIP ? decodeIpv4(p, buf, off, end) : decodeIpv6(p, buf, off, end);
    }
    case IPPROTO_GRE: return decodeGre(p, buf, off, end);
    default:
      p.payloadOff = off; p.payloadLen = len;
      return PacketKind.UnknownIp;
  }
}

function decodeGre(p: DecodedPacket, buf: Uint8Array, off: number, end: number): PacketKind {
  if (end - off < 4) return PacketKind.CorruptIp;
  const flags = buf[off];
  const ver = buf[off + 1] & 7;
  const type = (buf[off + 2] << 8) | buf[off + 3];
  let o = off + 4;
  if (flags & 0x80) o += 4;           // checksum + reserved
  if (flags & 0x20) o += 4;           // key
  if (flags & 0x10) o += 4;           // sequence
  if (ver === 1 && (buf[off + 1] & 0x80)) o += 4; // PPTP ack
  if (o > end) return PacketKind.CorruptIp;
  if (!enterTunnel(p)) return PacketKind.CorruptIp;
  p.encap |= ENCAP_GRE;
  switch (type) {
    case 0x0800: return decodeIpv4(p, buf, o, end);
    case 0x86dd: return decodeIpv6(p, buf, o, end);
    case 0x6558: p.outerMacOff = p.macOff; return innerFrame(p, decodeEthernet(p, buf, o, end));
    case 0x88be: // ERSPAN type II: 8-byte header (when the sequence flag is set), then Ethernet
      if (end - o < 8) return PacketKind.CorruptIp;
      return innerFrame(p, decodeErspan(p, buf, o, 8, end));
    case 0x22eb: { // ERSPAN type III: 12 bytes, +8 with the platform-specific subheader
      if (end - o < 12) return PacketKind.CorruptIp;
      return innerFrame(p, decodeErspan(p, buf, o, buf[o + 11] & 1 ? 20 : 12, end));
    }
    case 0x880b: { // PPP (PPTP)
      if (end - o < 4) return PacketKind.CorruptIp;
      let q = o;
      if (buf[q] === 0xff && buf[q + 1] === 0x03) q += 2;
      const ppp = buf[q] & 1 ? buf[q++] : (buf[q++] << 8) | buf[q++];
      if (ppp === 0x21) return decodeIpv4(p, buf, q, end);
      if (ppp === 0x57) return decodeIpv6(p, buf, q, end);
      return PacketKind.UnknownIp;
    }
    default:
      return decodeEthertype(p, buf, o, end, type);
  }
}

/**
 * ERSPAN (on GRE or straight on Ethernet): the header's VLAN is the mirrored frame's VLAN,
 * then the mirrored Ethernet frame follows `hdrLen` bytes in.
 */
export function decodeErspan(p: DecodedPacket, buf: Uint8Array, off: number, hdrLen: number, end: number): PacketKind {
  p.encap |= ENCAP_ERSPAN;
  p.outerMacOff = p.macOff;
  const vlan = ((buf[off] & 0x0f) << 8) | buf[off + 1];
  if (vlan !== 0) addVlan(p, vlan, 0);
  return decodeEthernet(p, buf, off + hdrLen, end);
}

/** Record one 802.1Q (isAd 0) or 802.1ad (isAd 1) tag. */
export function addVlan(p: DecodedPacket, id: number, isAd: number): void {
  if (p.vlanCount < 4) {
    p.vlanIds[p.vlanCount] = id;
    p.vlanIsAd[p.vlanCount] = isAd;
    p.vlanCount++;
  }
  if (p.vlan === 0) p.vlan = id;
}

/**
 * A tunnelled Ethernet frame that carries no IP leaves the packet as Arkime keeps it: a
 * corrupt-ip session of the outer IP header, without outer IP fields.
 */
function innerFrame(p: DecodedPacket, k: PacketKind): PacketKind {
  if (k !== PacketKind.UnknownEther && k !== PacketKind.CorruptEther) return k;
  p.etherProto = 0;
  p.outerIpOff = -1; p.outerIpVersion = 0;
  return PacketKind.CorruptIp;
}

/** VXLAN-GPE: flags, 2 reserved bytes, next protocol (1 IPv4, 2 IPv6, 3 Ethernet), VNI. */
function decodeVxlanGpe(p: DecodedPacket, buf: Uint8Array, off: number, end: number): PacketKind {
  if (end - off < 8 + 20) return PacketKind.Ok;
  const next = buf[off + 3];
  if (next < 1 || next > 3) return PacketKind.Ok;
  if (!enterTunnel(p)) return PacketKind.CorruptIp;
  p.encap |= ENCAP_VXLAN_GPE;
  p.vni = (buf[off + 4] << 16) | (buf[off + 5] << 8) | buf[off + 6];
  resetL4(p);
  if (next === 1) return decodeIpv4(p, buf, off + 8, end);
  if (next === 2) return decodeIpv6(p, buf, off + 8, end);
  p.outerMacOff = p.macOff;
  return decodeEthernet(p, buf, off + 8, end);
}

function decodeVxlan(p: DecodedPacket, buf: Uint8Array, off: number, end: number): PacketKind {
  if (end - off < 8 + 14 || !(buf[off] & 0x08)) return PacketKind.Ok; // not VXLAN: plain UDP
  if (!enterTunnel(p)) return PacketKind.CorruptIp;
  p.encap |= ENCAP_VXLAN;
  p.vni = (buf[off + 4] << 16) | (buf[off + 5] << 8) | buf[off + 6];
  p.outerMacOff = p.macOff;
  resetL4(p);
  return decodeEthernet(p, buf, off + 8, end);
}

function decodeGeneve(p: DecodedPacket, buf: Uint8Array, off: number, end: number): PacketKind {
  if (end - off < 8) return PacketKind.Ok;
  const optLen = (buf[off] & 0x3f) * 4;
  const type = (buf[off + 2] << 8) | buf[off + 3];
  const o = off + 8 + optLen;
  if (o > end) return PacketKind.Ok;
  if (!enterTunnel(p)) return PacketKind.CorruptIp;
  p.encap |= ENCAP_GENEVE;
  p.vni = (buf[off + 4] << 16) | (buf[off + 5] << 8) | buf[off + 6];
  resetL4(p);
  if (type === 0x6558) { p.outerMacOff = p.macOff; return decodeEthernet(p, buf, o, end); }
  return decodeEthertype(p, buf, o, end, type);
}

function decodeGtpu(p: DecodedPacket, buf: Uint8Array, off: number, end: number): PacketKind {
  if (end - off < 8) return PacketKind.Ok;
  const flags = buf[off];
  if ((flags >> 5) !== 1 || buf[off + 1] !== 0xff) return PacketKind.Ok; // only G-PDU carries user IP
  let o = off + 8;
  if (flags & 0x07) {
    if (end - o < 4) return PacketKind.CorruptIp;
    let nextExt = buf[o + 3];
    o += 4;
    while (nextExt !== 0) {
      if (end - o < 4) return PacketKind.CorruptIp;
      const l = buf[o] * 4;
      if (l === 0 || o + l > end) return PacketKind.CorruptIp;
      nextExt = buf[o + l - 1];
      o += l;
    }
  }
  if (o >= end) return PacketKind.Ok;
  if (!enterTunnel(p)) return PacketKind.CorruptIp;
  p.encap |= ENCAP_GTP;
  resetL4(p);
  const v = buf[o] >> 4;
  if (v === 4) return decodeIpv4(p, buf, o, end);
  if (v === 6) return decodeIpv6(p, buf, o, end);
  return PacketKind.CorruptIp;
}

function resetL4(p: DecodedPacket): void {
  p.srcPort = 0; p.dstPort = 0; p.payloadOff = 0; p.payloadLen = 0;
}
