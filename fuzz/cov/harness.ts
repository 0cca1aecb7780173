// One target in one process, its modules instrumented (hooks.ts) as they load:
//   node dist/fuzz/cov/harness.js fuzz <target> [libFuzzer flags and corpus folders...]
//     libFuzzer (build/fuzz/libfuzzer.node) drives the target; a throw is a crash and libFuzzer
//     writes the input (-artifact_prefix). libFuzzer ends the process itself.
//   node dist/fuzz/cov/harness.js replay <target> <file or folder>...
//     runs every input once, never resetting the counters, then the target's corpus check;
//     prints one JSON line {target, inputs, covered, total, failures}. Exit 1 on a failure.
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { register } from 'node:module';
import { join } from 'node:path';
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
function writeDict(entries: readonly string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'packrat-dict-'));
  const esc = (s: string) => s.replace(/[^\x20-\x7e]|["\\]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  writeFileSync(join(dir, 'dict'), entries.map((e) => `"${esc(e)}"`).join('\n') + '\n');
  return [`-dict=${join(dir, 'dict')}`];
}

async function main(): Promise<void> {
  const [mode, name, ...rest] = process.argv.slice(2);
  if ((mode !== 'fuzz' && mode !== 'replay') || !name) {
    console.error('usage: harness.js fuzz|replay <target> [args...]');
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
    const dict = t.dict ? writeDict(t.dict) : [];
    // Only the counters in use: libFuzzer scans the whole registered range after every input.
    cov.native!.registerCoverageMap(cov.counters.subarray(0, cov.used));
    cov.native!.startFuzzing((data) => t.run(data), [`-max_len=${t.maxLen}`, ...dict, ...rest]);
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
