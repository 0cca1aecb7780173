// The viewer searches Elasticsearch when `elasticsearch=` is set and the embedded store otherwise.
// The cluster is the real one the test command starts (ELASTICSEARCH_URL).
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
import * as admin from '../../db/es/admin.js';
import { connectEs } from '../../db/es/client.js';
import { esSettings } from '../../db/es/settings.js';
import { clusterUrl, deletePrefix, uniquePrefix } from '../support/cluster.js';

test('elasticsearch= set: the viewer searches the cluster; unset: the embedded store', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-backend-choice-'));
  const url = clusterUrl(), prefix = uniquePrefix('choice');
  const esConfig = Config.fromText(`[default]\ndataDir=${dir}\nelasticsearch=${url}\nprefix=${prefix}\n`, 'n1');
  const api = await connectEs(esSettings(esConfig));
  try {
    await admin.init(api, fields);
    const lines: string[] = [];
    for (let i = 0; i < 50; i++) lines.push(JSON.stringify({ index: { _index: `${prefix}sessions3-240101` } }), JSON.stringify({ destination: { port: i < 42 ? 80 : 443 }, firstPacket: i, lastPacket: i }));
    const r = await fetch(`${url}/_bulk?refresh=true`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: lines.join('\n') + '\n' });
    assert.equal(((await r.json()) as { errors: boolean }).errors, false);
    const withEs = await createViewer({ config: esConfig, registry: fields });
    try {
      assert.ok(withEs.context.backend instanceof EsSearchBackend);
      assert.equal(await withEs.context.backend.count({ expressions: ['port.dst == 80'] }), 42);
    } finally { await withEs.close(); }
    const embedded = await createViewer({ config: Config.fromText(`[default]\ndataDir=${dir}\n`, 'n1'), registry: fields });
    try {
      assert.ok(embedded.context.backend instanceof EmbeddedSearchBackend);
      assert.equal(await embedded.context.backend.count({ expressions: [] }), 0);
    } finally { await embedded.close(); }
  } finally {
    await deletePrefix(api, prefix);
    await api.close();
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
