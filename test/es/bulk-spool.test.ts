// Bulk bodies and the disk spool against a local HTTP server that first refuses connections
// (nothing listens on its port) and then accepts. These tests prove what Packrat sends — every
// document exactly once, in order, with stable ids — not what Elasticsearch does with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BulkIndexer, type BulkIndexerOptions } from '../../db/es/bulk-indexer.js';
import { RawHttp } from '../../db/es/http.js';
import { freePort, parseBulk, startMockEs } from './mock-es.js';

const DAY = Date.UTC(2024, 0, 31, 12); // suffix 240131
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-es-spool-'));

function indexer(port: number, spoolDir: string, o: Partial<BulkIndexerOptions> = {}): { ix: BulkIndexer; http: RawHttp; log: string[] } {
  const http = new RawHttp({ nodes: [`http://127.0.0.1:${port}`], insecure: false, requestTimeoutMs: 5000 });
  const log: string[] = [];
  const ix = new BulkIndexer({
    http, prefix: 'tests_', rotateIndex: 'daily', bulkBytes: 4000, flushMs: 50, concurrency: 1, maxRetries: 3,
    spoolDir, spoolMaxBytes: 64 * 1024 * 1024, gzip: true, backoffMs: 5, maxBackoffMs: 40, log: (l) => log.push(l), ...o,
  });
  return { ix, http, log };
}

const doc = (n: number) => ({ n, lastPacket: DAY + n, firstPacket: DAY, source: { ip: '10.0.0.1', port: 1000 + n }, protocol: ['tcp'] });

test('bulk body: NDJSON index actions with index from lastPacket (UTC) and the given or a new _id', () => {
  const dir = tmp();
  const { ix, http } = indexer(1, dir);
  assert.deepEqual(ix.indexFor({ lastPacket: Date.UTC(2024, 0, 31, 23, 59) }), { index: 'tests_sessions3-240131', suffix: '240131' });
  const given = ix.add({ _id: '240131-given', lastPacket: DAY, a: 1 });
  const made = ix.add({ lastPacket: DAY, a: 2 });
  assert.equal(given, '240131-given');
  assert.match(made, /^240131-[A-Za-z0-9_-]{24}$/);
  const body = Buffer.from((ix as unknown as { cur: string[] }).cur.join(''));
  const lines = parseBulk(body, false);
  assert.deepEqual(lines.map((l) => [l.index, l.id]), [['tests_sessions3-240131', '240131-given'], ['tests_sessions3-240131', made]]);
  assert.equal('_id' in lines[0].doc, false, '_id is metadata, never in the source');
  assert.equal(lines[1].doc.a, 2);
  void ix.close().catch(() => undefined); http.close();
});

test('refused, then accepting: every document arrives exactly once and in order', async () => {
  const port = await freePort();
  const dir = tmp();
  const { ix, http, log } = indexer(port, dir);
  for (let n = 0; n < 300; n++) ix.add(doc(n));
  await ix.flush(); // nothing listens: everything must now be on disk
  assert.ok(ix.spooledBatches >= 5, `expected several spooled batches, got ${ix.spooledBatches}`);
  assert.ok(log.some((l) => l.includes('spooling')), 'says it is spooling');
  for (let n = 300; n < 350; n++) ix.add(doc(n)); // more while still down
  await ix.flush();
  await new Promise((r) => setTimeout(r, 100)); // a few refused replay attempts
  const es = await startMockEs({ port });
  await ix.drain();
  for (let n = 350; n < 400; n++) ix.add(doc(n)); // and after the cluster is back
  await ix.drain();
  assert.deepEqual(es.bulk.map((l) => l.doc.n), Array.from({ length: 400 }, (_, i) => i), 'all 400, in order');
  assert.equal(new Set(es.bulk.map((l) => l.id)).size, 400, 'no id twice');
  assert.equal(ix.spooledBatches, 0);
  assert.deepEqual(fs.readdirSync(dir), [], 'spool emptied, no temporary files left');
  assert.equal(ix.stats.indexedDocs, 400);
  await ix.close(); http.close(); await es.close();
});

test('a spool left by a stopped process is replayed first by the next one, in order', async () => {
  const port = await freePort();
  const dir = tmp();
  const a = indexer(port, dir);
  for (let n = 0; n < 120; n++) a.ix.add(doc(n));
  await a.ix.close();
  a.http.close();
  const left = fs.readdirSync(dir);
  assert.ok(left.length > 1 && left.every((f) => /^\d{16}\.ndjson\.gz$/.test(f)), `spool files: ${left}`);
  const es = await startMockEs({ port });
  const b = indexer(port, dir);
  for (let n = 120; n < 150; n++) b.ix.add(doc(n));
  await b.ix.drain();
  assert.deepEqual(es.bulk.map((l) => l.doc.n), Array.from({ length: 150 }, (_, i) => i));
  assert.equal(new Set(es.bulk.map((l) => l.id)).size, 150);
  await b.ix.close(); b.http.close(); await es.close();
});

test('items refused with 429 are resent alone, with backoff, and land once', async () => {
  const es = await startMockEs();
  es.itemStatus = (l, seen) => ((l.doc.n as number) % 3 === 0 && seen === 1 ? 429 : 201);
  const { ix, http } = indexer(es.port, tmp(), { concurrency: 3 });
  for (let n = 0; n < 90; n++) ix.add(doc(n));
  await ix.drain();
  const got = es.bulk.map((l) => l.doc.n as number).sort((x, y) => x - y);
  assert.deepEqual(got, Array.from({ length: 90 }, (_, i) => i), 'each document indexed exactly once');
  assert.ok(ix.stats.retries > 0);
  assert.equal(ix.stats.rejectedDocs, 0);
  await ix.close(); http.close(); await es.close();
});

test('documents refused for good (400 mapping error) are reported, not retried forever', async () => {
  const es = await startMockEs();
  es.itemStatus = (l) => (l.doc.n === 7 ? 400 : 201);
  const { ix, http, log } = indexer(es.port, tmp());
  for (let n = 0; n < 10; n++) ix.add(doc(n));
  await ix.drain();
  assert.equal(es.bulk.length, 9);
  assert.equal(ix.stats.rejectedDocs, 1);
  assert.ok(log.some((l) => l.includes('refused (400')), log.join('\n'));
  await ix.close(); http.close(); await es.close();
});

test('a full spool holds batches in memory and flush waits (backpressure), then all arrive in order', async () => {
  const port = await freePort();
  const dir = tmp();
  const { ix, http, log } = indexer(port, dir, { spoolMaxBytes: 3000 });
  for (let n = 0; n < 200; n++) ix.add(doc(n));
  let flushed = false;
  const f = ix.flush().then(() => { flushed = true; });
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(flushed, false, 'flush waits while the spool is full and the cluster down');
  assert.ok(log.some((l) => l.includes('is full')));
  const es = await startMockEs({ port });
  await f;
  await ix.drain();
  assert.deepEqual(es.bulk.map((l) => l.doc.n), Array.from({ length: 200 }, (_, i) => i));
  await ix.close(); http.close(); await es.close();
});
