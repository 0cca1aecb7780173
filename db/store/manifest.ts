// A partition's list of live segments. Readers only ever see files named here; the manifest
// is replaced atomically (tmp + fsync + rename + directory fsync). Writers of one partition
// (capture flushing, a merge, `db optimize` from cron) serialise through a small lock file.
import fs from 'node:fs';
import path from 'node:path';
import type { ColumnInfo } from './doc-columns.js';
import { fsyncDir, fsyncFile } from '../fsync.js';

export interface SegmentEntry {
  file: string;
  rows: number;
  bytes: number;
  minLast: number | null;
  maxLast: number | null;
  columns: string[];
}

export interface Manifest {
  version: 1;
  generation: number;
  segments: SegmentEntry[];
  /** Files no longer live, kept until `at + grace` for readers holding an older list. */
  retired: { file: string; at: number }[];
  columns: ColumnInfo[];
}

export const MANIFEST = 'manifest.json';
export const TMP_PREFIX = '.tmp-';
const LOCK = '.lock';
const STALE_LOCK_MS = 30000;

export function emptyManifest(): Manifest {
  return { version: 1, generation: 0, segments: [], retired: [], columns: [] };
}

export function readManifest(dir: string): Manifest {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, MANIFEST), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyManifest();
    throw e;
  }
  try {
    const m = JSON.parse(text) as Manifest;
    if (m.version !== 1 || !Array.isArray(m.segments)) throw new Error('unknown manifest version');
    m.retired ??= []; m.columns ??= [];
    return m;
  } catch (e) {
    throw new Error(`${path.join(dir, MANIFEST)}: unreadable manifest (${(e as Error).message})`);
  }
}

/** A temporary name that records its writer's pid, so orphans of dead processes can be told apart. */
export function tmpName(dir: string, final: string): string {
  return path.join(dir, `${TMP_PREFIX}${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}-${final}`);
}

export { fsyncDir, fsyncFile };

export function writeManifest(dir: string, m: Manifest): void {
  const tmp = tmpName(dir, MANIFEST);
  const fd = fs.openSync(tmp, 'w');
  try {
    const text = Buffer.from(JSON.stringify(m));
    for (let off = 0; off < text.length;) off += fs.writeSync(fd, text, off);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    try { fs.unlinkSync(tmp); } catch { /* gone */ } // a full disk: the old manifest stays in force
    throw e;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, path.join(dir, MANIFEST));
  fsyncDir(dir);
}

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Run `fn` holding the partition's lock. A lock whose holder died (or is very old) is taken over. */
export async function withPartitionLock<T>(dir: string, fn: () => T | Promise<T>): Promise<T> {
  const lock = path.join(dir, LOCK);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = fs.openSync(lock, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let stale = false;
      try {
        const holder = Number(fs.readFileSync(lock, 'utf8'));
        const age = Date.now() - fs.statSync(lock).mtimeMs;
        stale = (holder !== 0 && !pidAlive(holder)) || age > STALE_LOCK_MS || (holder === process.pid && attempt > 2000);
      } catch { /* vanished or half-written: retry */ }
      if (stale) { try { fs.unlinkSync(lock); } catch { /* someone else took it over */ } continue; }
      await sleep(Math.min(2 + attempt, 20));
    }
  }
  try {
    return await fn();
  } finally {
    try { fs.unlinkSync(lock); } catch { /* already gone */ }
  }
}
