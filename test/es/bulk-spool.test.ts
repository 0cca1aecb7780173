// Bulk bodies and the disk spool against the real cluster (ELASTICSEARCH_URL, started by the test
// command). A cluster that is down is a relay in front of it that refuses connections until the
// test switches it on. What arrived, and in which order, is read back from the cluster: one
// primary shard gives each document a sequence number in the order the cluster indexed it.
// (Items refused with 429 by a real write queue: test/es/faults.test.ts.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BulkIndexer, type BulkIndexerOptions } from '../../db/es/bulk-indexer.js';
import { RawHttp } from '../../db/es/http.js';
import { clusterUrl, dropPrefix, esJson, relay, uniquePrefix } from '../support/cluster.js';

const DAY = Date.UTC(2024, 0, 31, 12); // suffix 240131
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-es-spool-'));
const prefixes: string[] = [];

after(async () => { for (const p of prefixes) await dropPrefix(clusterUrl(), p); });

function indexer(nodes: string[], spoolDir: string, o: Partial<BulkIndexerOptions> = {}): { ix: BulkIndexer; http: RawHttp; log: string[]; prefix: string } {
  const http = new RawHttp({ nodes, insecure: false, requestTimeoutMs: 30000 });
  const log: string[] = [];
  const prefix = o.prefix ?? uniquePrefix('spool');
  prefixes.push(prefix);
  const ix = new BulkIndexer({
    http, rotateIndex: 'daily', bulkBytes: 4000, flushMs: 50, concurrency: 1, maxRetries: 3,
    spoolDir, spoolMaxBytes: 64 * 1024 * 1024, gzip: true, backoffMs: 5, maxBackoffMs: 40, log: (l) => log.push(l), ...o, prefix,
  });
  return { ix, http, log, prefix };
}

const doc = (n: number) => ({ n, lastPacket: DAY + n, firstPacket: DAY, source: { ip: '10.0.0.1', port: 1000 + n }, protocol: ['tcp'] });

/** The `n` of every document under `prefix`, in the order the cluster indexed them, and their ids. */
async function arrived(prefix: string): Promise<{ n: number[]; ids: string[] }> {
  const url = clusterUrl();
  await esJson(url, 'POST', `/${prefix}sessions3-*/_refresh`);
  const r = await esJson(url, 'POST', `/${prefix}sessions3-*/_search`, { size: 10000, sort: [{ _seq_no: 'asc' }], seq_no_primary_term: true, _source: ['n'] });
  const hits = r.hits.hits as { _id: string; _source: { n: number } }[];
  return { n: hits.map((h) => h._source.n), ids: hits.map((h) => h._id) };
}

const upTo = (k: number) => Array.from({ length: k }, (_, i) => i);

test('bulk body: NDJSON index actions with index from lastPacket (UTC) and the given or a new _id', () => {
  const { ix, http } = indexer(['http://127.0.0.1:1'], tmp(), { prefix: 'tests_' });
  prefixes.pop();
  assert.deepEqual(ix.indexFor({ lastPacket: Date.UTC(2024, 0, 31, 23, 59) }), { index: 'tests_sessions3-240131', suffix: '240131' });
  const given = ix.add({ _id: '240131-given', lastPacket: DAY, a: 1 });
  const made = ix.add({ lastPacket: DAY, a: 2 });
  assert.equal(given, '240131-given');
  assert.match(made, /^240131-[A-Za-z0-9_-]{24}$/);
  const lines = (ix as unknown as { cur: string[] }).cur.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.deepEqual(lines[0], { index: { _index: 'tests_sessions3-240131', _id: '240131-given' } });
  assert.deepEqual(lines[2], { index: { _index: 'tests_sessions3-240131', _id: made } });
  assert.equal('_id' in lines[1], false, '_id is metadata, never in the source');
  assert.equal(lines[3].a, 2);
  void ix.close().catch(() => undefined); http.close();
});

test('cluster down, then up: every document arrives exactly once and in order', async () => {
  const r = await relay(clusterUrl());
  const dir = tmp();
  const { ix, http, log, prefix } = indexer([r.url], dir);
  for (let n = 0; n < 300; n++) ix.add(doc(n));
  await ix.flush(); // nothing listens: everything must now be on disk
  assert.ok(ix.spooledBatches >= 5, `expected several spooled batches, got ${ix.spooledBatches}`);
  assert.ok(log.some((l) => l.includes('spooling')), 'says it is spooling');
  for (let n = 300; n < 350; n++) ix.add(doc(n)); // more while still down
  await ix.flush();
  await new Promise((res) => setTimeout(res, 100)); // a few refused replay attempts
  await r.on();
  await ix.drain();
  for (let n = 350; n < 400; n++) ix.add(doc(n)); // and after the cluster is back
  await ix.drain();
  const got = await arrived(prefix);
  assert.deepEqual(got.n, upTo(400), 'all 400, in order');
  assert.equal(ix.spooledBatches, 0);
  assert.deepEqual(fs.readdirSync(dir), [], 'spool emptied, no temporary files left');
  assert.equal(ix.stats.indexedDocs, 400);
  await ix.close(); http.close(); await r.off();
});

test('a spool left by a stopped process is replayed first by the next one, in order', async () => {
  const r = await relay(clusterUrl());
  const dir = tmp();
  const a = indexer([r.url], dir);
  for (let n = 0; n < 120; n++) a.ix.add(doc(n));
  await a.ix.close();
  a.http.close();
  const left = fs.readdirSync(dir);
  assert.ok(left.length > 1 && left.every((f) => /^\d{16}\.ndjson\.gz$/.test(f)), `spool files: ${left}`);
  await r.on();
  const b = indexer([r.url], dir, { prefix: a.prefix });
  for (let n = 120; n < 150; n++) b.ix.add(doc(n));
  await b.ix.drain();
  const got = await arrived(a.prefix);
  assert.deepEqual(got.n, upTo(150));
  await b.ix.close(); b.http.close(); await r.off();
});

test('a node that refuses connections is skipped for the next one: nothing spooled', async () => {
  const down = await relay(clusterUrl());
  const dir = tmp();
  const { ix, http, prefix } = indexer([down.url, clusterUrl()], dir, { concurrency: 2 });
  for (let n = 0; n < 200; n++) ix.add(doc(n));
  await ix.drain();
  assert.deepEqual((await arrived(prefix)).n.sort((x, y) => x - y), upTo(200));
  assert.ok(ix.stats.failovers > 0, 'some requests went to the refusing node first');
  assert.equal(ix.stats.spooledBatches, 0, 'one live node is enough: no spooling');
  await ix.close(); http.close();
});

test('documents the cluster refuses (mapping conflict) go to the dead-letter file with their ids; the rest goes on', async () => {
  const dir = tmp();
  const { ix, http, log, prefix } = indexer([clusterUrl()], dir);
  const ids: string[] = [];
  for (let n = 0; n < 10; n++) ids.push(ix.add(n === 7 ? { ...doc(n), source: { ip: '10.0.0.1', port: 'not a port' } } : doc(n)));
  await ix.drain();
  const got = await arrived(prefix);
  assert.deepEqual(got.n.sort((x, y) => x - y), upTo(10).filter((n) => n !== 7));
  assert.equal(ix.stats.rejectedDocs, 1);
  assert.ok(log.some((l) => l.includes(`session ${ids[7]} refused by ${prefix}sessions3-240131`) && l.includes('(400')), log.join('\n'));
  const dead = fs.readFileSync(path.join(dir, 'dead-letter.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.equal(dead.length, 1);
  assert.equal(dead[0].id, ids[7]);
  assert.equal(dead[0].index, `${prefix}sessions3-240131`);
  assert.equal(dead[0].status, 400);
  assert.equal(dead[0].doc.n, 7);
  assert.match(dead[0].error.type, /parsing_exception/);
  await ix.close(); http.close();
});

test('a full spool holds batches in memory and flush waits (backpressure), then all arrive in order', async () => {
  const r = await relay(clusterUrl());
  const { ix, http, log, prefix } = indexer([r.url], tmp(), { spoolMaxBytes: 3000 });
  for (let n = 0; n < 200; n++) ix.add(doc(n));
  let flushed = false;
  const f = ix.flush().then(() => { flushed = true; });
  await new Promise((res) => setTimeout(res, 150));
  assert.equal(flushed, false, 'flush waits while the spool is full and the cluster down');
  assert.ok(log.some((l) => l.includes('is full')));
  await r.on();
  await f;
  await ix.drain();
  assert.deepEqual((await arrived(prefix)).n, upTo(200));
  await ix.close(); http.close(); await r.off();
});
