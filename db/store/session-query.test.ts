// The embedded backend's bounded aggregations: connections over the first `size` sessions in
// sort order (Arkime's semantics), and the SPI view estimated from a weighted sample on large
// matches (exact on small ones or when asked).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fields } from '../fields/registry.js';
import '../fields/core.js';
import { SqliteControl } from './sqlite-control-store.js';
import { EmbeddedSessionStore } from './session-store.js';
import { EmbeddedSearchBackend } from './session-query.js';

const T0 = Date.UTC(2024, 0, 15);
const BIG = 40000, SMALL = 2000;
let dir: string;
let store: EmbeddedSessionStore;
let control: SqliteControl;

/** Session i: source 10.0.(i%50).1 → 192.168.0.(i%7), port 80 for one in four, tag big/small. */
function doc(i: number, tag: string): Record<string, unknown> {
  const first = T0 + i * 1000;
  return {
    firstPacket: first, lastPacket: first + 500, ipProtocol: 6, node: 'n1',
    source: { ip: `10.0.${i % 50}.1`, port: 1024 + i, packets: 1, bytes: 100 },
    destination: { ip: `192.168.0.${i % 7}`, port: i % 4 === 0 ? 80 : 443, packets: 1, bytes: 100 },
    network: { packets: 2, bytes: 200 }, totDataBytes: 10, tags: [tag], tagsCnt: 1,
    protocol: i % 100 === 0 ? ['tcp', 'rare'] : ['tcp'], protocolCnt: i % 100 === 0 ? 2 : 1,
  };
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-squery-'));
  store = await EmbeddedSessionStore.open(dir, { rotateIndex: 'daily', registry: fields, autoMerge: false });
  for (let i = 0; i < BIG; i++) store.append([doc(i, 'big')]);
  await store.flush(); // one large segment
  for (let i = BIG; i < BIG + SMALL; i++) store.append([doc(i, 'small')]);
  await store.flush(); // and a small one, which a sample must not over-count
  control = SqliteControl.open(dir);
});

after(async () => {
  await store.close();
  control.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('connections examine only the first `size` sessions in sort order', async () => {
  const b = new EmbeddedSearchBackend(store, control, fields);
  const q = { expressions: [] };
  const pairs = await b.pairs(q, { src: 'source.ip', dst: 'destination.ip', sums: ['network.bytes'], limit: 1000,
    sample: { sort: [], size: 10 } });
  // firstPacket ascending: sessions 0..9, each its own (src, dst) pair
  assert.equal(pairs.reduce((n, p) => n + p.count, 0), 10);
  assert.deepEqual(pairs.map((p) => p.src).sort(), Array.from({ length: 10 }, (_, i) => `10.0.${i}.1`).sort());
  assert.equal(pairs[0].sums[0], 200 * pairs[0].count);
  const last = await b.pairs(q, { src: 'source.ip', dst: 'destination.ip:port', sums: [], limit: 1000,
    sample: { sort: [{ field: 'firstPacket', order: 'desc' }], size: 3 } });
  const n = BIG + SMALL;
  assert.deepEqual(last.map((p) => p.src).sort(), [n - 1, n - 2, n - 3].map((i) => `10.0.${i % 50}.1`).sort());
  assert.ok(last.every((p) => /^192\.168\.0\.\d:(80|443)$/.test(p.dst)), 'ip:port destination');
  const all = await b.pairs(q, { src: 'source.ip', dst: 'destination.ip', sums: [], limit: 10000 });
  assert.equal(all.reduce((s, p) => s + p.count, 0), n, 'without a sample every session counts');
});

test('SPI view: exact on small matches, weighted sample on large ones, exact when asked', async () => {
  const fieldsWanted = [{ field: 'tags', size: 5 }, { field: 'destination.port', size: 5 }, { field: 'source.ip', size: 3 }];
  const n = BIG + SMALL;
  const exact = await new EmbeddedSearchBackend(store, control, fields).termsMany({ expressions: [] }, fieldsWanted);
  assert.equal(exact.sample, undefined);
  assert.equal(exact.count, n);
  assert.deepEqual(exact.fields[0].buckets, [{ key: 'big', doc_count: BIG }, { key: 'small', doc_count: SMALL }]);
  assert.deepEqual(exact.fields[1].buckets, [{ key: 443, doc_count: n * 3 / 4 }, { key: 80, doc_count: n / 4 }]);
  assert.deepEqual(exact.fields[2].buckets.map((x) => x.doc_count), [n / 50, n / 50, n / 50]);
  assert.equal(exact.fields[2].sum_other_doc_count, n - 3 * n / 50);
  const sampling = new EmbeddedSearchBackend(store, control, fields, { spiExactRows: 1000, spiSampleRows: 4000 });
  const est = await sampling.termsMany({ expressions: [] }, fieldsWanted);
  assert.ok(est.sample && est.sample.sessions < n / 3, `sampled ${est.sample?.sessions} of ${n}`);
  assert.equal(est.count, n, 'the match count stays exact');
  const byKey = (r: typeof est.fields[number]) => new Map(r.buckets.map((x) => [x.key, x.doc_count]));
  // the small segment is read whole (weight 1), the large one stands for all its rows
  assert.equal(byKey(est.fields[0]).get('small'), SMALL);
  assert.ok(Math.abs(byKey(est.fields[0]).get('big')! - BIG) < BIG * 0.02, `big ≈ ${BIG}: ${byKey(est.fields[0]).get('big')}`);
  const p443 = byKey(est.fields[1]).get(443)!;
  assert.ok(Math.abs(p443 - n * 3 / 4) < n * 0.05, `port 443 ≈ ${n * 3 / 4}: ${p443}`);
  const total = est.fields[1].buckets.reduce((s, x) => s + x.doc_count, 0) + est.fields[1].sum_other_doc_count;
  assert.ok(Math.abs(total - n) < n * 0.02, `estimated total ≈ ${n}: ${total}`);
  // values seen in too few sampled sessions for a tight estimate are recounted exactly: a scalar
  // (each source.ip is in 1/50 of the sessions) and a list value (protocol 'rare', 1/100)
  assert.deepEqual(est.fields[2].buckets.map((x) => x.doc_count), [n / 50, n / 50, n / 50]);
  const proto = await sampling.termsMany({ expressions: [] }, [{ field: 'protocol', size: 5 }, { field: 'source.port', size: 3 }]);
  assert.ok(proto.sample);
  assert.equal(new Map(proto.fields[0].buckets.map((x) => [x.key, x.doc_count])).get('rare'), n / 100);
  // a number: every source port is used once, and a sample would have said ~10
  assert.deepEqual(proto.fields[1].buckets.map((x) => x.doc_count), [1, 1, 1]);
  const forced = await sampling.termsMany({ expressions: [] }, fieldsWanted, { exact: true });
  assert.equal(forced.sample, undefined);
  assert.deepEqual(forced.fields, exact.fields);
  const filtered = await sampling.termsMany({ expressions: ['tags == small && port.dst == 80'] }, fieldsWanted);
  assert.equal(filtered.sample, undefined, 'a match below the exact bound is counted exactly');
  assert.deepEqual(filtered.fields[0].buckets, [{ key: 'small', doc_count: SMALL / 4 }]);
});

test('SPI view in one statement agrees with one terms query per field', async () => {
  const b = new EmbeddedSearchBackend(store, control, fields);
  // lists and scalars, numbers and strings, a field no segment holds, a zero size, a repeat
  const wanted = [{ field: 'tags', size: 5 }, { field: 'destination.port', size: 1 }, { field: 'source.ip', size: 4 },
    { field: 'destination.ip', size: 10 }, { field: 'protocol', size: 10 }, { field: 'node', size: 0 }, { field: 'tags', size: 1 },
    { field: 'ipProtocol', size: 3 }];
  for (const q of [{ expressions: [] }, { expressions: ['port.dst == 80 || ip.src == 10.0.3.1'] }]) {
    const many = await b.termsMany(q, wanted);
    assert.equal(many.count, await b.count(q));
    for (const [i, { field, size }] of wanted.entries()) {
      assert.deepEqual(many.fields[i], await b.terms(q, field, size), `${field}:${size} on ${q.expressions.join('')}`);
    }
  }
  const none = await b.termsMany({ expressions: ['port.dst == 1'] }, wanted);
  assert.equal(none.count, 0);
  assert.ok(none.fields.every((f) => f.buckets.length === 0 && f.sum_other_doc_count === 0));
});

test('an export snapshot holds the first matches in export order, groups them, and is dropped on close', async () => {
  const b = new EmbeddedSearchBackend(store, control, fields);
  const q = { expressions: ['port.dst == 80'] };
  const n = (BIG + SMALL) / 4;
  const streamed: unknown[] = [];
  for await (const rows of b.streamPacketRefs(q, 500)) streamed.push(...rows);
  const snap = await b.exportSnapshot(q, 500, { ids: true, sums: ['network.bytes', 'destination.packets'] });
  assert.deepEqual(snap.groups, [{ node: 'n1', fileIds: [], count: 500, sums: [200 * 500, 500] }]);
  const kept: unknown[] = [];
  for await (const rows of snap.refs()) kept.push(...rows);
  assert.equal(kept.length, 500);
  assert.deepEqual(kept, streamed, 'the same references in the same order as the streamed search');
  await snap.close();
  await snap.close(); // twice is fine
  const all = await b.exportSnapshot(q, 1e9, { sums: [] });
  assert.equal(all.groups[0].count, n);
  await all.close();
  const tables = await store.query(`SELECT count(*) AS n FROM duckdb_tables() WHERE table_name LIKE 'packrat_export_%'`);
  assert.equal(Number(tables[0].n), 0, 'no snapshot table left behind');
});

test('a tag every match needs skips the segments whose statistics leave it out, and counts stay exact', async () => {
  const b = new EmbeddedSearchBackend(store, control, fields);
  const segmentsRead = async (e: string) =>
    (await (b as unknown as { compile(q: { expressions: string[] }): Promise<{ segments: unknown[] }> }).compile({ expressions: [e] })).segments.length;
  const all = await segmentsRead('tags != small');
  assert.ok(all >= 2);
  assert.equal(await segmentsRead('tags == small'), 1); // the small sessions' own segment
  assert.equal(await segmentsRead('tags == small && port.dst == 80'), 1);
  assert.equal(await segmentsRead('tags == small || tags == big'), all); // an OR rules out nothing
  assert.equal(await b.count({ expressions: ['tags == small'] }), SMALL);
  assert.equal(await b.count({ expressions: ['tags == small && port.dst == 80'] }), SMALL / 4);
  assert.equal(await b.count({ expressions: ['tags == [small,big]'] }), BIG + SMALL);
  assert.equal(await b.count({ expressions: ['tags != small'] }), BIG);
  assert.equal(await b.count({ expressions: ['tags == nowhere'] }), 0); // every segment ruled out
  // a tag the viewer laid over a session of the other segment: statistics cannot rule it out
  const [one] = await b.search({ expressions: ['tags == big'] }, { length: 1 });
  assert.equal(await b.updateTags({ expressions: [], ids: [one.id] }, ['small'], [], 1), 1);
  try {
    assert.equal(await segmentsRead('tags == small'), all);
    assert.equal(await b.count({ expressions: ['tags == small'] }), SMALL + 1);
  } finally {
    await b.updateTags({ expressions: [], ids: [one.id] }, [], ['small'], 1);
  }
  assert.equal(await b.count({ expressions: ['tags == small'] }), SMALL);
});
