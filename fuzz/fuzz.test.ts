// The fuzzer's own checks: a short run through the real capture path builds documents and lets
// no exception escape; runs are deterministic per seed; mutations aim where they say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProtocolParser } from '../capture/parsers/api.js';
import { loadCorpus, type CorpusPacket } from './corpus.js';
import { newFileBatch, openPacketSource } from '../capture/readers/open.js';
import { ROUNDS_PER_WORKER, runFuzz } from './engine.js';
import { Frame, MUTATIONS, mutate } from './mutate.js';
import { ParserWatch } from './parser-watch.js';
import { Rng, roundSeed } from './rng.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pcaps = resolve(repoRoot, '../shared/conformance/pcaps');
const corpus = loadCorpus(pcaps);

test('20,000 mutated packets: no exception escapes, documents are built', () => {
  const r = runFuzz({ seed: 7, packets: 20_000, pcaps, corpus });
  assert.deepEqual(r.crashes, []);
  assert.equal(r.packets, 20_000);
  assert.ok(r.mutatedPackets > 2_000, `mutated ${r.mutatedPackets}`);
  assert.ok(r.documents > 1_000, `documents ${r.documents}`);
  assert.ok(r.rounds > 50);
});

test('with the parser samples beside the conformance pcaps, 50,000 packets reach every parser', () => {
  const both = [pcaps, resolve(repoRoot, 'capture/parsers/samples/pcaps')];
  const r = runFuzz({ seed: 20240601, packets: 50_000, pcaps: both, corpus: loadCorpus(both) });
  assert.deepEqual(r.crashes, []);
  assert.deepEqual(r.parsersNotReached, []);
  assert.ok(r.parsersReached >= 47, `reached ${r.parsersReached}`);
});

test('the same seed gives the same run; a round replays alone', () => {
  const a = runFuzz({ seed: 42, packets: 3_000, pcaps, corpus });
  const b = runFuzz({ seed: 42, packets: 3_000, pcaps, corpus });
  assert.deepEqual([a.rounds, a.documents, a.documentBytes, a.mutatedPackets], [b.rounds, b.documents, b.documentBytes, b.mutatedPackets]);
  const c = runFuzz({ seed: 43, packets: 3_000, pcaps, corpus });
  assert.notEqual(c.documentBytes, a.documentBytes);
  // A replay reruns the rounds that shared the packet worker, from the first of them.
  const one = runFuzz({ seed: 42, packets: 0, pcaps, corpus, replayRound: ROUNDS_PER_WORKER + 5 });
  const again = runFuzz({ seed: 42, packets: 0, pcaps, corpus, replayRound: ROUNDS_PER_WORKER + 5 });
  assert.equal(one.rounds, 6);
  assert.deepEqual([one.packets, one.documentBytes], [again.packets, again.documentBytes]);
});

test('rounds have seeds of their own', () => {
  assert.notEqual(roundSeed(1, 0), roundSeed(1, 1));
  assert.notEqual(roundSeed(1, 0), roundSeed(2, 0));
  const x = new Rng(5), y = new Rng(5);
  for (let i = 0; i < 100; i++) assert.equal(x.u32(), y.u32());
});

function firstTcpWithPayload(): CorpusPacket {
  for (const f of corpus.files) for (const p of f.packets) if (p.layout.ipProtocol === 6 && p.layout.payloadLen > 20 && p.layout.ipVersion === 4) return p;
  throw new Error('corpus has no IPv4 TCP packet with payload');
}

test('mutations aim at the fields they name', () => {
  const src = firstTcpWithPayload();
  const f = new Frame();
  const rng = new Rng(1);
  const other = () => src;
  const at = (name: (typeof MUTATIONS)[number]) => MUTATIONS.indexOf(name);

  f.load(src);
  assert.equal(mutate(f, at('truncate'), rng, other), 1 << at('truncate'));
  assert.ok(f.len < src.data.length);
  assert.equal(f.wireLen, src.wireLen, 'a truncated frame keeps its wire length');

  for (let i = 0; i < 20; i++) {
    f.load(src);
    mutate(f, at('tcp-off'), rng, other);
    const L = src.layout;
    for (let j = 0; j < f.len; j++) if (j !== L.l4Off + 12) assert.equal(f.buf[j], src.data[j], `byte ${j} changed by tcp-off`);
  }

  f.load(src);
  mutate(f, at('payload-byte'), rng, other);
  for (let j = 0; j < src.layout.payloadOff; j++) assert.equal(f.buf[j], src.data[j], 'headers untouched by payload-byte');

  f.load(src);
  mutate(f, at('insert'), rng, other);
  assert.ok(f.len > src.data.length);
  assert.equal(f.wireLen - f.len, src.wireLen - src.data.length);
});

test('a parser that throws is attributed to its parser and packet, and still throws', () => {
  const where = { round: 3, index: 9, pcap: 'x.pcap' };
  const w = new ParserWatch(where);
  const p: ProtocolParser<object> = { name: 'boom', classify() { throw new RangeError('out of range'); } };
  w.install([p]);
  w.install([p]); // installing twice wraps once
  assert.throws(() => p.classify({} as never, 0, new Uint8Array(1), 0, 1), RangeError);
  assert.throws(() => p.classify({} as never, 0, new Uint8Array(1), 0, 1), RangeError);
  const seen = [...w.seen.values()];
  assert.equal(seen.length, 1);
  assert.deepEqual([seen[0].parser, seen[0].phase, seen[0].count, seen[0].round, seen[0].index, seen[0].pcap], ['boom', 'classify', 2, 3, 9, 'x.pcap']);
  assert.match(seen[0].error, /RangeError: out of range/);
});

const runJs = join(dirname(fileURLToPath(import.meta.url)), 'run.js');
function cli(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [runJs, '--quiet', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

test('the command line fails on an escaped exception, and its replay line reproduces it', () => {
  const a = cli('--packets', '5000', '--inject', 'crash');
  assert.equal(a.status, 1, a.out);
  const failure = /FAILURE \(uncaught exception\): seed \d+, round (\d+), pcap (\S+), packet (\d+)/.exec(a.out);
  assert.ok(failure, a.out);
  const pcap = join(mkdtempSync(join(tmpdir(), 'packrat-fuzz-')), 'round.pcap');
  const b = cli('--replay', failure[1], '--write', pcap, '--inject', 'crash');
  assert.equal(b.status, 1, b.out);
  assert.ok(b.out.includes(failure[0]), b.out);
  const src = openPacketSource(pcap);
  const batch = newFileBatch(1 << 20);
  let n = 0;
  while (src.next(batch)) n += batch.count;
  src.close();
  assert.ok(n > Number(failure[3]), `${n} packets written`);
});

test('the command line reports a hang and a memory bound with exit codes 3 and 4', () => {
  const h = cli('--packets', '5000', '--inject', 'hang', '--hang-sec', '2');
  assert.equal(h.status, 3, h.out);
  assert.match(h.out, /HANG: no progress for 2 s at seed \d+, round \d+, pcap \S+/);
  const m = cli('--packets', '200000', '--inject', 'memory', '--max-rss', '400');
  assert.equal(m.status, 4, m.out);
  assert.match(m.out, /MEMORY: RSS \d+ MB is past the bound of 400 MB/);
  assert.equal(cli('--packets', 'many').status, 2);
});
