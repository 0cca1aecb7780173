// Arkime's cluster pages (/api/eshealth, esindices, esshards, estasks, esstats) on the real
// cluster, through the viewer, for an arkimeAdmin; deleting and merging one index by name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Config } from '../../db/config.js';
import { fields } from '../../db/fields/registry.js';
import '../../db/fields/core.js';
import '../../capture/parsers/index.js';
import { createViewer, type Viewer } from '../../viewer/server.js';
import { clusterUrl, uniquePrefix } from '../support/cluster.js';
import { packrat } from '../support/json-capture.js';

const url = clusterUrl();
const prefix = uniquePrefix('pages');
let dir: string;
let viewer: Viewer;
let base: string;
const basic = (u: string) => ({ authorization: `Basic ${Buffer.from(`${u}:pw-${u}-secret`).toString('base64')}` });

async function call(method: string, p: string, user = 'admin'): Promise<{ status: number; body: any }> {
  const r = await fetch(base + p, { method, headers: basic(user) });
  const text = await r.text();
  return { status: r.status, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text };
}

async function bulk(index: string, n: number): Promise<void> {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(JSON.stringify({ index: { _index: index } }), JSON.stringify({ firstPacket: i, lastPacket: i }));
  const r = await fetch(`${url}/_bulk?refresh=true`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines.join('\n') + '\n' });
  assert.equal(((await r.json()) as { errors: boolean }).errors, false);
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-es-pages-'));
  const cfgText = `[default]\nelasticsearch=${url}\nprefix=${prefix}\ndataDir=${path.join(dir, 'data')}\n`;
  const cfg = path.join(dir, 'config.ini');
  fs.writeFileSync(cfg, cfgText);
  execFileSync(packrat, ['db', '-c', cfg, '-n', 'test', 'init'], { stdio: 'pipe' });
  execFileSync(packrat, ['user', '-c', cfg, '-n', 'test', 'add', 'admin', '--roles', 'arkimeAdmin', '--password', 'pw-admin-secret'], { stdio: 'pipe' });
  execFileSync(packrat, ['user', '-c', cfg, '-n', 'test', 'add', 'analyst', '--password', 'pw-analyst-secret'], { stdio: 'pipe' });
  await bulk(`${prefix}sessions3-240101`, 7);
  await bulk(`${prefix}sessions3-240102`, 3);
  viewer = await createViewer({ config: Config.fromText(cfgText, 'test'), registry: fields, uiDir: path.join(dir, 'no-ui') });
  base = `http://127.0.0.1:${await viewer.listen(0, '127.0.0.1')}`;
});

after(async () => {
  await viewer?.close();
  const r = await fetch(`${url}/_cat/indices/${prefix}*?format=json&h=index`);
  const names = ((await r.json()) as { index: string }[]).map((x) => x.index);
  if (names.length) await fetch(`${url}/${names.join(',')}`, { method: 'DELETE' });
  for (const t of ['sessions3_template', 'history_v1_template']) await fetch(`${url}/_index_template/${prefix}${t}`, { method: 'DELETE' });
  fs.rmSync(dir, { recursive: true, force: true });
});

test('an arkimeUser gets 403 on every cluster page', async () => {
  for (const p of ['/api/eshealth', '/api/esindices', '/api/esshards', '/api/estasks', '/api/esstats']) {
    assert.equal((await call('GET', p, 'analyst')).status, 403, p);
  }
  assert.equal((await call('DELETE', `/api/esindices/${prefix}sessions3-240102`, 'analyst')).status, 403);
});

test('health, indices, shards, tasks and node stats come from the two-node cluster', async () => {
  const health = await call('GET', '/api/eshealth');
  assert.equal(health.status, 200);
  assert.equal(health.body.number_of_nodes, 2);
  assert.match(health.body.status, /^(green|yellow)$/);
  const idx = await call('GET', '/api/esindices?filter=sessions3&sortField=docs.count&desc=true');
  assert.deepEqual(idx.body.data.map((r: any) => [r.index, r['docs.count']]), [[`${prefix}sessions3-240101`, 7], [`${prefix}sessions3-240102`, 3]]);
  assert.ok(idx.body.recordsTotal > 2, 'admin indices listed too');
  assert.ok(idx.body.data.every((r: any) => r['store.size'] > 0));
  const shards = await call('GET', '/api/esshards');
  assert.ok(shards.body.indices[`${prefix}sessions3-240101`][0].some((s: any) => s.prirep === 'p' && s.state === 'STARTED' && s.docs === 7));
  assert.equal(Object.keys(shards.body.nodes).length, 2, 'shards spread on both nodes');
  const tasks = await call('GET', '/api/estasks');
  assert.ok(tasks.body.data.some((t: any) => t.action.startsWith('cluster:monitor/tasks')), 'the tasks request sees itself');
  const stats = await call('GET', '/api/esstats');
  assert.deepEqual(stats.body.data.map((n: any) => n.name), ['n1', 'n2']);
  assert.ok(stats.body.data.every((n: any) => n.heapMax > 0));
});

test('one index is merged or deleted by exact name; a foreign or wildcard name is refused', async () => {
  assert.equal((await call('POST', `/api/esindices/${prefix}sessions3-240101/optimize`)).status, 200);
  assert.equal((await call('DELETE', '/api/esindices/other_sessions3-240101')).status, 400);
  assert.equal((await call('DELETE', `/api/esindices/${prefix}sessions3-*`)).status, 400);
  assert.equal((await call('DELETE', `/api/esindices/${prefix}sessions3-991231`)).status, 404);
  const del = await call('DELETE', `/api/esindices/${prefix}sessions3-240102`);
  assert.equal(del.status, 200, JSON.stringify(del.body));
  const idx = await call('GET', '/api/esindices?filter=sessions3');
  assert.deepEqual(idx.body.data.map((r: any) => r.index), [`${prefix}sessions3-240101`]);
});
