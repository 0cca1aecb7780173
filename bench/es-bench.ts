// `npm run bench:es`: Packrat on Elasticsearch/OpenSearch beside the embedded store.
//
// 1. capture: a `mixed` workload (gen-pcap.mjs) imported with `packrat capture -r` into the
//    embedded store and into the cluster: sessions/s, bulk bytes per session (NDJSON and what
//    went over the wire), seconds until every session is searchable (the template's
//    refresh_interval, no forced refresh), capture peak RSS.
// 2. viewer: N synthetic sessions (default 1M, the viewer bench's documents, 1,000 of them with
//    packets) in the cluster and in an embedded store, then the same routes on both: first page,
//    count, SPI view of 10 fields, connections, a 1,000-session pcap export.
//
// The cluster is ELASTICSEARCH_URL when set, else a two-node OpenSearch the bench starts with
// test/cluster/opensearch.sh on --port (default 9286/9386) and stops at the end.
//   node dist/bench/es-bench.js [--sessions N] [--viewer-sessions N] [--export-sessions N] [--replicas R]
//     [--port P] [--skip-capture] [--skip-viewer]
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openControlStore } from '../db/backend/open.js';
import { Config } from '../db/config.js';
import { fields } from '../db/fields/registry.js';
import { BulkIndexer } from '../db/es/bulk-indexer.js';
import { RawHttp } from '../db/es/http.js';
import { createViewer } from '../viewer/server.js';
import { ensureWorkload, packrat, repoRoot, treeRssKb } from './bench-lib.js';
import { benchDoc, fill, registerBench, timed, timeExport, timeRoutes, type RouteRow } from './viewer-lib.js';

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => { const i = argv.indexOf(name); return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt; };
const SESSIONS = Number(opt('--sessions', '44000'));
const VIEWER_SESSIONS = Number(opt('--viewer-sessions', '1000000'));
const EXPORT_SESSIONS = Number(opt('--export-sessions', '1000'));
const REPLICAS = opt('--replicas', '0');
const PORT = Number(opt('--port', '9286'));
// the capture part and the viewer part each have their own indices
const prefix = `packrat_esbench_${process.pid}_`;
const viewerPrefix = `packrat_esbench_viewer_${process.pid}_`;
const work = fs.mkdtempSync(fs.existsSync('/dev/shm') ? '/dev/shm/packrat-esbench-' : path.join(os.tmpdir(), 'packrat-esbench-'));
const out = (l: string) => process.stdout.write(l + '\n');

async function es<T = any>(url: string, method: string, p: string, body?: unknown): Promise<T> {
  const r = await fetch(url + p, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  if (!r.ok && r.status !== 404) throw new Error(`${method} ${p}: ${r.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** The cluster to bench: ELASTICSEARCH_URL, or one started here (stopped by the returned function). */
function cluster(): { url: string; stop: () => void } {
  if (process.env.ELASTICSEARCH_URL) return { url: process.env.ELASTICSEARCH_URL, stop: () => undefined };
  const script = path.join(repoRoot, 'test/cluster/opensearch.sh');
  const env = { ...process.env, PACKRAT_OS_STATE: path.join(work, 'os-state'), PACKRAT_OS_HTTP_PORT: String(PORT), PACKRAT_OS_TRANSPORT_PORT: String(PORT + 100) };
  const r = spawnSync(script, ['start'], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`opensearch.sh start: ${r.stderr}`);
  process.stderr.write(r.stderr);
  return { url: `http://127.0.0.1:${PORT}`, stop: () => { spawnSync(script, ['stop'], { env, stdio: 'inherit' }); } };
}

function run(args: string[]): string {
  const r = spawnSync(process.execPath, [packrat, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`packrat ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

interface CaptureRun { wall: number; rssMb: number; sessions: number; stderr: string; exitedAt: number }

async function capture(cfg: string, pcap: string): Promise<CaptureRun> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [packrat, 'capture', '-c', cfg, '-n', 'bench', '-r', pcap], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '', peak = 0;
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  const poll = setInterval(() => { peak = Math.max(peak, treeRssKb(child.pid!)); }, 50);
  const code = await new Promise<number>((r) => child.on('exit', (c) => r(c ?? 1)));
  clearInterval(poll);
  const exitedAt = performance.now();
  if (code !== 0) throw new Error(`packrat capture exited ${code}: ${stderr.slice(-2000)}`);
  const m = /imported \d+ file\(s\): \d+ packets, (\d+) sessions/.exec(stderr);
  if (!m) throw new Error(`no import summary: ${stderr.slice(-500)}`);
  return { wall: (exitedAt - t0) / 1000, rssMb: peak / 1024, sessions: Number(m[1]), stderr, exitedAt };
}

async function captureBench(url: string): Promise<void> {
  const pcap = ensureWorkload(`/dev/shm/packrat-es-mixed-${SESSIONS}.pcap`, ['--profile', 'mixed', '--sessions', String(SESSIONS)]);
  const embCfg = path.join(work, 'embedded.ini');
  fs.writeFileSync(embCfg, `[default]\ndataDir=${work}/cap-embedded\n`);
  const esCfg = path.join(work, 'es.ini');
  fs.writeFileSync(esCfg, `[default]\nelasticsearch=${url}\nprefix=${prefix}\ndataDir=${work}/cap-es\n`);
  run(['db', '-c', esCfg, '-n', 'bench', 'init', '--replicas', REPLICAS]);
  const emb = await capture(embCfg, pcap);
  const esr = await capture(esCfg, pcap);
  // searchable: what a search sees without a forced refresh (the template's refresh_interval)
  let searchable = NaN;
  for (let deadline = performance.now() + 300_000; performance.now() < deadline;) {
    const c = await es<{ count?: number }>(url, 'GET', `/${prefix}sessions3-*/_count`);
    if ((c.count ?? 0) >= esr.sessions) { searchable = (performance.now() - esr.exitedAt) / 1000; break; }
    await new Promise((r) => setTimeout(r, 250));
  }
  const s = /elasticsearch: (\d+) documents, (\d+) indexed, (\d+) refused.*?, (\d+) NDJSON bytes, (\d+) bytes sent/.exec(esr.stderr);
  const docs = Number(s?.[1] ?? esr.sessions);
  const fileMb = fs.statSync(pcap).size / 1e6;
  out(`capture: mixed workload, ${SESSIONS} generated sessions, ${fileMb.toFixed(0)} MB pcap; cluster ${url}, sessions template with ${REPLICAS} replica(s); load average ${os.loadavg()[0].toFixed(2)}`);
  out('store      sessions  wall s  sessions/s  peak RSS MB  NDJSON B/session  sent B/session  searchable after exit s');
  out(`embedded  ${String(emb.sessions).padStart(9)} ${emb.wall.toFixed(1).padStart(7)} ${String(Math.round(emb.sessions / emb.wall)).padStart(11)} ${emb.rssMb.toFixed(0).padStart(12)} ${'-'.padStart(17)} ${'-'.padStart(15)} ${'0 (on exit)'.padStart(24)}`);
  out(`cluster   ${String(esr.sessions).padStart(9)} ${esr.wall.toFixed(1).padStart(7)} ${String(Math.round(esr.sessions / esr.wall)).padStart(11)} ${esr.rssMb.toFixed(0).padStart(12)} `
    + `${s ? (Number(s[4]) / docs).toFixed(0).padStart(17) : '?'.padStart(17)} ${s ? (Number(s[5]) / docs).toFixed(0).padStart(15) : '?'.padStart(15)} ${(Number.isNaN(searchable) ? '>300' : searchable.toFixed(1)).padStart(24)}`);
  if (s && Number(s[2]) !== esr.sessions) out(`  (cluster indexed ${s[2]} of ${esr.sessions}, refused ${s[3]})`);
}

/** The viewer bench's documents into the cluster through the bulk indexer, ids as the embedded bulk rows have them. */
async function loadCluster(url: string, root: string): Promise<number> {
  const cfg = path.join(work, 'es.ini');
  fs.writeFileSync(cfg, `[default]\nelasticsearch=${url}\nprefix=${viewerPrefix}\ndataDir=${root}/data\n`);
  run(['db', '-c', cfg, '-n', 'bench', 'init', '--replicas', REPLICAS]);
  // the cluster viewer finds the bench user and pcap file in the cluster's admin indices
  const control = await openControlStore(Config.load(cfg, 'bench'));
  try { await registerBench(control, path.join(root, 'bench.pcap')); } finally { await control.close(); }
  const http = new RawHttp({ nodes: [url], insecure: false, requestTimeoutMs: 300_000 });
  const ix = new BulkIndexer({
    http, prefix: viewerPrefix, rotateIndex: 'daily', bulkBytes: 5_000_000, flushMs: 5000, concurrency: 2, maxRetries: 10,
    spoolDir: path.join(work, 'viewer-spool'), spoolMaxBytes: 1 << 30, gzip: true,
  });
  const { createHash } = await import('node:crypto');
  const [ms] = await timed(async () => {
    for (let i = 0; i < VIEWER_SESSIONS; i++) {
      const doc = benchDoc(i, VIEWER_SESSIONS, i < EXPORT_SESSIONS);
      doc._id = `240115-${createHash('md5').update(String(i)).digest('hex').slice(0, 24)}`;
      ix.add(doc);
      if ((i + 1) % 50_000 === 0) { await ix.flush(); process.stderr.write(`\r  cluster: ${i + 1} sessions`); }
    }
    await ix.drain();
    await es(url, 'POST', `/${viewerPrefix}sessions3-*/_refresh`);
  });
  process.stderr.write('\n');
  await ix.close(); http.close();
  if (ix.stats.indexedDocs !== VIEWER_SESSIONS) throw new Error(`cluster indexed ${ix.stats.indexedDocs} of ${VIEWER_SESSIONS}: ${ix.summary()}`);
  return ms / 1000;
}

async function viewerBench(url: string): Promise<void> {
  const root = path.join(work, 'viewer');
  fs.mkdirSync(root, { recursive: true });
  const [embMs] = await timed(() => fill(root, VIEWER_SESSIONS, EXPORT_SESSIONS));
  const esSec = await loadCluster(url, root);
  const exportPath = '/api/sessions.pcap?date=-1&expression=' + encodeURIComponent('tags == exported');
  const results: { name: string; rows: RouteRow[]; exp: [number, number]; total: number }[] = [];
  for (const [name, text] of [['embedded', `[default]\ndataDir=${root}/data\n`], ['cluster', `[default]\ndataDir=${root}/data\nelasticsearch=${url}\nprefix=${viewerPrefix}\n`]]) {
    const viewer = await createViewer({ config: Config.fromText(text, 'bench'), registry: fields, limits: { maxPcapBytes: 1e12 } });
    const base = `http://127.0.0.1:${await viewer.listen(0, '127.0.0.1')}`;
    try {
      const rows = await timeRoutes(base);
      await timeExport(base, exportPath); // warm
      const exp = await timeExport(base, exportPath);
      results.push({ name, rows, exp, total: await viewer.context.backend.total() });
    } finally { await viewer.close(); }
  }
  out('');
  out(`viewer: ${VIEWER_SESSIONS} synthetic sessions (loaded: embedded ${(embMs / 1000).toFixed(1)} s, cluster ${esSec.toFixed(1)} s = ${Math.round(VIEWER_SESSIONS / esSec)} sessions/s); totals ${results.map((r) => `${r.name} ${r.total}`).join(', ')}`);
  out(`${'route'.padEnd(44)} ${'embedded ms'.padStart(12)} ${'cluster ms'.padStart(12)}`);
  for (let i = 0; i < results[0].rows.length; i++) {
    out(`${results[0].rows[i][0].padEnd(44)} ${results[0].rows[i][1].toFixed(1).padStart(12)} ${results[1].rows[i][1].toFixed(1).padStart(12)}`);
  }
  const e = results.map((r) => r.exp);
  out(`${`pcap export, ${EXPORT_SESSIONS} sessions (${(e[0][1] / 1e6).toFixed(1)} MB)`.padEnd(44)} ${e[0][0].toFixed(1).padStart(12)} ${e[1][0].toFixed(1).padStart(12)}`);
}

async function main(): Promise<void> {
  const c = cluster();
  try {
    if (!argv.includes('--skip-capture')) await captureBench(c.url);
    if (!argv.includes('--skip-viewer')) await viewerBench(c.url);
  } finally {
    try {
      for (const p of [prefix, viewerPrefix]) {
        const rows = await es<{ index: string }[]>(c.url, 'GET', `/_cat/indices/${p}*?format=json&h=index`);
        const names = Array.isArray(rows) ? rows.map((r) => r.index) : [];
        for (let i = 0; i < names.length; i += 50) await es(c.url, 'DELETE', `/${names.slice(i, i + 50).join(',')}`);
        for (const t of ['sessions3_template', 'history_v1_template']) await es(c.url, 'DELETE', `/_index_template/${p}${t}`);
      }
    } catch { /* the cluster may be gone */ }
    c.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
