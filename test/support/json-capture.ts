// Test support: run `bin/packrat capture --json` on frames a test builds and return the session
// documents, the way Arkime's regression tests pair a pcap with its expected output.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pcapBytes, type Frame } from '../../capture/synth/traffic.js';

/** The folder holding package.json (this file runs from dist/test/support/). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const packrat = join(repoRoot, 'bin/packrat');

let dir: string | undefined;
let n = 0;

/** A fresh file in this process's temporary folder. */
export function tempFile(name: string): string {
  dir ??= mkdtempSync(join(tmpdir(), 'packrat-test-'));
  return join(dir, `${n++}-${name}`);
}

/** Session documents for `frames` (or ready pcap bytes) under `config`. */
export function captureJson(frames: Frame[] | Uint8Array, config = '[default]\n', linkType = 1): Record<string, any>[] {
  const pcap = tempFile('t.pcap');
  writeFileSync(pcap, frames instanceof Uint8Array ? frames : pcapBytes(frames, linkType));
  const cfg = tempFile('config.ini');
  writeFileSync(cfg, config);
  const out = execFileSync(packrat, ['capture', '-c', cfg, '-n', 'test', '-r', pcap, '--json'], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** `bin/packrat ARGS` without blocking the test's event loop (a viewer may run in-process). */
export function runPackrat(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [packrat, ...args]);
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}
