// One target in one process, its modules instrumented (hooks.ts) as they load:
//   node dist/fuzz/cov/harness.js fuzz <target> [libFuzzer flags and corpus folders...]
//     libFuzzer (build/fuzz/libfuzzer.node) drives the target; a throw is a crash and libFuzzer
//     writes the input (-artifact_prefix). libFuzzer ends the process itself.
//   node dist/fuzz/cov/harness.js merge <target> <into folder> <from folder>...
//     adds to <into> each input of <from> (smallest first) that reaches an edge nothing before
//     it reached; prints the names added. (libFuzzer's own -merge=1 reruns the program by its
//     argv[0], which a Node process cannot give it.)
//   node dist/fuzz/cov/harness.js replay <target> <file or folder>...
//     runs every input once, never resetting the counters, then the target's corpus check;
//     prints one JSON line {target, inputs, covered, total, failures}. Exit 1 on a failure.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { join } from 'node:path';
import { DICT_DIR } from './paths.js';
import { Coverage, installRuntime, loadAddon } from './runtime.js';
import type { FuzzTarget } from '../targets/target.js';

export interface ReplayReport {
  target: string; inputs: number; covered: number; total: number; failures: string[];
  /** The modules the inputs reached most (a parser target's own file comes first). */
  modules: { name: string; covered: number; total: number }[];
}

function inputsOf(paths: string[]): { name: string; data: Uint8Array }[] {
  const out: { name: string; data: Uint8Array }[] = [];
  for (const p of paths) {
    let st;
    try { st = statSync(p); } catch { continue; } // a corpus folder not made yet
    const files = st.isDirectory() ? readdirSync(p).filter((n) => !n.startsWith('.')).sort().map((n) => join(p, n)) : [p];
    for (const f of files) if (statSync(f).isFile()) out.push({ name: f, data: new Uint8Array(readFileSync(f)) });
  }
  return out;
}

/** libFuzzer's dictionary format: one quoted entry a line, non-printables as \xNN. */
function writeDict(target: string, entries: readonly string[]): string[] {
  // One file per target, rewritten each run (libFuzzer ends the process: nothing to clean up after).
  const file = join(DICT_DIR, `${target}.dict`);
  mkdirSync(DICT_DIR, { recursive: true });
  const esc = (s: string) => s.replace(/[^\x20-\x7e]|["\\]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  writeFileSync(file, entries.map((e) => `"${esc(e)}"`).join('\n') + '\n');
  return [`-dict=${file}`];
}

function merge(cov: Coverage, t: FuzzTarget, into: string, from: string[]): void {
  const seen = new Uint8Array(cov.used);
  const note = () => { for (let i = 0; i < cov.used; i++) if (cov.counters[i]) seen[i] = 1; };
  const have = inputsOf([into]);
  for (const { data } of have) { try { t.run(data); } catch { /* a crash is the fuzz run's to report */ } }
  note();
  const known = new Set(have.map((x) => hashName(x.data)));
  const added: string[] = [];
  for (const { data } of inputsOf(from).sort((a, b) => a.data.length - b.data.length)) {
    const h = hashName(data);
    if (known.has(h)) continue;
    known.add(h);
    cov.counters.fill(0, 0, cov.used);
    try { t.run(data); } catch { continue; }
    let fresh = false;
    for (let i = 0; i < cov.used && !fresh; i++) if (cov.counters[i] && !seen[i]) fresh = true;
    if (!fresh) continue;
    note();
    writeFileSync(join(into, h), data);
    added.push(h);
  }
  console.log(JSON.stringify({ added }));
}

const hashName = (d: Uint8Array): string => createHash('sha1').update(d).digest('hex');

async function main(): Promise<void> {
  const [mode, name, ...rest] = process.argv.slice(2);
  if ((mode !== 'fuzz' && mode !== 'replay' && mode !== 'merge') || !name) {
    console.error('usage: harness.js fuzz|replay|merge <target> [args...]');
    process.exit(2);
  }
  const cov = new Coverage();
  installRuntime(cov);
  if (mode === 'fuzz') cov.native = loadAddon();
  register('./hooks.js', import.meta.url);
  const { loadTargetModule } = await import('../targets/index.js');
  const t: FuzzTarget | undefined = (await loadTargetModule(name)).target(name);
  if (!t) { console.error(`unknown fuzz target ${name}`); process.exit(2); }

  if (mode === 'fuzz') {
    console.error(`harness: ${name}: ${cov.used} edges instrumented in ${cov.modules.length} modules; corpus check: ${t.check ? 'yes' : 'no'}`);
    const dict = t.dict ? writeDict(name, t.dict) : [];
    // Only the counters in use: libFuzzer scans the whole registered range after every input.
    cov.native!.registerCoverageMap(cov.counters.subarray(0, cov.used));
    cov.native!.startFuzzing((data) => t.run(data), [`-max_len=${t.maxLen}`, ...dict, ...rest]);
    return;
  }
  if (mode === 'merge') {
    const [into, ...from] = rest;
    merge(cov, t, into, from);
    return;
  }
  const inputs = inputsOf(rest);
  const failures: string[] = [];
  for (const { name: file, data } of inputs) {
    try { t.run(data); } catch (e) { failures.push(`${file}: ${(e as Error)?.stack ?? String(e)}`); }
  }
  if (t.check) failures.push(...await t.check(inputs));
  const report: ReplayReport = { target: name, inputs: inputs.length, covered: cov.covered(), total: cov.used, failures, modules: cov.byModule().slice(0, 4) };
  console.log(JSON.stringify(report));
  process.exitCode = failures.length ? 1 : 0;
}

await main();
