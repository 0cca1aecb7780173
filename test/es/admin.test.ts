// `packrat db` on Elasticsearch/OpenSearch against a mock REST server: init/upgrade are
// versioned and idempotent, expire picks the right indices for every rotateIndex, wipe keeps
// users. Proves the requests Packrat makes, not how a real cluster answers them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fields } from '../../db/fields/registry.js';
import '../../db/fields/core.js';
import '../../capture/parsers/index.js';
import { Config } from '../../db/config.js';
import { connectEs } from '../../db/es/client.js';
import { esSettings, normalizePrefix, parseNodes } from '../../db/es/settings.js';
import * as admin from '../../db/es/admin.js';
import { partitionSuffix, type RotateIndex } from '../../db/backend/partition-name.js';
import { startMockEs } from './mock-es.js';

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

for (const distribution of [undefined, 'opensearch'] as const) {
  const name = distribution ?? 'elasticsearch';
  test(`${name}: detected from GET /, init creates the schema, upgrade twice changes nothing`, async () => {
    const es = await startMockEs({ distribution });
    const api = await connectEs(settingsFor(es.url));
    try {
      assert.equal(api.info.distribution, name);
      assert.equal(await admin.schemaVersion(api), 0);
      const steps = await admin.upgrade(api, fields);
      assert.equal(steps.length, admin.MIGRATIONS.length);
      assert.equal(await admin.schemaVersion(api), admin.SCHEMA_VERSION);
      assert.ok(es.templates.has('tests_sessions3_template'));
      assert.ok(es.templates.has('tests_history_v1_template'));
      assert.ok(es.indices.has('tests_files_v30') && es.indices.has('tests_users_v30'));
      assert.deepEqual((es.indices.get('tests_files_v30')!.body as any).aliases, { tests_files: {} });
      const puts = es.requests.filter((r) => r.method === 'PUT' && !r.path.startsWith('/_index_template')).length;
      assert.deepEqual(await admin.upgrade(api, fields), [], 'nothing left to apply');
      assert.equal(es.requests.filter((r) => r.method === 'PUT' && !r.path.startsWith('/_index_template')).length, puts, 'no index created twice');
    } finally { await api.close(); await es.close(); }
  });
}

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

test('expire against the server deletes old session and history indices by name and merges the kept ones', async () => {
  const es = await startMockEs();
  const api = await connectEs(settingsFor(es.url));
  try {
    const now = Date.now();
    const day = (d: number) => 'tests_sessions3-' + partitionSuffix(now - d * 86400e3, 'daily');
    for (const d of [0, 1, 2, 3, 10, 40]) es.indices.set(day(d), { docs: 5, body: {} });
    es.indices.set('tests_history_v1-' + partitionSuffix(now - 30 * 7 * 86400e3, 'weekly'), { docs: 1, body: {} });
    es.indices.set('tests_history_v1-' + partitionSuffix(now, 'weekly'), { docs: 1, body: {} });
    const r = await admin.expire(api, 'daily', 3, {});
    assert.deepEqual(r.deleted.slice(0, 2).sort(), [day(10), day(40)].sort());
    assert.equal(r.deleted.length, 3, 'plus the 30-week-old history index');
    assert.deepEqual([...es.indices.keys()].filter((k) => k.includes('sessions3')).sort(), [day(0), day(1), day(2), day(3)].sort());
    assert.ok(es.requests.some((q) => q.method === 'POST' && q.path.endsWith('/_forcemerge') && !q.path.includes(day(0))));
    assert.ok(!es.requests.some((q) => q.method === 'DELETE' && q.path.includes('*')), 'never a wildcard delete');
    const info = await admin.sessionIndices(api);
    assert.deepEqual(info.map((i) => i.docs), [5, 5, 5, 5]);
  } finally { await api.close(); await es.close(); }
});

test('wipe deletes sessions and admin data but keeps users, then re-creates the schema', async () => {
  const es = await startMockEs();
  const api = await connectEs(settingsFor(es.url));
  try {
    await admin.init(api, fields);
    es.indices.set('tests_sessions3-240101', { docs: 9, body: {} });
    es.indices.get('tests_users_v30')!.docs = 3;
    await admin.wipe(api, fields);
    assert.equal(es.indices.has('tests_sessions3-240101'), false);
    assert.equal(es.indices.get('tests_users_v30')!.docs, 3, 'users kept');
    assert.ok(es.indices.has('tests_files_v30'), 'files re-created');
  } finally { await api.close(); await es.close(); }
});
