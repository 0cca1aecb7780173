// Helpers of the crash and disk tests: a seeded RNG (the seed is printed so a failing trial can be
// replayed with CRASH_SEED=...), a `packrat` child that can be killed with -9, an observer of
// what a capture has handed to its session store so far, and the checks that a store left by a
// dead writer is consistent.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fields } from '../../db/fields/registry.js';
import { EmbeddedSessionStore } from '../../db/store/session-store.js';
import { MANIFEST, TMP_PREFIX, readManifest } from '../../db/store/manifest.js';
import { packrat } from '../support/json-capture.js';
import '../../capture/pipeline/setup.js';

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function seededRandom(name: string): { seed: number; next: () => number } {
  const env = process.env.CRASH_SEED;
  const seed = env !== undefined ? Number(env) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
  console.log(`${name}: seed ${seed} (replay with CRASH_SEED=${seed})`);
  let a = seed;
  return {
    seed,
    next: () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface Child {
  proc: ChildProcess;
  pid: number;
  out: () => string;
  /** Exit code, or the signal's name. */
  exited: Promise<number | string>;
}

export function startPackrat(args: string[], spawnVia?: (cmd: string, args: string[]) => ChildProcess): Child {
  const proc = spawnVia ? spawnVia(process.execPath, [packrat, ...args])
    : spawn(process.execPath, [packrat, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => { out += d; });
  proc.stderr?.on('data', (d: Buffer) => { out += d; });
  const exited = new Promise<number | string>((r) => proc.once('exit', (code, sig) => r(code ?? sig ?? -1)));
  return { proc, pid: proc.pid!, out: () => out, exited };
}

export async function runPackrat(args: string[]): Promise<{ code: number | string; out: string }> {
  const c = startPackrat(args);
  const code = await c.exited;
  return { code, out: c.out() };
}

/** Partition folders of a dataDir. */
export function partitionDirs(dataDir: string): string[] {
  if (!fs.existsSync(dataDir)) return [];
  return fs.readdirSync(dataDir).filter((n) => /^sessions3-/.test(n)).map((n) => path.join(dataDir, n));
}

/**
 * What a capture process has handed to its embedded store, over time: the store appends every
 * session it is given to a staging file named after the writer's pid (`.tmp-<pid>-...-stage.ndjson`,
 * one line per session) before any flush, so the lines ever seen in that process's staging files
 * are the sessions it had produced. Polled every few milliseconds; read incrementally.
 */
export class AppendObserver {
  readonly samples: { t: number; appended: number }[] = [];
  private readonly seen = new Map<string, number>(); // file -> bytes counted
  private lines = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly dataDir: string, private readonly pid: number, everyMs = 15) {
    this.timer = setInterval(() => this.poll(), everyMs);
  }

  poll(): number {
    const prefix = `${TMP_PREFIX}${this.pid}-`;
    for (const dir of partitionDirs(this.dataDir)) {
      let names: string[];
      try { names = fs.readdirSync(dir); } catch { continue; }
      for (const n of names) {
        if (!n.startsWith(prefix) || !n.endsWith('stage.ndjson')) continue;
        const f = path.join(dir, n);
        const from = this.seen.get(f) ?? 0;
        let fd: number;
        try { fd = fs.openSync(f, 'r'); } catch { continue; } // converted and removed meanwhile
        try {
          const size = fs.fstatSync(fd).size;
          if (size > from) {
            const b = Buffer.allocUnsafe(size - from);
            const got = fs.readSync(fd, b, 0, b.length, from);
            for (let i = 0; i < got; i++) if (b[i] === 10) this.lines++;
            this.seen.set(f, from + got);
          }
        } finally { fs.closeSync(fd); }
      }
    }
    this.samples.push({ t: performance.now(), appended: this.lines });
    return this.lines;
  }

  stop(): void { clearInterval(this.timer); this.timer = undefined; }

  /** Sessions handed over by time `t` (performance.now() clock), by the last sample at or before it. */
  appendedAt(t: number): number {
    let n = 0;
    for (const s of this.samples) { if (s.t <= t) n = s.appended; else break; }
    return n;
  }

  /** The shortest look-back L such that every session handed over by kill − L is stored. */
  lag(killAt: number, stored: number): number {
    for (let i = this.samples.length - 1; i >= 0; i--) {
      if (this.samples[i].t > killAt) continue; // handed over while the signal was on its way
      if (this.samples[i].appended <= stored) return (killAt - this.samples[i].t) / 1000;
    }
    return 0;
  }
}

/** Files in partition folders that are neither a manifest, a lock nor a live segment. */
export function strayFiles(dataDir: string): { tmp: string[]; unlisted: string[] } {
  const tmp: string[] = [], unlisted: string[] = [];
  for (const dir of partitionDirs(dataDir)) {
    const m = fs.existsSync(path.join(dir, MANIFEST)) ? readManifest(dir) : undefined;
    const known = new Set([...(m?.segments ?? []).map((s) => s.file), ...(m?.retired ?? []).map((r) => r.file)]);
    for (const f of fs.readdirSync(dir)) {
      if (f.startsWith(TMP_PREFIX)) tmp.push(path.join(dir, f));
      else if (f.endsWith('.parquet') && !known.has(f)) unlisted.push(path.join(dir, f));
    }
  }
  return { tmp, unlisted };
}

export function manifestRows(dataDir: string): number {
  let n = 0;
  for (const dir of partitionDirs(dataDir)) if (fs.existsSync(path.join(dir, MANIFEST))) for (const s of readManifest(dir).segments) n += s.rows;
  return n;
}

export async function openStore(dataDir: string, readOnly: boolean): Promise<EmbeddedSessionStore> {
  return EmbeddedSessionStore.open(dataDir, { rotateIndex: 'daily', registry: fields, readOnly });
}

export const KEY_COLUMNS = ['ipProtocol', 'source.ip', 'source.port', 'destination.ip', 'destination.port', 'firstPacket', 'lastPacket', 'network.packets', 'network.bytes'];

/** A session's identity and completeness: addresses, ports, first/last packet, packets and bytes. */
export function keyOfRow(r: Record<string, unknown>): string {
  return KEY_COLUMNS.map((c) => String(r[c])).join('|');
}

export async function keysWhere(store: EmbeddedSessionStore, where: string): Promise<string[]> {
  const cols = KEY_COLUMNS.map((c) => `"${c}"`).join(', ');
  const rows = await store.query(`SELECT ${cols} FROM ${store.fromClause()}${where ? ` WHERE ${where}` : ''}`);
  return rows.map(keyOfRow);
}

export function multiset(keys: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

/** Keys of `part` that `whole` does not hold (as many times). */
export function notIn(part: string[], whole: Map<string, number>): string[] {
  const left = new Map(whole);
  const out: string[] = [];
  for (const k of part) {
    const n = left.get(k) ?? 0;
    if (n === 0) out.push(k); else left.set(k, n - 1);
  }
  return out;
}

export function quantile(v: number[], q: number): number {
  if (v.length === 0) return NaN;
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
