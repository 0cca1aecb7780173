// `npm run fuzz:cov -- [--target T]... [--seconds N] [--grow] [--modules] [--deep] [--restart]`
// Runs each target (default: all) under libFuzzer for N seconds, starting from the repository
// corpus (fuzz/corpus/<T>) and the crash regressions (fuzz/regressions/<T>), then reports per
// target: executions, exec/s, edges covered of those instrumented, corpus size, crashes.
//   --grow     merge the inputs that found new edges back into fuzz/corpus/<T> (within a budget)
//   --modules  replay the corpus afterwards to count covered edges per module
//   --grow-from-deep  only merge fuzz:deep's working corpora (build/fuzz-deep) into fuzz/corpus
//   --deep     fuzz:deep: working corpora live in build/fuzz-deep/<T> and persist, and targets
//              finished in this pass are skipped when the command is run again (resumable);
//              --restart begins a new pass. Default 600 s per target (about 10 CPU-hours).
// Exit 1 when a target crashed (the input is kept under the work folder and named in the
// report; copy it to fuzz/regressions/<T>/ once fixed) or its corpus check failed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allTargetNames } from '../targets/index.js';
import { ADDON_BUILD, CORPUS_DIR, CRASH_DIR, DEEP_DIR, HARNESS, REGRESSIONS_DIR } from './paths.js';
import type { ReplayReport } from './harness.js';

/** Repository corpus budget per target: the whole corpus stays around 2 MB. */
export const CORPUS_MAX_FILES = 120;
export const CORPUS_MAX_BYTES = 32 * 1024;

export interface TargetReport {
  target: string;
  seconds: number;
  execs: number;
  execPerSec: number;
  covered: number;
  total: number;
  corpus: number;
  repoCorpus: number;
  crash?: string;
  problems: string[];
  /** With a replay (--deep, --modules, or a target with a corpus check): the modules reached most. */
  modules?: ReplayReport['modules'];
}

interface Args { targets: string[]; seconds?: number; grow: boolean; deep: boolean; restart: boolean; modules: boolean; growFromDeep: boolean }

function parseArgs(argv: string[]): Args {
  const a: Args = { targets: [], grow: false, deep: false, restart: false, modules: false, growFromDeep: false };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i];
    if (v === '--target') a.targets.push(argv[++i]);
    else if (v === '--seconds') a.seconds = Number(argv[++i]);
    else if (v === '--grow') a.grow = true;
    else if (v === '--deep') a.deep = true;
    else if (v === '--restart') a.restart = true;
    else if (v === '--modules') a.modules = true;
    else if (v === '--grow-from-deep') a.growFromDeep = true;
    else { console.error(`fuzz:cov: unknown argument ${v}`); process.exit(2); }
  }
  if (a.seconds !== undefined && !(a.seconds > 0)) { console.error('fuzz:cov: --seconds wants a positive number'); process.exit(2); }
  return a;
}

const files = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((n) => !n.startsWith('.')) : []);

/** The last libFuzzer status line's numbers, the run count and where a crash input went. */
export function parseLibFuzzer(log: string): { execs: number; cov: number; corpus: number; crash?: string } {
  const status = [...log.matchAll(/^#(\d+)\s+\w+\s+cov: (\d+) ft: \d+ corp: (\d+)\//gm)].at(-1);
  const done = /^Done (\d+) runs/m.exec(log);
  const crash = /Test unit written to (\S+)/.exec(log)?.[1];
  return { execs: Number(done?.[1] ?? status?.[1] ?? 0), cov: Number(status?.[2] ?? 0), corpus: Number(status?.[3] ?? 0), crash };
}

function harness(args: string[], timeoutSec: number): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [HARNESS, ...args], { encoding: 'utf8', timeout: timeoutSec * 1000, maxBuffer: 256 << 20 });
  return { status: r.status, out: r.stdout ?? '', err: r.stderr ?? '' };
}

/** Keep the repository corpus within budget: drop the largest of the files a merge just added. */
function enforceBudget(dir: string, before: Set<string>): void {
  const all = files(dir).map((n) => ({ n, size: statSync(join(dir, n)).size }));
  let count = all.length, bytes = all.reduce((s, f) => s + f.size, 0);
  for (const f of all.filter((x) => !before.has(x.n)).sort((x, y) => y.size - x.size)) {
    if (count <= CORPUS_MAX_FILES && bytes <= CORPUS_MAX_BYTES) break;
    unlinkSync(join(dir, f.n)); count--; bytes -= f.size;
  }
}

/** Merge a working corpus's new-coverage inputs into fuzz/corpus/<target>, within budget. */
export function growRepoCorpus(target: string, from: string): void {
  const repo = join(CORPUS_DIR, target);
  mkdirSync(repo, { recursive: true });
  const before = new Set(files(repo));
  const r = harness(['merge', target, repo, from], 600);
  if (r.status !== 0) console.error(`fuzz:cov: ${target}: merge failed: ${r.err.slice(-1000)}`);
  enforceBudget(repo, before);
}

export function runTarget(target: string, seconds: number, opts: { work: string; grow: boolean; modules?: boolean; runs?: number; seed?: number }): TargetReport {
  const corpus = join(opts.work, 'corpus'), crashes = join(CRASH_DIR, target);
  mkdirSync(corpus, { recursive: true }); mkdirSync(crashes, { recursive: true });
  const repo = join(CORPUS_DIR, target), regress = join(REGRESSIONS_DIR, target);
  const t0 = Date.now();
  // runs + seed: the same inputs on every run of the same code (the test); otherwise by the clock
  const budget = opts.runs ? [`-runs=${opts.runs}`, `-seed=${opts.seed ?? 1}`] : [`-max_total_time=${seconds}`];
  const r = harness(['fuzz', target, ...budget, '-timeout=10', '-rss_limit_mb=2048', '-print_final_stats=1',
    `-artifact_prefix=${crashes}/`, ...[corpus, repo, regress].filter((d) => existsSync(d))], seconds + 120);
  const elapsed = (Date.now() - t0) / 1000;
  const lf = parseLibFuzzer(r.err);
  const total = Number(/(\d+) edges instrumented/.exec(r.err)?.[1] ?? 0);
  const problems: string[] = [];
  let crash = lf.crash;
  if (r.status !== 0 && !crash) problems.push(`harness exited with ${r.status ?? 'a timeout'}: ${r.err.split('\n').filter((l) => !l.startsWith('#')).slice(-15).join('\n')}`);
  if (crash) {
    const js = r.err.split('==JS exception==')[1]?.split('==')[0]?.trim() ?? 'no JS exception text';
    crash = `${crash}\n${js.split('\n').slice(0, 12).join('\n')}`;
  }
  let covered = lf.cov;
  // The corpus check (expr: DuckDB must accept the SQL) runs over the grown corpus afterwards;
  // so does the per-module coverage count when asked for.
  let modules: ReplayReport['modules'] | undefined;
  if (!crash && (opts.modules || /corpus check: yes/.test(r.err))) {
    const rep = harness(['replay', target, corpus, repo, regress], 600);
    const line = rep.out.trim().split('\n').at(-1) ?? '';
    try {
      const j = JSON.parse(line) as ReplayReport;
      problems.push(...j.failures);
      covered = Math.max(covered, j.covered);
      modules = j.modules;
    } catch { problems.push(`replay failed: ${rep.err.slice(-2000)}`); }
  }
  if (opts.grow && !crash) growRepoCorpus(target, corpus);
  return {
    target, seconds: Math.round(elapsed), execs: lf.execs, execPerSec: Math.round(lf.execs / elapsed), covered, total,
    corpus: files(corpus).length, repoCorpus: files(repo).length, crash, problems, modules,
  };
}

export function formatReport(r: TargetReport): string {
  const pct = r.total ? ((100 * r.covered) / r.total).toFixed(1) : '0';
  let s = `${r.target.padEnd(26)} ${String(r.execs).padStart(10)} execs ${String(r.execPerSec).padStart(7)}/s  edges ${r.covered}/${r.total} (${pct}%)  corpus ${r.corpus} (repo ${r.repoCorpus})`;
  s += r.crash ? `  CRASH ${r.crash}` : '  crashes 0';
  if (r.modules?.length) s += `\n    ${r.modules.map((m) => `${m.name} ${m.covered}/${m.total}`).join(', ')}`;
  for (const p of r.problems) s += `\n    problem: ${p}`;
  return s;
}

/** Builds build/fuzz/libfuzzer.node when missing or stale; throws with the reason. */
export function buildAddon(): void {
  const b = spawnSync(process.execPath, [ADDON_BUILD], { encoding: 'utf8' });
  if (b.status !== 0) throw new Error(b.stderr.trim() || `fuzz/libfuzzer/build.mjs exited with ${b.status}`);
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  try { buildAddon(); } catch (e) { console.error((e as Error).message); process.exit(1); }
  const all = await allTargetNames();
  const unknown = a.targets.filter((t) => !all.includes(t));
  if (unknown.length) { console.error(`fuzz:cov: unknown target(s) ${unknown.join(', ')}; known: ${all.join(' ')}`); process.exit(2); }
  const targets = a.targets.length ? a.targets : all;
  if (a.growFromDeep) {
    for (const t of targets) {
      if (!existsSync(join(DEEP_DIR, t, 'corpus'))) continue;
      growRepoCorpus(t, join(DEEP_DIR, t, 'corpus'));
      console.log(`${t}: repository corpus ${files(join(CORPUS_DIR, t)).length} files`);
    }
    return;
  }
  const seconds = a.seconds ?? (a.deep ? 600 : 10);
  const statePath = join(DEEP_DIR, 'state.json');
  const state: Record<string, TargetReport> = a.deep && !a.restart && existsSync(statePath) ? JSON.parse(readFileSync(statePath, 'utf8')) : {};
  const tmp = a.deep ? undefined : mkdtempSync(join(tmpdir(), 'packrat-fuzz-cov-'));
  let failed = false;
  try {
    for (const t of targets) {
      if (state[t]) { console.log(`${formatReport(state[t])}  (done earlier in this pass)`); continue; }
      const work = a.deep ? join(DEEP_DIR, t) : join(tmp!, t);
      const rep = runTarget(t, seconds, { work, grow: a.grow, modules: a.modules || a.deep });
      console.log(formatReport(rep));
      if (rep.crash || rep.problems.length) failed = true;
      if (a.deep) {
        state[t] = rep;
        mkdirSync(DEEP_DIR, { recursive: true });
        writeFileSync(statePath, JSON.stringify(state, null, 1));
      }
    }
  } finally {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
  process.exitCode = failed ? 1 : 0;
}

if (process.argv[1]?.endsWith('/run.js')) await main();
