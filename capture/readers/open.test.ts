import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { openPacketSource, newFileBatch } from './open.js';
import { PcapFileSource } from './pcap-file.js';
import { PcapngFileSource } from './pcapng-file.js';
import { ReaderError } from './types.js';
import { NgBuilder, buildPcap, bytesOf, readAll, smallBatch, tempDir } from './test-files.js';

const tmp = tempDir();
test.after(() => tmp.remove());

// dist/capture/readers/open.test.js → the folder holding package.json
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const corpus = path.resolve(repoRoot, '../shared/conformance/pcaps');

test('openPacketSource picks the reader by magic', () => {
  const a = openPacketSource(tmp.file('a.cap', buildPcap({ le: false, nanos: true, packets: [{ sec: 1, frac: 5000, data: bytesOf(30, 1) }] })));
  assert.ok(a instanceof PcapFileSource);
  assert.deepEqual(readAll(a, [smallBatch(4096, 4)]).map(p => p.usec), [5]);
  const ng = new NgBuilder();
  ng.shb(false); ng.idb(1, 0); ng.epb(0, 7n, bytesOf(30, 1));
  const b = openPacketSource(tmp.file('b.cap', ng.bytes()));
  assert.ok(b instanceof PcapngFileSource);
  assert.deepEqual(readAll(b, [smallBatch(4096, 4)]).map(p => p.usec), [7]);
});

test('unknown format: error names the file and the magic found', () => {
  const p = tmp.file('junk.bin', new TextEncoder().encode('GIF89a....'));
  assert.throws(() => openPacketSource(p), (e: unknown) =>
    e instanceof ReaderError && e.offset === 0 && e.message.includes('junk.bin') && /magic 0x47494638/.test(e.message));
  assert.throws(() => openPacketSource(tmp.file('tiny.bin', Uint8Array.of(1, 2))), /tiny\.bin: unknown capture file format \(2 byte\(s\)/);
  assert.throws(() => openPacketSource(tmp.file('none.bin', new Uint8Array(0))), /none\.bin: empty file/);
});

/** Independent count: walk record headers with a DataView over the whole file. */
function countRecords(bytes: Uint8Array): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const m = dv.getUint32(0, true);
  const le = m === 0xa1b2c3d4 || m === 0xa1b23c4d;
  let n = 0;
  for (let p = 24; p + 16 <= bytes.length; n++) p += 16 + dv.getUint32(p + 8, le);
  return n;
}

test('every conformance pcap reads to the end with the independent packet count', () => {
  const files = readdirSync(corpus).filter(f => f.endsWith('.pcap')).sort();
  assert.ok(files.length > 50, `corpus at ${corpus} has ${files.length} pcaps`);
  const batch = newFileBatch(1 << 20, 4096);
  let total = 0;
  for (const f of files) {
    const full = path.join(corpus, f);
    const want = countRecords(readFileSync(full));
    const src = openPacketSource(full, { chunkSize: 1 << 20 });
    let n = 0;
    while (src.next(batch)) n += batch.count;
    assert.equal(src.error, undefined, `${f}: ${src.error?.message}`);
    assert.equal(n, want, f);
    assert.equal(src.position, src.size, f);
    src.close();
    total += n;
  }
  assert.ok(total > 1000);
});
