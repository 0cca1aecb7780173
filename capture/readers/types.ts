// What every packet source hands to the pipeline: a large block of bytes plus a compact
// table of where each packet lies in it. Packets are never copied one by one.

/** Float64 slots per packet in `PacketBatch.meta`. */
export const META_STRIDE = 8;
export const M_DATA_OFF = 0;  // offset of the frame in `buf`
export const M_CAPLEN = 1;    // captured bytes
export const M_WIRELEN = 2;   // original length on the wire
export const M_TS_SEC = 3;    // seconds since epoch
export const M_TS_USEC = 4;   // microseconds (nanosecond files are rounded down)
export const M_FILE_POS = 5;  // byte offset of the record in its file (Arkime packetPos), -1 if none
export const M_LINKTYPE = 6;  // DLT / LINKTYPE of the packet's interface
export const M_HASH = 7;      // flow hash, filled by the dispatcher (unused by readers)

export class PacketBatch {
  /** Bytes the packets live in; may be backed by a SharedArrayBuffer. */
  buf: Uint8Array;
  meta: Float64Array;
  count = 0;

  constructor(buf: Uint8Array, maxPackets: number, meta?: Float64Array) {
    this.buf = buf;
    this.meta = meta ?? new Float64Array(maxPackets * META_STRIDE);
  }

  get capacity(): number { return this.meta.length / META_STRIDE; }
}

/** A fault in an input file: names the file and the byte offset. */
export class ReaderError extends Error {
  constructor(readonly file: string, readonly offset: number, readonly reason: string) {
    super(`${file}: ${reason} at byte offset ${offset}`);
  }
}

/** Options of the file sources (openPacketSource, openPcapFile, openPcapngFile). */
export interface PacketSourceOptions {
  /** Bytes per read; default 16 MiB. The batch buffer should hold a chunk plus one record. */
  chunkSize?: number;
  /** Largest caplen accepted before a record counts as corrupt; default max(262144, snaplen ≤ 16 MiB). */
  maxCaplen?: number;
}

export interface PacketSource {
  readonly path: string;
  /** Total size of the input when known (progress), else -1. */
  readonly size: number;
  /** Bytes consumed so far. */
  readonly position: number;
  /**
   * Fill `batch` with the next packets (resets `batch.count`). Returns false when the source
   * is exhausted. A corrupt or truncated file ends the source: every packet before the fault
   * has been delivered, and `error` tells where it was.
   */
  next(batch: PacketBatch): boolean;
  readonly error: ReaderError | undefined;
  close(): void;
}
