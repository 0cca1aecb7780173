// Held merges (a bulk import merges once its packet threads are gone): nothing merges while
// held, everything held merges on release, and the DuckDB thread count is restored afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fields } from '../fields/registry.js';
import '../fields/core.js';
import { EmbeddedSessionStore } from './session-store.js';

const base = 1704067200000;

async function flushSegment(store: EmbeddedSessionStore, tag: number, rows: number): Promise<void> {
  const docs: Record<string, unknown>[] = [];
  for (let i = 0; i < rows; i++) docs.push({ _id: `s${tag}-${i}`, firstPacket: base + i, lastPacket: base + tag * 1000 + i, node: 't' });
  store.append(docs);
  await store.flush();
}

test('held merges wait for release, then merge the full tier with more threads', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-hold-'));
  const store = await EmbeddedSessionStore.open(dir, { rotateIndex: 'daily', registry: fields, mergeGraceMs: 60000 });
  try {
    store.holdMerges();
    for (let s = 0; s < 5; s++) await flushSegment(store, s, 20);
    assert.equal(store.segments().length, 5, 'no merge while held');
    await store.releaseMerges(2);
    const segs = store.segments();
    assert.ok(segs.length < 5, `merged on release (${segs.length} segments left)`);
    assert.equal(segs.reduce((n, s) => n + s.rows, 0), 100);
    assert.equal(await store.count(), 100);
    const threads = await store.query(`SELECT current_setting('threads') AS t`);
    assert.equal(Number(threads[0].t), 1, 'the writer goes back to one DuckDB thread');
    // Not held any more: the next full tier merges right after its flush.
    const before = store.segments().length;
    for (let s = 5; s < 9; s++) await flushSegment(store, s, 20);
    await store.flush(); // waits for the merge queued after the last flush
    assert.ok(store.segments().length < before + 4, 'merges run as usual after release');
    assert.equal(await store.count(), 180);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a release with a segment minimum leaves smaller partitions alone', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-hold-'));
  const store = await EmbeddedSessionStore.open(dir, { rotateIndex: 'daily', registry: fields });
  try {
    store.holdMerges();
    for (let s = 0; s < 5; s++) await flushSegment(store, s, 10);
    await store.releaseMerges(1, 6);
    assert.equal(store.segments().length, 5, 'five segments are below the minimum of six');
    assert.equal(await store.count(), 50);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a held partition that gathers too many segments merges anyway', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-hold-'));
  const store = await EmbeddedSessionStore.open(dir, { rotateIndex: 'daily', registry: fields });
  try {
    store.holdMerges();
    for (let s = 0; s < 33; s++) await flushSegment(store, s, 2);
    await store.flush();
    assert.ok(store.segments().length < 33, `bounded while held (${store.segments().length} segments)`);
    assert.equal(await store.count(), 66);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
