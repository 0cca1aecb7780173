// Large-chunk file input shared by the pcap and pcapng readers. Bytes are read with readSync
// straight into the caller's batch buffer; a record cut by the end of a read is moved to the
// start of the buffer before the next read (one small copy per chunk, never one per packet).
//
// Invariant the readers keep: the window [off, end) of `buf` holds file bytes
// [base + off, base + end) not yet handed out. Compaction (moving the window to 0) happens only
// when the batch being filled holds no packet yet, so packets of the current batch never move.

import { closeSync, readSync } from 'node:fs';

export const DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024;

export class ChunkedFile {
  buf: Uint8Array | undefined;
  off = 0;
  end = 0;
  /** File offset of buf[0]. */
  base: number;
  eof = false;
  private fd: number;

  constructor(fd: number, readonly size: number, startPos: number, readonly chunkSize = DEFAULT_CHUNK_SIZE) {
    if (!(chunkSize >= 1)) throw new RangeError(`chunk size must be positive, got ${chunkSize}`);
    this.fd = fd;
    this.base = startPos;
  }

  /** File offset of the first byte not yet handed out. */
  get position(): number { return this.base + this.off; }

  /**
   * Make `b` the buffer the next packets go into. When it is not the buffer used last time, the
   * unconsumed bytes (normally a partial record) are copied over from the old one; the caller
   * must not have overwritten that tail of its previous batch buffer.
   */
  attach(b: Uint8Array): void {
    const old = this.buf;
    if (old === b) return;
    const pending = this.end - this.off;
    if (pending > b.length) throw new RangeError(`batch buffer of ${b.length} bytes cannot hold the ${pending} pending bytes`);
    if (old && pending > 0) b.set(old.subarray(this.off, this.end), 0);
    this.base += this.off;
    this.end = pending;
    this.off = 0;
    this.buf = b;
  }

  /**
   * Ensure `need` bytes are available at `off`, moving the window to the start of the buffer and
   * reading at least a chunk. Call only while the current batch is empty. Returns false when the
   * file ends first (the window then holds what remained).
   */
  refill(need: number): boolean {
    const b = this.buf!;
    if (need > b.length) throw new RangeError(`a record of ${need} bytes at file offset ${this.position} does not fit the batch buffer of ${b.length} bytes`);
    if (this.off > 0) {
      if (this.end > this.off) b.copyWithin(0, this.off, this.end);
      this.base += this.off;
      this.end -= this.off;
      this.off = 0;
    }
    const target = Math.max(need, Math.min(this.chunkSize, b.length));
    while (this.end < target && !this.eof) {
      const want = Math.min(b.length - this.end, Math.max(target - this.end, this.chunkSize));
      const n = readSync(this.fd, b, this.end, want, this.base + this.end);
      if (n === 0) this.eof = true;
      else this.end += n;
    }
    return this.end - this.off >= need;
  }

  /** Skip `n` bytes from `off`, beyond what is buffered if need be. Returns false past the file's end. */
  skip(n: number): boolean {
    if (this.end - this.off >= n) { this.off += n; return true; }
    const target = this.base + this.off + n;
    if (target > this.size) return false;
    this.base = target;
    this.off = this.end = 0;
    return true;
  }

  close(): void {
    if (this.fd >= 0) { closeSync(this.fd); this.fd = -1; }
  }
}
