// The ES SessionSearchBackend against a mock server: the request bodies it sends for each viewer
// call (what we send, not what Elasticsearch answers) and how it reads the answers back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fields } from '../../db/fields/registry.js';
import '../../db/fields/core.js';
import '../../capture/parsers/index.js';
import { Config } from '../../db/config.js';
import { connectEs, type EsApi } from '../../db/es/client.js';
import { esSettings } from '../../db/es/settings.js';
import { EsSearchBackend } from '../../db/es/search-backend.js';
import { QueryError } from '../../db/backend/search-backend.js';
import { startMockEs, type MockEs } from './mock-es.js';

async function setup(): Promise<{ es: MockEs; api: EsApi; b: EsSearchBackend }> {
  const es = await startMockEs();
  const api = await connectEs(esSettings(Config.fromText(`[default]\nelasticsearch=${es.url}\nprefix=tests\ndataDir=/tmp/packrat-es-sb\n`)));
  const b = new EsSearchBackend(api, fields, { listFiles: async () => [{ node: 'test', num: 3, name: '/pcap/a.pcap' }] });
  return { es, api, b };
}

const last = (es: MockEs, suffix: string) => [...es.requests].reverse().find((r) => r.path.endsWith(suffix))!;

test('count: time range by bounding, expression, file resolved to node + fileId', async () => {
  const { es, api, b } = await setup();
  es.onRequest = (m, p) => (p.endsWith('/_count') ? { status: 200, body: { count: 42 } } : undefined);
  try {
    assert.equal(await b.count({ expressions: ['port.dst == 80', 'file == /pcap/a.pcap'], start: 100, stop: 200, bounding: 'either' }), 42);
    const r = last(es, '/_count');
    assert.equal(r.path, '/tests_sessions3-*/_count');
    const f = r.body.query.bool.filter;
    assert.deepEqual(f[0], { range: { firstPacket: { lte: 200000 } } });
    assert.deepEqual(f[1], { range: { lastPacket: { gte: 100000 } } });
    assert.deepEqual(f[2], { term: { 'destination.port': 80 } });
    assert.deepEqual(f[3], { bool: { filter: [{ term: { node: 'test' } }, { term: { fileId: 3 } }] } });
    await assert.rejects(b.count({ expressions: ['port.dst == '] }), QueryError);
  } finally { await api.close(); await es.close(); }
});

test('search: sort with missing/unmapped_type, from/size, hits back as SessionDoc without the prefix', async () => {
  const { es, api, b } = await setup();
  es.onRequest = (m, p) => (p.endsWith('/_search') ? { status: 200, body: { hits: { hits: [{ _index: 'tests_sessions3-240131', _id: '240131-abc', _source: { node: 'n1' } }] } } } : undefined);
  try {
    const docs = await b.search({ expressions: [] }, { sort: [{ field: 'source.ip', order: 'desc' }, { field: 'network.bytes', order: 'asc' }], start: 50, length: 25 });
    assert.deepEqual(docs, [{ id: '240131-abc', index: 'sessions3-240131', doc: { node: 'n1' } }]);
    const r = last(es, '/_search');
    assert.deepEqual(r.body.sort, [{ 'source.ip': { order: 'desc', missing: '_first', unmapped_type: 'ip' } }, { 'network.bytes': { order: 'asc', missing: '_last', unmapped_type: 'long' } }]);
    assert.equal(r.body.from, 50); assert.equal(r.body.size, 25);
    assert.equal(r.query.ignore_unavailable, 'true');
    await assert.rejects(b.search({ expressions: [] }, { sort: [{ field: 'no.such.field', order: 'asc' }], length: 1 }), /Unknown field no\.such\.field/);
  } finally { await api.close(); await es.close(); }
});

test('histogram, terms and sums aggregations', async () => {
  const { es, api, b } = await setup();
  es.onRequest = (m, p, body) => {
    if (!p.endsWith('/_search')) return undefined;
    if (body.aggs.dbHisto) return { status: 200, body: { hits: { hits: [] }, aggregations: { dbHisto: { buckets: [{ key: 60000, doc_count: 3, s0: { value: 10 } }] } } } };
    if (body.aggs.t) return { status: 200, body: { hits: { hits: [] }, aggregations: { t: { sum_other_doc_count: 4, buckets: [{ key: 'http', doc_count: 9 }] } } } };
    return { status: 200, body: { hits: { hits: [] }, aggregations: { s0: { value: 7 }, s1: { value: 8 } } } };
  };
  try {
    assert.deepEqual(await b.histogram({ expressions: [] }, { intervalSec: 60, sums: ['network.packets'] }), [{ key: 60000, count: 3, sums: [10] }]);
    assert.deepEqual(last(es, '/_search').body.aggs.dbHisto.date_histogram, { field: 'lastPacket', fixed_interval: '60s', min_doc_count: 1 });
    assert.deepEqual(await b.terms({ expressions: [] }, 'protocol', 10), { buckets: [{ key: 'http', doc_count: 9 }], sum_other_doc_count: 4 });
    assert.deepEqual(await b.sums({ expressions: [] }, ['network.bytes', 'network.packets']), [7, 8]);
  } finally { await api.close(); await es.close(); }
});

test('pairs page through a composite aggregation and keep the busiest', async () => {
  const { es, api, b } = await setup();
  let page = 0;
  es.onRequest = (m, p, body) => {
    if (!p.endsWith('/_search')) return undefined;
    page++;
    const mk = (s: string, ip: string, port: number, n: number) => ({ key: { s, dip: ip, dport: port }, doc_count: n, nodes: { buckets: [{ key: 'n1' }] }, s0: { value: n * 10 } });
    if (!body.aggs.pairs.composite.after) return { status: 200, body: { aggregations: { pairs: { after_key: { x: 1 }, buckets: [mk('10.0.0.1', '10.0.0.2', 80, 2), mk('10.0.0.1', 'fe80::1', 53, 5)] } } } };
    return { status: 200, body: { aggregations: { pairs: { buckets: [mk('10.0.0.3', '10.0.0.2', 443, 1)] } } } };
  };
  try {
    const r = await b.pairs({ expressions: [] }, { src: 'source.ip', dst: 'destination.ip:port', sums: ['network.bytes'], limit: 2 });
    assert.equal(page, 2);
    assert.deepEqual(r, [
      { src: '10.0.0.1', dst: 'fe80::1.53', count: 5, nodes: ['n1'], sums: [50] },
      { src: '10.0.0.1', dst: '10.0.0.2:80', count: 2, nodes: ['n1'], sums: [20] },
    ]);
  } finally { await api.close(); await es.close(); }
});

test('exports scroll in lastPacket order and clear the scroll on the last page', async () => {
  const { es, api, b } = await setup();
  const hit = (i: number) => ({ _index: 'tests_sessions3-240131', _id: `id${i}`, _source: { node: 'n', lastPacket: i, packetPos: [-1, 24], fileId: [1] } });
  es.onRequest = (m, p) => {
    if (p.endsWith('/_search')) return { status: 200, body: { _scroll_id: 'S1', hits: { hits: [hit(1), hit(2)] } } };
    if (p === '/_search/scroll' && m === 'POST') return { status: 200, body: { _scroll_id: 'S1', hits: { hits: [hit(3)] } } };
    if (p === '/_search/scroll' && m === 'DELETE') return { status: 200, body: { succeeded: true } };
    return undefined;
  };
  try {
    const p1 = await b.packetRefs({ expressions: [] }, 2);
    assert.deepEqual(p1.rows.map((r) => r.id), ['id1', 'id2']);
    assert.deepEqual(p1.rows[0].packetPos, [-1, 24]);
    assert.equal(p1.after, 'S1');
    assert.deepEqual(last(es, '/_search').body.sort, [{ lastPacket: { order: 'asc', missing: '_first', unmapped_type: 'long' } }]);
    assert.equal(last(es, '/_search').query.scroll, '2m');
    const p2 = await b.packetRefs({ expressions: [] }, 2, p1.after);
    assert.deepEqual(p2.rows.map((r) => r.id), ['id3']);
    assert.equal(p2.after, undefined);
    assert.ok(es.requests.some((r) => r.method === 'DELETE' && r.path === '/_search/scroll'), 'scroll cleared');
  } finally { await api.close(); await es.close(); }
});

test('updateTags: update_by_query with a script, max_docs and refresh', async () => {
  const { es, api, b } = await setup();
  es.onRequest = (m, p) => (p.endsWith('/_update_by_query') ? { status: 200, body: { updated: 3, noops: 1 } } : undefined);
  try {
    assert.equal(await b.updateTags({ expressions: ['tags == x'] }, ['a'], ['b'], 500), 3);
    const r = last(es, '/_update_by_query');
    assert.equal(r.body.max_docs, 500);
    assert.deepEqual(r.body.script.params, { add: ['a'], remove: ['b'] });
    assert.match(r.body.script.source, /ctx\.op = 'noop'/);
    assert.equal(r.query.refresh, 'true');
    assert.deepEqual(r.body.query.bool.filter, [{ term: { tags: 'x' } }]);
  } finally { await api.close(); await es.close(); }
});
