import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { adoptSharedTables, derivedCachePath, exportSharedTables, readFileShared, sharedTable, writeCacheFile } from './shared-tables.js';

test('a table is built once per key, exported as shared memory and adopted by a worker without a copy', async () => {
  let builds = 0;
  const build = () => { builds++; const b = new Uint8Array(new SharedArrayBuffer(4)); b.set([1, 2, 3, 4]); return b; };
  const t = sharedTable('test:a', build);
  assert.equal(sharedTable('test:a', build), t);
  assert.equal(builds, 1);
  sharedTable('test:not-shared', () => new Uint8Array(4)); // plain memory stays out of the export
  const list = exportSharedTables().filter(([k]) => k.startsWith('test:'));
  assert.deepEqual(list.map(([k]) => k), ['test:a']);
  // The worker writes into the table it adopted; the parent sees the write: one copy.
  const code = `const { workerData, parentPort } = require('node:worker_threads');
    const b = new Uint8Array(workerData[0][1]); b[0] = 9; parentPort.postMessage(b[3]);`;
  const w = new Worker(code, { eval: true, workerData: list });
  const got = await new Promise((r) => w.once('message', r));
  await w.terminate();
  assert.equal(got, 4);
  assert.equal(t[0], 9);
  adoptSharedTables([['test:a', new SharedArrayBuffer(8)]]);
  assert.equal(sharedTable('test:a', build), t, 'a table already registered is kept');
});

test('cache path follows the source (node_modules/.cache/packrat) and its size; cache writes are atomic', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'shared-tables-'));
  try {
    const src = path.join(dir, 'node_modules', 'pkg', 'a.csv');
    const other = path.join(dir, 'plain.csv');
    writeFileSync(other, 'x');
    assert.throws(() => derivedCachePath('asn', 1, [src]), /ENOENT/);
    mkdirSync(path.dirname(src), { recursive: true });
    writeFileSync(src, 'abc');
    const p1 = derivedCachePath('asn', 1, [src]);
    assert.equal(path.dirname(p1), path.join(dir, 'node_modules', '.cache', 'packrat'));
    assert.notEqual(derivedCachePath('asn', 2, [src]), p1, 'another form version, another file');
    writeFileSync(src, 'abcd');
    assert.notEqual(derivedCachePath('asn', 1, [src]), p1, 'a changed source, another file');
    assert.equal(path.dirname(derivedCachePath('asn', 1, [other])), path.join(tmpdir(), 'packrat-cache'));

    assert.equal(writeCacheFile(p1, new Uint8Array([5, 6, 7])), true);
    assert.deepEqual([...readFileSync(p1)], [5, 6, 7]);
    assert.deepEqual([...readFileShared(p1)], [5, 6, 7]);
    assert.ok(readFileShared(p1).buffer instanceof SharedArrayBuffer);
    assert.equal(writeCacheFile(path.join(other, 'under-a-file.bin'), new Uint8Array(1)), false, 'unwritable: false, no throw');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
