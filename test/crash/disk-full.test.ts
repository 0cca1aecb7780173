// Full disks under a real `packrat capture` (tmpfs mounts, as root):
//   - dataDir full during an offline import: the import stops with an error naming the folder
//     and a non-zero exit; the sessions committed before are intact and the store opens; once
//     space returns (a filler file deleted) the same file imports whole.
//   - pcapDir full during a live capture: capture keeps SPI (every session indexed), counts what
//     it could not write (writeErrors, diskFullErrors, unwrittenBytes in the stats and the log),
//     and once space returns (the tmpfs grown) writes pcap again: later sessions read back.
//   - pcapDir full during an import with --copy: every session indexed, the copy reported as
//     failed with the bytes it could not write (and writeErrors on its registry entry); a
//     copy whole once space returns.
//   - dataDir full during a live capture: sessions that cannot be staged are counted
//     (sessionsLost), capture goes on writing pcap, and stores sessions again once space returns.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteControl } from '../../db/store/sqlite-control-store.js';
import { repoRoot } from '../support/json-capture.js';
import { canMakeNetns, IP_B, LineReader, VethLab } from '../live/netns.js';
import { readSessionPackets } from '../live/packrat-run.js';
import { nativeCaptureAvailable } from '../../capture/live/native.js';
import { keysWhere, manifestRows, openStore, runPackrat, sleep, startPackrat, strayFiles, type Child } from './crash-lib.js';

const why = canMakeNetns() ?? (nativeCaptureAvailable() ? undefined : 'addon not built');
if (why) throw new Error(`disk tests need root (tmpfs mounts), iproute2 and the capture addon: ${why}`);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-disk-full-'));
const trafficJs = path.join(path.dirname(new URL(import.meta.url).pathname), '../live/traffic.js');
const mounts: string[] = [];
let lab: VethLab | undefined;

function tmpfs(at: string, size: string): void {
  fs.mkdirSync(at, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', at]);
  mounts.push(at);
}

/** Fill a filesystem up to `leaveBytes` of free space with one file. */
function fill(at: string, leaveBytes: number): string {
  const filler = path.join(at, 'filler');
  const free = Number(execFileSync('df', ['-B1', '--output=avail', at], { encoding: 'utf8' }).trim().split('\n')[1]);
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(1 << 16, 0x55);
  let left = Math.max(0, free - leaveBytes);
  try {
    while (left > 0) { const n = fs.writeSync(fd, chunk, 0, Math.min(chunk.length, left)); left -= n; }
  } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e; } finally { fs.closeSync(fd); }
  return filler;
}

before(() => { assert.equal(process.getuid?.(), 0, 'tmpfs mounts need root'); });
after(() => {
  lab?.destroy();
  for (const m of mounts.reverse()) { try { execFileSync('umount', [m]); } catch { /* already */ } }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('dataDir full during an import: a clear error naming the folder, committed sessions intact, the file imports whole once space returns', { timeout: 5 * 60e3 }, async () => {
  const small = path.join(dir, 'small.pcap'), big = path.join(dir, 'big.pcap');
  for (const [out, n, seed] of [[small, 300, 'first'], [big, 6000, 'second']] as const) {
    const g = spawnSync(process.execPath, [path.resolve(repoRoot, '../shared/bench/gen-pcap.mjs'), '--out', out, '--sessions', String(n), '--profile', 'small', '--seed', seed, '--rate', '10'], { encoding: 'utf8' });
    assert.equal(g.status, 0, g.stderr);
  }
  const dataDir = path.join(dir, 'import-data');
  tmpfs(dataDir, '16m');
  const cfg = path.join(dir, 'import.ini');
  fs.writeFileSync(cfg, `[default]\ndataDir=${dataDir}\npcapDir=${dir}/raw\npacketThreads=2\ndbFlushTimeout=1\n`);
  let r = await runPackrat(['capture', '-c', cfg, '-n', 't', '-r', small, '-q']);
  assert.equal(r.code, 0, r.out);
  const committed = await (async () => { const s = await openStore(dataDir, true); try { return (await keysWhere(s, '')).sort(); } finally { await s.close(); } })();
  assert.ok(committed.length >= 300);

  // Leave 1 MiB: the big file's sessions do not fit.
  const filler = fill(dataDir, 1 << 20);
  r = await runPackrat(['capture', '-c', cfg, '-n', 't', '-r', big, '-q']);
  assert.notEqual(r.code, 0, 'the import stops');
  assert.match(r.out, new RegExp(`${dataDir.replace(/[/.]/g, '\\$&')}/sessions3-\\d+: .*(ENOSPC|No space left)`, 'i'), `the error names the folder and the cause: ${r.out}`);
  console.log(`disk-full import: exit ${r.code}: ${r.out.trim().split('\n').pop()}`);
  // The store opens, and shows what was committed before, unchanged.
  let store = await openStore(dataDir, true);
  try {
    assert.equal(await store.count(), manifestRows(dataDir));
    const now = (await keysWhere(store, '')).sort();
    assert.ok(now.length >= committed.length);
    const before = new Set(committed);
    assert.equal(now.filter((k) => before.has(k)).length, committed.length, 'every committed session still there');
  } finally { await store.close(); }

  // Space returns: the next writer clears the dead run's leftovers, and the file imports whole.
  fs.unlinkSync(filler);
  r = await runPackrat(['capture', '-c', cfg, '-n', 't', '-r', big, '-q']);
  assert.equal(r.code, 0, r.out);
  assert.deepEqual(strayFiles(dataDir), { tmp: [], unlisted: [] });
  store = await openStore(dataDir, true);
  try {
    const c = SqliteControl.open(dataDir, { readOnly: true });
    const files = c.listFiles('t');
    c.close();
    const last = files[files.length - 1];
    assert.ok(last.finishTimestamp);
    const failedRun = files[files.length - 2];
    assert.equal(failedRun.finishTimestamp, undefined, 'the import the full disk stopped is not marked finished');
    const n = await store.count(`list_contains("fileId", ${last.num})`);
    assert.ok(n >= 6000, `the re-import stored ${n}`);
    console.log(`disk-full import: after space returned the re-import stored ${n} sessions; ${committed.length} committed before the disk filled kept`);
  } finally { await store.close(); }
});

test('pcapDir full during an import with --copy: every session indexed, the failed copy reported with its numbers, a copy again once space returns', { timeout: 5 * 60e3 }, async () => {
  const input = path.join(dir, 'copy.pcap');
  const g = spawnSync(process.execPath, [path.resolve(repoRoot, '../shared/bench/gen-pcap.mjs'), '--out', input, '--sessions', '400', '--profile', 'small', '--seed', 'copy', '--rate', '10'], { encoding: 'utf8' });
  assert.equal(g.status, 0, g.stderr);
  const pcapDir = path.join(dir, 'copy-raw'), dataDir = path.join(dir, 'copy-data');
  tmpfs(pcapDir, '256k');
  const cfg = path.join(dir, 'copy.ini');
  fs.writeFileSync(cfg, `[default]\ndataDir=${dataDir}\npcapDir=${pcapDir}\npacketThreads=2\ndbFlushTimeout=1\n`);
  let r = await runPackrat(['capture', '-c', cfg, '-n', 't', '-r', input, '--copy']);
  assert.equal(r.code, 1, `the failed copy is a failed input: ${r.out}`);
  assert.match(r.out, /1 of 1 input\(s\) failed; \d+ session\(s\) kept/);
  assert.match(r.out, /--copy into \S+ failed: write to \S+: ENOSPC: no space left on device, write \(\d+ bytes not written\)/, r.out);
  const m = /imported 1 file\(s\): \d+ packets, (\d+) sessions/.exec(r.out);
  const sessions = Number(m![1]);
  assert.ok(sessions >= 400);
  let store = await openStore(dataDir, true);
  try { assert.equal(await store.count(), sessions, 'every session indexed'); } finally { await store.close(); }
  let c = SqliteControl.open(dataDir, { readOnly: true });
  const failed = c.listFiles('t')[0];
  c.close();
  assert.equal(failed.writeErrors, 1);
  assert.equal(failed.filesize, fs.statSync(failed.name).size, 'the registry has the bytes on disk');
  console.log(`disk-full --copy: ${sessions} sessions indexed; copy cut at ${failed.filesize} bytes: ${r.out.split('\n').find((l) => l.includes('--copy into'))}`);

  execFileSync('mount', ['-o', 'remount,size=64m', pcapDir]); // space returns
  r = await runPackrat(['capture', '-c', cfg, '-n', 't', '-r', input, '--copy', '-q']);
  assert.equal(r.code, 0, r.out);
  c = SqliteControl.open(dataDir, { readOnly: true });
  const files = c.listFiles('t');
  c.close();
  const copy = files[files.length - 1];
  assert.equal(copy.writeErrors, undefined);
  assert.equal(copy.filesize, fs.statSync(copy.name).size);
  store = await openStore(dataDir, true);
  try {
    const docs = (await store.search({ where: `list_contains("fileId", ${copy.num})` })).map((h) => h.doc);
    assert.equal(docs.length, sessions);
    const byNum = new Map(files.map((f) => [f.num, f]));
    let read = 0;
    for (const d of docs) { const p = readSessionPackets(d, byNum); assert.equal(p.length, (d.network as { packets: number }).packets); read += p.length; }
    console.log(`disk-full --copy: after space returned, ${docs.length} sessions and ${read} packets read back through the new copy`);
  } finally { await store.close(); }
});

async function liveCapture(cfg: string): Promise<Child> {
  const c = startPackrat(['capture', '-c', cfg, '-n', 'full'], (cmd, args) => lab!.spawn(lab!.nsB, cmd, args));
  const t0 = Date.now();
  while (!c.out().includes('capturing on')) {
    if (c.proc.exitCode !== null || Date.now() - t0 > 60_000) throw new Error(`capture did not start: ${c.out()}`);
    await sleep(20);
  }
  return c;
}

async function flows(port: number, ms: number): Promise<void> {
  const t = lab!.spawn(lab!.nsA, process.execPath, [trafficJs, 'udp-flows', IP_B, String(port), String(ms)]);
  await new Promise((r) => t.once('exit', r));
}

function liveConfig(name: string, dataDir: string, pcapDir: string): string {
  const cfg = path.join(dir, `${name}.ini`);
  fs.writeFileSync(cfg, ['[default]', `dataDir=${dataDir}`, `pcapDir=${pcapDir}`, `interface=${lab!.devB}`,
    'pcapReadMethod=tpacketv3', 'tpacketv3NumThreads=1', 'tpacketv3NumBlocks=4', 'tpacketv3BlockSize=262144',
    'packetThreads=1', 'pcapWriteSize=4096', 'maxFileSizeG=0.001', 'dbFlushTimeout=1', 'udpTimeout=1', 'statsInterval=1', ''].join('\n'));
  return cfg;
}

async function storedBy(dataDir: string): Promise<Map<number, Record<string, unknown>[]>> {
  const store = await openStore(dataDir, true);
  try {
    const by = new Map<number, Record<string, unknown>[]>();
    for (const h of await store.search({})) {
      const port = (h.doc.destination as { port: number }).port;
      by.set(port, [...(by.get(port) ?? []), h.doc]);
    }
    return by;
  } finally { await store.close(); }
}

test('pcapDir full during a live capture: SPI kept, unwritten data counted, pcap written again once space returns', { timeout: 5 * 60e3 }, async () => {
  lab ??= new VethLab();
  const sink = lab.spawn(lab.nsB, process.execPath, [trafficJs, 'udp-recv', '7000', '1000000000']);
  await new LineReader(sink.stdout!).next();
  const dataDir = path.join(dir, 'live1-data'), pcapDir = path.join(dir, 'live1-raw');
  tmpfs(pcapDir, '256k');
  const cap = await liveCapture(liveConfig('live1', dataDir, pcapDir));
  // Filled but for 64 KiB, and traffic until a write fails: how much a sender gets out in a given
  // time depends on the machine's load, the disk filling must not.
  const filler = fill(pcapDir, 64 * 1024);
  for (let i = 0; i < 20 && !/pcap write failed \(ENOSPC\)/.test(cap.out()); i++) await flows(7000, 1000);
  await sleep(2500);
  fs.unlinkSync(filler);
  execFileSync('mount', ['-o', 'remount,size=64m', pcapDir]); // space returns
  await sleep(200);
  await flows(7001, 1500);
  await sleep(2500);
  cap.proc.kill('SIGTERM');
  assert.equal(await cap.exited, 0, cap.out());
  sink.kill();
  assert.match(cap.out(), /pcap write failed \(ENOSPC\)/);
  const c = SqliteControl.open(dataDir, { readOnly: true });
  const stats = c.getStats('full') as Record<string, number>;
  const files = c.listFiles('full');
  c.close();
  assert.ok(stats.writeErrors > 0 && stats.diskFullErrors > 0, JSON.stringify(stats));
  assert.ok(stats.unwrittenBytes > 0, 'bytes not written are counted');
  assert.match(cap.out(), /writeErrors [1-9]\d* unwritten [1-9]\d* B/, 'the log line has the numbers');
  const by = await storedBy(dataDir);
  const during = by.get(7000) ?? [], afterwards = by.get(7001) ?? [];
  assert.ok(during.length > 50, `SPI sessions while the pcapDir was full: ${during.length}`);
  assert.ok(afterwards.length > 20, `sessions after space returned: ${afterwards.length}`);
  // After the remount every packet of the later sessions is on disk and reads back.
  const byNum = new Map(files.map((f) => [f.num, f]));
  let read = 0;
  for (const d of afterwards) {
    const pkts = readSessionPackets(d, byNum);
    assert.equal(pkts.length, (d.network as { packets: number }).packets);
    for (const p of pkts) assert.equal(p.data.readUInt16BE(36), 7001, 'a packet of this flow');
    read += pkts.length;
  }
  const failedFiles = files.filter((f) => (f.writeErrors as number) > 0);
  assert.ok(failedFiles.length > 0, 'files that lost writes say so in the registry');
  console.log(`disk-full pcapDir: ${during.length} sessions indexed while full, ${stats.writeErrors} write errors ` +
    `(${stats.diskFullErrors} ENOSPC), ${stats.unwrittenBytes} bytes unwritten, ${failedFiles.length} files with lost writes; ` +
    `after space returned ${afterwards.length} sessions, ${read} packets read back`);
});

test('dataDir full during a live capture: sessions that cannot be stored are counted, capture goes on, and stores again once space returns', { timeout: 5 * 60e3 }, async () => {
  lab ??= new VethLab();
  const sink = lab.spawn(lab.nsB, process.execPath, [trafficJs, 'udp-recv', '7000', '1000000000']);
  await new LineReader(sink.stdout!).next();
  const dataDir = path.join(dir, 'live2-data'), pcapDir = path.join(dir, 'live2-raw');
  tmpfs(dataDir, '32m');
  const cap = await liveCapture(liveConfig('live2', dataDir, pcapDir));
  await flows(7002, 1000);
  // these are stored: wait for them (a loaded machine flushes later), then fill the disk
  for (let t = 0; t < 30 && manifestRows(dataDir) === 0; t++) await sleep(500);
  await sleep(1500);
  const filler = fill(dataDir, 0);
  await flows(7000, 1500);
  await sleep(3000); // these cannot be
  fs.unlinkSync(filler); // space returns
  await flows(7001, 1000);
  await sleep(3000);
  cap.proc.kill('SIGTERM');
  const code = await cap.exited;
  sink.kill();
  assert.equal(code, 0, cap.out());
  assert.match(cap.out(), new RegExp(`cannot stage \\d+ session\\(s\\) in ${dataDir.replace(/[/.]/g, '\\$&')}/sessions3-\\d+: ENOSPC`), cap.out());
  const c = SqliteControl.open(dataDir, { readOnly: true });
  const stats = c.getStats('full') as Record<string, number>;
  c.close();
  assert.ok(stats.sessionsLost > 0, `sessionsLost counted: ${JSON.stringify(stats)}`);
  assert.match(cap.out(), /sessionsLost [1-9]/);
  const by = await storedBy(dataDir);
  const first = by.get(7002) ?? [], during = by.get(7000) ?? [], afterwards = by.get(7001) ?? [];
  assert.ok(first.length > 20, `sessions before the disk filled: ${first.length}`);
  assert.ok(afterwards.length > 20, `sessions after space returned: ${afterwards.length}`);
  assert.equal(stats.sessionsSaved - stats.sessionsLost, manifestRows(dataDir), 'every session saved is stored or counted lost');
  const store = await openStore(dataDir, false);
  try { assert.deepEqual(strayFiles(dataDir), { tmp: [], unlisted: [] }); } finally { await store.close(); }
  console.log(`disk-full dataDir (live): ${first.length} sessions stored before, ${during.length} of the full period stored, ` +
    `${stats.sessionsLost} counted lost, ${afterwards.length} stored after space returned`);
});
