import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { META_STRIDE, M_CAPLEN, M_DATA_OFF, M_FILE_POS, M_LINKTYPE, M_TS_SEC, M_TS_USEC, M_WIRELEN, PacketBatch } from '../readers/types.js';
import { BlockCursor } from './block-walker.js';
import { makeBlock } from './block-fixture.js';

describe('BlockCursor', () => {
  it('describes every packet of a block by offset, across batches smaller than the block', () => {
    const frames = [
      { sec: 100, nsec: 1_999, data: [1, 2, 3] },
      { sec: 101, nsec: 999_999_999, data: [4, 5, 6, 7], wirelen: 1500 },
      { sec: 102, nsec: 0, data: [8] },
    ];
    const block = makeBlock(4096, frames);
    const ring = new Uint8Array(8192);
    ring.set(block, 4096);  // second block of a ring
    const view = new DataView(ring.buffer);
    const cur = new BlockCursor();
    assert.equal(cur.begin(view, new Uint8Array(ring.buffer, 4096, 4096), 4096), 3);
    const batch = new PacketBatch(new Uint8Array(0), 2);
    assert.equal(cur.fill(batch, 1), 7);
    assert.equal(batch.count, 2);
    const m = batch.meta;
    assert.deepEqual([m[M_CAPLEN], m[M_WIRELEN], m[M_TS_SEC], m[M_TS_USEC], m[M_FILE_POS], m[M_LINKTYPE]], [3, 3, 100, 1, -1, 1]);
    assert.deepEqual(Array.from(batch.buf.subarray(m[M_DATA_OFF], m[M_DATA_OFF] + 3)), [1, 2, 3]);
    const s = META_STRIDE;
    assert.deepEqual([m[s + M_CAPLEN], m[s + M_WIRELEN], m[s + M_TS_USEC]], [4, 1500, 999_999]);
    assert.deepEqual(Array.from(batch.buf.subarray(m[s + M_DATA_OFF], m[s + M_DATA_OFF] + 4)), [4, 5, 6, 7]);
    assert.equal(cur.left, 1);
    cur.fill(batch, 1);
    assert.equal(batch.count, 1);
    assert.deepEqual(Array.from(batch.buf.subarray(m[M_DATA_OFF], m[M_DATA_OFF] + 1)), [8]);
    assert.equal(cur.left, 0);
  });

  it('stops at a header that points past the block instead of reading outside it', () => {
    const block = makeBlock(256, [{ sec: 1, nsec: 0, data: [1, 2] }]);
    new DataView(block.buffer).setUint32(48 + 12, 10_000, true);  // caplen beyond the block
    const cur = new BlockCursor();
    cur.begin(new DataView(block.buffer), block, 0);
    const batch = new PacketBatch(new Uint8Array(0), 4);
    cur.fill(batch, 1);
    assert.equal(batch.count, 0);
    assert.equal(cur.left, 0);
  });
});
