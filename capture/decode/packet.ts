// The reusable result of decoding one packet. One instance per thread, overwritten for every
// packet: decoders write offsets and small numbers into it and allocate nothing.

export const enum PacketKind {
  Ok = 0,          // IP packet with a flow key
  UnknownEther = 1,// ethertype we do not decode (saveUnknownPackets: unknown-ether)
  UnknownIp = 2,   // IP protocol we do not track (saveUnknownPackets: unknown-ip)
  CorruptEther = 3,// link layer too short / inconsistent
  CorruptIp = 4,   // IP header inconsistent
  Fragment = 5,    // IPv4/IPv6 fragment held for reassembly
  Drop = 6,        // nothing to do (e.g. ESP when trackESP=false, loopback control)
}

/** Flow key and what the session layer needs, filled by the decoder chain. */
export class DecodedPacket {
  buf: Uint8Array = new Uint8Array(0);
  /** Offset of the first byte of the frame in `buf`, and its captured length. */
  frameOff = 0;
  capLen = 0;
  /** Length on the wire. */
  wireLen = 0;
  /** Timestamp: seconds and microseconds. */
  tsSec = 0;
  tsUsec = 0;
  /** Where the record header of this packet starts in its file (packetPos). */
  filePos = 0;
  linkType = 1;

  kind: PacketKind = PacketKind.Ok;

  // --- link layer (innermost Ethernet seen)
  macOff = -1;          // offset of dst mac (src mac = macOff + 6), -1 = none
  outerMacOff = -1;     // outer Ethernet when tunnelled
  ethertype = 0;        // first ethertype after VLAN tags (Arkime `ethertype`)
  vlan = 0;             // outermost 802.1Q/802.1ad id (0 = none)
  vlanCount = 0;
  vlanIds = new Int32Array(4);
  vlanIsAd = new Uint8Array(4); // 1 = 802.1ad (QinQ outer), 0 = 802.1q
  vni = -1;             // VXLAN/Geneve VNI, -1 = none
  /** Encapsulations crossed (ENCAP_* bits): each names a protocol added to the session. */
  encap = 0;
  /** Non-IP frame of a protocol that gets its own session (ETHER_* in session/ether-sessions). */
  etherProto = 0;
  /** Where the outermost Ethernet of a tunnelled frame was (outer MACs). */

  // --- outer IP (set when the packet was tunnelled: GRE, IP-in-IP, GTP-U, VXLAN...)
  outerIpVersion = 0;
  outerIpOff = -1;

  // --- IP
  ipVersion = 0;        // 4 or 6
  ipOff = 0;            // offset of the IP header
  ipHdrLen = 0;
  ipTotalLen = 0;       // IP header + payload length as the header says (clamped to captured)
  ttl = 0;
  tos = 0;
  ipProtocol = 0;
  /** Addresses: offsets into buf (4 or 16 bytes each). */
  srcAddrOff = 0;
  dstAddrOff = 0;
  /** When the IP header came from a reassembled datagram, the bytes live in `ipBuf`. */

  // --- L4
  l4Off = 0;            // offset of the L4 header
  srcPort = 0;
  dstPort = 0;
  payloadOff = 0;
  payloadLen = 0;
  tcpFlags = 0;
  tcpSeq = 0;
  tcpAck = 0;
  tcpWin = 0;
  icmpType = -1;
  icmpCode = -1;
  icmpId = 0;

  /** Flow hash (same for both directions), filled by `flowHash`. */
  hash = 0;

  reset(): void {
    this.kind = PacketKind.Ok;
    this.macOff = -1; this.outerMacOff = -1;
    this.ethertype = 0; this.vlan = 0; this.vlanCount = 0; this.vni = -1; this.encap = 0; this.etherProto = 0;
    this.outerIpVersion = 0; this.outerIpOff = -1;
    this.ipVersion = 0; this.ipOff = 0; this.ipHdrLen = 0; this.ipTotalLen = 0;
    this.ttl = 0; this.tos = 0; this.ipProtocol = 0;
    this.srcAddrOff = 0; this.dstAddrOff = 0;
    this.l4Off = 0; this.srcPort = 0; this.dstPort = 0;
    this.payloadOff = 0; this.payloadLen = 0;
    this.tcpFlags = 0; this.tcpSeq = 0; this.tcpAck = 0; this.tcpWin = 0;
    this.icmpType = -1; this.icmpCode = -1; this.icmpId = 0;
    this.hash = 0;
  }
}

// TCP flag bits
export const TH_FIN = 0x01, TH_SYN = 0x02, TH_RST = 0x04, TH_PUSH = 0x08, TH_ACK = 0x10,
  TH_URG = 0x20, TH_ECE = 0x40, TH_CWR = 0x80, TH_AE = 0x100;

// Non-IP protocols that get sessions of their own (DecodedPacket.etherProto).
export const ETHER_NONE = 0, ETHER_ARP = 1, ETHER_LLDP = 2, ETHER_ISIS = 3, ETHER_XID = 4;

// Encapsulations that add a protocol name to the session.
export const ENCAP_GRE = 1, ENCAP_VXLAN = 2, ENCAP_GENEVE = 4, ENCAP_GTP = 8, ENCAP_MPLS = 16,
  ENCAP_PPPOE = 32, ENCAP_ERSPAN = 64, ENCAP_IPIP = 128, ENCAP_VXLAN_GPE = 256;
// ERSPAN and IP-in-IP cross a tunnel but Arkime names no protocol for them.
export const ENCAP_NAMES: [number, string][] = [
  [ENCAP_GRE, 'gre'], [ENCAP_VXLAN, 'vxlan'], [ENCAP_GENEVE, 'geneve'], [ENCAP_GTP, 'gtp'],
  [ENCAP_MPLS, 'mpls'], [ENCAP_PPPOE, 'pppoe'], [ENCAP_VXLAN_GPE, 'vxlan-gpe'],
];
