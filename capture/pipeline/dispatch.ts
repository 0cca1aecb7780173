// Which worker owns a packet: a hash of the address pair (both directions alike), so a session
// and all of its IP fragments land on the same worker. Non-IP frames go by ethertype.
// The common frame (Ethernet, up to two 802.1Q tags, IPv4/IPv6 carrying TCP, ICMP or non-tunnel
// UDP) is read just far enough for its addresses; anything else goes through the full decoder,
// which finds the inner addresses of tunnels.
import { DecodedPacket, PacketKind } from '../decode/packet.js';
import { decodePacket } from '../decode/decode.js';
import { META_STRIDE, M_CAPLEN, M_DATA_OFF, M_LINKTYPE, type PacketBatch } from '../readers/types.js';

const p = new DecodedPacket();

function addrHash(buf: Uint8Array, off: number, len: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < len; i++) { h ^= buf[off + i]; h = Math.imul(h, 0x01000193); }
  return h >>> 0;
}

const PORT_VXLAN = 4789, PORT_GENEVE = 6081, PORT_GTPU = 2152;

function tunnelPort(port: number): boolean {
  return port === PORT_VXLAN || port === PORT_GENEVE || port === PORT_GTPU;
}

/** Symmetric flow hash of a common Ethernet frame, or -1 when the full decoder must look. */
export function quickHash(buf: Uint8Array, off: number, caplen: number, linkType: number): number {
  if (linkType !== 1 || caplen < 14) return -1;
  const end = off + caplen;
  let o = off + 14;
  let type = (buf[off + 12] << 8) | buf[off + 13];
  for (let v = 0; type === 0x8100 && v < 2; v++) {
    if (o + 4 > end) return -1;
    type = (buf[o + 2] << 8) | buf[o + 3];
    o += 4;
  }
  if (type === 0x0800) {
    if (o + 20 > end || (buf[o] >> 4) !== 4) return -1;
    const hl = (buf[o] & 15) * 4;
    if (hl < 20 || o + hl > end) return -1;
    if ((((buf[o + 6] << 8) | buf[o + 7]) & 0x3fff) !== 0) return -1; // fragment
    const proto = buf[o + 9];
    if (proto === 17) {
      const l4 = o + hl;
      if (l4 + 4 > end || tunnelPort((buf[l4] << 8) | buf[l4 + 1]) || tunnelPort((buf[l4 + 2] << 8) | buf[l4 + 3])) return -1;
    } else if (proto !== 6 && proto !== 1) return -1;
    return (addrHash(buf, o + 12, 4) ^ addrHash(buf, o + 16, 4)) >>> 0;
  }
  if (type === 0x86dd) {
    if (o + 40 > end || (buf[o] >> 4) !== 6) return -1;
    const next = buf[o + 6];
    if (next === 17) {
      const l4 = o + 40;
      if (l4 + 4 > end || tunnelPort((buf[l4] << 8) | buf[l4 + 1]) || tunnelPort((buf[l4 + 2] << 8) | buf[l4 + 3])) return -1;
    } else if (next !== 6 && next !== 58) return -1;
    return (addrHash(buf, o + 8, 16) ^ addrHash(buf, o + 24, 16)) >>> 0;
  }
  return -1;
}

/** The flow hash after a full decode: inner addresses of tunnels; non-IP frames by ethertype. */
export function decodedHash(buf: Uint8Array, off: number, caplen: number, linkType: number): number {
  const k = decodePacket(p, buf, off, caplen, linkType);
  if (p.ipVersion === 0 || k === PacketKind.CorruptEther) return p.ethertype;
  const alen = p.ipVersion === 4 ? 4 : 16;
  // Symmetric: xor of the two addresses' hashes is the same in both directions.
  return (addrHash(p.buf, p.srcAddrOff, alen) ^ addrHash(p.buf, p.dstAddrOff, alen)) >>> 0;
}

/** Fill `lists[w]` with the indices of the packets worker `w` owns; returns the counts. */
export function splitBatch(batch: PacketBatch, lists: Int32Array[], counts: Int32Array): void {
  const n = lists.length;
  counts.fill(0);
  const meta = batch.meta;
  for (let i = 0; i < batch.count; i++) {
    const m = i * META_STRIDE;
    let w = 0;
    if (n > 1) {
      const h = quickHash(batch.buf, meta[m + M_DATA_OFF], meta[m + M_CAPLEN], meta[m + M_LINKTYPE]);
      if (h >= 0) { w = h % n; lists[w][counts[w]++] = i; continue; }
      w = decodedHash(batch.buf, meta[m + M_DATA_OFF], meta[m + M_CAPLEN], meta[m + M_LINKTYPE]) % n;
    }
    lists[w][counts[w]++] = i;
  }
}
