// Link layers: each decoder finds where the network layer starts and which ethertype it has,
// then hands over to `decodeEthertype`. Tables keyed on link type and ethertype drive the chain.
import { DecodedPacket, PacketKind, ENCAP_MPLS, ENCAP_PPPOE, ETHER_ARP, ETHER_LLDP, ETHER_ISIS, ETHER_XID } from './packet.js';
import { decodeIpv4, decodeIpv6, decodeErspan, addVlan } from './ip.js';

export const DLT_NULL = 0, DLT_EN10MB = 1, DLT_RAW = 101, DLT_FRELAY = 107, DLT_LOOP = 108,
  DLT_LINUX_SLL = 113, DLT_IEEE802_11 = 105, DLT_IEEE802_11_RADIO = 127, DLT_RAW_IPV4 = 228,
  DLT_RAW_IPV6 = 229, DLT_NFLOG = 239, DLT_LINUX_SLL2 = 276, DLT_RAW12 = 12, DLT_RAW14 = 14;

export const ETH_IPV4 = 0x0800, ETH_ARP = 0x0806, ETH_VLAN = 0x8100, ETH_QINQ = 0x88a8,
  ETH_QINQ_OLD = 0x9100, ETH_IPV6 = 0x86dd, ETH_MPLS = 0x8847, ETH_MPLS_MC = 0x8848,
  ETH_PPPOE_SESS = 0x8864, ETH_ERSPAN_TEB = 0x6558, ETH_ERSPAN = 0x88be, ETH_NSH = 0x894f,
  ETH_CISCO_METADATA = 0x8909, ETH_LLDP = 0x88cc;

/** Decode a frame of `linkType` starting at `off`. Returns the packet kind. */
export function decodeLink(p: DecodedPacket, buf: Uint8Array, off: number, end: number, linkType: number): PacketKind {
  switch (linkType) {
    case DLT_EN10MB: return decodeEthernet(p, buf, off, end);
    case DLT_RAW: case DLT_RAW12: case DLT_RAW14: case DLT_RAW_IPV4: case DLT_RAW_IPV6:
      return decodeRawIp(p, buf, off, end);
    case DLT_NULL: case DLT_LOOP: {
      if (end - off < 4) return PacketKind.CorruptEther;
      // BSD loopback: address family in host byte order of the capturing machine
      const le = buf[off] | (buf[off + 1] << 8) | (buf[off + 2] << 16) | (buf[off + 3] << 24);
      const be = (buf[off] << 24) | (buf[off + 1] << 16) | (buf[off + 2] << 8) | buf[off + 3];
      const af = (le >>> 0) < 256 ? le : be;
      if (af === 2) return decodeIpv4(p, buf, off + 4, end);
      if (af === 24 || af === 28 || af === 30 || af === 10) return decodeIpv6(p, buf, off + 4, end);
      return decodeRawIp(p, buf, off + 4, end);
    }
    case DLT_LINUX_SLL: {
      if (end - off < 16) return PacketKind.CorruptEther;
      return decodeEthertype(p, buf, off + 16, end, (buf[off + 14] << 8) | buf[off + 15]);
    }
    case DLT_LINUX_SLL2: {
      if (end - off < 20) return PacketKind.CorruptEther;
      return decodeEthertype(p, buf, off + 20, end, (buf[off] << 8) | buf[off + 1]);
    }
    case DLT_FRELAY: return decodeFrameRelay(p, buf, off, end);
    case DLT_IEEE802_11_RADIO: {
      if (end - off < 4) return PacketKind.CorruptEther;
      const rlen = buf[off + 2] | (buf[off + 3] << 8);
      return decode80211(p, buf, off + rlen, end);
    }
    case DLT_IEEE802_11: return decode80211(p, buf, off, end);
    case DLT_NFLOG: return decodeNflog(p, buf, off, end);
    default: return PacketKind.UnknownEther;
  }
}

export function decodeEthernet(p: DecodedPacket, buf: Uint8Array, off: number, end: number): PacketKind {
  if (end - off < 14) return PacketKind.CorruptEther;
  p.macOff = off;
  const type = (buf[off + 12] << 8) | buf[off + 13];
  if (type <= 1500) {
    // 802.3 length field: LLC follows (ISIS, STP, XID...). Arkime keys these by the length value.
    if (p.ethertype === 0) p.ethertype = type;
    if (type > end - off - 14) return PacketKind.CorruptEther; // longer than the frame
    if (end - off >= 18 && buf[off + 14] === 0xfe && buf[off + 15] === 0xfe && buf[off + 16] === 0x03 && buf[off + 17] === 0x83) {
      p.etherProto = ETHER_ISIS; // LLC fe fe 03, NLPID 0x83
      p.payloadOff = off + 17; p.payloadLen = end - off - 17;
    } else if (end - off >= 17 && (buf[off + 16] | 0x10) === 0xbf) {
      p.etherProto = ETHER_XID; // LLC U-frame XID (control 0xaf, or 0xbf with poll/final): Arkime names it xid
    }
    return PacketKind.UnknownEther;
  }
  return decodeEthertype(p, buf, off + 14, end, type);
}

export function decodeEthertype(p: DecodedPacket, buf: Uint8Array, off: number, end: number, type: number): PacketKind {
  for (;;) {
    switch (type) {
      case ETH_IPV4: if (p.ethertype === 0) p.ethertype = type; return decodeIpv4(p, buf, off, end);
      case ETH_IPV6: if (p.ethertype === 0) p.ethertype = type; return decodeIpv6(p, buf, off, end);
      case ETH_VLAN: case ETH_QINQ: case ETH_QINQ_OLD: {
        if (end - off < 4) return PacketKind.CorruptEther;
        addVlan(p, ((buf[off] & 0x0f) << 8) | buf[off + 1], type === ETH_VLAN ? 0 : 1);
        type = (buf[off + 2] << 8) | buf[off + 3];
        off += 4;
        continue;
      }
      case ETH_CISCO_METADATA: {
        // Cisco MetaData (SGT): version, length, option type, SGT, then the next ethertype.
        if (p.ethertype === 0) p.ethertype = type;
        if (end - off < 8) return PacketKind.CorruptEther;
        type = (buf[off + 6] << 8) | buf[off + 7];
        off += 8;
        continue;
      }
      case ETH_ERSPAN: {
        // ERSPAN type II straight on Ethernet: 8-byte header, then the mirrored frame.
        if (p.ethertype === 0) p.ethertype = type;
        if (end - off < 8) return PacketKind.CorruptEther;
        return decodeErspan(p, buf, off, 8, end);
      }
      case ETH_NSH: {
        // Network Service Header: length in 4-byte words, next protocol 1 IPv4, 2 IPv6, 3 Ethernet.
        if (p.ethertype === 0) p.ethertype = type;
        if (end - off < 8) return PacketKind.CorruptEther;
        const hlen = (buf[off + 1] & 0x3f) * 4;
        const next = buf[off + 3];
        if (hlen < 8 || end - off < hlen) return PacketKind.CorruptEther;
        if (next === 1) return decodeIpv4(p, buf, off + hlen, end);
        if (next === 2) return decodeIpv6(p, buf, off + hlen, end);
        if (next === 3) { p.outerMacOff = p.macOff; return decodeEthernet(p, buf, off + hlen, end); }
        return PacketKind.UnknownEther;
      }
      case ETH_MPLS: case ETH_MPLS_MC: {
        if (p.ethertype === 0) p.ethertype = type;
        p.encap |= ENCAP_MPLS;
        for (;;) {
          if (end - off < 4) return PacketKind.CorruptEther;
          const bottom = buf[off + 2] & 1;
          off += 4;
          if (bottom) break;
        }
        if (off >= end) return PacketKind.CorruptEther;
        const v = buf[off] >> 4;
        if (v === 4) return decodeIpv4(p, buf, off, end);
        if (v === 6) return decodeIpv6(p, buf, off, end);
        return PacketKind.UnknownEther;
      }
      case ETH_PPPOE_SESS: {
        if (p.ethertype === 0) p.ethertype = type;
        if (end - off < 8) return PacketKind.CorruptEther;
        p.encap |= ENCAP_PPPOE;
        const ppp = (buf[off + 6] << 8) | buf[off + 7];
        if (ppp === 0x21) return decodeIpv4(p, buf, off + 8, end);
        if (ppp === 0x57) return decodeIpv6(p, buf, off + 8, end);
        return PacketKind.UnknownEther;
      }
      default:
        if (p.ethertype === 0) p.ethertype = type;
        if (type === ETH_ARP) p.etherProto = ETHER_ARP;
        else if (type === ETH_LLDP) p.etherProto = ETHER_LLDP;
        p.payloadOff = off; p.payloadLen = end - off;
        return PacketKind.UnknownEther;
    }
  }
}

function decodeRawIp(p: DecodedPacket, buf: Uint8Array, off: number, end: number): PacketKind {
  if (off >= end) return PacketKind.CorruptIp;
  const v = buf[off] >> 4;
  if (v === 4) return decodeIpv4(p, buf, off, end);
  if (v === 6) return decodeIpv6(p, buf, off, end);
  return PacketKind.UnknownEther;
}

function decodeFrameRelay(p: DecodedPacket, buf: Uint8Array, off: number, end: number): PacketKind {
  // Q.922 address (2 bytes), then either NLPID (0x03 control, NLPID) or SNAP.
  if (end - off < 4) return PacketKind.CorruptEther;
  let o = off + 2;
  if (buf[o] === 0x03) {
    const nlpid = buf[o + 1];
    if (nlpid === 0xcc) return decodeIpv4(p, buf, o + 2, end);
    if (nlpid === 0x8e) return decodeIpv6(p, buf, o + 2, end);
    if (nlpid === 0x80 && end - o >= 8) return decodeEthertype(p, buf, o + 8, end, (buf[o + 6] << 8) | buf[o + 7]);
    return PacketKind.UnknownEther;
  }
  o = off + 2;
  return decodeEthertype(p, buf, o + 2, end, (buf[o] << 8) | buf[o + 1]);
}

function decode80211(p: DecodedPacket, buf: Uint8Array, off: number, end: number): PacketKind {
  if (end - off < 24) return PacketKind.CorruptEther;
  const fc0 = buf[off], fc1 = buf[off + 1];
  const type = (fc0 >> 2) & 3;
  if (type !== 2) return PacketKind.Drop; // only data frames carry IP
  if (fc1 & 0x40) return PacketKind.Drop; // protected
  let hdr = 24;
  if ((fc1 & 3) === 3) hdr += 6; // 4-address frame
  if (fc0 & 0x80) hdr += 2;      // QoS data
  if ((fc1 & 0x80) && (fc0 & 0x80)) hdr += 4; // HT control
  const o = off + hdr;
  if (end - o < 8) return PacketKind.CorruptEther;
  if (buf[o] !== 0xaa || buf[o + 1] !== 0xaa) return PacketKind.UnknownEther; // not LLC/SNAP
  return decodeEthertype(p, buf, o + 8, end, (buf[o + 6] << 8) | buf[o + 7]);
}

function decodeNflog(p: DecodedPacket, buf: Uint8Array, off: number, end: number): PacketKind {
  // nflog header: family(1) version(1) resource id(2), then TLVs (len LE 2, type LE 2), 4-aligned.
  if (end - off < 4) return PacketKind.CorruptEther;
  const family = buf[off];
  let o = off + 4;
  while (end - o >= 4) {
    const len = buf[o] | (buf[o + 1] << 8);
    const type = buf[o + 2] | (buf[o + 3] << 8);
    if (len < 4) return PacketKind.CorruptEther;
    if (type === 9) { // NFULA_PAYLOAD
      const s = o + 4, e = Math.min(end, o + len);
      return family === 10 ? decodeIpv6(p, buf, s, e) : decodeIpv4(p, buf, s, e);
    }
    o += (len + 3) & ~3;
  }
  return PacketKind.Drop;
}
