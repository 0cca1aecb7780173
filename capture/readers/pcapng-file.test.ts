import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPcapngFile } from './pcapng-file.js';
import { ReaderError } from './types.js';
import { NgBuilder, bytesOf, readAll, smallBatch, tempDir } from './test-files.js';

const tmp = tempDir();
test.after(() => tmp.remove());

const SEC = 1704067200n;

/** Two sections: LE with two interfaces (Ethernet µs; raw IP ns + tsoffset), then BE with 2^-20 and an SPB. */
function twoSections() {
  const ng = new NgBuilder();
  const pos: number[] = [];
  ng.shb(true);
  ng.idb(1, 65535);                                        // if 0: default µs
  ng.idb(101, 0, { tsresol: 9, tsoffset: 100 });            // if 1: ns, +100 s
  ng.block(4, Uint8Array.of(1, 0, 8, 0, 10, 0, 0, 1, 0x61, 0x62, 0x63, 0, 0, 0, 0, 0)); // NRB, skipped
  pos.push(ng.epb(0, SEC * 1_000_000n + 123_456n, bytesOf(60, 1), 60));
  pos.push(ng.epb(1, SEC * 1_000_000_000n + 999_999_999n, bytesOf(41, 2), 1500));
  ng.block(5, new Uint8Array(20));                         // ISB, skipped
  ng.block(0x00000bad, bytesOf(33, 9));                    // custom block, skipped
  pos.push(ng.epb(0, (SEC + 1n) * 1_000_000n, bytesOf(3, 3), 3));
  ng.shb(false);
  ng.idb(113, 64, { tsresol: 0x80 | 20 });                 // 2^-20 s units, snaplen 64
  pos.push(ng.epb(0, (SEC + 2n) * (1n << 20n) + (1n << 19n), bytesOf(64, 4), 200));
  pos.push(ng.spb(bytesOf(70, 5), 70));                    // SPB longer than snaplen
  pos.push(ng.spb(bytesOf(10, 6), 10));                    // SPB with padding after 10 bytes
  return { bytes: ng.bytes(), pos };
}

test('pcapng: two sections of both byte orders, interfaces with own linktype and tsresol, SPB', () => {
  const { bytes, pos } = twoSections();
  const src = openPcapngFile(tmp.file('two.pcapng', bytes));
  const got = readAll(src, [smallBatch(1 << 16, 64)]);
  assert.equal(src.error, undefined);
  assert.equal(src.sections, 2);
  assert.deepEqual(got.map(g => [g.linktype, g.caplen, g.wirelen, g.sec, g.usec, g.pos]), [
    [1, 60, 60, 1704067200, 123456, pos[0]],
    [101, 41, 1500, 1704067300, 999999, pos[1]],
    [1, 3, 3, 1704067201, 0, pos[2]],
    [113, 64, 200, 1704067202, 500000, pos[3]],
    [113, 64, 70, 0, 0, pos[4]],
    [113, 10, 10, 0, 0, pos[5]],
  ]);
  assert.deepEqual(got[1].data, [...bytesOf(41, 2)]);
  assert.deepEqual(got[4].data, [...bytesOf(70, 5).subarray(0, 64)]);
  assert.deepEqual(got[5].data, [...bytesOf(10, 6)]);
  assert.equal(src.position, bytes.length);
  src.close();
});

test('pcapng: blocks straddling chunk ends with tiny chunks and alternating buffers', () => {
  const { bytes } = twoSections();
  const path = tmp.file('straddle.pcapng', bytes);
  const want = readAll(openPcapngFile(path), [smallBatch(1 << 16, 64)]);
  for (const chunkSize of [1, 3, 12, 13, 50]) {
    for (const nb of [1, 2]) {
      const src = openPcapngFile(path, { chunkSize });
      const got = readAll(src, Array.from({ length: nb }, () => smallBatch(400, 2)));
      assert.equal(src.error, undefined);
      assert.deepEqual(got, want, `chunk ${chunkSize} batches ${nb}`);
      src.close();
    }
  }
});

test('pcapng: a skipped block larger than the batch buffer is stepped over', () => {
  const ng = new NgBuilder();
  ng.shb(true); ng.idb(1, 0);
  ng.block(0x0000000a, new Uint8Array(5000)); // DSB-sized blob
  const p = ng.epb(0, 5n, bytesOf(20, 1));
  const src = openPcapngFile(tmp.file('bigskip.pcapng', ng.bytes()), { chunkSize: 64 });
  const got = readAll(src, [smallBatch(1024, 4)]);
  assert.equal(src.error, undefined);
  assert.deepEqual(got.map(g => g.pos), [p]);
});

test('pcapng truncated inside a block: earlier packets kept, error at block offset', () => {
  const { bytes, pos } = twoSections();
  const path = tmp.file('trunc.pcapng', bytes.subarray(0, pos[3] + 20));
  for (const chunkSize of [undefined, 5]) {
    const src = openPcapngFile(path, { chunkSize });
    assert.equal(readAll(src, [smallBatch(4096, 8)]).length, 3);
    assert.ok(src.error instanceof ReaderError);
    assert.equal(src.error.offset, pos[3]);
    assert.match(src.error.message, new RegExp(`trunc\\.pcapng: truncated block.* at byte offset ${pos[3]}$`));
    src.close();
  }
});

test('pcapng corrupt: unknown interface id, bad trailing length', () => {
  const ng = new NgBuilder();
  ng.shb(true); ng.idb(1, 0);
  ng.epb(0, 1n, bytesOf(8, 1));
  const bad = ng.epb(3, 1n, bytesOf(8, 2));
  const src = openPcapngFile(tmp.file('badif.pcapng', ng.bytes()));
  assert.equal(readAll(src, [smallBatch(4096, 8)]).length, 1);
  assert.equal(src.error?.offset, bad);
  assert.match(src.error!.reason, /interface id 3 but 1 interface/);

  const ng2 = new NgBuilder();
  ng2.shb(true); ng2.idb(1, 0);
  const p = ng2.epb(0, 1n, bytesOf(8, 1));
  const b2 = ng2.bytes();
  b2[b2.length - 4] ^= 0x40;
  const src2 = openPcapngFile(tmp.file('badtrail.pcapng', b2));
  assert.equal(readAll(src2, [smallBatch(4096, 8)]).length, 0);
  assert.equal(src2.error?.offset, p);
  assert.match(src2.error!.reason, /trailing length/);
});

test('pcapng garbage and empty files are refused at offset 0', () => {
  assert.throws(() => openPcapngFile(tmp.file('e.pcapng', new Uint8Array(0))), /e\.pcapng: empty file at byte offset 0/);
  assert.throws(() => openPcapngFile(tmp.file('g.pcapng', bytesOf(64, 3))), (e: unknown) => e instanceof ReaderError && e.offset === 0 && /g\.pcapng: not a pcapng section header/.test(e.message));
});
