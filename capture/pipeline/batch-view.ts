// A packet worker's view of the shared batch buffers the main thread sends with each 'batch'
// message: the typed-array views are rebuilt only when the buffers themselves change.
import { PacketBatch } from '../readers/types.js';

export interface SharedBatchMessage { buf: SharedArrayBuffer; meta: SharedArrayBuffer; count: number; idx: SharedArrayBuffer }

export class SharedBatchView {
  private batch: PacketBatch | undefined;
  private buf: SharedArrayBuffer | undefined;
  /** Indexes of this worker's packets in the batch (the first `n` of the message). */
  idx: Int32Array<ArrayBufferLike> = new Int32Array(0);

  adopt(m: SharedBatchMessage): PacketBatch {
    if (this.buf !== m.buf || !this.batch) {
      this.buf = m.buf;
      this.batch = new PacketBatch(new Uint8Array(m.buf), 0, new Float64Array(m.meta));
    } else if (this.batch.meta.buffer !== m.meta) this.batch.meta = new Float64Array(m.meta);
    if (this.idx.buffer !== m.idx) this.idx = new Int32Array(m.idx);
    this.batch.count = m.count;
    return this.batch;
  }
}
