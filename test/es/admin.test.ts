// `packrat db` on the real cluster the test command starts: init/upgrade are versioned and
// idempotent, expire picks the right indices for every rotateIndex and deletes only those, info
// lists docs and size, wipe keeps users.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fields } from '../../db/fields/registry.js';
import '../../db/fields/core.js';
import '../../capture/parsers/index.js';
import { Config } from '../../db/config.js';
import { connectEs, type EsApi } from '../../db/es/client.js';
import { esSettings, normalizePrefix, parseNodes } from '../../db/es/settings.js';
import * as admin from '../../db/es/admin.js';
import { EsControlStore } from '../../db/es/es-control-store.js';
import { partitionSuffix, type RotateIndex } from '../../db/backend/partition-name.js';
import { clusterUrl, uniquePrefix } from '../support/cluster.js';

const settingsFor = (url: string, extra = '') => esSettings(Config.fromText(`[default]\nelasticsearch=${url}\nprefix=tests\ndataDir=/tmp/packrat-es-admin-test\n${extra}`));

test('settings: several hosts, credentials lifted out of URLs, Arkime prefix rule', () => {
  const n = parseNodes('http://u%40x:p%3Aw@es1:9200, https://es2:9201;es3');
  assert.deepEqual(n.nodes, ['http://es1:9200', 'https://es2:9201', 'http://es3:9200']);
  assert.equal(n.username, 'u@x'); assert.equal(n.password, 'p:w');
  assert.equal(normalizePrefix(undefined), 'arkime_');
  assert.equal(normalizePrefix('tests'), 'tests_');
  assert.equal(normalizePrefix(''), '');
  const s = settingsFor('http://es1:9200', 'elasticsearchBasicAuth=' + Buffer.from('bob:secret').toString('base64') + '\ndbBulkSize=200000\ndbFlushTimeout=2\nesSpoolMaxMB=5');
  assert.equal(s.username, 'bob'); assert.equal(s.password, 'secret');
  assert.equal(s.bulkBytes, 200000); assert.equal(s.flushMs, 2000); assert.equal(s.spoolMaxBytes, 5 * 1024 * 1024);
  assert.equal(s.spoolDir, '/tmp/packrat-es-admin-test/es-spool');
  assert.throws(() => settingsFor('http://es1', 'caTrustFile=/nonexistent/ca.pem'), /caTrustFile \/nonexistent\/ca\.pem/);
});

test('expire: the current period and N before it are kept, for every rotateIndex', () => {
  const now = Date.UTC(2024, 5, 15, 13, 30); // Sat 15 June 2024 13:30 UTC
  const cases: [admin.ExpireKind, number, number][] = [ // kind, N, step ms
    ['daily', 3, 86400e3], ['hourly', 5, 3600e3], ['hourly6', 2, 6 * 3600e3], ['weekly', 2, 7 * 86400e3], ['monthly', 2, 30 * 86400e3],
  ];
  for (const [kind, n, step] of cases) {
    const names = new Set<string>();
    for (let i = 0; i < n + 8; i++) names.add('tests_sessions3-' + partitionSuffix(now - i * step, kind as RotateIndex));
    const list = [...names];
    const gone = admin.expiredIndices(list, 'tests_', kind, n, now);
    const kept = list.filter((x) => !gone.includes(x));
    assert.ok(kept.includes('tests_sessions3-' + partitionSuffix(now, kind as RotateIndex)), `${kind}: current kept`);
    assert.ok(kept.length >= n + 1 && kept.length <= n + 2, `${kind}: kept ${kept.length} (${kept.join(' ')}) for N=${n}`);
    assert.ok(gone.length >= 5, `${kind}: expired ${gone.length}`);
    const newestGone = gone.map((g) => g.slice('tests_sessions3-'.length)).sort().pop()!;
    const oldestKept = kept.map((g) => g.slice('tests_sessions3-'.length)).sort()[0];
    assert.ok(newestGone < oldestKept, `${kind}: only the oldest go`);
  }
  assert.deepEqual(admin.expiredIndices(['other_sessions3-200101', 'tests_sessions3-junk'], 'tests_', 'daily', 1, now), [], 'other prefixes and odd names untouched');
});

// The cluster this run started (test/run-all.sh): OpenSearch 2.19 and 3.x, Elasticsearch 9.
const version = process.env.PACKRAT_OS_VERSION ?? '';
const expectedDistribution = version.startsWith('es-') ? 'elasticsearch' : 'opensearch';

async function connect(prefix: string) {
  const api = await connectEs(esSettings(Config.fromText(`[default]\nelasticsearch=${clusterUrl()}\nprefix=${prefix}\ndataDir=/tmp/packrat-es-admin-test\n`)));
  return api;
}

async function indexNames(api: EsApi, pattern: string): Promise<string[]> {
  const r = await api.request({ method: 'GET', path: `/_cat/indices/${pattern}`, query: { format: 'json', h: 'index', expand_wildcards: 'all' } }, [404]);
  return Array.isArray(r) ? (r as { index: string }[]).map((x) => x.index).sort() : [];
}

async function dropPrefix(api: EsApi): Promise<void> {
  const p = api.settings.prefix;
  const names = await indexNames(api, `${p}*`);
  for (let i = 0; i < names.length; i += 50) await api.request({ method: 'DELETE', path: `/${names.slice(i, i + 50).join(',')}` }, [404]);
  for (const t of [`${p}sessions3_template`, `${p}history_v1_template`]) await api.request({ method: 'DELETE', path: `/_index_template/${t}` }, [404]);
}

/** `n` small documents into `index` (created by the template when it matches one). */
async function fill(api: EsApi, index: string, n: number, doc: (i: number) => Record<string, unknown> = (i) => ({ firstPacket: i, lastPacket: i })): Promise<void> {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(JSON.stringify({ index: { _index: index } }), JSON.stringify(doc(i)));
  const res = await fetch(`${clusterUrl()}/_bulk?refresh=true`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines.join('\n') + '\n' });
  const r = await res.json() as any;
  assert.equal(r.errors, false, JSON.stringify(r.items?.find((x: any) => x.index?.error)));
}

test('detected from GET /, init creates the schema, upgrade twice changes nothing', async () => {
  const api = await connect(uniquePrefix('admin'));
  const p = api.settings.prefix;
  try {
    assert.equal(api.info.distribution, expectedDistribution, `cluster ${version}`);
    assert.equal(await admin.schemaVersion(api), 0);
    const steps = await admin.upgrade(api, fields);
    assert.equal(steps.length, admin.MIGRATIONS.length);
    assert.equal(await admin.schemaVersion(api), admin.SCHEMA_VERSION);
    for (const t of [`${p}sessions3_template`, `${p}history_v1_template`]) {
      const r = await api.request({ method: 'GET', path: `/_index_template/${t}` }, [404]);
      assert.equal(r?.index_templates?.length, 1, `template ${t}`);
    }
    const aliases = await api.request({ method: 'GET', path: `/${p}files_v30/_alias` });
    assert.deepEqual(Object.keys(aliases[`${p}files_v30`].aliases), [`${p}files`]);
    const before = await api.request({ method: 'GET', path: `/${p}*/_settings/index.uuid` });
    assert.deepEqual(await admin.upgrade(api, fields), [], 'nothing left to apply');
    assert.deepEqual(await api.request({ method: 'GET', path: `/${p}*/_settings/index.uuid` }), before, 'no index created twice');
    // a session index made from the template carries the registry's mapping
    await fill(api, `${p}sessions3-240101`, 1, () => ({ 'source': { ip: '10.1.2.3', port: 80 }, firstPacket: 1, lastPacket: 2 }));
    const m = await api.request({ method: 'GET', path: `/${p}sessions3-240101/_mapping/field/source.ip` });
    assert.equal(m[`${p}sessions3-240101`].mappings['source.ip'].mapping.ip.type, 'ip');
  } finally { await dropPrefix(api); await api.close(); }
});

test('upgrade of a cluster initialised before capture requests adds their index, and the control store uses it', async () => {
  const api = await connect(uniquePrefix('capreq'));
  const p = api.settings.prefix;
  try {
    await admin.init(api, fields);
    // what a cluster at schema 3 looked like: no capture requests index
    await api.request({ method: 'DELETE', path: `/${p}capturerequests_v1` });
    await admin.MIGRATIONS[1].run(api, fields, {}, 3);
    assert.equal(await admin.schemaVersion(api), 3);
    assert.deepEqual(await admin.upgrade(api, fields), [`v4: ${admin.MIGRATIONS[3].what}`]);
    const aliases = await api.request({ method: 'GET', path: `/${p}capturerequests_v1/_alias` });
    assert.deepEqual(Object.keys(aliases[`${p}capturerequests_v1`].aliases), [`${p}capturerequests`]);
    const cs = new EsControlStore(api);
    await cs.addCaptureRequest({ id: 'r1', node: 'n1', state: 'queued', request: { node: 'n1' }, created: 1, packets: 0, bytes: 0 });
    assert.equal((await cs.updateCaptureRequest('r1', { state: 'running' }, ['queued']))?.state, 'running');
  } finally { await dropPrefix(api); await api.close(); }
});

test('expire deletes old session and history indices by name, never the current one, and info lists docs and size', async () => {
  const api = await connect(uniquePrefix('expire'));
  const p = api.settings.prefix;
  try {
    await admin.init(api, fields);
    const now = Date.now();
    const day = (d: number) => `${p}sessions3-` + partitionSuffix(now - d * 86400e3, 'daily');
    for (const d of [0, 1, 2, 3, 10, 40]) await fill(api, day(d), 5);
    const oldHistory = `${p}history_v1-` + partitionSuffix(now - 30 * 7 * 86400e3, 'weekly');
    const newHistory = `${p}history_v1-` + partitionSuffix(now, 'weekly');
    await fill(api, oldHistory, 1, () => ({ timestamp: 1 }));
    await fill(api, newHistory, 1, () => ({ timestamp: 1 }));
    const dry = await admin.expire(api, 'daily', 3, { dryRun: true });
    assert.deepEqual(dry.deleted.sort(), [day(10), day(40), oldHistory].sort());
    assert.equal((await indexNames(api, `${p}sessions3-*`)).length, 6, 'dry run deletes nothing');
    const r = await admin.expire(api, 'daily', 3, {});
    assert.deepEqual(r.deleted.sort(), [day(10), day(40), oldHistory].sort());
    assert.ok(!r.merged.includes(day(0)), 'the current index is not merged while written');
    assert.deepEqual(await indexNames(api, `${p}sessions3-*`), [day(0), day(1), day(2), day(3)].sort());
    assert.deepEqual(await indexNames(api, `${p}history_v1-*`), [newHistory]);
    // even expire 0 keeps today's index
    await admin.expire(api, 'daily', 0, {});
    assert.ok((await indexNames(api, `${p}sessions3-*`)).includes(day(0)));
    const info = await admin.sessionIndices(api);
    assert.ok(info.length >= 1 && info.every((i) => i.docs === 5 && i.bytes > 0), JSON.stringify(info));
  } finally { await dropPrefix(api); await api.close(); }
});

test('wipe deletes sessions and admin data but keeps users, then re-creates the schema', async () => {
  const api = await connect(uniquePrefix('wipe'));
  const p = api.settings.prefix;
  try {
    await admin.init(api, fields);
    await fill(api, `${p}sessions3-240101`, 9);
    await fill(api, `${p}users`, 3, (i) => ({ userId: `u${i}` }));
    await fill(api, `${p}files`, 2, (i) => ({ node: 'n', num: i, name: `/f${i}` }));
    await admin.wipe(api, fields);
    assert.deepEqual(await indexNames(api, `${p}sessions3-*`), []);
    await api.request({ method: 'POST', path: `/${p}*/_refresh` });
    assert.equal((await api.request({ method: 'GET', path: `/${p}users/_count` })).count, 3, 'users kept');
    assert.equal((await api.request({ method: 'GET', path: `/${p}files/_count` })).count, 0, 'files re-created empty');
    assert.equal(await admin.schemaVersion(api), admin.SCHEMA_VERSION);
  } finally { await dropPrefix(api); await api.close(); }
});
