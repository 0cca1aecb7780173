// Bench support shared by the viewer benches (embedded and Elasticsearch): synthetic session
// documents with a pcap for the exported part, an embedded store filled with them, and the
// viewer routes timed over HTTP.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fields } from '../db/fields/registry.js';
import '../db/fields/core.js';
import '../capture/parsers/index.js';
import type { ControlStore } from '../db/backend/control-store.js';
import { openControlStore } from '../db/backend/open.js';
import { Config } from '../db/config.js';
import { DuckDBInstance } from '@duckdb/node-api';
import { readManifest, withPartitionLock, writeManifest } from '../db/store/manifest.js';
import { EmbeddedSessionStore } from '../db/store/session-store.js';
import { pcapHeaderBytes, writeRecordHeader } from '../db/pcap/format.js';
import { apiKeyHash } from '../viewer/auth.js';

export const PKT = 1000; // bytes of packet data
export const PKTS_PER_SESSION = 10;
export const T0 = Date.UTC(2024, 0, 15);
export const BENCH_KEY = 'bench-key';

/** A pcap of `sessions` × 10 packets; returns the record offsets per session. */
export function writePcap(file: string, sessions: number): void {
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
export function benchDoc(i: number, n: number, exported: boolean): Record<string, unknown> {
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

/** Sessions with packets in the bench pcap for an export of `exportMb` MB. */
export function exportedFor(n: number, exportMb: number): number {
  return Math.min(n, Math.ceil((exportMb * 1024 * 1024) / ((16 + PKT) * PKTS_PER_SESSION)));
}

/** The bench pcap registered as file 1 of node `bench`, and the user `bench`, in any control store. */
export async function registerBench(control: ControlStore, pcap: string): Promise<void> {
  await control.registerFile({ node: 'bench', num: 1, name: pcap, first: Math.floor(T0 / 1000), locked: 1, packetPosEncoding: 'gap0' });
  await control.createUser({ userId: 'bench', roles: ['superAdmin'], apiKey: apiKeyHash(BENCH_KEY) });
}

/** The bench pcap (packets of the first `exported` sessions) in `root`, registered in dataDir's control store. */
export async function benchControl(root: string, dataDir: string, exported: number): Promise<void> {
  const pcap = path.join(root, 'bench.pcap');
  writePcap(pcap, exported);
  const control = await openControlStore(Config.fromText(`[default]\ndataDir=${dataDir}\n`, 'bench'));
  try { await registerBench(control, pcap); } finally { await control.close(); }
}

/** Fills an embedded store in `root`/data with `N` bench documents, the first `exported` with packets. */
export async function fill(root: string, N: number, exported: number): Promise<void> {
  const dataDir = path.join(root, 'data');
  await benchControl(root, dataDir, exported);
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

export async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = process.hrtime.bigint();
  const r = await fn();
  return [Number(process.hrtime.bigint() - t) / 1e6, r];
}


export type RouteRow = [name: string, ms: number, goalMs: number];

/** GET against a viewer with the bench user's key; throws on a status other than 200. */
export function benchGet(base: string): (p: string) => Promise<Response> {
  return async (p: string) => {
    const r = await fetch(base + p, { headers: { authorization: `Bearer ${BENCH_KEY}` } });
    if (r.status !== 200) throw new Error(`${p}: ${r.status} ${await r.text()}`);
    return r;
  };
}

/** Median of `runs` timings of a JSON route. */
export async function p50(base: string, p: string, runs = 5): Promise<number> {
  const get = benchGet(base);
  const ts: number[] = [];
  for (let i = 0; i < runs; i++) ts.push((await timed(async () => (await get(p)).json()))[0]);
  return ts.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

/** The SPI view's ten fields, as the bench asks for them. */
export const SPI_FIELDS = ['protocol', 'source.ip', 'destination.ip', 'destination.port', 'source.port', 'http.host', 'http.method', 'http.statuscode', 'tags', 'node'].map((f) => `${f}:10`).join(',');

/** The viewer routes the bench times: first page, count, SPI view (sampled and exact), connections. */
export async function timeRoutes(base: string, o: { exact?: boolean } = {}): Promise<RouteRow[]> {
  const rows: RouteRow[] = [
    ['first page (100, by firstPacket desc)', await p50(base, '/api/sessions?date=-1&order=firstPacket:desc&length=100'), 150],
    ['count (expression)', await p50(base, '/api/sessions?date=-1&length=0&expression=' + encodeURIComponent('port.dst == 443')), 50],
    ['spiview, 10 fields', await p50(base, '/api/spiview?date=-1&spi=' + SPI_FIELDS, 3), 1000],
  ];
  // over 1M matches the view above samples; this is what counting every session costs
  if (o.exact !== false) rows.push(['spiview, 10 fields, exact=1 (reference)', await p50(base, '/api/spiview?date=-1&exact=1&spi=' + SPI_FIELDS, 1), 1000]);
  rows.push(['connections (5000 sessions, Arkime UI size)', await p50(base, '/api/connections?date=-1&length=5000', 3), 1000]);
  return rows;
}

/** Milliseconds and bytes of one pcap export read to its end in this process. */
export async function timeExport(base: string, p: string): Promise<[number, number]> {
  const get = benchGet(base);
  return timed(async () => {
    const r = await get(p);
    let n = 0;
    for await (const c of r.body as unknown as AsyncIterable<Uint8Array>) n += c.length;
    return n;
  });
}
