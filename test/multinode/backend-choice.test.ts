// The viewer searches Elasticsearch when `elasticsearch=` is set and the embedded store otherwise.
// The cluster is the mock from test/es: this proves which backend the viewer asks, not what a real
// cluster answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Config } from '../../db/config.js';
import { EsSearchBackend } from '../../db/es/search-backend.js';
import { fields } from '../../db/fields/registry.js';
import '../../db/fields/core.js';
import { EmbeddedSearchBackend } from '../../db/store/session-query.js';
import { createViewer } from '../../viewer/server.js';
import { startMockEs } from '../es/mock-es.js';

test('elasticsearch= set: the viewer searches the cluster; unset: the embedded store', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-backend-choice-'));
  const es = await startMockEs();
  try {
    es.onRequest = (method, p) => (method === 'POST' && p.endsWith('/_count') ? { status: 200, body: { count: 42 } } : undefined);
    const withEs = await createViewer({ config: Config.fromText(`[default]\ndataDir=${dir}\nelasticsearch=${es.url}\nprefix=mn\n`, 'n1'), registry: fields });
    try {
      assert.ok(withEs.context.backend instanceof EsSearchBackend);
      assert.equal(await withEs.context.backend.count({ expressions: ['port.dst == 80'] }), 42);
      assert.ok(es.requests.some((r) => r.path === '/mn_sessions3-*/_count'), es.requests.map((r) => r.path).join(' '));
    } finally { await withEs.close(); }
    const embedded = await createViewer({ config: Config.fromText(`[default]\ndataDir=${dir}\n`, 'n1'), registry: fields });
    try {
      assert.ok(embedded.context.backend instanceof EmbeddedSearchBackend);
      assert.equal(await embedded.context.backend.count({ expressions: [] }), 0);
    } finally { await embedded.close(); }
  } finally {
    await es.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an unreachable cluster stops the viewer with an error that names it', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-backend-choice-'));
  try {
    await assert.rejects(createViewer({ config: Config.fromText(`[default]\ndataDir=${dir}\nelasticsearch=http://127.0.0.1:1\nelasticsearchTimeout=2\n`, 'n1'), registry: fields }),
      /127\.0\.0\.1:1/);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});
