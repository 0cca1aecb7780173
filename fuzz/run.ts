// `npm run fuzz`: mutate corpus packets and run them through the capture path. The fuzzing runs
// in a worker thread; this thread is the watchdog (no progress for --hang-sec seconds, RSS past
// --max-rss) and prints the report. Exit status: 0 clean, 1 an exception escaped the packet path
// or a document could not be built, 2 bad arguments, 3 hang, 4 memory bound, 5 --strict and a
// parser threw.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { loadCorpus } from './corpus.js';
import { P_FILE, P_INDEX, P_MASK, P_PACKETS, P_ROUND, P_SLOTS, P_STREAM, STREAM_OPS, runFuzz, type FuzzOptions, type FuzzResult, type Injection } from './engine.js';
import { mutationNames } from './mutate.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DEFAULT_SEED = 20240601;
const DEFAULT_PCAPS = [resolve(repoRoot, '../shared/conformance/pcaps'), resolve(repoRoot, 'capture/parsers/samples/pcaps')];

interface Args {
  seed: number; packets: number; pcaps: string[]; replay?: number; write?: string; keepGoing: boolean;
  strict: boolean; maxRssMb: number; hangSec: number; config?: string; quiet: boolean; inject?: Injection;
}

const USAGE = `usage: node dist/fuzz/run.js [options]
  --seed N         random seed (default ${DEFAULT_SEED})
  --packets N      mutated packets to run (default 1000000)
  --pcaps DIR      corpus folder, repeatable (default: ../shared/conformance/pcaps and the
                   parser samples, capture/parsers/samples/pcaps, so every parser is reached)
  --replay ROUND   run only that round of the seed (a failure report names it)
  --write FILE     with --replay: also write the round's mutated packets as a pcap
  --keep-going     report every failure instead of stopping at the first
  --strict         a parser that throws (caught and detached by the session) fails the run
  --max-rss MB     memory bound (default 1024)
  --hang-sec N     watchdog: no progress for N seconds is a hang (default 10)
  --config FILE    config.ini to use instead of the built-in one (every parser option on)
  --quiet          no progress lines
  --inject KIND    check the harness itself: crash, hang or memory, on purpose from round 3`;

function parseArgs(argv: string[]): Args {
  const a: Args = { seed: DEFAULT_SEED, packets: 1_000_000, pcaps: DEFAULT_PCAPS, keepGoing: false, strict: false, maxRssMb: 1024, hangSec: 10, quiet: false };
  const num = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a non-negative integer, got ${v === undefined ? 'nothing' : `'${v}'`}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    switch (f) {
      case '--seed': a.seed = num(f, argv[++i]); break;
      case '--packets': a.packets = num(f, argv[++i]); break;
      case '--pcaps': a.pcaps = [...(a.pcaps === DEFAULT_PCAPS ? [] : a.pcaps), resolve(argv[++i] ?? '')]; break;
      case '--replay': a.replay = num(f, argv[++i]); break;
      case '--write': a.write = argv[++i]; if (!a.write) throw new Error('--write needs a file name'); break;
      case '--keep-going': a.keepGoing = true; break;
      case '--strict': a.strict = true; break;
      case '--max-rss': a.maxRssMb = num(f, argv[++i]); break;
      case '--hang-sec': a.hangSec = num(f, argv[++i]); break;
      case '--config': a.config = argv[++i]; if (!a.config) throw new Error('--config needs a file name'); break;
      case '--quiet': a.quiet = true; break;
      case '--inject': {
        const k = argv[++i];
        if (k !== 'crash' && k !== 'hang' && k !== 'memory') throw new Error(`--inject takes crash, hang or memory, got '${k ?? ''}'`);
        a.inject = k;
        break;
      }
      case '-h': case '--help': process.stdout.write(USAGE + '\n'); process.exit(0);
      default: throw new Error(`unknown option '${f}'`);
    }
  }
  if (a.write && a.replay === undefined) throw new Error('--write needs --replay ROUND');
  return a;
}

interface WorkerData { opts: Omit<FuzzOptions, 'progress' | 'corpus'>; progress: Int32Array }

if (!isMainThread) {
  const { opts, progress } = workerData as WorkerData;
  const corpus = loadCorpus(opts.pcaps);
  parentPort!.postMessage({ type: 'corpus', files: corpus.files.map((f) => f.name) });
  const result = runFuzz({ ...opts, corpus, progress });
  parentPort!.postMessage({ type: 'result', result });
} else {
  main();
}

function main(): void {
  let args: Args;
  try { args = parseArgs(process.argv.slice(2)); } catch (e) {
    process.stderr.write(`fuzz: ${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const configText = args.config ? readFileSync(args.config, 'utf8') : undefined;
  const progress = new Int32Array(new SharedArrayBuffer(P_SLOTS * 4));
  const opts: WorkerData['opts'] = {
    seed: args.seed, packets: args.packets, pcaps: args.pcaps, configText, keepGoing: args.keepGoing,
    replayRound: args.replay, writePcap: args.write ? resolve(args.write) : undefined, inject: args.inject,
  };
  const t0 = performance.now();
  let files: string[] = [];
  let peakRss = 0;
  let lastPackets = -1, lastRound = -1, lastIndex = -2, lastChange = t0, lastLine = t0;
  const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { opts, progress } satisfies WorkerData });
  const where = (): string => {
    const file = files[Atomics.load(progress, P_FILE)] ?? '?';
    const index = Atomics.load(progress, P_INDEX);
    return `seed ${args.seed}, round ${Atomics.load(progress, P_ROUND)}, pcap ${file}, ` +
      (index < 0 ? 'while saving the open sessions' : `packet ${index} (${STREAM_OPS[Atomics.load(progress, P_STREAM)]}), ` +
      `mutations [${mutationNames(Atomics.load(progress, P_MASK)).join(', ')}]`) +
      `\n  replay: node dist/fuzz/run.js --seed ${args.seed} --replay ${Atomics.load(progress, P_ROUND)}`;
  };
  const fail = (code: number, msg: string): void => {
    process.stderr.write(`fuzz: ${msg}\n`);
    void worker.terminate().then(() => process.exit(code));
  };
  const tick = setInterval(() => {
    const now = performance.now();
    const rss = process.memoryUsage.rss();
    peakRss = Math.max(peakRss, rss);
    const packets = Atomics.load(progress, P_PACKETS), round = Atomics.load(progress, P_ROUND), index = Atomics.load(progress, P_INDEX);
    if (packets !== lastPackets || round !== lastRound || index !== lastIndex) {
      lastPackets = packets; lastRound = round; lastIndex = index; lastChange = now;
    } else if (files.length && now - lastChange > args.hangSec * 1000) {
      clearInterval(tick);
      fail(3, `HANG: no progress for ${args.hangSec} s at ${where()}`);
      return;
    }
    if (rss > args.maxRssMb * 1024 * 1024) {
      clearInterval(tick);
      fail(4, `MEMORY: RSS ${mb(rss)} MB is past the bound of ${args.maxRssMb} MB at ${where()}`);
      return;
    }
    if (!args.quiet && now - lastLine >= 5000) {
      lastLine = now;
      process.stderr.write(`fuzz: ${packets} packets, round ${round}, ${Math.round(packets / ((now - t0) / 1000))} packets/s, RSS ${mb(rss)} MB\n`);
    }
  }, 250);
  worker.on('message', (m: { type: 'corpus'; files: string[] } | { type: 'result'; result: FuzzResult }) => {
    if (m.type === 'corpus') { files = m.files; return; }
    clearInterval(tick);
    peakRss = Math.max(peakRss, process.memoryUsage.rss(), process.resourceUsage().maxRSS * 1024);
    const code = report(m.result, args, peakRss);
    void worker.terminate().then(() => process.exit(code));
  });
  worker.on('error', (e) => { clearInterval(tick); fail(1, `the fuzzer itself failed: ${e.stack ?? e}`); });
}

function report(r: FuzzResult, args: Args, peakRss: number): number {
  const secs = r.elapsedMs / 1000;
  const lines = [
    `fuzz: seed ${r.seed}, corpus ${r.corpusFiles} files / ${r.corpusPackets} packets from ${args.pcaps.join(', ')}`,
    ...r.corpusFaults.map((f) => `  corpus fault (packets before it kept): ${f}`),
    `  packets        ${r.packets} in ${r.rounds} rounds (${r.mutatedPackets} mutated, ${r.droppedPackets} dropped, ${r.duplicatedPackets} duplicated)`,
    `  rate           ${Math.round(r.packets / secs)} packets/s (${secs.toFixed(1)} s)`,
    `  documents      ${r.documents} built (${(r.documentBytes / 1048576).toFixed(1)} MB of JSON)`,
    `  parser errors  ${r.parserErrors} counted by the session layer (parser detached), ${r.parserExceptionCount} of them thrown`,
    `  parsers        ${r.parsersReached} of ${r.parsersReached + r.parsersNotReached.length} reached` +
      (r.parsersNotReached.length ? ` (not reached: ${r.parsersNotReached.join(', ')})` : ''),
    `  peak RSS       ${mb(peakRss)} MB (bound ${args.maxRssMb} MB)`,
  ];
  for (const e of r.parserExceptions) {
    lines.push(`  parser threw: ${e.parser}.${e.phase} x${e.count}, first at round ${e.round} (${e.pcap}) packet ${e.index}` +
      `\n    replay: node dist/fuzz/run.js --seed ${r.seed} --replay ${e.round}\n    ${e.error.replace(/\n/g, '\n    ')}`);
  }
  for (const c of r.crashes) {
    lines.push(`  FAILURE (${c.kind === 'exception' ? 'uncaught exception' : 'document not built'}): seed ${c.seed}, round ${c.round}, pcap ${c.pcap}, ` +
      (c.index < 0 ? 'while saving the open sessions' : `packet ${c.index} (from packet ${c.source} of the file, ${c.stream}), mutations [${c.mutations.join(', ')}]`) +
      `\n    replay: node dist/fuzz/run.js --seed ${c.seed} --replay ${c.round} --write /tmp/fuzz-${c.round}.pcap\n    ${c.error.split('\n').slice(0, 12).join('\n    ')}`);
  }
  const code = r.crashes.length ? 1 : args.strict && r.parserExceptionCount ? 5 : 0;
  lines.push(code === 0 ? 'fuzz: PASS' : `fuzz: FAIL (exit ${code})`);
  process.stdout.write(lines.join('\n') + '\n');
  return code;
}

function mb(bytes: number): number { return Math.round(bytes / 1048576); }
