// Viewer benchmark: fill an embedded store with N synthetic session documents (default 10M) and a
// pcap file on tmpfs for the exported part, then time over HTTP: the first page sorted by time,
// a count, an SPI view of 10 fields, connections, and a pcap export.
//   node dist/bench/viewer-bench.js [--sessions N] [--export-mb M] [--dir /dev/shm/x] [--keep] [--fill-only]
//     [--export-only] [--runs R]   (only the pcap export, R times each way; medians printed)
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Config } from '../db/config.js';
import { fields } from '../db/fields/registry.js';
import '../db/fields/core.js';
import '../capture/parsers/index.js';
import { SqliteControl } from '../db/store/sqlite-control-store.js';
import { DuckDBInstance } from '@duckdb/node-api';
import { readManifest, withPartitionLock, writeManifest } from '../db/store/manifest.js';
import { EmbeddedSessionStore } from '../db/store/session-store.js';
import { pcapHeaderBytes, writeRecordHeader } from '../db/pcap/format.js';
import { apiKeyHash } from '../viewer/auth.js';
import { createViewer } from '../viewer/server.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
}

const N = Number(arg('--sessions', '10000000'));
const EXPORT_MB = Number(arg('--export-mb', '1024'));
const root = process.argv.includes('--dir') ? arg('--dir', '')
  : fs.mkdtempSync(fs.existsSync('/dev/shm') ? '/dev/shm/packrat-vbench-' : path.join(os.tmpdir(), 'packrat-vbench-'));
fs.mkdirSync(root, { recursive: true });
const dataDir = path.join(root, 'data');
const PKT = 1000; // bytes of packet data
const PKTS_PER_SESSION = 10;
const T0 = Date.UTC(2024, 0, 15);

/** A pcap of `sessions` × 10 packets; returns the record offsets per session. */
function writePcap(file: string, sessions: number): void {
  const fd = fs.openSync(file, 'w');
  const rec = Buffer.alloc(16 + PKT, 0x61);
  const chunk = Buffer.alloc((16 + PKT) * PKTS_PER_SESSION * 64);
  fs.writeSync(fd, pcapHeaderBytes({ linktype: 1 }));
  let filled = 0;
  for (let s = 0; s < sessions; s++) {
    for (let k = 0; k < PKTS_PER_SESSION; k++) {
      writeRecordHeader(rec, 0, Math.floor(T0 / 1000) + (s % 86000), k, PKT, PKT);
      rec.copy(chunk, filled); filled += rec.length;
    }
    if (filled + rec.length * PKTS_PER_SESSION > chunk.length) { fs.writeSync(fd, chunk, 0, filled); filled = 0; }
  }
  if (filled) fs.writeSync(fd, chunk, 0, filled);
  fs.closeSync(fd);
}

/** The synthetic session document number `i` of `n` (`exported`: it has packets in the bench pcap). */
function benchDoc(i: number, n: number, exported: boolean): Record<string, unknown> {
  const first = T0 + Math.floor((i / n) * 86_000_000);
  const sp = 1 + (i % 7), dp = 1 + (i % 5);
  const doc: Record<string, unknown> = {
    firstPacket: first, lastPacket: first + 1000 + (i % 5000), ipProtocol: 6, node: 'bench',
    source: { ip: `10.${(i >> 8) & 255}.${i & 255}.${(i >> 16) & 255}`, port: 1024 + (i % 60000), packets: sp, bytes: sp * 100 },
    destination: { ip: `192.168.${(i >> 4) & 3}.${i & 255}`, port: [80, 443, 53, 22, 25][i % 5], packets: dp, bytes: dp * 200 },
    network: { packets: sp + dp, bytes: sp * 100 + dp * 200 }, totDataBytes: sp * 50 + dp * 150,
    client: { bytes: sp * 50 }, server: { bytes: dp * 150 },
    protocol: i % 3 === 0 ? ['tcp', 'http'] : ['tcp'], protocolCnt: i % 3 === 0 ? 2 : 1,
    tags: [exported ? 'exported' : 'bulk'], tagsCnt: 1,
  };
  if (i % 3 === 0) doc.http = { host: [`host${i % 1000}.example.com`], hostCnt: 1, method: ['GET'], methodCnt: 1, statuscode: [200 + (i % 4)], statuscodeCnt: 1 };
  if (exported) {
    // gap0: first position absolute, then equal gaps written as 0
    doc.packetPos = [-1, 24 + i * (16 + PKT) * PKTS_PER_SESSION, 16 + PKT, ...new Array(PKTS_PER_SESSION - 2).fill(0)];
    doc.fileId = [1];
    doc.network = { packets: PKTS_PER_SESSION, bytes: PKTS_PER_SESSION * PKT };
  }
  return doc;
}

/**
 * The same documents as `benchDoc(i, n, false)` for i in [from, n), as SQL over range(): one
 * DuckDB COPY writes millions of rows in seconds where the JSON staging path takes minutes.
 */
function bulkSelect(from: number, n: number, columns: string[]): string {
  const v4 = (...parts: string[]) => parts.map((x) => `(${x})`).join(` || '.' || `);
  const hex = (...parts: string[]) => `'00000000000000000000ffff' || printf('${'%02x'.repeat(parts.length)}', ${parts.join(', ')})`;
  const http = (e: string) => `CASE WHEN i % 3 = 0 THEN ${e} END`;
  const expr: Record<string, string> = {
    _id: `'240115-' || substr(md5(i::VARCHAR), 1, 24)`,
    firstPacket: 'first', lastPacket: 'first + 1000 + i % 5000', ipProtocol: '6', node: `'bench'`,
    'source.ip': v4(`'10'`, '(i >> 8) & 255', 'i & 255', '(i >> 16) & 255'), 'source.ip#n': hex('10', '(i >> 8) & 255', 'i & 255', '(i >> 16) & 255'),
    'source.port': '1024 + i % 60000', 'source.packets': 'sp', 'source.bytes': 'sp * 100',
    'destination.ip': v4(`'192'`, `'168'`, '(i >> 4) & 3', 'i & 255'), 'destination.ip#n': hex('192', '168', '(i >> 4) & 3', 'i & 255'),
    'destination.port': '[80, 443, 53, 22, 25][i % 5 + 1]', 'destination.packets': 'dp', 'destination.bytes': 'dp * 200',
    'network.packets': 'sp + dp', 'network.bytes': 'sp * 100 + dp * 200', totDataBytes: 'sp * 50 + dp * 150',
    'client.bytes': 'sp * 50', 'server.bytes': 'dp * 150',
    protocol: `CASE WHEN i % 3 = 0 THEN ['tcp', 'http'] ELSE ['tcp'] END`, protocolCnt: 'CASE WHEN i % 3 = 0 THEN 2 ELSE 1 END',
    'http.host': http(`['host' || (i % 1000) || '.example.com']`), 'http.hostCnt': http('1'), 'http.method': http(`['GET']`),
    'http.methodCnt': http('1'), 'http.statuscode': http('[200 + i % 4]'), 'http.statuscodeCnt': http('1'),
    tags: `['bulk']`, tagsCnt: '1',
  };
  const cols = columns.map((c) => `${expr[c] ?? 'NULL'} AS "${c}"`);
  return `SELECT ${cols.join(', ')} FROM (SELECT i, ${T0} + floor(i::DOUBLE / ${n} * 86000000)::BIGINT AS first, 1 + i % 7 AS sp, 1 + i % 5 AS dp ` +
    `FROM range(${from}, ${n}) t(i)) ORDER BY "lastPacket"`;
}

async function fill(): Promise<void> {
  const exported = Math.min(N, Math.ceil((EXPORT_MB * 1024 * 1024) / ((16 + PKT) * PKTS_PER_SESSION)));
  const pcap = path.join(root, 'bench.pcap');
  writePcap(pcap, exported);
  const control = SqliteControl.open(dataDir);
  control.registerFile({ node: 'bench', num: 1, name: pcap, first: Math.floor(T0 / 1000), locked: 1, packetPosEncoding: 'gap0' });
  control.createUser({ userId: 'bench', roles: ['superAdmin'], apiKey: apiKeyHash('bench-key') });
  control.close();
  const t = Date.now();
  // the sessions with packets go through the store's own writer; it defines the columns
  let store = await EmbeddedSessionStore.open(dataDir, { rotateIndex: 'daily', registry: fields, autoMerge: false });
  for (let i = 0; i < exported; i++) {
    store.append([benchDoc(i, N, true)]);
    if ((i + 1) % 500_000 === 0) await store.flush();
  }
  await store.optimize();
  await store.close();
  if (exported < N) {
    const part = path.join(dataDir, 'sessions3-240115');
    const columns = readManifest(part).columns.map((c) => c.name);
    const file = `s-bench-${process.pid}.parquet`;
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    await con.run(`COPY (${bulkSelect(exported, N, columns)}) TO '${path.join(part, file)}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)`);
    con.closeSync(); db.closeSync();
    await withPartitionLock(part, () => {
      const m = readManifest(part);
      m.segments.push({ file, rows: N - exported, bytes: fs.statSync(path.join(part, file)).size,
        minLast: benchDoc(exported, N, false).lastPacket as number, maxLast: T0 + 86_000_000 + 6000, columns });
      m.generation++;
      writeManifest(part, m);
    });
    // the SQL rows must be exactly the documents the generator makes
    store = await EmbeddedSessionStore.open(dataDir, { rotateIndex: 'daily', registry: fields, readOnly: true });
    for (const i of [exported, exported + 1, exported + 2, N - 1]) {
      const id = `240115-${createHash('md5').update(String(i)).digest('hex').slice(0, 24)}`;
      const [hit] = await store.search({ where: '"_id" = ?', params: [id] });
      assert.deepStrictEqual(hit?.doc, benchDoc(i, N, false), `bulk row ${i} differs from the generator`);
    }
    await store.close();
  }
  process.stderr.write(`filled ${N} sessions (${exported} with packets, ${(exported * PKTS_PER_SESSION * (16 + PKT) / 1e6).toFixed(0)} MB pcap) in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
}

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = process.hrtime.bigint();
  const r = await fn();
  return [Number(process.hrtime.bigint() - t) / 1e6, r];
}

async function main(): Promise<void> {
  if (!fs.existsSync(dataDir)) await fill();
  if (process.argv.includes('--fill-only')) return;
  const viewer = await createViewer({ config: Config.fromText(`[default]\ndataDir=${dataDir}\n`, 'bench'), registry: fields, limits: { maxPcapBytes: 1e12 } });
  const base = `http://127.0.0.1:${await viewer.listen(0, '127.0.0.1')}`;
  const h = { authorization: 'Bearer bench-key' };
  const get = async (p: string) => { const r = await fetch(base + p, { headers: h }); if (r.status !== 200) throw new Error(`${p}: ${r.status} ${await r.text()}`); return r; };
  const p50 = async (p: string, runs = 5) => {
    const ts: number[] = [];
    for (let i = 0; i < runs; i++) ts.push((await timed(async () => (await get(p)).json()))[0]);
    return ts.sort((a, b) => a - b)[Math.floor(runs / 2)];
  };
  const spi = ['protocol', 'source.ip', 'destination.ip', 'destination.port', 'source.port', 'http.host', 'http.method', 'http.statuscode', 'tags', 'node'].map((f) => `${f}:10`).join(',');
  const exportOnly = process.argv.includes('--export-only');
  const runs = Math.max(1, Number(arg('--runs', '1')));
  const report: [string, number, number][] = exportOnly ? [] : [
    ['first page (100, by firstPacket desc)', await p50('/api/sessions?date=-1&order=firstPacket:desc&length=100'), 150],
    ['count (expression)', await p50('/api/sessions?date=-1&length=0&expression=' + encodeURIComponent('port.dst == 443')), 50],
    ['spiview, 10 fields', await p50('/api/spiview?date=-1&spi=' + spi, 3), 1000],
    // over 1M matches the view above samples; this is what counting every session costs
    ['spiview, 10 fields, exact=1 (reference)', await p50('/api/spiview?date=-1&exact=1&spi=' + spi, 1), 1000],
    ['connections (5000 sessions, Arkime UI size)', await p50('/api/connections?date=-1&length=5000', 3), 1000],
  ];
  const exportPath = '/api/sessions.pcap?date=-1&expression=' + encodeURIComponent('tags == exported');
  const fetchRuns: [number, number][] = [];
  for (let i = 0; i < runs; i++) {
    fetchRuns.push(await timed(async () => {
      const r = await get(exportPath);
      let n = 0;
      for await (const c of r.body as unknown as AsyncIterable<Uint8Array>) n += c.length;
      return n;
    }));
  }
  // the same export read by a separate process (curl into /dev/null): the client's work is not
  // on the viewer's event loop
  const curlRuns: [number, number][] = [];
  const firstByte: number[] = [];
  // this process is the viewer: its CPU while curl reads is the viewer's cost of the export
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const out = await new Promise<string>((resolve) => execFile('curl', ['-s', '-o', '/dev/null', '-w', '%{size_download} %{time_total} %{time_starttransfer}', '-H',
      'authorization: Bearer bench-key', base + exportPath], (err, o) => resolve(err ? '' : o)));
    if (!out) break;
    const [size, secs, ttfb] = out.split(' ').map(Number);
    curlRuns.push([secs * 1000, size]);
    firstByte.push(ttfb * 1000);
  }
  const cpu = process.cpuUsage(cpu0);
  const curlGB = curlRuns.reduce((n, r) => n + r[1], 0) / 1e9;
  process.stdout.write(`viewer bench: ${await viewer.context.backend.total()} sessions in ${dataDir}\n`);
  for (const [name, t, goal] of report) process.stdout.write(`  ${name.padEnd(40)} ${t.toFixed(1).padStart(9)} ms   (goal ${goal} ms, ratio ${(t / goal).toFixed(2)})\n`);
  const exportLine = (name: string, rs: [number, number][]) => {
    const all = rs.map(([ms, bytes]) => bytes / 1e3 / ms).sort((x, y) => x - y);
    const mbs = all[Math.floor(all.length / 2)];
    process.stdout.write(`  ${name.padEnd(40)} ${(rs[0][1] / 1e6).toFixed(0)} MB, median of ${rs.length}: ${mbs.toFixed(0)} MB/s ` +
      `(runs ${all.map((x) => x.toFixed(0)).join(' ')}; goal 1000 MB/s, ratio ${(mbs / 1000).toFixed(2)})\n`);
  };
  exportLine('pcap export (fetch, same process)', fetchRuns);
  if (curlRuns.length) {
    exportLine('pcap export (curl, separate process)', curlRuns);
    const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    process.stdout.write(`  ${'  time to first byte (curl)'.padEnd(40)} median ${median(firstByte).toFixed(0)} ms (runs ${firstByte.map((x) => x.toFixed(0)).join(' ')})\n`);
    process.stdout.write(`  ${'  viewer CPU per GB (curl runs)'.padEnd(40)} ${(cpu.user / 1e3 / curlGB).toFixed(0)} ms user + ` +
      `${(cpu.system / 1e3 / curlGB).toFixed(0)} ms system; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  }
  else process.stdout.write('  pcap export (curl): curl not available\n');
  await viewer.close();
  if (!process.argv.includes('--keep')) fs.rmSync(root, { recursive: true, force: true });
}

main().catch((e) => { process.stderr.write(`${(e as Error).stack}\n`); process.exit(1); });
