// Arkime's offline import options on `packrat capture`, each against the real command line and
// store: --copy (copies in pcapDir, registered, packets read back through them), --delete (only
// after a clean import), --flush (sessions saved between files) and --monitor (a file dropped
// in later is imported; SIGTERM drains).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { fields } from '../../db/fields/registry.js';
import { EmbeddedSessionStore } from '../../db/store/session-store.js';
import { SqliteControl, SqliteControlStore } from '../../db/store/sqlite-control-store.js';
import { PcapFiles, decodePacketPos } from '../../viewer/pcap-source.js';
import { pcapBytes, sampleTraffic, tcpConversation, type Endpoint, type Frame } from '../../capture/synth/traffic.js';
import { NgBuilder } from '../../capture/readers/test-files.js';
import { arkimePcapName } from '../../capture/pipeline/offline-files.js';
import '../../capture/pipeline/setup.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const packrat = join(repoRoot, 'bin/packrat');
const run = promisify(execFile);

interface Lab { dir: string; inDir: string; rawDir: string; dataDir: string; config: string }

function lab(): Lab {
  const dir = mkdtempSync(join(tmpdir(), 'packrat-offline-'));
  const l = { dir, inDir: join(dir, 'in'), rawDir: join(dir, 'raw'), dataDir: join(dir, 'data'), config: join(dir, 'config.ini') };
  mkdirSync(l.inDir); mkdirSync(l.rawDir);
  writeFileSync(l.config, `[default]\ndataDir=${l.dataDir}\npcapDir=${l.rawDir}\npacketThreads=2\n`);
  return l;
}

function capture(l: Lab, ...args: string[]) {
  return run(packrat, ['capture', '-c', l.config, '-n', 't', ...args], { encoding: 'utf8' });
}

async function storedDocs(l: Lab): Promise<Record<string, any>[]> {
  const store = await EmbeddedSessionStore.open(l.dataDir, { rotateIndex: 'daily', registry: fields, readOnly: true });
  try { return (await store.search({ sort: '"firstPacket"' })).map((h) => h.doc); } finally { await store.close(); }
}

/** Sample traffic cut in two after `first` sessions (distinct flows: no packet joins a session of the other part). */
function split(first: number, total: number): [Frame[], Frame[]] {
  const frames = sampleTraffic(total, 1_763_700_000);
  const cut = 1_763_700_000 * 1e6 + first * 200_000;
  return [frames.filter((f) => f.tsUs < cut), frames.filter((f) => f.tsUs >= cut)];
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function pcapngBytes(frames: Frame[]): Uint8Array {
  const ng = new NgBuilder();
  ng.shb(true);
  ng.idb(1, 65535);
  for (const f of frames) ng.epb(0, BigInt(f.tsUs), f.data);
  return ng.bytes();
}

test('--copy: each input becomes an Arkime-named pcap in pcapDir, registered, and packets read back through it', async () => {
  const l = lab();
  const framesA = sampleTraffic(40, 1_763_700_000), framesB = sampleTraffic(20, 1_763_800_000);
  writeFileSync(join(l.inDir, 'a.pcap'), pcapBytes(framesA));
  writeFileSync(join(l.inDir, 'b.pcapng'), pcapngBytes(framesB)); // the copy of a pcapng is classic pcap
  await capture(l, '-R', l.inDir, '--copy');
  const want = [arkimePcapName('t', 1_763_700_000, 1), arkimePcapName('t', 1_763_800_000, 2)];
  assert.match(want[0], /^t-\d{6}-00000001\.pcap$/);
  assert.deepEqual(readdirSync(l.rawDir).sort(), want.sort());

  const control = SqliteControl.open(l.dataDir);
  const docs = await storedDocs(l);
  const files = new PcapFiles(new SqliteControlStore(control));
  try {
    assert.equal(control.fileByNum('t', 1)?.name, join(l.rawDir, arkimePcapName('t', 1_763_700_000, 1)));
    assert.equal(control.fileByNum('t', 2)?.name, join(l.rawDir, arkimePcapName('t', 1_763_800_000, 2)));
    assert.equal(control.fileByNum('t', 2)?.packets, framesB.length);
    // The originals can go: every packet of every session is read from the copies.
    for (const name of readdirSync(l.inDir)) appendFileSync(join(l.inDir, name), 'x'); // no longer parseable either way
    const frames = new Set([...framesA, ...framesB].map((f) => hex(f.data)));
    let read = 0;
    await files.prime(docs.map((d) => ({ node: 't', packetPos: d.packetPos })));
    for (const d of docs) {
      const pos = decodePacketPos(d.packetPos, files.isGap0('t', d.packetPos));
      assert.equal(pos.positions.length, d.network.packets);
      for (let i = 0; i < pos.positions.length; i++) {
        const f = await files.get('t', pos.files[i]);
        const off = await f.record(pos.positions[i]);
        const caplen = f.buffer.readUInt32LE(off + 8);
        assert.ok(frames.has(hex(f.buffer.subarray(off + 16, off + 16 + caplen))), `packet ${i} of ${d.source.ip} is a packet we wrote`);
        read++;
      }
    }
    assert.equal(read, framesA.length + framesB.length);
  } finally {
    await files.close();
    control.close();
  }
});

test('--delete: inputs imported cleanly are removed; a truncated and an unreadable file are kept', async () => {
  const l = lab();
  const good = join(l.inDir, 'good.pcap'), cut = join(l.inDir, 'cut.pcap'), junk = join(l.inDir, 'junk.pcap');
  const [goodFrames, cutFrames] = split(12, 24);
  writeFileSync(good, pcapBytes(goodFrames));
  const whole = pcapBytes(cutFrames);
  writeFileSync(cut, whole.subarray(0, whole.length - 7));
  writeFileSync(junk, 'this is not a capture file at all');
  // Two of three inputs failed: exit status 1, and the batch still went on (execFile rejects).
  const r = await capture(l, '-R', l.inDir, '--copy', '--delete').then(() => assert.fail('exit 0 with two bad inputs'), (e) => e as { code: number; stderr: string });
  assert.equal(r.code, 1);
  assert.equal(existsSync(good), false);
  assert.equal(existsSync(cut), true);
  assert.equal(existsSync(junk), true);
  assert.match(r.stderr, /cut\.pcap: .*byte offset \d+; sessions before it are kept/);
  assert.match(r.stderr, /junk\.pcap: unknown capture file format/);
  // The sessions of the kept, truncated file are stored all the same.
  assert.ok((await storedDocs(l)).length >= 12 + 11);
  await assert.rejects(capture(l, '-r', good, '--delete'), /--delete needs --copy/);
});

test('--flush: a session cut across two files is saved at the end of the first; without it, one session spans both', async () => {
  const c: Endpoint = { ip: [10, 1, 1, 1], port: 40001, mac: [0, 0x1b, 0x21, 1, 2, 3] };
  const s: Endpoint = { ip: [10, 2, 2, 2], port: 80, mac: [0, 0x50, 0x56, 1, 2, 3] };
  const conv = tcpConversation(c, s, 1_763_700_000_000_000, new Uint8Array(Buffer.from('GET / HTTP/1.1\r\n\r\n')), new Uint8Array(Buffer.from('HTTP/1.1 200 OK\r\n\r\n')));
  const results: Record<string, any>[][] = [];
  for (const flush of [true, false]) {
    const l = lab();
    writeFileSync(join(l.inDir, '1.pcap'), pcapBytes(conv.slice(0, 4)));
    writeFileSync(join(l.inDir, '2.pcap'), pcapBytes(conv.slice(4)));
    await capture(l, '-R', l.inDir, ...(flush ? ['--flush'] : []));
    results.push(await storedDocs(l));
  }
  const [flushed, spanned] = results;
  assert.deepEqual(flushed.map((d) => d.network.packets), [4, 6]);
  assert.deepEqual(flushed.map((d) => d.packetPos[0]), [-1, -2]);
  assert.equal(spanned.length, 1);
  assert.equal(spanned[0].network.packets, 10);
  assert.deepEqual(spanned[0].packetPos.filter((p: number) => p < 0), [-1, -2]);
});

test('--monitor: files present at start and a file written later are imported; SIGTERM drains and exits 0', async () => {
  const l = lab();
  const [early, later] = split(9, 24);
  writeFileSync(join(l.inDir, 'early.pcap'), pcapBytes(early));
  const child = spawn(packrat, ['capture', '-c', l.config, '-n', 't', '-R', l.inDir, '--monitor'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const waitFor = (re: RegExp) => new Promise<void>((ok, fail) => {
    const check = () => { if (re.test(stderr)) { child.stderr.off('data', check); ok(); } };
    child.stderr.on('data', (b: Buffer) => { stderr += b; check(); });
    child.once('exit', (code) => fail(new Error(`exited ${code} before ${re}: ${stderr}`)));
    check();
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    await waitFor(/done .*early\.pcap/);
    // Written in two steps: the half-written file must not be imported before it stops growing.
    const late = pcapBytes(later);
    const half = late.length >> 1;
    writeFileSync(join(l.inDir, 'late.pcap'), late.subarray(0, half));
    await new Promise((r) => setTimeout(r, 300));
    appendFileSync(join(l.inDir, 'late.pcap'), late.subarray(half));
    writeFileSync(join(l.inDir, 'notes.txt'), 'not a capture file');
    await waitFor(/done .*late\.pcap/);
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
  }
  assert.doesNotMatch(stderr, /late\.pcap: .*byte offset/, 'late.pcap was read whole, not while growing');
  assert.doesNotMatch(stderr, /notes\.txt/);
  assert.match(stderr, /SIGTERM: stopping/);
  assert.match(stderr, /imported 2 file\(s\)/);
  assert.equal((await storedDocs(l)).length, 9 + 15);
});
