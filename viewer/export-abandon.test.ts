// An export whose client goes away or stops reading must end on the server: its snapshot table
// dropped, its pcap file blocks given back, and closing the viewer must not wait on it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Config } from '../db/config.js';
import { fields } from '../db/fields/registry.js';
import '../db/fields/core.js';
import '../capture/parsers/index.js';
import { SqliteControl } from '../db/store/sqlite-control-store.js';
import { endpoint, pcapBytes, tcpDialog, type Frame } from '../capture/synth/traffic.js';
import { apiKeyHash } from './auth.js';
import { createViewer, type Viewer } from './server.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KEY = 'prk_abandon_key';
const SESSIONS = 24, BODY = 1 << 20; // ~25 MB of pcap: more than the socket and QUEUED_MAX hold

let dir: string, data: string, pcapSize: number;

/** Opens a viewer on the imported store with the given idle cut; returns it and its base URL. */
async function openViewer(exportIdleMs: number): Promise<{ viewer: Viewer; port: number }> {
  const viewer = await createViewer({ config: Config.fromText(`[default]\ndataDir=${data}\n`, 'test'), registry: fields,
    uiDir: path.join(dir, 'no-ui'), limits: { exportIdleMs } });
  return { viewer, port: await viewer.listen(0, '127.0.0.1') };
}

/** Export tables still alive in the viewer's in-memory database. */
async function snapshotTables(viewer: Viewer): Promise<number> {
  const store = (viewer.context.backend as unknown as { store: { query(sql: string): Promise<Record<string, unknown>[]> } }).store;
  const rows = await store.query(`SELECT count(*) AS n FROM duckdb_tables() WHERE table_name LIKE 'packrat_export_%'`);
  return Number(rows[0].n);
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts the whole-store pcap export and, after the first chunk, either stops reading (`stall`)
 * or hangs up (`abort`). Resolves with the bytes read and the request (a paused client never
 * reads the server's FIN, so the test watches the server side and destroys the request itself).
 */
function startExport(port: number, mode: 'stall' | 'abort'): Promise<{ got: number; req: http.ClientRequest }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/api/sessions.pcap?date=-1', headers: { authorization: `Bearer ${KEY}` } }, (res) => {
      if (res.statusCode !== 200) { reject(new Error(`export answered ${res.statusCode}`)); return; }
      res.once('data', (c: Buffer) => {
        if (mode === 'stall') res.pause(); else req.destroy();
        resolve({ got: c.length, req });
      });
      res.on('error', () => { /* the cut shows as an aborted response */ });
    });
    req.on('error', (e) => { if (mode !== 'abort') reject(e); });
  });
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-abandon-'));
  data = path.join(dir, 'data');
  const frames: Frame[] = [];
  const body = new Uint8Array(BODY).fill(0x61);
  for (let i = 0; i < SESSIONS; i++) {
    frames.push(...tcpDialog(endpoint(`10.9.0.${i + 1}`, 40000 + i), endpoint('10.9.1.1', 8080, 'server'), 1_763_700_000e6 + i * 1e6,
      [{ from: 'client', data: `GET /big/${i} HTTP/1.1\r\nHost: big.example\r\n\r\n` }, { from: 'server', data: body }], { rttUs: 20 }));
  }
  const file = path.join(dir, 'big.pcap');
  const bytes = pcapBytes(frames);
  fs.writeFileSync(file, bytes);
  pcapSize = bytes.length;
  const cfg = path.join(dir, 'config.ini');
  fs.writeFileSync(cfg, `[default]\ndataDir=${data}\n`);
  execFileSync(path.join(repoRoot, 'bin/packrat'), ['capture', '-c', cfg, '-n', 'test', '-q', '-r', file], { stdio: 'pipe' });
  const control = SqliteControl.open(data);
  control.createUser({ userId: 'admin', roles: ['superAdmin'], apiKey: apiKeyHash(KEY) });
  control.close();
});

after(() => { fs.rmSync(dir, { recursive: true, force: true }); });

test('a download left open but never read is cut after exportIdleTimeout and lets go of its snapshot', async () => {
  const { viewer, port } = await openViewer(1000);
  try {
    const { got, req } = await startExport(port, 'stall');
    assert.ok(got < pcapSize);
    assert.equal(viewer.context.exports.size, 1, 'the export is in flight');
    await until('the server to cut the export', () => viewer.context.exports.size === 0);
    assert.equal(await snapshotTables(viewer), 0, 'snapshot table dropped');
    req.destroy();
  } finally { await viewer.close(); }
});

test('a client that hangs up mid-export ends the export on the server', async () => {
  const { viewer, port } = await openViewer(60_000);
  try {
    const { got } = await startExport(port, 'abort');
    assert.ok(got < pcapSize);
    await until('the export to end on the server', () => viewer.context.exports.size === 0);
    assert.equal(await snapshotTables(viewer), 0, 'snapshot table dropped');
    // the viewer still serves a whole export afterwards
    const res = await fetch(`http://127.0.0.1:${port}/api/sessions.pcap?date=-1`, { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(res.status, 200);
    assert.ok((await res.arrayBuffer()).byteLength > BODY * SESSIONS, 'every session exported');
  } finally { await viewer.close(); }
});

test('closing the viewer ends a stalled export instead of waiting for its client', { timeout: 20_000 }, async () => {
  const { viewer, port } = await openViewer(600_000);
  const { req } = await startExport(port, 'stall');
  assert.equal(viewer.context.exports.size, 1, 'the export is in flight');
  await viewer.close(); // the test's timeout fails a close that waits for the client
  assert.equal(viewer.context.exports.size, 0);
  req.destroy();
});
