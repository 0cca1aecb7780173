// Rewrites one captured frame in place with every IP address Crypto-PAn'd: IPv4 and IPv6
// source/destination, ARP sender/target protocol addresses, IPv6 neighbour discovery targets, and
// the addresses of the datagram an ICMP / ICMPv6 error quotes, and the packet an IP-in-IP or GRE
// tunnel carries, and the A / AAAA records of DNS over UDP. Link types: Ethernet (with 802.1Q /
// 802.1ad / QinQ tags), Linux SLL and SLL2, raw IP, BSD loopback. Lengths never change.
//
// Checksums are updated incrementally (RFC 1624: HC' = ~(~HC + ~m + m')) for exactly the 16-bit
// words that changed: the IPv4 header checksum, TCP/UDP/ICMPv6 over the pseudo-header, ICMP and
// ICMPv6 over a quoted datagram, and the quoted datagram's own checksums. A checksum that was right
// stays right, one that was wrong stays wrong by the same amount, and the checksum of a packet cut
// by the snap length stays right for the whole packet, without its missing bytes. A UDP checksum
// of 0 (none, IPv4) stays 0. Nothing is allocated per frame.
import type { CryptoPAn } from '../anon/crypto-pan.js';
import { ETH_ARP, ETH_IPV4, ETH_IPV6, networkLayer, type NetworkLayer } from './link-layer.js';

const IP_ICMP = 1, IP_IPIP = 4, IP_TCP = 6, IP_UDP = 17, IP_IPV6 = 41, IP_GRE = 47, IP_ICMPV6 = 58;

function u16(b: Uint8Array, o: number): number { return (b[o] << 8) | b[o + 1]; }

function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

/** One's complement sum of `n` (even) bytes at `o`, folded. */
function sumWords(b: Uint8Array, o: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i += 2) s += (b[o + i] << 8) | b[o + i + 1];
  return fold(s);
}

/** Apply `delta` (a folded sum of ~old + new words) to the checksum at `o`; `udp`: 0 means none. */
function adjust(b: Uint8Array, o: number, delta: number, udp: boolean): void {
  const old = u16(b, o);
  if (udp && old === 0) return;
  let v = ~fold((~old & 0xffff) + delta) & 0xffff;
  if (udp && v === 0) v = 0xffff;
  b[o] = v >>> 8; b[o + 1] = v & 0xff;
}

/** What ~old + new of a changed region adds to a checksum. */
function change(oldSum: number, newSum: number): number { return fold((~oldSum & 0xffff) + newSum); }

export class PacketAnonymizer {
  /** Frames rewritten, and frames whose link or network layer was not one this knows (left as they were). */
  rewritten = 0;
  skipped = 0;

  /** The frame's network layer, reused for every frame. */
  private readonly layer: NetworkLayer = { type: -1, off: 0 };

  constructor(readonly cp: CryptoPAn) {}

  /** Anonymise the frame of `caplen` bytes at `off` in place. Returns whether an address was rewritten. */
  frame(b: Uint8Array, off: number, caplen: number, linktype: number): boolean {
    const end = off + caplen;
    networkLayer(b, off, caplen, linktype, this.layer);
    const type = this.layer.type, p = this.layer.off;
    let done = false;
    if (type === ETH_IPV4) done = this.ipv4(b, p, end, false) >= 0;
    else if (type === ETH_IPV6) done = this.ipv6(b, p, end, false) >= 0;
    else if (type === ETH_ARP) done = this.arp(b, p, end);
    if (done) this.rewritten++; else this.skipped++;
    return done;
  }

  private arp(b: Uint8Array, p: number, end: number): boolean {
    if (p + 8 > end) return false;
    const hlen = b[p + 4], plen = b[p + 5];
    if (u16(b, p + 2) !== ETH_IPV4 || plen !== 4) return false;
    const spa = p + 8 + hlen, tpa = spa + 4 + hlen;
    if (spa + 4 <= end) this.cp.anonymizeV4At(b, spa);
    if (tpa + 4 <= end) this.cp.anonymizeV4At(b, tpa);
    return spa + 4 <= end;
  }

  /**
   * Anonymise the IPv4 datagram at `p` and fix its checksums; `quoted`: inside an ICMP error (its
   * transport header may be cut to 8 bytes). Returns the change to the one's complement sum of
   * the checksum words this touched (for an enclosing ICMP checksum), or -1 if nothing was done.
   */
  private ipv4(b: Uint8Array, p: number, end: number, quoted: boolean): number {
    if (p + 20 > end || b[p] >>> 4 !== 4) return -1;
    const ihl = (b[p] & 0x0f) * 4;
    const before = sumWords(b, p + 12, 8);
    const hcBefore = u16(b, p + 10);
    this.cp.anonymizeV4At(b, p + 12);
    this.cp.anonymizeV4At(b, p + 16);
    const addrDelta = change(before, sumWords(b, p + 12, 8));
    adjust(b, p + 10, addrDelta, false);
    // what an enclosing checksum sees change: the addresses, the header checksum, the transport checksum
    let outer = fold(addrDelta + change(hcBefore, u16(b, p + 10)));
    if ((u16(b, p + 6) & 0x1fff) !== 0 || ihl < 20) return outer; // a later fragment: no transport header
    const l4 = p + ihl, proto = b[p + 9];
    if (!quoted && this.tunnel(b, proto, l4, end)) return outer;
    const cs = proto === IP_TCP ? l4 + 16 : proto === IP_UDP ? l4 + 6 : proto === IP_ICMP ? l4 + 2 : -1;
    if (cs < 0 || cs + 2 > end) return outer;
    const csBefore = u16(b, cs);
    if (proto === IP_ICMP) {
      // no pseudo-header; an error quotes a datagram whose addresses change with ours
      const t = b[l4];
      if (quoted || !(t === 3 || t === 4 || t === 5 || t === 11 || t === 12)) return outer;
      const inner = this.ipv4(b, l4 + 8, end, true);
      if (inner >= 0) adjust(b, cs, inner, false);
    } else {
      adjust(b, cs, fold(addrDelta + (proto === IP_UDP && !quoted ? this.dns(b, l4, end) : 0)), proto === IP_UDP);
    }
    outer = fold(outer + change(csBefore, u16(b, cs)));
    return outer;
  }

  /** As ipv4, for the IPv6 packet at `p` (extension headers skipped; a later fragment has no transport header). */
  private ipv6(b: Uint8Array, p: number, end: number, quoted: boolean): number {
    if (p + 40 > end || b[p] >>> 4 !== 6) return -1;
    const before = sumWords(b, p + 8, 32);
    this.cp.anonymizeV6At(b, p + 8);
    this.cp.anonymizeV6At(b, p + 24);
    const addrDelta = change(before, sumWords(b, p + 8, 32));
    let outer = addrDelta;
    let next = b[p + 6], l4 = p + 40;
    for (let hops = 0; hops < 8; hops++) {
      if (next === 0 || next === 43 || next === 60) {
        if (l4 + 2 > end) return outer;
        next = b[l4]; l4 += (b[l4 + 1] + 1) * 8;
      } else if (next === 44) {
        if (l4 + 8 > end) return outer;
        if ((u16(b, l4 + 2) & 0xfff8) !== 0) return outer;
        next = b[l4]; l4 += 8;
      } else if (next === 51) {
        if (l4 + 2 > end) return outer;
        next = b[l4]; l4 += (b[l4 + 1] + 2) * 4;
      } else break;
    }
    if (!quoted && this.tunnel(b, next, l4, end)) return outer;
    const cs = next === IP_TCP ? l4 + 16 : next === IP_UDP ? l4 + 6 : next === IP_ICMPV6 ? l4 + 2 : -1;
    if (cs < 0 || cs + 2 > end) return outer;
    const csBefore = u16(b, cs);
    let delta = addrDelta;
    if (next === IP_UDP && !quoted) delta = fold(delta + this.dns(b, l4, end));
    if (next === IP_ICMPV6 && !quoted && l4 + 8 <= end) {
      const t = b[l4];
      if (t >= 1 && t <= 4) {
        const inner = this.ipv6(b, l4 + 8, end, true);
        if (inner >= 0) delta = fold(delta + inner);
      } else if ((t === 135 || t === 136 || t === 137) && l4 + 24 <= end) {
        // neighbour solicitation / advertisement target, redirect target and destination
        delta = fold(delta + this.v6Field(b, l4 + 8));
        if (t === 137 && l4 + 40 <= end) delta = fold(delta + this.v6Field(b, l4 + 24));
      }
    }
    adjust(b, cs, delta, next === IP_UDP);
    outer = fold(outer + change(csBefore, u16(b, cs)));
    return outer;
  }

  /**
   * The packet a tunnel carries at `l4` (IPv4 or IPv6 in IP, or in GRE, whose optional checksum is
   * kept right), anonymised as an outer one. False when `proto` is no tunnel this knows.
   */
  private tunnel(b: Uint8Array, proto: number, l4: number, end: number): boolean {
    if (proto === IP_IPIP) { this.ipv4(b, l4, end, false); return true; }
    if (proto === IP_IPV6) { this.ipv6(b, l4, end, false); return true; }
    if (proto !== IP_GRE || l4 + 4 > end) return false;
    const flags = u16(b, l4), type = u16(b, l4 + 2);
    if ((flags & 7) !== 0) return true; // GRE version 1 (PPTP) carries PPP
    const inner = l4 + 4 + (flags & 0x8000 ? 4 : 0) + (flags & 0x2000 ? 4 : 0) + (flags & 0x1000 ? 4 : 0);
    const delta = type === ETH_IPV4 ? this.ipv4(b, inner, end, false) : type === ETH_IPV6 ? this.ipv6(b, inner, end, false) : -1;
    if (delta >= 0 && flags & 0x8000 && l4 + 6 <= end) adjust(b, l4 + 4, delta, false);
    return true;
  }

  /**
   * DNS over UDP (port 53, mDNS 5353) at `udp`: the addresses of A and AAAA records in every
   * section anonymised. Returns the change to the UDP checksum (words aligned on the UDP header).
   */
  private dns(b: Uint8Array, udp: number, frameEnd: number): number {
    if (udp + 8 > frameEnd) return 0;
    const end = Math.min(frameEnd, udp + u16(b, udp + 4)); // not the link layer's padding
    const sport = u16(b, udp), dport = u16(b, udp + 2);
    if (sport !== 53 && dport !== 53 && sport !== 5353 && dport !== 5353) return 0;
    const m = udp + 8;
    if (m + 12 > end) return 0;
    let p = m + 12, delta = 0;
    for (let q = u16(b, m + 4); q > 0; q--) { p = skipName(b, p, end) + 4; if (p > end) return delta; }
    const rrs = u16(b, m + 6) + u16(b, m + 8) + u16(b, m + 10);
    for (let i = 0; i < rrs; i++) {
      p = skipName(b, p, end);
      if (p + 10 > end) return delta;
      const type = u16(b, p), len = u16(b, p + 8), data = p + 10;
      if (data + len > end) return delta;
      if ((type === 1 && len === 4) || (type === 28 && len === 16)) {
        // the record may start at an odd offset: sum the aligned words around it
        const from = data - ((data - udp) & 1), to = data + len + ((data + len - udp) & 1);
        const before = sumPadded(b, from, to, end);
        if (type === 1) this.cp.anonymizeV4At(b, data); else this.cp.anonymizeV6At(b, data);
        delta = fold(delta + change(before, sumPadded(b, from, to, end)));
      }
      p = data + len;
    }
    return delta;
  }

  /** Anonymise the IPv6 address at `o` (not ::); the change to a checksum covering it. */
  private v6Field(b: Uint8Array, o: number): number {
    const before = sumWords(b, o, 16);
    if (before === 0) return 0; // the unspecified address stays
    this.cp.anonymizeV6At(b, o);
    return change(before, sumWords(b, o, 16));
  }
}

/** One's complement sum of the words in [from, to), a byte past `end` counting as 0. */
function sumPadded(b: Uint8Array, from: number, to: number, end: number): number {
  let s = 0;
  for (let i = from; i < to; i += 2) s += (b[i] << 8) | (i + 1 < end ? b[i + 1] : 0);
  return fold(s);
}

/** Past the DNS name at `p` (labels, ending in a zero or a compression pointer); > end when cut. */
function skipName(b: Uint8Array, p: number, end: number): number {
  for (let n = 0; p < end && n < 128; n++) {
    const l = b[p];
    if (l === 0) return p + 1;
    if ((l & 0xc0) === 0xc0) return p + 2;
    p += l + 1;
  }
  return end + 1;
}
