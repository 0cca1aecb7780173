// Read-only lookup tables (the country mmdb, the ASN table) loaded once per process and shared
// with the packet worker threads as SharedArrayBuffers: the reader thread loads them before it
// starts the workers and passes exportSharedTables() in workerData; each worker calls
// adoptSharedTables() first, so N threads hold one copy and pay no load time.
// The ASN table's binary form is also cached on disk beside the npm package it comes from
// (node_modules/.cache/packrat/), so the CSV is parsed once per install, not once per run.
import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** What crosses to a worker: table key → bytes in shared memory. */
export type SharedTables = [string, SharedArrayBuffer][];

const tables = new Map<string, Uint8Array>();

/** The bytes registered under `key`, or `build()`'s (registered for later calls and workers). */
export function sharedTable(key: string, build: () => Uint8Array): Uint8Array {
  let t = tables.get(key);
  if (!t) { t = build(); tables.set(key, t); }
  return t;
}

/** Every table in shared memory, for workerData. */
export function exportSharedTables(): SharedTables {
  const out: SharedTables = [];
  for (const [k, t] of tables) {
    if (t.buffer instanceof SharedArrayBuffer && t.byteOffset === 0 && t.byteLength === t.buffer.byteLength) out.push([k, t.buffer]);
  }
  return out;
}

/** Register tables a parent thread loaded (before anything looks them up). */
export function adoptSharedTables(list: SharedTables | undefined): void {
  for (const [k, b] of list ?? []) if (!tables.has(k)) tables.set(k, new Uint8Array(b));
}

/** A whole file read into shared memory. */
export function readFileShared(file: string): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const out = new Uint8Array(new SharedArrayBuffer(size));
    for (let at = 0; at < size;) {
      const n = readSync(fd, out, at, size - at, at);
      if (n <= 0) throw new Error(`${file}: ended at byte ${at} of ${size}`);
      at += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/**
 * Where a table derived from `sources` is cached: node_modules/.cache/packrat/ of the package
 * the first source lives in (else the OS temp folder), named by a hash of the sources' paths,
 * sizes and times and the form's version, so a package update makes a new cache file.
 */
export function derivedCachePath(kind: string, version: number, sources: string[]): string {
  const h = createHash('sha256').update(`${kind} v${version}`);
  for (const f of sources) {
    const st = statSync(f);
    h.update(`\0${path.resolve(f)}\0${st.size}\0${st.mtimeMs}`);
  }
  const first = path.resolve(sources[0]);
  const nm = first.lastIndexOf(`${path.sep}node_modules${path.sep}`);
  const dir = nm >= 0 ? path.join(first.slice(0, nm), 'node_modules', '.cache', 'packrat') : path.join(tmpdir(), 'packrat-cache');
  return path.join(dir, `${kind}-${h.digest('hex').slice(0, 16)}.bin`);
}

/** Write `bytes` to `file` atomically (temp name, rename); false when the folder is not writable. */
export function writeCacheFile(file: string, bytes: Uint8Array): boolean {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(tmp, bytes);
    renameSync(tmp, file);
    return true;
  } catch {
    try { unlinkSync(tmp); } catch { /* never written */ }
    return false;
  }
}
