// Live `packrat capture` on a veth pair, killed with -9 at random moments while traffic flows
// (many short UDP sessions, tiny rotating pcap files), 20 times into one dataDir and pcapDir.
// After each kill:
//   - the store opens (read-only first, then as the next writer), shows exactly its manifests'
//     segments, no session id twice;
//   - every pcap file on disk is a valid pcap up to its last complete record; only a file the
//     dead capture had not closed may end in a cut record (as Arkime's: fine up to the last
//     full block), and tshark/capinfos read every complete record of it;
//   - the file registry agrees with the disk: a closed (finishTimestamp) file has exactly its
//     registered size and packets; files the capture had not closed are on disk as a prefix;
//     a file on disk and not registered can only be one opened after the last registration;
//   - every visible session names registered files;
//   - what the capture had handed to its store more than dbFlushTimeout (plus a flush under way)
//     before the kill is stored;
// and the next run continues: new file numbers above every earlier one, earlier files untouched.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteControl } from '../../db/store/sqlite-control-store.js';
import type { FileDoc } from '../../db/backend/control-store.js';
import { canMakeNetns, hasCommand, IP_B, LineReader, VethLab } from '../live/netns.js';
import { nativeCaptureAvailable } from '../../capture/live/native.js';
import { AppendObserver, manifestRows, openStore, quantile, seededRandom, sleep, startPackrat, strayFiles, type Child } from './crash-lib.js';

const why = canMakeNetns() ?? (hasCommand('tshark') && hasCommand('capinfos') ? undefined : 'tshark/capinfos missing') ?? (nativeCaptureAvailable() ? undefined : 'addon not built');
if (why) throw new Error(`live crash tests need root, iproute2, tshark and the capture addon: ${why}`);

const TRIALS = Number(process.env.CRASH_TRIALS ?? 20);
const FLUSH_S = 1;
/** Beyond dbFlushTimeout: a flush under way at the kill, and the one-second tick that starts flushes. */
const FLUSH_SLACK_S = 2;
const node = 'crash';
const trafficJs = path.join(path.dirname(new URL(import.meta.url).pathname), '../live/traffic.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-kill9-live-'));
const dataDir = path.join(dir, 'data'), pcapDir = path.join(dir, 'raw'), cfg = path.join(dir, 'config.ini');
let lab: VethLab;

before(async () => {
  lab = new VethLab();
  fs.mkdirSync(dataDir);
  fs.writeFileSync(cfg, ['[default]', `dataDir=${dataDir}`, `pcapDir=${pcapDir}`, `interface=${lab.devB}`,
    'pcapReadMethod=tpacketv3', 'tpacketv3NumThreads=1', 'tpacketv3NumBlocks=4', 'tpacketv3BlockSize=262144',
    // small writes and files: many rotations, a kill lands in all their states
    'packetThreads=1', 'pcapWriteSize=4096', 'maxFileSizeG=0.0001', 'dbFlushTimeout=1', 'udpTimeout=1', 'statsInterval=1', ''].join('\n'));
});

after(() => { lab?.destroy(); fs.rmSync(dir, { recursive: true, force: true }); });

/** A pcap file read as far as it is whole: complete records, and bytes of a cut last record. */
function pcapPrefix(file: string): { size: number; records: number; cut: number; header: boolean } {
  const b = fs.readFileSync(file);
  if (b.length < 24) return { size: b.length, records: 0, cut: b.length, header: false };
  assert.equal(b.readUInt32LE(0), 0xa1b2c3d4, `${file}: pcap magic`);
  let o = 24, records = 0;
  while (o + 16 <= b.length) {
    const caplen = b.readUInt32LE(o + 8);
    assert.ok(caplen > 0 && caplen <= 65535, `${file}: sane caplen ${caplen} at ${o}`);
    if (o + 16 + caplen > b.length) break;
    o += 16 + caplen;
    records++;
  }
  return { size: b.length, records, cut: b.length - o, header: true };
}

/** Whether every record a gap0 packetPos names lies whole within its file on disk. */
function packetsOnDisk(pos: number[], size: Map<number, number>, names: Map<number, string>): boolean {
  let num = 0, last = 0, gap = 0, fd = -1;
  const hdr = Buffer.alloc(16);
  try {
    for (const v of pos) {
      if (v < 0) {
        num = -v; last = 0; gap = 0;
        if (fd >= 0) fs.closeSync(fd);
        fd = -1;
        if (!names.has(num) || !fs.existsSync(names.get(num)!)) return false;
        fd = fs.openSync(names.get(num)!, 'r');
        continue;
      }
      const at = v === 0 ? last + gap : last + v;
      if (v !== 0) gap = v;
      last = at;
      if (at + 16 > (size.get(num) ?? 0)) return false;
      fs.readSync(fd, hdr, 0, 16, at);
      if (at + 16 + hdr.readUInt32LE(8) > (size.get(num) ?? 0)) return false;
    }
    return true;
  } finally { if (fd >= 0) fs.closeSync(fd); }
}

function registry(): FileDoc[] {
  if (!fs.existsSync(path.join(dataDir, 'control.sqlite'))) return [];
  const c = SqliteControl.open(dataDir, { readOnly: true });
  try { return c.listFiles(node); } finally { c.close(); }
}

/** Complete packets tshark reads from each file (it warns about a cut last record and goes on). */
function tsharkPackets(file: string): number {
  const r = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).length;
}

function capinfosPackets(files: string[]): Map<string, number> {
  const r = spawnSync('capinfos', ['-c', '-M', '-T', '-r', ...files], { encoding: 'utf8' });
  const out = new Map<string, number>();
  for (const line of r.stdout.split('\n')) {
    const [name, n] = line.split('\t');
    if (name && n !== undefined) out.set(name, Number(n));
  }
  return out;
}

async function startCapture(): Promise<Child> {
  const c = startPackrat(['capture', '-c', cfg, '-n', node], (cmd, args) => lab.spawn(lab.nsB, cmd, args));
  const t0 = Date.now();
  while (!c.out().includes('capturing on')) {
    if (c.proc.exitCode !== null || Date.now() - t0 > 60_000) throw new Error(`capture did not start: ${c.out()}`);
    await sleep(20);
  }
  return c;
}

test(`live capture killed with -9 at ${TRIALS} random moments: store, pcap files and registry stay consistent; the next run continues`, { timeout: 15 * 60e3 }, async () => {
  const rng = seededRandom('kill9-live');
  const sink = lab.spawn(lab.nsB, process.execPath, [trafficJs, 'udp-recv', '7000', '1000000000']);
  await new LineReader(sink.stdout!).next();
  const earlier = new Map<string, { size: number; mtimeMs: number }>();
  let maxNum = 0, visibleBefore = 0;
  const tally = { opened: 0, cutFiles: 0, emptyFiles: 0, unregistered: 0, unfinished: 0, sessions: [] as number[], files: 0, lags: [] as number[], missingMax: 0, behind: 0 };
  for (let trial = 1; trial <= TRIALS; trial++) {
    const cap = await startCapture();
    const obs = new AppendObserver(dataDir, cap.pid);
    const traffic = lab.spawn(lab.nsA, process.execPath, [trafficJs, 'udp-flows', IP_B, '7000', '20000']);
    const delay = 1000 + rng.next() * 5000;
    await sleep(delay);
    const killAt = performance.now();
    cap.proc.kill('SIGKILL');
    assert.equal(await cap.exited, 'SIGKILL', cap.out());
    obs.stop();
    const handed = obs.poll();
    traffic.kill('SIGKILL');
    await new Promise((r) => traffic.exitCode !== null || traffic.signalCode !== null ? r(null) : traffic.once('exit', r));

    // The store: read-only as the dead writer left it, then opened by the next writer.
    const listed = manifestRows(dataDir);
    let store = await openStore(dataDir, true);
    let visible: number;
    try { visible = await store.count(); } finally { await store.close(); }
    assert.equal(visible, listed);
    store = await openStore(dataDir, false);
    let fileIds: number[];
    let runDocs: Record<string, unknown>[];
    try {
      assert.deepEqual(strayFiles(dataDir), { tmp: [], unlisted: [] });
      const dup = await store.query(`SELECT count(*) - count(DISTINCT "_id") AS d FROM ${store.fromClause()}`);
      assert.equal(Number(dup[0].d), 0, 'no session id twice');
      const ids = await store.query(`SELECT DISTINCT unnest("fileId") AS f FROM ${store.fromClause()}`);
      fileIds = ids.map((r) => Number(r.f));
      runDocs = (await store.search({ where: `list_max("fileId") > ${maxNum}` })).map((h) => h.doc);
    } finally { await store.close(); }
    assert.ok(visible >= visibleBefore, 'nothing stored earlier went away');
    const stored = visible - visibleBefore;
    tally.sessions.push(stored);
    // Sessions missing: what the capture handed to its store more than dbFlushTimeout (+ a flush
    // in progress) before the kill is stored.
    const owed = obs.appendedAt(killAt - (FLUSH_S + FLUSH_SLACK_S) * 1000);
    assert.ok(stored >= owed, `stored ${stored} of the ${owed} sessions handed over more than ${FLUSH_S + FLUSH_SLACK_S} s before the kill`);
    const lag = obs.lag(killAt, stored);
    tally.lags.push(lag);
    tally.missingMax = Math.max(tally.missingMax, handed - stored);
    visibleBefore = visible;

    // The pcap files and the registry.
    const files = registry();
    const byName = new Map(files.map((f) => [f.name, f]));
    const onDisk = fs.existsSync(pcapDir) ? fs.readdirSync(pcapDir).map((f) => path.join(pcapDir, f)) : [];
    const maxRegistered = Math.max(0, ...files.map((f) => f.num));
    const cutOrOpen: string[] = [];
    for (const f of onDisk) {
      const m = /-(\d{8})\.pcap$/.exec(f);
      assert.ok(m, `${f}: an Arkime file name`);
      const num = Number(m[1]);
      const was = earlier.get(f);
      if (!was) assert.ok(num > maxNum, `${f}: a new file takes a number above every earlier one (${maxNum})`);
      const st = fs.statSync(f);
      if (was) assert.deepEqual({ size: st.size, mtimeMs: st.mtimeMs }, was, `${f}, of an earlier run, untouched`);
      const p = pcapPrefix(f);
      const reg = byName.get(f);
      if (!reg) {
        assert.ok(num > maxRegistered, `${f} is on disk but not registered, and older than the last registered file`);
        tally.unregistered++;
      } else if (reg.finishTimestamp) {
        assert.equal(p.cut, 0, `${f}: closed, so whole`);
        assert.equal(p.size, reg.filesize, `${f}: registered size`);
        assert.equal(p.records, reg.packets, `${f}: registered packets`);
      } else if (!was) {
        tally.unfinished++;
      }
      if (!was && (p.cut > 0 || !reg?.finishTimestamp)) cutOrOpen.push(f);
      if (!was && p.cut > 0) tally.cutFiles++;
      if (!was && !p.header) tally.emptyFiles++;
      earlier.set(f, { size: st.size, mtimeMs: st.mtimeMs });
    }
    for (const f of files) {
      if (f.finishTimestamp) assert.ok(fs.existsSync(f.name), `${f.name}: registered as closed, and on disk`);
    }
    // The files the kill caught open: every complete record is readable by tshark and capinfos.
    const readable = cutOrOpen.filter((f) => pcapPrefix(f).header);
    const ci = readable.length ? capinfosPackets(readable) : new Map<string, number>();
    for (const f of readable) {
      const p = pcapPrefix(f);
      assert.equal(tsharkPackets(f), p.records, `${f}: tshark reads the ${p.records} complete records`);
      assert.equal(ci.get(f), p.records, `${f}: capinfos counts the ${p.records} complete records (a cut last one: warned, exit 1)`);
    }
    // Sessions name registered files only.
    const nums = new Set(files.map((f) => f.num));
    for (const id of fileIds) assert.ok(nums.has(id), `sessions name file ${id}, which is registered`);
    // Every packet of every session this run stored is on disk, whole: pcap buffers are written
    // every second, before the session flush of the same tick.
    const sizeOf = new Map(files.map((f) => [f.num, fs.existsSync(f.name) ? fs.statSync(f.name).size : 0]));
    let behind = 0;
    for (const d of runDocs) if (!packetsOnDisk(d.packetPos as number[], sizeOf, new Map(files.map((f) => [f.num, f.name])))) behind++;
    tally.behind += behind;
    assert.equal(behind, 0, `${behind} of ${runDocs.length} stored sessions point past the end of their pcap file`);
    const newNums = files.filter((f) => f.num > maxNum).map((f) => f.num);
    assert.ok(newNums.length > 0 || visible === visibleBefore, 'this run registered files');
    tally.files += newNums.length;
    maxNum = Math.max(maxNum, maxRegistered, ...onDisk.map((f) => Number(/-(\d{8})\.pcap$/.exec(f)![1])));
    tally.opened++;
    console.log(`trial ${trial}: killed after ${(delay / 1000).toFixed(2)} s; handed over ${handed}, stored ${stored}, lag ${lag.toFixed(2)} s; ` +
      `${newNums.length} new files registered, ${cutOrOpen.length} caught open (${readable.length} with a header)`);
  }

  // A last run, stopped cleanly: it continues after every earlier number and closes its files.
  const cap = await startCapture();
  const traffic = lab.spawn(lab.nsA, process.execPath, [trafficJs, 'udp-flows', IP_B, '7000', '1500']);
  await new Promise((r) => traffic.once('exit', r));
  await sleep(2500); // udpTimeout: the last flows are saved
  cap.proc.kill('SIGTERM');
  assert.equal(await cap.exited, 0, cap.out());
  sink.kill();
  const files = registry().filter((f) => f.num > maxNum);
  assert.ok(files.length > 0, 'the last run wrote new files');
  for (const f of files) {
    assert.ok(f.finishTimestamp, `${f.name} closed`);
    const p = pcapPrefix(f.name);
    assert.equal(p.cut, 0);
    assert.equal(p.records, f.packets);
  }
  const store = await openStore(dataDir, true);
  try { assert.ok(await store.count() > visibleBefore, 'the last run stored sessions'); } finally { await store.close(); }
  for (const [f, was] of earlier) {
    const st = fs.statSync(f);
    assert.deepEqual({ size: st.size, mtimeMs: st.mtimeMs }, was, `${f} untouched by the last run`);
  }
  console.log(`kill9-live: ${TRIALS} trials, store opened ${tally.opened}/${TRIALS}; ${tally.files} files registered by killed runs; ` +
    `${tally.unfinished} left unfinished in the registry, ${tally.unregistered} on disk but unregistered, ${tally.cutFiles} ending in a cut record, ` +
    `${tally.emptyFiles} without a pcap header; ${tally.behind} stored sessions pointing past their file's end; sessions stored per killed run median ${quantile(tally.sessions, 0.5)}, min ${Math.min(...tally.sessions)}; ` +
    `max missing ${tally.missingMax}, lag median ${quantile(tally.lags, 0.5).toFixed(2)} s, max ${Math.max(...tally.lags).toFixed(2)} s (bound ${FLUSH_S} + ${FLUSH_SLACK_S} s)`);
});
