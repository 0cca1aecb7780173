// Same answers on both backends: the conformance pcaps are imported once into the embedded store
// and once into the OpenSearch cluster ELASTICSEARCH_URL names (under a fresh prefix, deleted
// afterwards); then the real viewer (`bin/packrat viewer`) is started over each and every
// development count case and every viewer route is asked of both over HTTP. The answers must be
// equal, after normalising only what legitimately differs (said where it is done):
//  - session ids are random per import (newSessionId), so sessions are paired by what capture
//    wrote deterministically: node + packetPos (file number and record offsets), and rootId is
//    compared as the pairing key of the session it names;
//  - `@timestamp` is the time of saving, different for the two imports;
//  - the order of sessions whose sort keys are equal is unspecified (Arkime, ES: shard and doc
//    order; embedded: the random id), so a list is compared as its sequence of sort keys plus,
//    within each run of equal keys, the set of sessions.
// Without ELASTICSEARCH_URL the suite fails (clusterUrl()), it never skips.
process.env.TZ = 'America/New_York';

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clusterUrl, uniquePrefix } from '../support/cluster.js';
import { repoRoot, packrat as packratBin } from '../support/json-capture.js';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const conf = path.resolve(repoRoot, '../shared/conformance');
const TZ = 'America/New_York';

interface Side { name: string; cfg: string; base: string; key: string; proc?: ChildProcess }

let dir: string;
let url: string;
let prefix: string;
const sides: Side[] = [];
let emb: Side, es: Side;

function packrat(...args: string[]): string {
  const r = spawnSync(process.execPath, [packratBin, ...args], { encoding: 'utf8', env: { ...process.env, TZ }, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `packrat ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** `bin/packrat viewer -c CFG --port 0`, resolved with its URL once it listens. */
function startViewer(cfg: string): Promise<{ proc: ChildProcess; base: string }> {
  const proc = spawn(process.execPath, [packratBin, 'viewer', '-c', cfg, '-n', 'test', '--port', '0'], { env: { ...process.env, TZ }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  return new Promise((resolve, reject) => {
    proc.stderr!.on('data', (d) => { err += d; });
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ proc, base: m[1] });
    });
    proc.once('exit', (code) => reject(new Error(`viewer -c ${cfg} exited ${code}: ${err}`)));
  });
}

async function esRequest(method: string, p: string): Promise<J> {
  const r = await fetch(url + p, { method });
  return (await r.json()) as J;
}

before(async () => {
  url = clusterUrl();
  prefix = uniquePrefix('diff');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-diff-'));
  const pcaps = fs.realpathSync(path.join(conf, 'pcaps'));
  // capture options exactly as the conformance scorer writes them
  const printed = spawnSync(process.execPath, [path.join(conf, 'score.mjs'), '--print-config', '--data', path.join(conf, 'data')], { encoding: 'utf8' });
  assert.equal(printed.status, 0, printed.stderr);
  const write = (name: string, extra: string) => {
    const cfg = path.join(dir, `${name}.ini`);
    fs.writeFileSync(cfg, printed.stdout.replace(/^\[default\]$/m, `[default]\n${extra}dataDir=${dir}/${name}/data\npcapDir=${dir}/${name}/pcap\n`));
    return cfg;
  };
  emb = { name: 'embedded', cfg: write('embedded', ''), base: '', key: '' };
  es = { name: 'cluster', cfg: write('cluster', `elasticsearch=${url}\nprefix=${prefix}\ndbFlushTimeout=1\n`), base: '', key: '' };
  sides.push(emb, es);
  packrat('db', '-c', es.cfg, '-n', 'test', 'init');
  for (const s of sides) packrat('capture', '-c', s.cfg, '-n', 'test', '-R', pcaps, '-q');
  await esRequest('POST', `/${prefix}sessions3-*/_refresh`);
  for (const s of sides) {
    packrat('user', '-c', s.cfg, 'add', 'tester', '--admin', '--password', 'pw-tester');
    s.key = packrat('user', '-c', s.cfg, 'apikey', 'tester').trim();
    const v = await startViewer(s.cfg);
    s.proc = v.proc; s.base = v.base;
  }
});

after(async () => {
  for (const s of sides) s.proc?.kill('SIGTERM');
  if (prefix) {
    const r = await fetch(`${url}/_cat/indices/${prefix}*?format=json&h=index`);
    const names = r.ok ? ((await r.json()) as J[]).map((x) => String(x.index)) : [];
    for (let i = 0; i < names.length; i += 50) await esRequest('DELETE', `/${names.slice(i, i + 50).join(',')}`);
    await esRequest('DELETE', `/_index_template/${prefix}sessions3_template`);
    await esRequest('DELETE', `/_index_template/${prefix}history_v1_template`);
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const qs = (p: Record<string, string | number>) => new URLSearchParams(Object.entries(p).map(([k, v]) => [k, String(v)])).toString();

async function get(s: Side, p: string): Promise<Response> {
  return fetch(s.base + p, { headers: { authorization: `Bearer ${s.key}` } });
}
async function json(s: Side, p: string): Promise<J> {
  const r = await get(s, p);
  assert.equal(r.status, 200, `${s.name} ${p}: ${r.status} ${await r.clone().text()}`);
  return (await r.json()) as J;
}

// ------------------------------------------------------------------ (a) count cases

test('every development count case gives the same count on both backends', { timeout: 10 * 60e3 }, async () => {
  const cases = fs.readFileSync(path.join(conf, 'queries/counts.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as J);
  assert.equal(cases.length, 358);
  const answer = async (s: Side, c: J): Promise<number | string> => {
    const r = await get(s, `/api/sessions?${qs({ ...c.params, expression: c.expression, length: 0 })}`);
    if (r.status === 200) return ((await r.json()) as J).recordsFiltered as number;
    return `error ${r.status}`;
  };
  const differ: string[] = [];
  let agree = 0, arkime = 0;
  for (const c of cases) {
    const [a, b] = [await answer(emb, c), await answer(es, c)];
    if (a === b) agree++; else differ.push(`${c.source} ${c.expression} ${JSON.stringify(c.params)}: embedded ${a}, cluster ${b}`);
    const want = c.error ? 'error' : c.count;
    if (b === want || (typeof b === 'string' && (c.error || c.errorOk))) arkime++;
  }
  console.log(`differential: ${agree}/${cases.length} count cases agree; cluster matches Arkime on ${arkime}/${cases.length}`);
  assert.deepEqual(differ, []);
});
