// `packrat capture -r` killed with -9 at random moments of an import, 20 times into one dataDir
// that every next run continues. After each kill:
//   - the store opens (read-only before any writer has recovered it, then as a writer, and
//     through `packrat query --count`), and what it shows is exactly its manifests' segments:
//     no temporary or unlisted file counts, no session id twice;
//   - every visible session of the killed run is complete: it equals a session of a clean
//     import of the same file (addresses, ports, first/last packet, packets, bytes);
//   - the sessions missing are bounded by dbFlushTimeout: every session the capture had handed
//     to its store more than dbFlushTimeout (plus the time one flush takes) before the kill is
//     stored. What a run handed over is observed from outside (see AppendObserver);
//   - the killed run's file stays registered without finishTimestamp (an unfinished import).
// The next run (the next trial, and a last one left to finish) starts on the store the dead one
// left, and the last run stores exactly the clean import's sessions.
//
// Re-importing a partly imported file, as Arkime does: the file is registered again under a new
// file number and imported whole; the sessions the killed run had flushed stay, pointing at the
// old number (Arkime keeps them too; its --skip would skip the file altogether). An unfinished
// import is the registry entry without finishTimestamp (set once every session of the file is
// flushed), so the leftovers can be found
// (`fileId == N`) and expired.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteControl } from '../../db/store/sqlite-control-store.js';
import { repoRoot } from '../support/json-capture.js';
import {
  AppendObserver, keysWhere, manifestRows, multiset, notIn, openStore, quantile, runPackrat, seededRandom, sleep,
  startPackrat, strayFiles,
} from './crash-lib.js';

const TRIALS = Number(process.env.CRASH_TRIALS ?? 20);
/** Sessions over 20 minutes of packet time (10 new per second): they time out, and are handed to the store, all through the import. */
const SESSIONS = 12000;
const FLUSH_S = 1;
/** Beyond dbFlushTimeout: a flush that started before the kill and had not published yet (DuckDB writes the segment). */
const FLUSH_SLACK_S = 1.5;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-kill9-import-'));
const pcap = path.join(dir, 'in.pcap');
const node = 't';
let reference: Map<string, number>;
let referenceCount = 0;
let importMs = 0;

/** The file registry (none yet when the first run died before creating it). */
function registeredFiles(dataDir: string) {
  if (!fs.existsSync(path.join(dataDir, 'control.sqlite'))) return [];
  const control = SqliteControl.open(dataDir, { readOnly: true });
  try { return control.listFiles(node); } finally { control.close(); }
}

function config(name: string): { cfg: string; dataDir: string } {
  const dataDir = path.join(dir, name);
  const cfg = path.join(dir, `${name}.ini`);
  fs.writeFileSync(cfg, `[default]\ndataDir=${dataDir}\npcapDir=${dir}/raw\npacketThreads=2\ndbFlushTimeout=${FLUSH_S}\n`);
  return { cfg, dataDir };
}

before(async () => {
  const g = spawnSync(process.execPath, [path.resolve(repoRoot, '../shared/bench/gen-pcap.mjs'), '--out', pcap, '--sessions', String(SESSIONS),
    '--profile', 'small', '--seed', 'kill9', '--rate', '10'], { encoding: 'utf8' });
  assert.equal(g.status, 0, g.stderr);
  // The clean import: what every complete session looks like.
  const ref = config('reference');
  const t0 = performance.now();
  const r = await runPackrat(['capture', '-c', ref.cfg, '-n', node, '-r', pcap, '-q']);
  importMs = performance.now() - t0;
  assert.equal(r.code, 0, r.out);
  const store = await openStore(ref.dataDir, true);
  try {
    const keys = await keysWhere(store, '');
    referenceCount = keys.length;
    reference = multiset(keys);
  } finally { await store.close(); }
  assert.ok(referenceCount >= SESSIONS, `clean import stored ${referenceCount}`);
  console.log(`kill9-import: clean import of ${referenceCount} sessions took ${(importMs / 1000).toFixed(2)} s`);
});

after(() => { fs.rmSync(dir, { recursive: true, force: true }); });

test(`capture -r killed with -9 at ${TRIALS} random moments: the store stays consistent and the next run continues`, { timeout: 10 * 60e3 }, async () => {
  const rng = seededRandom('kill9-import');
  const { cfg, dataDir } = config('data');
  fs.mkdirSync(dataDir); // as \`packrat db init\` leaves it: a kill before the capture's first write still finds a store
  const lags: number[] = [];
  const outcome = { killed: 0, finishedFirst: 0, opened: 0, strayBefore: 0, missingMax: 0, partialRuns: 0 };
  const byRun = new Map<number, number>(); // file num -> sessions it left
  let lastNum = 0, visibleBefore = 0;
  for (let trial = 1; trial <= TRIALS; trial++) {
    // Anywhere from the store's opening to the end of the import (a few kills land after it).
    const delay = 400 + rng.next() * importMs;
    const child = startPackrat(['capture', '-c', cfg, '-n', node, '-r', pcap, '-q']);
    const obs = new AppendObserver(dataDir, child.pid);
    await Promise.race([sleep(delay), child.exited]);
    const killAt = performance.now();
    if (child.proc.exitCode === null) child.proc.kill('SIGKILL');
    const code = await child.exited;
    // The run may have exited just before the signal (its exit not yet reaped when we looked):
    // what counts is how it ended, a clean exit or the kill.
    const finished = code !== 'SIGKILL';
    obs.stop();
    const handed = obs.poll(); // the dead writer's staging files are still there
    if (finished) { assert.equal(code, 0, child.out()); outcome.finishedFirst++; } else outcome.killed++;

    // 1. Read-only, before any writer recovers the store: only manifest segments count.
    const stray = strayFiles(dataDir);
    if (stray.tmp.length || stray.unlisted.length) outcome.strayBefore++;
    const listed = manifestRows(dataDir);
    let store = await openStore(dataDir, true);
    let visible: number;
    try {
      visible = await store.count();
      assert.equal(visible, listed, 'a read-only store shows exactly its manifests\' segments');
    } finally { await store.close(); }

    // 2. As the next writer opens it: leftovers of the dead writer go, nothing visible changes.
    store = await openStore(dataDir, false);
    try {
      assert.deepEqual(strayFiles(dataDir), { tmp: [], unlisted: [] }, 'a writer opening the store removes the dead one\'s leftovers');
      assert.equal(await store.count(), visible);
      const dup = await store.query(`SELECT count(*) - count(DISTINCT "_id") AS d FROM ${store.fromClause()}`);
      assert.equal(Number(dup[0].d), 0, 'no session id twice');
      const files = registeredFiles(dataDir);
      const mine = files.filter((f) => f.num > lastNum);
      assert.ok(mine.length <= 1, 'a run registers its file once');
      if (mine.length === 0) {
        // Killed before it registered the file: it cannot have stored a session either.
        assert.ok(!finished);
        assert.equal(visible, visibleBefore, 'a run killed before registering its file stored nothing');
        console.log(`trial ${trial}: killed at ${(delay / 1000).toFixed(2)} s, before registering its file`);
        lags.push(0);
        outcome.opened++;
        continue;
      }
      const file = mine[0];
      lastNum = file.num;
      assert.equal(file.name, pcap);
      // finishTimestamp: read to the end and every session stored (a kill may still land after it, in the merges and closing).
      const complete = file.finishTimestamp !== undefined;
      if (finished) assert.ok(complete, 'a run that exited marked its file finished');
      const keys = await keysWhere(store, `list_contains("fileId", ${file.num})`);
      const stored = keys.length;
      byRun.set(file.num, stored);
      assert.equal(visible, visibleBefore + stored, 'only this run\'s sessions were added');
      // 3. Every visible session of the killed run is a complete session of the clean import.
      assert.deepEqual(notIn(keys, reference).slice(0, 5), [], 'visible sessions are complete');
      if (complete) assert.equal(stored, referenceCount, 'an import marked finished stored everything');
      else if (stored < referenceCount) outcome.partialRuns++;
      // 4. Sessions missing: handed over but not stored, bounded by what the last dbFlushTimeout held.
      assert.ok(stored <= handed || finished, `stored ${stored} ≤ handed over ${handed}`);
      const lag = finished ? 0 : obs.lag(killAt, stored);
      lags.push(lag);
      const missing = Math.max(0, handed - stored);
      outcome.missingMax = Math.max(outcome.missingMax, missing);
      const owed = obs.appendedAt(killAt - (FLUSH_S + FLUSH_SLACK_S) * 1000);
      assert.ok(stored >= owed, `trial ${trial}: stored ${stored} of the ${owed} sessions handed over more than ${FLUSH_S + FLUSH_SLACK_S} s before the kill (lag ${lag.toFixed(2)} s)`);
      console.log(`trial ${trial}: ${finished ? 'finished before the kill' : `killed at ${(delay / 1000).toFixed(2)} s${complete ? ' (import marked finished)' : ''}`}, ` +
        `handed over ${handed}, stored ${stored}, missing ${missing}, lag ${lag.toFixed(2)} s${stray.tmp.length + stray.unlisted.length ? `, ${stray.tmp.length} temporary and ${stray.unlisted.length} unlisted files left` : ''}`);
      visibleBefore = visible;
    } finally { await store.close(); }
    outcome.opened++;
  }

  // `packrat query` opens it too.
  const q = await runPackrat(['query', '-c', cfg, '--count', '']);
  assert.equal(q.code, 0, q.out);
  const before = Number(q.out.trim().split('\n').pop());
  assert.equal(before, [...byRun.values()].reduce((a, b) => a + b, 0));

  // The next run, left to finish: the whole file again, under a new number.
  const r = await runPackrat(['capture', '-c', cfg, '-n', node, '-r', pcap, '-q']);
  assert.equal(r.code, 0, r.out);
  const store = await openStore(dataDir, true);
  try {
    const last = registeredFiles(dataDir).pop()!;
    assert.ok(last.num > lastNum, 'a new file number');
    assert.ok(last.finishTimestamp);
    const keys = await keysWhere(store, `list_contains("fileId", ${last.num})`);
    assert.equal(keys.length, referenceCount);
    assert.deepEqual(notIn(keys, reference), []);
    assert.equal(await store.count(), before + referenceCount, 'earlier runs\' sessions kept');
  } finally { await store.close(); }
  console.log(`kill9-import: ${TRIALS} trials, ${outcome.killed} killed mid-run (${outcome.partialRuns} with sessions missing), ` +
    `${outcome.finishedFirst} finished first; store opened ${outcome.opened}/${TRIALS}; ${outcome.strayBefore} left temporary files; ` +
    `max missing ${outcome.missingMax}; lag median ${quantile(lags, 0.5).toFixed(2)} s, max ${Math.max(...lags).toFixed(2)} s ` +
    `(bound ${FLUSH_S} s dbFlushTimeout + ${FLUSH_SLACK_S} s for a flush in progress)`);
});
