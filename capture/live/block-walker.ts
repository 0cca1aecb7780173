// Walks one TPACKET_V3 block (struct tpacket_block_desc + tpacket3_hdr chain) and describes its
// packets in a PacketBatch without copying them. libpcap batches from the addon use the same layout.
import {
  META_STRIDE, M_CAPLEN, M_DATA_OFF, M_FILE_POS, M_HASH, M_LINKTYPE, M_TS_SEC, M_TS_USEC, M_WIRELEN,
  PacketBatch,
} from '../readers/types.js';

// struct tpacket_block_desc (linux/if_packet.h)
const BD_NUM_PKTS = 12;
const BD_FIRST_PKT = 16;
// struct tpacket3_hdr
const TH_NEXT = 0;
const TH_SEC = 4;
const TH_NSEC = 8;
const TH_SNAPLEN = 12;
const TH_LEN = 16;
const TH_MAC = 24;

/** Position inside the block being handed out, kept across next() calls when a block outgrows a batch. */
export class BlockCursor {
  /** Bytes of the block, relative offsets; the batch's `buf`. */
  block: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(new ArrayBuffer(0));
  private base = 0;
  private at = 0;
  left = 0;

  /** Start on the block at `base` of `view`. Returns its packet count. */
  begin(view: DataView, block: Uint8Array, base: number): number {
    this.view = view;
    this.block = block;
    this.base = base;
    this.left = view.getUint32(base + BD_NUM_PKTS, true);
    this.at = view.getUint32(base + BD_FIRST_PKT, true);
    return this.left;
  }

  /** Describe up to batch.capacity packets of the block in `batch` (resets count). Returns bytes described. */
  fill(batch: PacketBatch, linktype: number): number {
    const v = this.view;
    const meta = batch.meta;
    const cap = batch.capacity;
    const limit = this.block.length;
    batch.buf = this.block;
    let n = 0;
    let bytes = 0;
    while (this.left > 0 && n < cap) {
      const h = this.base + this.at;
      const caplen = v.getUint32(h + TH_SNAPLEN, true);
      const dataOff = this.at + v.getUint16(h + TH_MAC, true);
      const next = v.getUint32(h + TH_NEXT, true);
      if (dataOff + caplen > limit) { this.left = 0; break; }  // never trust a header past the block
      const m = n * META_STRIDE;
      meta[m + M_DATA_OFF] = dataOff;
      meta[m + M_CAPLEN] = caplen;
      meta[m + M_WIRELEN] = v.getUint32(h + TH_LEN, true);
      meta[m + M_TS_SEC] = v.getUint32(h + TH_SEC, true);
      meta[m + M_TS_USEC] = Math.floor(v.getUint32(h + TH_NSEC, true) / 1000);
      meta[m + M_FILE_POS] = -1;
      meta[m + M_LINKTYPE] = linktype;
      meta[m + M_HASH] = 0;
      bytes += caplen;
      n++;
      this.left--;
      if (next === 0) this.left = 0;
      this.at += next;
    }
    batch.count = n;
    return bytes;
  }
}
