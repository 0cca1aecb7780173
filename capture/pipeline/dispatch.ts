// Which worker owns a packet: a hash of the address pair (both directions alike), so a session
// and all of its IP fragments land on the same worker. Non-IP frames go by ethertype.
import { DecodedPacket, PacketKind } from '../decode/packet.js';
import { decodePacket } from '../decode/decode.js';
import { META_STRIDE, M_CAPLEN, M_DATA_OFF, M_LINKTYPE, type PacketBatch } from '../readers/types.js';

const p = new DecodedPacket();

function addrHash(buf: Uint8Array, off: number, len: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < len; i++) { h ^= buf[off + i]; h = Math.imul(h, 0x01000193); }
  return h >>> 0;
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
      const k = decodePacket(p, batch.buf, meta[m + M_DATA_OFF], meta[m + M_CAPLEN], meta[m + M_LINKTYPE]);
      if (p.ipVersion !== 0 && k !== PacketKind.CorruptEther) {
        const alen = p.ipVersion === 4 ? 4 : 16;
        // Symmetric: xor of the two addresses' hashes is the same in both directions.
        w = ((addrHash(p.buf, p.srcAddrOff, alen) ^ addrHash(p.buf, p.dstAddrOff, alen)) >>> 0) % n;
      } else {
        w = p.ethertype % n;
      }
    }
    lists[w][counts[w]++] = i;
  }
}
