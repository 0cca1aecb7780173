// Where a frame's network layer starts, for the link types pcap files carry: the first step of
// the raw-frame readers that run before decoding (capture's flow sampling, the anonymiser).
// Decoding proper is capture/decode's; this only finds the ethertype and its offset.

export const ETH_IPV4 = 0x0800, ETH_IPV6 = 0x86dd, ETH_ARP = 0x0806;

/** Filled by `networkLayer`: the ethertype (-1: none readable) and where its header starts. Reused per caller, never allocated per frame. */
export interface NetworkLayer { type: number; off: number }

/**
 * The network layer of the `caplen`-byte frame at `off` of link type `linktype`: Ethernet (with
 * 802.1Q, 802.1ad and QinQ tags), Linux SLL and SLL2, BSD loopback/null, raw IP (101, 12, 14,
 * 228, 229). Returns whether an ethertype was found.
 */
export function networkLayer(b: Uint8Array, off: number, caplen: number, linktype: number, out: NetworkLayer): boolean {
  const end = off + caplen;
  let type = -1, p = off;
  switch (linktype) {
    case 1: // Ethernet
      if (off + 14 > end) break;
      type = u16(b, off + 12); p = off + 14;
      // 802.1Q, 802.1ad and the old QinQ tag type, as many as there are
      while ((type === 0x8100 || type === 0x88a8 || type === 0x9100) && p + 4 <= end) { type = u16(b, p + 2); p += 4; }
      break;
    case 113: if (off + 16 <= end) { type = u16(b, off + 14); p = off + 16; } break; // Linux cooked (SLL)
    case 276: if (off + 20 <= end) { type = u16(b, off); p = off + 20; } break; // SLL2
    case 0: case 108: // BSD loopback: the address family, in the writer's byte order (108: network order)
      if (off + 4 <= end) {
        const fam = b[off] | b[off + 3];
        type = fam === 2 ? ETH_IPV4 : fam === 24 || fam === 28 || fam === 30 ? ETH_IPV6 : -1;
        p = off + 4;
      }
      break;
    case 101: case 12: case 14: case 228: case 229: // raw IP: the version nibble says which
      if (off < end) { const v = b[off] >>> 4; type = v === 4 ? ETH_IPV4 : v === 6 ? ETH_IPV6 : -1; }
      break;
  }
  out.type = type;
  out.off = p;
  return type >= 0;
}

function u16(b: Uint8Array, o: number): number { return (b[o] << 8) | b[o + 1]; }
