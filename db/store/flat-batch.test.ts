import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fields } from '../fields/registry.js';
import '../fields/core.js';
import { DocFlattener } from './flat-batch.js';
import { EmbeddedSessionStore } from './session-store.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const pcapDir = path.resolve(repoRoot, '../shared/conformance/pcaps');

function corpusBodies(): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const f of fs.readdirSync(pcapDir).filter((n) => n.endsWith('.test')).sort()) {
    const j = JSON.parse(fs.readFileSync(path.join(pcapDir, f), 'utf8')) as { sessions3: { body: Record<string, unknown> }[] };
    for (const s of j.sessions3) out.push(s.body);
  }
  return out;
}

const stagingFiles = (dir: string): string[] => fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('stage.ndjson'));

test('documents flattened by two separate flatteners (two workers) round-trip exactly', async () => {
  const bodies = corpusBodies();
  assert.ok(bodies.length > 500);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-flat-'));
  const store = await EmbeddedSessionStore.open(dir, { rotateIndex: 'monthly', registry: fields });
  try {
    const workers = [new DocFlattener(fields, 'monthly'), new DocFlattener(fields, 'monthly')];
    bodies.forEach((b, i) => workers[i % 2].add({ ...b, _id: `doc-${i}` }));
    assert.equal(workers[0].pendingRows + workers[1].pendingRows, bodies.length);
    const batches = [...workers[0].take(), ...workers[1].take()];
    assert.equal(workers[0].pendingRows, 0);
    assert.equal(batches.reduce((n, b) => n + b.rows, 0), bodies.length);
    for (const b of batches) assert.equal(Buffer.from(b.bytes).toString().split('\n').length - 1, b.rows, `${b.partition}: one line per row`);
    store.appendBatches(batches);
    assert.equal(store.pendingCount, bodies.length);
    assert.ok(stagingFiles(dir).length > 0, 'pending rows wait in staging files');
    await store.flush();
    assert.deepEqual(stagingFiles(dir), [], 'staging files are gone after the flush');
    assert.equal(await store.count(), bodies.length);
    for (const h of await store.search({})) assert.deepStrictEqual(h.doc, bodies[Number(h.id.slice(4))]);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('rows never flushed leave no staging file behind and are not visible', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-flat-'));
  const store = await EmbeddedSessionStore.open(dir, { rotateIndex: 'daily', registry: fields });
  store.append([{ firstPacket: 1706659200000, lastPacket: 1706659200000, node: 'n' }]);
  assert.equal(stagingFiles(dir).length, 1);
  await store.close();
  assert.deepEqual(stagingFiles(dir), []);
  const again = await EmbeddedSessionStore.open(dir, { rotateIndex: 'daily', registry: fields, readOnly: true });
  try {
    assert.equal(await again.count(), 0);
  } finally {
    await again.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a batch naming something that is not a partition is refused by name', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-flat-'));
  const store = await EmbeddedSessionStore.open(dir, { rotateIndex: 'daily', registry: fields });
  try {
    assert.throws(() => store.appendBatches([{ partition: '../evil', bytes: Buffer.from('{}\n'), rows: 1, maxLine: 2, minLast: 0, maxLast: 0, columns: [] }]),
      /'\.\.\/evil' is not a session partition name/);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a full staging file becomes a segment at once; a line over 1 MiB still reads back', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-flat-'));
  const store = await EmbeddedSessionStore.open(dir, { rotateIndex: 'daily', registry: fields, maxStageBytes: 64 * 1024, autoMerge: false });
  try {
    const flat = new DocFlattener(fields, 'daily');
    const big = 'x'.repeat(1_500_000); // lands in _extra: beyond the 1 MiB default object limit
    const base = 1704067200000;
    for (let i = 0; i < 600; i++) flat.add({ _id: `d-${i}`, firstPacket: base + i, lastPacket: base + i, 'network.packets': i, ...(i === 7 ? { odd: big } : {}) });
    for (let i = 0; i < 3; i++) {
      const part = flat.take();
      assert.ok(part[0].maxLine >= (i === 0 ? big.length : 10));
      store.appendBatches(part);
      for (let j = 0; j < 200; j++) flat.add({ _id: `e-${i}-${j}`, firstPacket: base, lastPacket: base, 'network.packets': 1 });
    }
    store.appendBatches(flat.take());
    assert.ok(store.pendingCount < 1200, 'full staging files left the pending set before any flush');
    await store.flush();
    assert.equal(stagingFiles(dir).length, 0);
    assert.equal(await store.count(), 1200);
    assert.ok(store.segments().length >= 2, 'written in more than one segment');
    const hit = await store.search({ where: `"_id" = 'd-7'` });
    assert.equal((hit[0].doc as { odd: string }).odd.length, big.length);
    const threads = await store.query(`SELECT current_setting('threads') AS t`);
    assert.equal(Number(threads[0].t), 1, 'a writing store keeps DuckDB to one thread');
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
