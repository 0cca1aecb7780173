import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fields } from '../fields/registry.js';
import '../fields/core.js';
import { SqliteControlStore } from '../store/sqlite-control-store.js';
import { EmbeddedSessionStore } from '../store/session-store.js';
import type { RotateIndex } from '../backend/partition-name.js';
import { expireSessions, type ExpireKind } from './session-expiry.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const HOUR = 3600e3, DAY = 24 * HOUR;
// Saturday 2024-06-15 12:30 UTC, day 166 of the year: week suffix w23
const NOW = Date.UTC(2024, 5, 15, 12, 30);

const session = (lastPacket: number, i: number) =>
  ({ firstPacket: lastPacket - 1000, lastPacket, source: { ip: `10.0.0.${i + 1}`, port: 1000 + i }, destination: { ip: '10.9.9.9', port: 80 }, node: 'n1' });

interface Case { rotate: RotateIndex; n: number; times: number[]; kept: string[]; expired: string[] }

// One session per partition; `kept` are the current period and the n before it.
const CASES: Case[] = [
  { rotate: 'hourly', n: 3, times: [0, 1, 2, 3, 4, 5].map((k) => NOW - k * HOUR),
    kept: ['240615h09', '240615h10', '240615h11', '240615h12'], expired: ['240615h07', '240615h08'] },
  { rotate: 'hourly6', n: 1, times: [0, 6, 12, 18].map((k) => NOW - k * HOUR),
    kept: ['240615h06', '240615h12'], expired: ['240614h18', '240615h00'] },
  { rotate: 'daily', n: 2, times: [0, 1, 2, 3, 4].map((k) => NOW - k * DAY),
    kept: ['240613', '240614', '240615'], expired: ['240611', '240612'] },
  { rotate: 'weekly', n: 1, times: [0, 1, 2, 3].map((k) => NOW - k * 7 * DAY),
    kept: ['24w22', '24w23'], expired: ['24w20', '24w21'] },
  { rotate: 'monthly', n: 1, times: [5, 4, 3, 2].map((m) => Date.UTC(2024, m, 10)),
    kept: ['24m05', '24m06'], expired: ['24m03', '24m04'] },
];

const names = (l: string[]) => l.map((s) => `sessions3-${s}`).sort();

for (const c of CASES) {
  test(`db expire ${c.rotate} ${c.n}: older partitions and old history go, the rest stays`, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `packrat-expire-${c.rotate}-`));
    const store = await EmbeddedSessionStore.open(dir, { rotateIndex: c.rotate, registry: fields });
    const control = SqliteControlStore.open(dir);
    try {
      store.append(c.times.map(session));
      await store.flush();
      assert.deepEqual(store.partitionNames().sort(), names([...c.kept, ...c.expired]));
      // history: Arkime's seconds, and milliseconds too, either side of 13 weeks
      const old = NOW - 14 * 7 * DAY, recent = NOW - 12 * 7 * DAY;
      for (const t of [old / 1000, old, recent / 1000, recent]) await control.addHistory({ timestamp: t, userId: 'admin', api: '/api/sessions' });

      const dry = await expireSessions(store, control, c.rotate as ExpireKind, c.n, { now: NOW, dryRun: true });
      assert.deepEqual(dry.partitions.sort(), names(c.expired));
      assert.equal(dry.historyRows, 2);
      assert.equal(store.partitionNames().length, c.times.length);
      assert.equal((await control.listHistory()).length, 4);

      const r = await expireSessions(store, control, c.rotate as ExpireKind, c.n, { now: NOW });
      assert.deepEqual(r.partitions.sort(), names(c.expired));
      assert.equal(r.historyRows, 2);
      assert.deepEqual(store.partitionNames().sort(), names(c.kept));
      assert.equal(await store.count(), c.kept.length);
      assert.deepEqual((await control.listHistory()).map((h) => h.timestamp).sort((a, b) => a - b), [recent / 1000, recent]);
    } finally {
      await control.close();
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('db expire refuses a negative or fractional count', async () => {
  const store = { partitionNames: () => ['sessions3-240101'], deletePartition: async () => { throw new Error('must not delete'); } };
  await assert.rejects(expireSessions(store, undefined, 'daily', -1), /whole number of periods, not -1/);
  await assert.rejects(expireSessions(store, undefined, 'daily', 1.5), /whole number/);
});

test('packrat db expire daily N on the embedded store (command line, --dry-run first)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-expire-cli-'));
  const cfg = path.join(dir, 'config.ini');
  fs.writeFileSync(cfg, `[default]\ndataDir=${dir}\nrotateIndex=daily\n`);
  const now = Date.now();
  const store = await EmbeddedSessionStore.open(dir, { rotateIndex: 'daily', registry: fields });
  store.append([0, 1, 2, 3].map((k) => session(now - k * DAY, k)));
  await store.flush();
  const all = store.partitionNames().sort();
  await store.close();
  const control = SqliteControlStore.open(dir);
  await control.addHistory({ timestamp: Math.floor((now - 20 * 7 * DAY) / 1000), userId: 'admin' });
  await control.close();
  try {
    const run = (...a: string[]) => {
      try { return execFileSync(process.execPath, [path.join(repoRoot, 'bin/packrat'), 'db', '-c', cfg, 'expire', ...a], { encoding: 'utf8', stdio: 'pipe' }); } catch (e) {
        throw new Error(`packrat db expire ${a.join(' ')}: ${(e as { stderr?: string }).stderr ?? (e as Error).message}`);
      }
    };
    const dry = run('daily', '1', '--dry-run');
    // today and yesterday stay; the two days before go
    assert.deepEqual(dry.split('\n').filter((l) => l.startsWith('would expire')), all.slice(0, 2).map((p) => `would expire ${p}`));
    assert.match(dry, /^would delete 1 history entries older than 13 weeks$/m);
    const out = run('daily', '1');
    assert.deepEqual(out.split('\n').filter((l) => l.startsWith('expired')), all.slice(0, 2).map((p) => `expired ${p}`));
    const info = execFileSync(process.execPath, [path.join(repoRoot, 'bin/packrat'), 'db', '-c', cfg, 'info'], { encoding: 'utf8' });
    assert.match(info, /^total\t2 sessions/m);
    const bad = spawnSync(process.execPath, [path.join(repoRoot, 'bin/packrat'), 'db', '-c', cfg, 'expire', 'yearly', '1'], { encoding: 'utf8' });
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /^packrat: db expire needs <hourly\|hourlyN\|daily\|weekly\|monthly> <N>$/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
