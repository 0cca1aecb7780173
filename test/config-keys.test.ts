// etc/config.ini documents every key Packrat reads, with its default: a key read in the sources
// but missing there fails here, and the file itself loads and passes the capture checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Config } from '../db/config.js';
import { captureSettings } from '../capture/pipeline/setup.js';
import { repoRoot } from './support/json-capture.js';

const exampleConfig = join(repoRoot, 'etc/config.ini');

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Keys passed as literals to a Config reader (`config.int('tcpTimeout', ...)`, `floatKey(config, 'x', ...)`). */
function keysRead(): Map<string, string> {
  const read = new Map<string, string>();
  const re = /\b(?:config|cfg|conf|c)\.(?:int|str|bool|float|list)\(\s*'([A-Za-z0-9_]+)'|\b[a-z]+Key\(\s*(?:config|cfg),\s*'([A-Za-z0-9_]+)'/g;
  for (const top of ['bin', 'capture', 'db', 'viewer']) {
    for (const file of sources(join(repoRoot, top))) {
      for (const m of readFileSync(file, 'utf8').matchAll(re)) read.set(m[1] ?? m[2], file.slice(repoRoot.length + 1));
    }
  }
  return read;
}

test('every config key the code reads is documented in etc/config.ini', () => {
  const doc = readFileSync(exampleConfig, 'utf8');
  const read = keysRead();
  assert.ok(read.size > 70, `found ${read.size} keys: the pattern no longer matches how keys are read`);
  const missing = [...read].filter(([k]) => !new RegExp(`^#?${k}=`, 'm').test(doc)).map(([k, f]) => `${k} (${f})`);
  assert.deepEqual(missing, []);
});

test('etc/config.ini loads and its capture settings pass their checks', () => {
  const settings = captureSettings(Config.load(exampleConfig, 'node1'));
  assert.equal(settings.packetThreads, 1);
});
