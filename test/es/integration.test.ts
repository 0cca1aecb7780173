// Live-cluster integration: imports the conformance pcaps into the cluster ELASTICSEARCH_URL
// names (under a fresh prefix, deleted afterwards) and runs the development count cases of
// ../shared/conformance/queries/counts.jsonl against it. Without ELASTICSEARCH_URL the suite
// fails naming it (clusterUrl()): it never skips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { clusterUrl, uniquePrefix } from '../support/cluster.js';

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

/** The pcap files capture registered in the control store the config names (the cluster's files index). */
async function registeredFiles(configPath: string): Promise<{ node: string; num: number; name: string }[]> {
  const { Config } = await import('../../db/config.js');
  const { openControlStore } = await import('../../db/backend/open.js');
  const control = await openControlStore(Config.load(configPath, 'test'));
  try { return await control.listFiles(); } finally { await control.close(); }
}

test('conformance pcaps into a live cluster, then the development count cases', { timeout: 30 * 60e3 }, async () => {
  const { fields } = await import('../../db/fields/registry.js');
  await import('../../db/fields/core.js');
  await import('../../capture/parsers/index.js');
  const { Config } = await import('../../db/config.js');
  const { esSettings } = await import('../../db/es/settings.js');
  const { connectEs } = await import('../../db/es/client.js');
  const { countSessions } = await import('../../db/es/search-request.js');
  const { fileNameMatcher } = await import('../../db/expr/compile-es.js');
  const url = clusterUrl();
  const root = repoRoot();
  const conf = path.resolve(root, '../shared/conformance');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-es-it-'));
  const prefix = uniquePrefix('it');
  // capture options exactly as the conformance scorer writes them, plus the cluster
  const printed = spawnSync(process.execPath, [path.join(conf, 'score.mjs'), '--print-config', '--data', path.join(conf, 'data')], { encoding: 'utf8' });
  assert.equal(printed.status, 0, printed.stderr);
  const configText = printed.stdout.replace(/^\[default\]$/m, `[default]\nelasticsearch=${url}\nprefix=${prefix}\ndataDir=${dir}/data\npcapDir=${dir}/pcap\ndbFlushTimeout=1`);
  const configPath = path.join(dir, 'config.ini');
  fs.writeFileSync(configPath, configText);
  const packrat = (...args: string[]) => {
    const r = spawnSync(process.execPath, [path.join(root, 'bin/packrat'), ...args], { encoding: 'utf8', env: { ...process.env, TZ: 'US/Eastern' }, maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, `packrat ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  packrat('db', '-c', configPath, '-n', 'test', 'init');
  packrat('capture', '-c', configPath, '-n', 'test', '-R', path.join(conf, 'pcaps'), '-q');
  const api = await connectEs(esSettings(Config.load(configPath, 'test')));
  try {
    await api.request({ method: 'POST', path: `/${prefix}sessions3-*/_refresh` });
    const files = await registeredFiles(configPath);
    const resolveFile = (name: string) => files.filter((f) => fileNameMatcher(name)(f.name)).map((f) => ({ node: f.node, num: f.num }));
    const cases = fs.readFileSync(path.join(conf, 'queries/counts.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    let ok = 0;
    const wrong: string[] = [];
    for (const c of cases) {
      const p = c.params as Record<string, string>;
      const q = { expression: c.expression as string, startTime: p.startTime !== undefined ? Number(p.startTime) : undefined, stopTime: p.stopTime !== undefined ? Number(p.stopTime) : undefined };
      let got: number | string;
      try { got = await countSessions(api, q, { registry: fields, resolveFile }); } catch (e) { got = `error ${(e as Error).message}`; }
      if (got === c.count) ok++; else wrong.push(`${c.source} ${c.expression}: want ${c.count} got ${got}`);
    }
    for (const w of wrong) console.log(w);
    console.log(`es integration: ${ok}/${cases.length} count cases equal`);
    // 357/358 as the embedded store scores (the one miss, dhcp.host==*, is issue 12 part 1)
    assert.ok(ok >= 357, `only ${ok}/${cases.length}`);
  } finally {
    const r = await api.request<Record<string, unknown>[]>({ method: 'GET', path: `/_cat/indices/${prefix}*`, query: { format: 'json', h: 'index' } }, [404]);
    const names = Array.isArray(r) ? r.map((x) => String(x.index)) : [];
    for (let i = 0; i < names.length; i += 50) await api.request({ method: 'DELETE', path: `/${names.slice(i, i + 50).join(',')}` }, [404]);
    await api.request({ method: 'DELETE', path: `/_index_template/${prefix}sessions3_template` }, [404]);
    await api.request({ method: 'DELETE', path: `/_index_template/${prefix}history_v1_template` }, [404]);
    await api.close();
  }
});
