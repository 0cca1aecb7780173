// Crash safety (kill -9 during append+flush) and merges under a concurrent reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fields } from '../fields/registry.js';
import '../fields/core.js';
import { EmbeddedSessionStore } from './session-store.js';

const here = fileURLToPath(import.meta.url);
const BATCH = 200;
const T0 = Date.UTC(2024, 0, 31, 10);

function doc(i: number): Record<string, unknown> {
  const last = T0 + i * 1000;
  return {
    firstPacket: last - 500, lastPacket: last, ipProtocol: 6, node: 't',
    source: { ip: `10.0.${(i >> 8) & 255}.${i & 255}`, port: 1000 + (i % 5000) },
    destination: { ip: '10.9.9.9', port: 80 }, packetPos: [-1, 24 + i * 100, 60, 0, 0], fileId: [1], protocol: ['tcp'], protocolCnt: 1,
  };
}

function tmpFiles(dir: string): string[] {
  const out: string[] = [];
  for (const p of fs.readdirSync(dir)) {
    const pd = path.join(dir, p);
    if (fs.statSync(pd).isDirectory()) for (const f of fs.readdirSync(pd)) if (f.startsWith('.tmp-')) out.push(f);
  }
  return out;
}

if (process.env.STORE_CHILD_DIR) {
  // child: append and flush forever, reporting each completed flush
  const store = await EmbeddedSessionStore.open(process.env.STORE_CHILD_DIR, { rotateIndex: 'hourly', registry: fields, mergeGraceMs: 100 });
  for (let n = 0; ; n++) {
    store.append(Array.from({ length: BATCH }, (_, k) => doc(n * BATCH + k)));
    await store.flush();
    process.stdout.write(`flushed ${(n + 1) * BATCH}\n`);
  }
} else {
  test('kill -9 during append+flush loses only the unflushed batch', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-crash-'));
    try {
      for (const killAfter of [3, 11]) {
        const child = spawn(process.execPath, [here], { env: { ...process.env, STORE_CHILD_DIR: dir }, stdio: ['ignore', 'pipe', 'inherit'] });
        let reported = 0;
        let buf = '';
        await new Promise<void>((resolve) => {
          child.stdout.on('data', (d: Buffer) => {
            buf += d.toString();
            const m = [...buf.matchAll(/flushed (\d+)\n/g)];
            if (m.length) reported = Number(m[m.length - 1][1]);
            if (m.length >= killAfter && !child.killed) child.kill('SIGKILL');
          });
          child.on('exit', () => resolve());
        });
        assert.ok(reported > 0, 'child flushed before it was killed');
        const store = await EmbeddedSessionStore.open(dir, { rotateIndex: 'hourly', registry: fields });
        try {
          assert.deepEqual(tmpFiles(dir), [], 'no temporary file survives reopening');
          const count = await store.count();
          // every completed flush is there; the batch in flight is all or nothing
          assert.equal(count % BATCH, 0, `count ${count} is whole batches`);
          assert.ok(count >= reported && count <= reported + BATCH, `count ${count}, reported ${reported}`);
          const distinct = await store.query(`SELECT count(DISTINCT "_id") AS n FROM ${store.fromClause()}`);
          assert.equal(Number(distinct[0].n), count);
          await store.wipe(); // the next round starts empty
        } finally {
          await store.close();
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a reader keeps every row during and after a merge', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-merge-'));
    const writer = await EmbeddedSessionStore.open(dir, { rotateIndex: 'daily', registry: fields, mergeGraceMs: 400, autoMerge: false });
    const reader = await EmbeddedSessionStore.open(dir, { rotateIndex: 'daily', registry: fields, readOnly: true });
    try {
      const total = 8 * 500;
      for (let b = 0; b < 8; b++) {
        writer.append(Array.from({ length: 500 }, (_, k) => doc(b * 500 + k)));
        await writer.flush();
      }
      assert.equal(writer.partitions()[0].segments, 8);
      const oldFrom = reader.fromClause(); // a query planned before the merge
      const counts: number[] = [];
      let merging = true;
      const readLoop = (async () => {
        while (merging) counts.push(await reader.count());
      })();
      await writer.optimize();
      merging = false;
      await readLoop;
      counts.push(await reader.count());
      assert.ok(counts.length >= 2);
      assert.deepEqual(new Set(counts), new Set([total]), 'counts never change');
      assert.equal(writer.partitions()[0].segments, 1);
      // the old file list still works inside the grace period
      const old = await reader.query(`SELECT count(*) AS n FROM ${oldFrom}`);
      assert.equal(Number(old[0].n), total);
      // the merged segment keeps the documents exactly and sorted by lastPacket
      const hits = await reader.search({ sort: '"lastPacket"', limit: 3 });
      assert.deepEqual(hits.map((h) => h.doc), [doc(0), doc(1), doc(2)]);
      // after the grace period the retired files go, and the live list is still complete
      await new Promise((r) => setTimeout(r, 600));
      await writer.flush(); // nothing pending: no-op
      writer.append([doc(total)]);
      await writer.flush(); // publishing removes expired retired files
      const pdir = path.join(dir, writer.partitions()[0].name);
      const parquet = fs.readdirSync(pdir).filter((f) => f.endsWith('.parquet'));
      assert.equal(parquet.length, 2, `live files only: ${parquet.join(', ')}`);
      assert.equal(await reader.count(), total + 1);
    } finally {
      await reader.close();
      await writer.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
