// pcap expiry on a real, small filesystem: an 8 MiB tmpfs mounted for the test (needs root),
// filled with pcap files written with db/pcap/format.ts and registered in a temporary control
// store. Free space is what statfs reports, so every deletion is measured, not simulated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Config } from '../../db/config.js';
import { SqliteControl, SqliteControlStore } from '../../db/store/sqlite-control-store.js';
import { PCAP_HEADER_LEN, PCAP_RECORD_HEADER_LEN, parsePcapHeader, writePcapHeader, writeRecordHeader } from '../../db/pcap/format.js';
import { formatPcapExpiry, runPcapExpiry, schedulePcapExpiry } from '../../db/retention/pcap-expiry.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const KiB = 1024;
const MiB = 1024 * KiB;

/** A valid pcap of exactly `size` bytes: 1500-byte records, the last one shorter. */
function pcapOfSize(size: number, t0: number): Buffer {
  const b = Buffer.alloc(size);
  let off = writePcapHeader(b, 0, { snaplen: 65535 });
  for (let i = 0; size - off > PCAP_RECORD_HEADER_LEN; i++) {
    const len = Math.min(1484, size - off - PCAP_RECORD_HEADER_LEN);
    off += writeRecordHeader(b, off, t0 + i, 0, len, len);
    b[off + 12] = 0x08; // EtherType IPv4, the rest zeros: what a reader would see as a frame
    off += len;
  }
  return b;
}

// A test cancelled mid-await skips its finally: unmount whatever is left when the process exits.
const mounted = new Set<string>();
process.on('exit', () => { for (const d of mounted) { try { execFileSync('umount', ['-l', d]); } catch { /* already gone */ } } });

interface Fixture { root: string; pcapDir: string; dataDir: string; configFile: string; name(node: string, num: number): string }

function setUp(): Fixture {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-pcap-expiry-'));
  const pcapDir = path.join(root, 'pcap');
  const dataDir = path.join(root, 'data');
  fs.mkdirSync(pcapDir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', pcapDir]);
  mounted.add(pcapDir);
  const configFile = path.join(root, 'config.ini');
  // [default] asks for far more than the disk has; the node section's 50% is what applies
  fs.writeFileSync(configFile, `[default]\ndataDir=${dataDir}\npcapDir=${pcapDir}\nfreeSpaceG=100\npcapKeepNewestFiles=2\n[n1]\nfreeSpaceG=50%\n`);
  return { root, pcapDir, dataDir, configFile, name: (node, num) => path.join(pcapDir, `${node}-240101-${String(num).padStart(8, '0')}.pcap`) };
}

function tearDown(f: Fixture): void {
  try { execFileSync('umount', [f.pcapDir]); mounted.delete(f.pcapDir); } finally { fs.rmSync(f.root, { recursive: true, force: true }); }
}

/**
 * n1 files 1..10 of 512 KiB (file 3 offline-imported in place: locked; file 10 open: no
 * finishTimestamp) and one 256 KiB file of node n2: 5.25 MiB used, 2.75 MiB free of 8 MiB.
 */
function fill(f: Fixture): void {
  const cs = SqliteControl.open(f.dataDir);
  try {
    for (let num = 1; num <= 10; num++) {
      const name = f.name('n1', num);
      fs.writeFileSync(name, pcapOfSize(512 * KiB, 1704067200 + num * 60));
      const closed = num === 10 ? {} : { finishTimestamp: 1704067200000 + num * 60000 + 59000, filesize: 512 * KiB };
      cs.registerFile({ node: 'n1', num, name, first: 1704067200 + num * 60, locked: num === 3 ? 1 : 0, ...closed });
    }
    fs.writeFileSync(f.name('n2', 1), pcapOfSize(256 * KiB, 1704067200));
    cs.registerFile({ node: 'n2', num: 1, name: f.name('n2', 1), first: 1704067200, locked: 0, finishTimestamp: 1, filesize: 256 * KiB });
  } finally { cs.close(); }
}

function state(f: Fixture): { onDisk: string[]; registered: string[] } {
  const cs = SqliteControl.open(f.dataDir);
  try {
    return {
      onDisk: fs.readdirSync(f.pcapDir).sort(),
      registered: cs.listFiles().map((d) => `${d.node}-${d.num}`).sort(),
    };
  } finally { cs.close(); }
}

const n1 = (...nums: number[]) => nums.map((n) => `n1-240101-${String(n).padStart(8, '0')}.pcap`);

test('pcap expiry on an 8 MiB tmpfs: oldest unlocked first, locked, open and newest files stay', async () => {
  const f = setUp();
  try {
    fill(f);
    // the files really are pcap files
    const head = parsePcapHeader(fs.readFileSync(f.name('n1', 1)).subarray(0, PCAP_HEADER_LEN));
    assert.equal(head.linktype, 1);
    const config = Config.load(f.configFile, 'viewer-host');
    const before = state(f);
    assert.equal(before.onDisk.length, 11);

    // --dry-run names what it would delete and deletes nothing
    const dry = await runPcapExpiry(config, 'n1', { dryRun: true });
    assert.equal(dry.devices.length, 1);
    const dev0 = dry.devices[0];
    assert.equal(dev0.totalBytes, 8 * MiB);
    assert.equal(dev0.requiredBytes, 4 * MiB);
    assert.ok(dev0.freeBefore < 4 * MiB && dev0.freeBefore > 2.5 * MiB, `free before ${dev0.freeBefore}`);
    assert.deepEqual(dev0.deleted.map((d) => d.num), [1, 2, 4]);
    assert.ok(formatPcapExpiry(dry).some((l) => l === `would delete ${f.name('n1', 1)} (${512 * KiB} bytes)`));
    assert.deepEqual(state(f), before);

    // the real run deletes the same files, files and registry docs both
    const real = await runPcapExpiry(config, 'n1');
    const dev = real.devices[0];
    assert.deepEqual(dev.deleted.map((d) => d.num), [1, 2, 4]);
    assert.ok(dev.freeAfter >= 4 * MiB, `free after ${dev.freeAfter}`);
    assert.equal(dev.shortfall, false);
    assert.deepEqual(real.errors, []);
    const after = state(f);
    assert.deepEqual(after.onDisk, [...n1(3, 5, 6, 7, 8, 9, 10), 'n2-240101-00000001.pcap']);
    assert.deepEqual(after.registered, ['n1-10', 'n1-3', 'n1-5', 'n1-6', 'n1-7', 'n1-8', 'n1-9', 'n2-1']);

    // a second run has nothing to do
    assert.deepEqual((await runPcapExpiry(config, 'n1')).devices[0].deleted, []);
  } finally {
    tearDown(f);
  }
});

test('pcap expiry on a disk too small for the bound keeps the newest files (Arkime #3396)', async () => {
  const f = setUp();
  try {
    fill(f);
    const config = Config.load(f.configFile, 'n1');
    config.override('freeSpaceG', '95%');
    const r = await runPcapExpiry(config, 'n1');
    const dev = r.devices[0];
    // oldest first, everything it may; the bound is still not reached
    assert.deepEqual(dev.deleted.map((d) => d.num), [1, 2, 4, 5, 6, 7, 8]);
    assert.equal(dev.shortfall, true);
    assert.deepEqual(dev.kept, { locked: 1, writing: 1, newest: 1 });
    assert.ok(formatPcapExpiry(r).some((l) => l.startsWith('warning:') && l.includes('too small')));
    assert.deepEqual(state(f).onDisk, [...n1(3, 9, 10), 'n2-240101-00000001.pcap']);

    // imported files may go when configured; the newest and the open file still stay
    config.override('pcapExpireImported', 'true');
    assert.deepEqual((await runPcapExpiry(config, 'n1')).devices[0].deleted.map((d) => d.num), [3]);
    // with no newest files kept at all, the file being written still stays
    config.override('pcapKeepNewestFiles', '0');
    assert.deepEqual((await runPcapExpiry(config, 'n1')).devices[0].deleted.map((d) => d.num), [9]);
    assert.deepEqual(state(f).onDisk, [...n1(10), 'n2-240101-00000001.pcap']);
    assert.deepEqual(state(f).registered, ['n1-10', 'n2-1']);
  } finally {
    tearDown(f);
  }
});

test('packrat db expire-pcap prints what it deletes, and with --dry-run deletes nothing', async () => {
  const f = setUp();
  try {
    fill(f);
    const before = state(f);
    const run = (...extra: string[]) => execFileSync(process.execPath, [path.join(repoRoot, 'bin/packrat'), 'db', 'expire-pcap', '-c', f.configFile, '-n', 'n1', ...extra], { encoding: 'utf8' });
    const dry = run('--dry-run');
    assert.match(dry, new RegExp(`^would delete ${f.name('n1', 1)} \\(524288 bytes\\)$`, 'm'));
    assert.match(dry, /^would delete 3 files; free would be 4\.\d MiB; kept 1 locked, 1 being written, 1 newest$/m);
    assert.deepEqual(state(f), before);
    const out = run();
    assert.deepEqual(out.split('\n').filter((l) => l.startsWith('deleted /')), [1, 2, 4].map((n) => `deleted ${f.name('n1', n)} (524288 bytes)`));
    assert.deepEqual(state(f).onDisk, [...n1(3, 5, 6, 7, 8, 9, 10), 'n2-240101-00000001.pcap']);
    // node n2 has [default]'s 100 GiB bound, far above the disk, and one file: the one it writes
    const n2 = execFileSync(process.execPath, [path.join(repoRoot, 'bin/packrat'), 'db', 'expire-pcap', '-c', f.configFile, '-n', 'n2'], { encoding: 'utf8' });
    assert.match(n2, /^deleted 0 files; .*kept 0 locked, 1 being written, 0 newest$/m);
    assert.match(n2, /^warning: .* too small/m);
    assert.ok(fs.existsSync(f.name('n2', 1)));
  } finally {
    tearDown(f);
  }
});

test('the viewer schedule deletes, logs each file once and keeps the shortfall warning to one line', async () => {
  const f = setUp();
  try {
    fill(f);
    const config = Config.load(f.configFile, 'n1');
    config.override('freeSpaceG', '95%');
    const cs = SqliteControl.open(f.dataDir);
    const lines: string[] = [];
    const deletedPerRun: number[] = [];
    const keepAlive = setInterval(() => {}, 1000); // the schedule's timer is unref'd, as a viewer's should be
    await new Promise<void>((done) => {
      // three runs: the first deletes, the next two find nothing more to delete
      const stop = schedulePcapExpiry(config, 'n1', new SqliteControlStore(cs), (l) => { lines.push(l); }, {
        intervalMs: 5,
        onReport: (r) => { deletedPerRun.push(r.devices[0].deleted.length); if (deletedPerRun.length === 3) { stop(); done(); } },
      });
    });
    clearInterval(keepAlive);
    assert.deepEqual(deletedPerRun, [7, 0, 0]);
    cs.close();
    assert.deepEqual(lines.filter((l) => l.startsWith('pcap expiry: deleted')).map((l) => l.split(' ')[3]),
      [1, 2, 4, 5, 6, 7, 8].map((n) => f.name('n1', n)));
    assert.equal(lines.filter((l) => l.startsWith('pcap expiry: warning:')).length, 1);
    assert.deepEqual(state(f).onDisk, [...n1(3, 9, 10), 'n2-240101-00000001.pcap']);
  } finally {
    tearDown(f);
  }
});
