// The ES SessionSearchBackend against the real cluster the test command starts (ELASTICSEARCH_URL,
// test/cluster/opensearch.sh): a few hand-made sessions in two daily indices under a fresh prefix
// (deleted afterwards), and each viewer call's answer read back from the cluster.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fields } from '../../db/fields/registry.js';
import '../../db/fields/core.js';
import '../../capture/parsers/index.js';
import { Config } from '../../db/config.js';
import { connectEs, type EsApi } from '../../db/es/client.js';
import { esSettings } from '../../db/es/settings.js';
import * as admin from '../../db/es/admin.js';
import { EsSearchBackend } from '../../db/es/search-backend.js';
import { QueryError } from '../../db/backend/search-backend.js';
import { clusterUrl, deletePrefix, uniquePrefix } from '../support/cluster.js';

const prefix = uniquePrefix('sb');
let api: EsApi;
let b: EsSearchBackend;

const T0 = Date.UTC(2024, 0, 31, 10, 0, 0); // 2024-01-31 10:00 UTC
const M = 60e3;

/** Session i: alternately in 240131 and 240201, ip/port/bytes derived from i. */
function session(i: number): { index: string; id: string; doc: Record<string, unknown> } {
  const day = i % 2 === 0 ? '240131' : '240201';
  const first = (day === '240131' ? T0 : T0 + 86400e3) + i * M;
  const doc: Record<string, unknown> = {
    firstPacket: first, lastPacket: first + 30e3, node: i % 3 === 0 ? 'n2' : 'n1', ipProtocol: 6,
    source: { ip: `10.0.0.${1 + (i % 3)}`, port: 40000 + i, bytes: 100 * i, packets: i + 1 },
    destination: { ip: i === 7 ? 'fe80::1' : `10.0.1.${1 + (i % 2)}`, port: i % 2 === 0 ? 80 : 53, bytes: 10 * i, packets: 1 },
    network: { bytes: 110 * i, packets: i + 2 },
    protocol: i % 2 === 0 ? ['tcp', 'http'] : ['udp', 'dns'],
    fileId: [i % 2 === 0 ? 3 : 4], packetPos: [-(i % 2 === 0 ? 3 : 4), 24 + 100 * i],
  };
  if (i % 2 === 0) doc.http = { host: [`h${i % 4}.example`], hostCnt: 1 };
  if (i === 4) { doc.tags = ['old']; doc.tagsCnt = 1; }
  return { index: `${prefix}sessions3-${day}`, id: `${day}-s${i}`, doc };
}
const N = 12;

before(async () => {
  api = await connectEs(esSettings(Config.fromText(`[default]\nelasticsearch=${clusterUrl()}\nprefix=${prefix}\ndataDir=/tmp/packrat-es-sb\n`)));
  await admin.init(api, fields, { replicas: 0 });
  const lines: unknown[] = [];
  for (let i = 0; i < N; i++) { const s = session(i); lines.push({ index: { _index: s.index, _id: s.id } }, s.doc); }
  const r = await api.request<{ errors: boolean; items: unknown[] }>({ method: 'POST', path: '/_bulk', bulkBody: lines, query: { refresh: true } });
  assert.equal(r.errors, false, JSON.stringify(r.items).slice(0, 500));
  b = new EsSearchBackend(api, fields, { listFiles: async () => [{ node: 'n1', num: 3, name: '/pcap/a.pcap' }, { node: 'n2', num: 4, name: '/pcap/b.pcap' }] });
});

after(async () => {
  if (api) { await b?.close(); await deletePrefix(api, prefix); await api.close(); }
});

const even = [...Array(N).keys()].filter((i) => i % 2 === 0);

test('count: everything, an expression, a time range by bounding, a file resolved to node + fileId, a bad expression', async () => {
  assert.equal(await b.total(), N);
  assert.equal(await b.count({ expressions: [] }), N);
  assert.equal(await b.count({ expressions: ['port.dst == 80'] }), even.length);
  assert.equal(await b.count({ expressions: ['port.dst == 80', 'ip.src == 10.0.0.1'] }), even.filter((i) => i % 3 === 0).length);
  // 240131 sessions start at T0 + i minutes and last 30 s: [T0+2m, T0+4m30s] by lastPacket holds i = 2, 4
  const start = (T0 + 2 * M) / 1000, stop = (T0 + 4 * M + 30e3) / 1000;
  assert.equal(await b.count({ expressions: [], start, stop, bounding: 'last' }), 2);
  assert.equal(await b.count({ expressions: [], start, stop: stop - 1, bounding: 'both' }), 1);
  // a.pcap is node n1 file 3: even sessions on n1 (i % 3 != 0)
  assert.equal(await b.count({ expressions: ['file == /pcap/a.pcap'] }), even.filter((i) => i % 3 !== 0).length);
  assert.equal(await b.count({ expressions: [], ids: ['240131-s2', '240201-s3', 'nope'] }), 2);
  assert.equal(await b.count({ expressions: [], terms: [{ field: 'node', value: 'n2' }] }), 4);
  await assert.rejects(b.count({ expressions: ['port.dst == '] }), QueryError);
  await assert.rejects(b.count({ expressions: [], terms: [{ field: 'no.such', value: 1 }] }), /Unknown field no\.such/);
});

test('search: sort by several keys, missing values last ascending, paging, index named without the prefix', async () => {
  const page = await b.search({ expressions: [] }, { sort: [{ field: 'destination.port', order: 'asc' }, { field: 'network.bytes', order: 'desc' }], start: 0, length: 4 });
  assert.deepEqual(page.map((d) => d.id), ['240201-s11', '240201-s9', '240201-s7', '240201-s5']);
  assert.equal(page[0].index, 'sessions3-240201');
  assert.equal((page[0].doc as any).destination.port, 53);
  const next = await b.search({ expressions: [] }, { sort: [{ field: 'destination.port', order: 'asc' }, { field: 'network.bytes', order: 'desc' }], start: 4, length: 4 });
  assert.deepEqual(next.map((d) => d.id), ['240201-s3', '240201-s1', '240131-s10', '240131-s8']);
  // http.host only on even sessions: ascending puts the others last, descending first
  const asc = await b.search({ expressions: [] }, { sort: [{ field: 'http.host', order: 'asc' }, { field: 'firstPacket', order: 'asc' }], length: N });
  assert.deepEqual(asc.slice(0, 3).map((d) => d.id), ['240131-s0', '240131-s4', '240131-s8']);
  assert.ok(asc.slice(even.length).every((d) => !(d.doc as any).http));
  const desc = await b.search({ expressions: [] }, { sort: [{ field: 'http.host', order: 'desc' }], length: 1 });
  assert.equal((desc[0].doc as any).http, undefined);
  assert.equal(((await b.get('240201-s7'))!.doc as any).destination.ip, 'fe80::1');
  assert.equal(await b.get('nope'), undefined);
  await assert.rejects(b.search({ expressions: [] }, { sort: [{ field: 'no.such.field', order: 'asc' }], length: 1 }), /Unknown field no\.such\.field/);
});

test('histogram, terms (count desc, then key asc: IPs by address) and sums', async () => {
  const h = await b.histogram({ expressions: ['port.dst == 53'] }, { intervalSec: 86400, sums: ['network.packets'] });
  assert.deepEqual(h, [{ key: Date.UTC(2024, 1, 1), count: 6, sums: [[1, 3, 5, 7, 9, 11].reduce((n, i) => n + i + 2, 0)] }]);
  assert.deepEqual(await b.terms({ expressions: [] }, 'protocol', 3), {
    buckets: [{ key: 'dns', doc_count: 6 }, { key: 'http', doc_count: 6 }, { key: 'tcp', doc_count: 6 }], sum_other_doc_count: 6,
  });
  // every destination ip: 10.0.1.1 x6, 10.0.1.2 x5, fe80::1 x1; source ips 4 each, in address order
  assert.deepEqual((await b.terms({ expressions: [] }, 'destination.ip', 10)).buckets, [
    { key: '10.0.1.1', doc_count: 6 }, { key: '10.0.1.2', doc_count: 5 }, { key: 'fe80::1', doc_count: 1 }]);
  assert.deepEqual((await b.terms({ expressions: [] }, 'source.ip', 10)).buckets.map((x) => x.key), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  assert.deepEqual((await b.terms({ expressions: [] }, 'destination.port', 10)).buckets, [{ key: 53, doc_count: 6 }, { key: 80, doc_count: 6 }]);
  const all = [...Array(N).keys()];
  assert.deepEqual(await b.sums({ expressions: [] }, ['network.bytes', 'network.packets']), [all.reduce((n, i) => n + 110 * i, 0), all.reduce((n, i) => n + i + 2, 0)]);
  assert.deepEqual(await b.sums({ expressions: [] }, []), []);
});

test('pairs: every match through the composite aggregation, or the first sessions in sort order (Arkime connections)', async () => {
  const all = await b.pairs({ expressions: [] }, { src: 'source.ip', dst: 'destination.ip:port', sums: ['network.bytes'], limit: 3 });
  // two sessions per pair but 10.0.0.2 -> 10.0.1.2:53 (one; 7 goes to fe80::1), count desc then text
  assert.deepEqual(all, [
    { src: '10.0.0.1', dst: '10.0.1.1:80', count: 2, nodes: ['n2'], sums: [110 * (0 + 6)] },
    { src: '10.0.0.1', dst: '10.0.1.2:53', count: 2, nodes: ['n2'], sums: [110 * (3 + 9)] },
    { src: '10.0.0.2', dst: '10.0.1.1:80', count: 2, nodes: ['n1'], sums: [110 * (4 + 10)] },
  ]);
  const v6 = await b.pairs({ expressions: ['ip.dst == fe80::1'] }, { src: 'source.ip', dst: 'destination.ip:port', sums: [], limit: 10 });
  assert.deepEqual(v6, [{ src: '10.0.0.2', dst: 'fe80::1.53', count: 1, nodes: ['n1'], sums: [] }]);
  // the three sessions with the most bytes (11, 10, 9), list fields crossed
  const top = await b.pairs({ expressions: [] }, { src: 'protocol', dst: 'destination.port', sums: ['network.packets'], limit: 10,
    sample: { sort: [{ field: 'network.bytes', order: 'desc' }], size: 3 } });
  assert.deepEqual(top, [
    { src: 'dns', dst: '53', count: 2, nodes: ['n1', 'n2'], sums: [13 + 11] },
    { src: 'udp', dst: '53', count: 2, nodes: ['n1', 'n2'], sums: [13 + 11] },
    { src: 'http', dst: '80', count: 1, nodes: ['n1'], sums: [12] },
    { src: 'tcp', dst: '80', count: 1, nodes: ['n1'], sums: [12] },
  ]);
  // default order firstPacket ascending: sessions 0, 2 (the first day) with http.host
  const hosts = await b.pairs({ expressions: [] }, { src: 'source.ip', dst: 'http.host', sums: [], limit: 10, sample: { sort: [], size: 2 } });
  assert.deepEqual(hosts.map((x) => [x.src, x.dst, x.count]), [['10.0.0.1', 'h0.example', 1], ['10.0.0.3', 'h2.example', 1]]);
});

test('exports read pages in lastPacket order through a scroll, cleared on the last page', async () => {
  const p1 = await b.packetRefs({ expressions: ['port.dst == 53'] }, 4);
  assert.deepEqual(p1.rows.map((r) => r.id), ['240201-s1', '240201-s3', '240201-s5', '240201-s7']);
  assert.deepEqual(p1.rows[0], { id: '240201-s1', node: 'n1', lastPacket: T0 + 86400e3 + M + 30e3, packetPos: [-4, 124], fileId: [4] });
  assert.equal(typeof p1.after, 'string');
  const p2 = await b.packetRefs({ expressions: ['port.dst == 53'] }, 4, p1.after);
  assert.deepEqual(p2.rows.map((r) => r.id), ['240201-s9', '240201-s11']);
  assert.equal(p2.after, undefined);
  const one = await b.docs({ expressions: [], ids: ['240131-s4'] }, 10);
  assert.deepEqual(one.rows.map((r) => [r.id, r.index]), [['240131-s4', 'sessions3-240131']]);
  assert.equal(one.after, undefined);
});

test('updateTags: added once, removed, emptied tags and tagsCnt dropped, unchanged not counted, limit, visible at once', async () => {
  assert.equal(await b.updateTags({ expressions: ['port.dst == 80'] }, ['x', 'old'], [], 1000), even.length);
  assert.equal(await b.count({ expressions: ['tags == x'] }), even.length);
  assert.deepEqual(((await b.get('240131-s4'))!.doc as any).tags, ['old', 'x']);
  assert.equal(((await b.get('240131-s4'))!.doc as any).tagsCnt, 2);
  assert.equal(await b.updateTags({ expressions: ['port.dst == 80'] }, ['x'], [], 1000), 0, 'nothing to change');
  assert.equal(await b.updateTags({ expressions: ['port.dst == 80'] }, [], ['x', 'old'], 1000), even.length);
  const d = (await b.get('240131-s4'))!.doc as any;
  assert.equal(d.tags, undefined); assert.equal(d.tagsCnt, undefined);
  assert.equal(d.network.bytes, 440, 'the rest of the document kept');
  assert.equal(await b.count({ expressions: ['tags == old'] }), 0);
  assert.equal(await b.updateTags({ expressions: [] }, ['y'], [], 5), 5);
  assert.equal(await b.count({ expressions: ['tags == y'] }), 5);
  assert.equal(await b.updateTags({ expressions: [] }, ['y'], [], 0), 0);
});
