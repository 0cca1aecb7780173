// `node dist/fuzz/cov/seed.js [--target T]...`: (re)writes each target's seed inputs into
// fuzz/corpus/<target>/, made from our own sample captures and expressions (targets' seeds()).
// Files are named by content hash, as libFuzzer names what it adds, so reseeding is idempotent.
// Runs uninstrumented: the seeds need no coverage.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { allTargetNames, loadTargetModule } from '../targets/index.js';
import { CORPUS_DIR } from './paths.js';

export function hashName(data: Uint8Array): string {
  return createHash('sha1').update(data).digest('hex');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const only = argv.flatMap((a, i) => (argv[i - 1] === '--target' ? [a] : []));
  const names = only.length ? only : await allTargetNames();
  for (const name of names) {
    const t = (await loadTargetModule(name)).target(name);
    if (!t?.seeds) continue;
    const dir = join(CORPUS_DIR, name);
    mkdirSync(dir, { recursive: true });
    let n = 0, bytes = 0;
    for (const s of await t.seeds()) {
      const data = s.subarray(0, t.maxLen);
      const f = join(dir, hashName(data));
      if (!existsSync(f)) writeFileSync(f, data);
      n++; bytes += data.length;
    }
    console.log(`${name}: ${n} seeds, ${bytes} bytes`);
  }
}

await main();
