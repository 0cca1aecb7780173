import { it } from 'node:test';
import assert from 'node:assert/strict';
import { FilePositions, FILE_SLOT_SCALE } from './file-positions.js';

it('positions across rotated files become -fileNum markers, gap encoded', () => {
  const fp = new FilePositions();
  fp.fileOpened(41);
  const a = [fp.encode(41, 24), fp.encode(41, 124), fp.encode(41, 224)];
  fp.fileOpened(42);
  const b = [fp.encode(42, 24), fp.encode(42, 524)];
  assert.equal(a[0], FILE_SLOT_SCALE + 24);
  const doc: Record<string, unknown> = { packetPos: [...a, ...b], packetLen: [100, 100, 100, 500, 500] };
  fp.rewrite(doc, true);
  assert.deepEqual(doc.packetPos, [-41, 24, 100, 0, -42, 24, 500]);
  assert.deepEqual(doc.fileId, [41, 42]);
  assert.deepEqual(doc.packetLen, [0, 100, 100, 100, 0, 500, 500]);
  const plain: Record<string, unknown> = { packetPos: [...a, ...b] };
  fp.rewrite(plain, false);
  assert.deepEqual(plain.packetPos, [-41, 24, 124, 224, -42, 24, 524]);
});

it('a packet that was not written is left out and tags the session pcap-disk-overload', () => {
  const fp = new FilePositions();
  fp.fileOpened(7);
  const doc: Record<string, unknown> = { packetPos: [fp.encode(7, 24), fp.encode(7, 0), fp.encode(99, 50)], tags: ['x'] };
  fp.rewrite(doc, false);
  assert.deepEqual(doc.packetPos, [-7, 24]);
  assert.deepEqual(doc.tags, ['x', 'pcap-disk-overload']);
  assert.equal(doc.tagsCnt, 2);
});
