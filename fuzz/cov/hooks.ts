// Module loader hook (runs in Node's loader thread): Jazzer.js's Babel plugins rewrite every
// module of capture/ and db/ as it loads, so each branch bumps an 8-bit counter
// (`__jazzer_cov[id] = __jazzer_cov[id] % 255 + 1`, one small counter array per module) and each
// `===`/`switch` on strings or numbers reports its operands (Fuzzer.tracer.*). The harness's
// runtime.ts provides `Fuzzer`. Instrumented code is cached by source hash: the Babel pass over
// every parser costs seconds and each target is a fresh process.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const instrumentorDir = dirname(require.resolve('@jazzer.js/instrumentor'));
const { transformSync } = require('@babel/core');
const { esmCodeCoverage } = require(join(instrumentorDir, 'plugins/esmCodeCoverage.js'));
const { compareHooks } = require(join(instrumentorDir, 'plugins/compareHooks.js'));

const distRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const repoRoot = resolve(distRoot, '..');
const cacheDir = join(repoRoot, 'build/fuzz-cache');
const instrumented = [join(distRoot, 'capture') + sep, join(distRoot, 'db') + sep];
const CACHE_VERSION = 'v1';

function wanted(file: string): boolean {
  return instrumented.some((d) => file.startsWith(d)) && !file.endsWith('.test.js');
}

function instrument(code: string, file: string): string {
  const key = createHash('sha1').update(CACHE_VERSION).update(code).digest('hex');
  const cached = join(cacheDir, `${key}.js`);
  if (existsSync(cached)) return readFileSync(cached, 'utf8');
  const cov = esmCodeCoverage();
  const out = transformSync(code, { filename: file, sourceType: 'module', plugins: [cov.plugin, compareHooks], sourceMaps: false, configFile: false, babelrc: false });
  const edges = cov.edgeCount();
  const text = edges === 0 || !out?.code ? code
    : `const __jazzer_cov = Fuzzer.coverageTracker.createModuleCounters(${edges}, ${JSON.stringify(file.slice(distRoot.length + 1))});\n${out.code}`;
  mkdirSync(cacheDir, { recursive: true });
  // Written aside then renamed: two targets starting at once never read half a file.
  writeFileSync(`${cached}.${process.pid}`, text);
  renameSync(`${cached}.${process.pid}`, cached);
  return text;
}

interface LoadResult { format?: string; source?: string | ArrayBuffer | Uint8Array }
type NextLoad = (url: string, ctx: unknown) => Promise<LoadResult>;

export async function load(url: string, context: unknown, nextLoad: NextLoad): Promise<LoadResult> {
  const r = await nextLoad(url, context);
  if (r.format !== 'module' || !r.source || !url.startsWith('file://')) return r;
  const file = fileURLToPath(url);
  if (!wanted(file)) return r;
  const code = typeof r.source === 'string' ? r.source : Buffer.from(r.source as Uint8Array).toString('utf8');
  return { ...r, source: instrument(code, file) };
}
