// The embedded session store: Arkime session documents in Parquet segments, one folder per
// partition (`sessions3-YYMMDD`), queried through an in-memory DuckDB. A segment is written to
// a temporary name, synced, renamed into place and named in the partition's manifest; it is
// never modified afterwards. Merges replace several segments by one and retire the old files,
// which are deleted only after a grace period so a query in flight never loses a file.
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import type { FieldRegistry } from '../fields/registry.js';
import { q, sqlString } from '../fields/columns.js';
import { DocColumns, EXTRA_COLUMN, ID_COLUMN, type ColumnInfo, type Scalar } from './doc-columns.js';
import { DocFlattener, type FlatBatch } from './flat-batch.js';
import {
  MANIFEST, TMP_PREFIX, fsyncDir, fsyncFile, pidAlive, readManifest, tmpName, withPartitionLock, writeManifest,
  type Manifest, type SegmentEntry,
} from './manifest.js';
import {
  checkRotateIndex, hoursPerPartition, partitionRange, type RotateIndex,
} from '../backend/partition-name.js';
import { QueryTimeoutError, type Bounding } from '../backend/search-backend.js';
import type { FlatBatchTarget, SessionSink } from '../backend/session-sink.js';

export type { Bounding };


export interface SessionStoreOptions {
  rotateIndex: RotateIndex | string;
  registry: FieldRegistry;
  readOnly?: boolean;
  /** How long a retired segment stays on disk after a merge (ms, default 60 s). */
  mergeGraceMs?: number;
  /** Merge automatically after flushes (default true unless readOnly). */
  autoMerge?: boolean;
  /** Rows per Parquet row group. */
  rowGroupSize?: number;
  /**
   * Writers only: DuckDB's memory limit in MB (default: DuckDB's, 80% of RAM) and threads
   * (default 1). Writing a segment is a background job beside the packet threads; DuckDB's
   * default of every core would take them. A read-only store keeps DuckDB's defaults for queries.
   */
  writerMemoryMb?: number;
  writerThreads?: number;
  /**
   * A partition's staging file is written out as a segment as soon as it holds this many bytes
   * (default 16 MiB), so that no flush converts more than that at once: DuckDB needs several
   * times a segment's JSON in memory to sort and encode it.
   */
  maxStageBytes?: number;
  /**
   * Readers: a query (not a streamed export) still running after this many ms is interrupted
   * and fails with QueryTimeoutError (0: no bound). Config `queryTimeout`.
   */
  queryTimeoutMs?: number;
}

export interface TimeRange {
  /** Seconds since the epoch, inclusive (Arkime API convention). */
  start?: number;
  stop?: number;
  bounding?: Bounding;
}

export interface SearchOptions extends TimeRange {
  where?: string;
  params?: DuckDBValue[];
  /** SQL ORDER BY body, e.g. `"lastPacket" DESC`. */
  sort?: string;
  offset?: number;
  limit?: number;
  partitions?: string[];
}

export interface SessionHit { id: string; index: string; doc: Record<string, unknown> }

export interface PartitionInfo { name: string; sessions: number; bytes: number; segments: number }

/** A partition's rows since the last flush, staged as JSON lines in a temporary file. */
interface Pending { stage: string; fd: number; rows: number; bytes: number; maxLine: number; minLast: number; maxLast: number; columns: Map<string, ColumnInfo> }

/** Segments in the same size tier (factor 4) are merged once this many have gathered. */
const MERGE_FANIN = 4;
/** Idle query connections kept open (more concurrent queries open and close their own). */
const MAX_IDLE_CONS = 8;
/** Segments this large are left alone by automatic merges. */
const MAX_AUTO_MERGE_ROWS = 4_000_000;
/**
 * Row group of an automatic merge's output. DuckDB's Parquet writer holds a whole row group
 * decoded: merging 92k rows into one 122880-row group took +890 MB, into 16384-row groups +300 MB.
 */
const AUTO_MERGE_ROW_GROUP = 16384;
/**
 * zstd at level 1: on session segments it compresses as well as the default level 3 (the
 * columns are dictionary- and bit-packed first; mixed: 15.01 vs 15.02 MB) for ~10% less
 * writer CPU.
 */
const PARQUET_CODEC = 'COMPRESSION zstd, COMPRESSION_LEVEL 1';
/** While merges are held (holdMerges), a partition with this many live segments merges anyway. */
const HELD_MERGE_MAX_SEGMENTS = 32;
const PARTITION_RE = /^sessions3-[0-9a-z]+$/;

function finalType(info: ColumnInfo): string {
  return info.list ? `${info.scalar}[]` : info.scalar;
}

function sameLayout(a: ColumnInfo, b: ColumnInfo): boolean {
  return a.role === b.role && a.scalar === b.scalar && a.list === b.list && (a.keys ?? []).join('\0') === (b.keys ?? []).join('\0');
}

/**
 * DuckDB settings of a writing store. Its spill folder sits in dataDir under a temporary name
 * with this process's id, so a crashed writer's leftovers are found and removed by the next.
 */
function writerSettings(dataDir: string, opts: SessionStoreOptions): Record<string, string> {
  for (const f of fs.readdirSync(dataDir)) {
    if (!f.startsWith(TMP_PREFIX) || !f.endsWith('-duckdb')) continue;
    const pid = Number(f.slice(TMP_PREFIX.length).split('-')[0]);
    if (!pidAlive(pid)) fs.rmSync(path.join(dataDir, f), { recursive: true, force: true });
  }
  const settings: Record<string, string> = {
    threads: String(Math.max(1, Math.floor(opts.writerThreads ?? 1))),
    // Each segment is sorted by lastPacket where order matters; scans need not keep file order.
    preserve_insertion_order: 'false',
    // Hand freed memory back to the system after every statement: otherwise the allocator keeps
    // the peak of every COPY (RSS grew ~50 MB per 16 MiB segment written).
    allocator_flush_threshold: '8MB',
    allocator_bulk_deallocation_flush_threshold: '8MB',
    // A writer reads each staging file and segment once (COPY, merge): DuckDB's cache of file
    // contents only grew (~1 MB/s in a live capture, never evicted below memory_limit).
    enable_external_file_cache: 'false',
    temp_directory: path.join(path.resolve(dataDir), `${TMP_PREFIX}${process.pid}-duckdb`),
  };
  // No default limit: a limit below what one COPY needs makes DuckDB spill and thrash (10x the
  // CPU at 256MB) or fail outright; staging chunks (maxStageBytes) bound the COPY instead.
  if (opts.writerMemoryMb) settings.memory_limit = `${opts.writerMemoryMb}MB`;
  return settings;
}

export class EmbeddedSessionStore implements SessionSink {
  readonly dataDir: string;
  readonly rotateIndex: RotateIndex;
  readonly readOnly: boolean;
  private readonly graceMs: number;
  private readonly autoMerge: boolean;
  private readonly rowGroupSize: number;
  private readonly maxStageBytes: number;
  private readonly writerThreads: number;
  /** A segment written early (staging full) that failed: the next flush() reports it. */
  private earlyFailure: Error | undefined;
  /** Sessions given to the store that it could not keep (staging or segment writes failed: a full disk). */
  lostRows = 0;
  private readonly cols: DocColumns;
  private readonly flattener: DocFlattener;
  private layoutWarned = false;
  private readonly pending = new Map<string, Pending>();
  private chain: Promise<unknown> = Promise.resolve();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  /** Reads under way (a query, a stream's next chunk): close() lets them finish, DuckDB must not close under them. */
  private readonly reads = new Set<Promise<unknown>>();
  /** Connections of streams still open (a consumer may stop without returning the generator). */
  private readonly streams = new Set<DuckDBConnection>();
  /** Connections for query(), free for the next one. */
  private readonly idleCons: DuckDBConnection[] = [];
  private readonly queryTimeoutMs: number;
  /** Set while automatic merges are held (holdMerges): the partitions that wait for one. */
  private mergeHold: Set<string> | undefined;

  private constructor(dataDir: string, opts: SessionStoreOptions, private readonly db: DuckDBInstance,
    private readonly writeCon: DuckDBConnection, readCon: DuckDBConnection) {
    this.dataDir = dataDir;
    this.idleCons.push(readCon);
    this.queryTimeoutMs = opts.queryTimeoutMs ?? 0;
    this.rotateIndex = checkRotateIndex(opts.rotateIndex);
    this.readOnly = opts.readOnly ?? false;
    this.graceMs = opts.mergeGraceMs ?? 60000;
    this.autoMerge = opts.autoMerge ?? !this.readOnly;
    this.rowGroupSize = opts.rowGroupSize ?? 122880;
    this.maxStageBytes = opts.maxStageBytes ?? 16 * 1024 * 1024;
    this.writerThreads = Math.max(1, Math.floor(opts.writerThreads ?? 1));
    this.cols = new DocColumns(opts.registry);
    this.flattener = new DocFlattener(opts.registry, this.rotateIndex, this.cols);
  }

  static async open(dataDir: string, opts: SessionStoreOptions): Promise<EmbeddedSessionStore> {
    checkRotateIndex(opts.rotateIndex);
    if (!opts.readOnly) fs.mkdirSync(dataDir, { recursive: true });
    else if (!fs.existsSync(dataDir)) throw new Error(`session store ${dataDir}: no such directory`);
    const db = await DuckDBInstance.create(':memory:', opts.readOnly ? {} : writerSettings(dataDir, opts));
    const writeCon = await db.connect();
    const readCon = await db.connect();
    const store = new EmbeddedSessionStore(path.resolve(dataDir), opts, db, writeCon, readCon);
    // A writer killed before its first flush into a new partition left staging files in a folder
    // with no manifest yet: recovery visits every partition folder, not only published ones.
    if (!store.readOnly) for (const p of store.partitionFolders()) await store.recover(store.partitionDir(p));
    for (const p of store.partitionNames()) {
      for (const c of readManifest(store.partitionDir(p)).columns) store.cols.learn(c);
    }
    return store;
  }

  // ---------------------------------------------------------------- writing

  /** Takes flattened documents: packet worker threads flatten for this store (SessionSink.flat). */
  get flat(): FlatBatchTarget { return this; }

  /** Buffer documents; they become visible after the next `flush()`. */
  append(docs: Iterable<Record<string, unknown>>): void {
    if (this.readOnly) throw new Error(`session store ${this.dataDir} is read-only`);
    for (const doc of docs) this.flattener.add(doc);
    this.appendBatches(this.flattener.take());
  }

  /**
   * Buffer documents already flattened (by a DocFlattener, e.g. in a packet worker thread); they
   * become visible after the next `flush()`. The lines go straight to a staging file.
   */
  appendBatches(batches: readonly FlatBatch[]): void {
    if (this.readOnly) throw new Error(`session store ${this.dataDir} is read-only`);
    let failed: { dir: string; e: NodeJS.ErrnoException } | undefined;
    let lost = 0;
    for (const b of batches) {
      if (b.rows === 0) continue;
      if (!PARTITION_RE.test(b.partition)) throw new Error(`'${b.partition}' is not a session partition name`);
      let p = this.pending.get(b.partition);
      if (!p) {
        const dir = this.partitionDir(b.partition);
        fs.mkdirSync(dir, { recursive: true });
        const stage = tmpName(dir, 'stage.ndjson');
        p = { stage, fd: fs.openSync(stage, 'w'), rows: 0, bytes: 0, maxLine: 0, minLast: b.minLast, maxLast: b.maxLast, columns: new Map() };
        this.pending.set(b.partition, p);
      }
      for (const c of b.columns) {
        if (p.columns.has(c.name)) continue;
        const mine = this.cols.info(c.name);
        if (!mine) this.cols.learn(c);
        else if (!sameLayout(mine, c) && !this.layoutWarned) {
          // Two writers laid the same column out differently (dotted document keys): values are
          // kept, and read back with the layout learned first.
          this.layoutWarned = true;
          process.stderr.write(`session store: column '${c.name}' arrived with two layouts; keeping the first\n`);
        }
        p.columns.set(c.name, this.cols.info(c.name)!);
      }
      try {
        writeAll(p.fd, b.bytes);
      } catch (e) {
        // A full disk (ENOSPC) or a failing one: cut the staging file back to its last whole
        // line, so the rows staged before still make a segment, and report what was lost.
        try { fs.ftruncateSync(p.fd, p.bytes); } catch { /* the next flush's read fails instead; its rows are counted then */ }
        this.lostRows += b.rows;
        lost += b.rows;
        failed ??= { dir: path.dirname(p.stage), e: e as NodeJS.ErrnoException };
        continue;
      }
      p.bytes += b.bytes.length;
      p.rows += b.rows;
      if (b.maxLine > p.maxLine) p.maxLine = b.maxLine;
      if (b.minLast < p.minLast) p.minLast = b.minLast;
      if (b.maxLast > p.maxLast) p.maxLast = b.maxLast;
      if (p.bytes >= this.maxStageBytes) {
        this.pending.delete(b.partition);
        fs.closeSync(p.fd);
        this.writeSegments([[b.partition, p]]).catch((e: Error) => { this.earlyFailure ??= e; });
      }
    }
    if (failed) throw new SessionStoreWriteError(`session store: cannot stage ${lost} session(s) in ${failed.dir}: ${failed.e.message}`, failed.e.code, lost);
  }

  get pendingCount(): number {
    let n = 0;
    for (const p of this.pending.values()) n += p.rows;
    return n;
  }

  private dropPending(name: string): void {
    const p = this.pending.get(name);
    if (!p) return;
    this.pending.delete(name);
    fs.closeSync(p.fd);
    try { fs.unlinkSync(p.stage); } catch { /* already gone */ }
  }

  /** Write one segment per partition touched since the last flush and publish it. */
  flush(): Promise<void> {
    const batches = [...this.pending];
    this.pending.clear();
    for (const [, p] of batches) fs.closeSync(p.fd);
    const done = batches.length === 0 ? this.chain.then(() => undefined) : this.writeSegments(batches);
    return done.then(() => {
      const e = this.earlyFailure;
      this.earlyFailure = undefined;
      if (e) throw e;
    });
  }

  /** Queue closed staging files for conversion into segments, then merges. */
  private writeSegments(batches: [string, Pending][]): Promise<void> {
    const done = this.serial(async () => {
      for (const [name, p] of batches) await this.writePartitionSegment(name, p);
    });
    if (this.autoMerge) {
      done.then(() => { for (const [name] of batches) void this.serial(() => this.mergePartition(name, false)).catch(() => undefined); },
        () => undefined);
    }
    return done;
  }

  /**
   * Hold automatic merges back until releaseMerges(). A bulk import (`capture -r`) merges once
   * its packet threads are gone instead of beside them: a merge's memory (+150-250 MB for a few
   * 5k-row segments) on top of theirs made the import's peak. A partition that gathers
   * HELD_MERGE_MAX_SEGMENTS live segments merges anyway, so readers never face too many files.
   */
  holdMerges(): void {
    this.mergeHold ??= new Set();
  }

  /**
   * Run the automatic merges held back since holdMerges() in partitions holding at least
   * `minSegments` live segments, and stop holding. `threads`: DuckDB threads for these merges
   * (the cores the import's packet threads no longer use).
   */
  async releaseMerges(threads = this.writerThreads, minSegments = 0): Promise<void> {
    const held = this.mergeHold;
    this.mergeHold = undefined;
    if (!held || !this.autoMerge) return;
    for (const name of held) {
      const dir = this.partitionDir(name);
      if (fs.existsSync(path.join(dir, MANIFEST)) && readManifest(dir).segments.length < minSegments) held.delete(name);
    }
    if (held.size === 0) return;
    const more = threads > this.writerThreads;
    if (more) await this.serial(() => this.writeCon.run(`SET threads = ${Math.floor(threads)}`));
    try {
      for (const name of held) {
        // Each merge takes one full size tier; a merged segment may fill the next tier.
        for (let i = 0; i < 8; i++) if (!await this.serial(() => this.mergePartition(name, false))) break;
      }
    } finally {
      if (more) await this.serial(() => this.writeCon.run(`SET threads = ${this.writerThreads}`));
    }
  }

  /** Merge every partition down to one segment now. */
  async optimize(): Promise<void> {
    await this.flush();
    for (const name of this.partitionNames()) await this.serial(() => this.mergePartition(name, true));
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private partitionDir(name: string): string { return path.join(this.dataDir, name); }

  private async writePartitionSegment(name: string, p: Pending): Promise<void> {
    const dir = this.partitionDir(name);
    try {
      if (p.rows === 0) return; // every row of it failed to stage (a full disk): nothing to write
      const infos = [...p.columns.values()].sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
      const columns = infos.map((c) => `${sqlString(c.name)}: ${sqlString(finalType(c))}`).join(', ');
      const src = `read_json(${sqlString(p.stage)}, format='newline_delimited', records=true, maximum_object_size=${jsonObjectLimit(p.maxLine)}, columns={${columns}})`;
      const order = p.columns.has('lastPacket') ? ` ORDER BY ${q('lastPacket')}` : '';
      const file = `s-${Date.now().toString(36)}-${process.pid}-${Math.random().toString(36).slice(2, 8)}.parquet`;
      const tmp = tmpName(dir, file);
      try {
        await this.writeCon.run(`COPY (SELECT ${infos.map((c) => q(c.name)).join(', ')} FROM ${src}${order}) TO ${sqlString(tmp)} ` +
          `(FORMAT parquet, ${PARQUET_CODEC}, ROW_GROUP_SIZE ${this.rowGroupSize})`);
        fsyncFile(tmp);
      } catch (e) {
        try { fs.unlinkSync(tmp); } catch { /* never written */ }
        this.lostRows += p.rows;
        const m = (e as Error).message;
        throw new SessionStoreWriteError(`session store: cannot write a segment of ${p.rows} session(s) into ${dir}: ${m}`,
          (e as NodeJS.ErrnoException).code ?? (/no space left|disk is full|ENOSPC/i.test(m) ? 'ENOSPC' : undefined), p.rows);
      }
      const entry: SegmentEntry = {
        file, rows: p.rows, bytes: fs.statSync(tmp).size, minLast: p.minLast, maxLast: p.maxLast,
        columns: infos.map((c) => c.name),
      };
      try {
        await this.publish(dir, (m) => {
          fs.renameSync(tmp, path.join(dir, file));
          m.segments.push(entry);
          this.noteColumns(m, infos);
        });
      } catch (e) {
        // The manifest could not be replaced (a full disk): the segment is not live, its file goes.
        for (const f of [tmp, path.join(dir, file)]) { try { fs.unlinkSync(f); } catch { /* not there */ } }
        this.lostRows += p.rows;
        throw new SessionStoreWriteError(`session store: cannot publish a segment of ${p.rows} session(s) in ${dir}: ${(e as Error).message}`,
          (e as NodeJS.ErrnoException).code, p.rows);
      }
    } finally {
      try { fs.unlinkSync(p.stage); } catch { /* already gone */ }
    }
  }

  private noteColumns(m: Manifest, infos: ColumnInfo[]): void {
    const have = new Set(m.columns.map((c) => c.name));
    for (const c of infos) if (!have.has(c.name)) m.columns.push(c);
  }

  /** Update a partition's manifest under its lock; expired retired files go at the same time. */
  private async publish(dir: string, change: (m: Manifest) => void): Promise<void> {
    await withPartitionLock(dir, () => {
      const m = readManifest(dir);
      change(m);
      this.dropExpired(dir, m);
      m.generation++;
      writeManifest(dir, m);
    });
  }

  private dropExpired(dir: string, m: Manifest): void {
    const now = Date.now();
    m.retired = m.retired.filter((r) => {
      if (now - r.at < this.graceMs) return true;
      try { fs.unlinkSync(path.join(dir, r.file)); } catch { /* already gone */ }
      return false;
    });
  }

  /** After a crash: remove temporary files of dead writers and segments no manifest names. */
  private async recover(dir: string): Promise<void> {
    for (const f of fs.readdirSync(dir)) {
      if (!f.startsWith(TMP_PREFIX)) continue;
      const pid = Number(f.slice(TMP_PREFIX.length).split('-')[0]);
      if (pid === process.pid || !pidAlive(pid)) { try { fs.unlinkSync(path.join(dir, f)); } catch { /* raced */ } }
    }
    await withPartitionLock(dir, () => {
      const m = readManifest(dir);
      const known = new Set([...m.segments.map((s) => s.file), ...m.retired.map((r) => r.file)]);
      for (const f of fs.readdirSync(dir)) {
        if (f.endsWith('.parquet') && !f.startsWith(TMP_PREFIX) && !known.has(f)) fs.unlinkSync(path.join(dir, f));
      }
      const before = m.retired.length;
      this.dropExpired(dir, m);
      if (m.retired.length !== before) { m.generation++; writeManifest(dir, m); }
    });
  }

  /** Pick segments to merge: `force` takes all; otherwise a full size tier (factor 4). */
  private pickMerge(m: Manifest, force: boolean): SegmentEntry[] {
    if (force) return m.segments.length > 1 ? [...m.segments] : [];
    const tiers = new Map<number, SegmentEntry[]>();
    for (const s of m.segments) {
      if (s.rows >= MAX_AUTO_MERGE_ROWS) continue;
      const t = Math.floor(Math.log(Math.max(s.rows, 1)) / Math.log(4));
      const list = tiers.get(t) ?? [];
      list.push(s);
      tiers.set(t, list);
    }
    for (const t of [...tiers.keys()].sort((a, b) => a - b)) {
      const list = tiers.get(t)!;
      if (list.length >= MERGE_FANIN) return list.slice(0, 4 * MERGE_FANIN);
    }
    return [];
  }

  /** Merge some segments of a partition (all when `force`); false when there was nothing to merge. */
  private async mergePartition(name: string, force: boolean): Promise<boolean> {
    if (this.closed) return false;
    const dir = this.partitionDir(name);
    if (!fs.existsSync(path.join(dir, MANIFEST))) return false;
    const manifest = readManifest(dir);
    const pick = this.pickMerge(manifest, force);
    if (pick.length < 2) return false;
    if (!force && this.mergeHold && manifest.segments.length < HELD_MERGE_MAX_SEGMENTS) {
      this.mergeHold.add(name);
      return false;
    }
    const columns = [...new Set(pick.flatMap((s) => s.columns))];
    // Automatic merges concatenate the segments in time order instead of sorting: a sort holds
    // every row in memory (GiBs once segments reach 100k rows); each segment is sorted already.
    if (!force) pick.sort((a, b) => (a.minLast ?? 0) - (b.minLast ?? 0));
    const order = force && columns.includes('lastPacket') ? ` ORDER BY ${q('lastPacket')}` : '';
    const rowGroup = force ? this.rowGroupSize : Math.min(this.rowGroupSize, AUTO_MERGE_ROW_GROUP);
    const file = `s-${Date.now().toString(36)}-${process.pid}-${Math.random().toString(36).slice(2, 8)}.parquet`;
    const tmp = tmpName(dir, file);
    const list = pick.map((s) => sqlString(path.join(dir, s.file))).join(', ');
    try {
      await this.writeCon.run(`COPY (SELECT * FROM read_parquet([${list}], union_by_name=true)${order}) TO ${sqlString(tmp)} ` +
        `(FORMAT parquet, ${PARQUET_CODEC}, ROW_GROUP_SIZE ${rowGroup})`);
      fsyncFile(tmp);
    } catch (e) {
      try { fs.unlinkSync(tmp); } catch { /* never written */ }
      throw e;
    }
    const merged: SegmentEntry = {
      file, rows: pick.reduce((n, s) => n + s.rows, 0), bytes: fs.statSync(tmp).size,
      minLast: minOf(pick.map((s) => s.minLast)), maxLast: maxOf(pick.map((s) => s.maxLast)), columns,
    };
    let published = false;
    await this.publish(dir, (m) => {
      const live = new Set(m.segments.map((s) => s.file));
      if (!pick.every((s) => live.has(s.file))) return; // someone else merged them meanwhile
      fs.renameSync(tmp, path.join(dir, file));
      const gone = new Set(pick.map((s) => s.file));
      m.segments = [...m.segments.filter((s) => !gone.has(s.file)), merged];
      const at = Date.now();
      for (const s of pick) m.retired.push({ file: s.file, at });
      published = true;
    });
    if (!published) { try { fs.unlinkSync(tmp); } catch { /* gone */ } return false; }
    this.scheduleCleanup(name);
    return true;
  }

  private scheduleCleanup(name: string): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.closed) return;
      const dir = this.partitionDir(name);
      void this.serial(async () => {
        if (fs.existsSync(path.join(dir, MANIFEST))) await this.publish(dir, () => undefined);
      }).catch(() => undefined);
    }, this.graceMs + 20);
    t.unref();
    this.timers.add(t);
  }

  // ---------------------------------------------------------------- reading

  /** Partition folders, published (with a manifest) or not. */
  private partitionFolders(): string[] {
    if (!fs.existsSync(this.dataDir)) return [];
    return fs.readdirSync(this.dataDir).filter((n) => PARTITION_RE.test(n) && fs.statSync(path.join(this.dataDir, n)).isDirectory()).sort();
  }

  /** Names of the partitions on disk, oldest first. */
  partitionNames(): string[] {
    if (!fs.existsSync(this.dataDir)) return [];
    return fs.readdirSync(this.dataDir).filter((n) => PARTITION_RE.test(n) &&
      fs.existsSync(path.join(this.dataDir, n, MANIFEST))).sort();
  }

  partitions(): PartitionInfo[] {
    return this.partitionNames().map((name) => {
      const m = readManifest(this.partitionDir(name));
      return {
        name, segments: m.segments.length,
        sessions: m.segments.reduce((n, s) => n + s.rows, 0),
        bytes: m.segments.reduce((n, s) => n + s.bytes, 0),
      };
    });
  }

  private liveSegments(partitions?: string[]): { files: string[]; columns: Set<string> } {
    const files: string[] = [];
    const columns = new Set<string>();
    for (const name of partitions ?? this.partitionNames()) {
      if (!PARTITION_RE.test(name)) throw new Error(`'${name}' is not a session partition name`);
      const dir = this.partitionDir(name);
      const m = readManifest(dir);
      for (const c of m.columns) this.cols.learn(c);
      for (const s of m.segments) {
        files.push(path.join(dir, s.file));
        for (const c of s.columns) columns.add(c);
      }
    }
    return { files, columns };
  }

  /** The live segments of some partitions, with their manifest entries (rows, lastPacket range, columns). */
  segments(partitions?: string[]): (SegmentEntry & { path: string; partition: string })[] {
    const out: (SegmentEntry & { path: string; partition: string })[] = [];
    for (const name of partitions ?? this.partitionNames()) {
      if (!PARTITION_RE.test(name)) throw new Error(`'${name}' is not a session partition name`);
      const m = readManifest(this.partitionDir(name));
      for (const c of m.columns) this.cols.learn(c);
      for (const s of m.segments) out.push({ ...s, path: path.join(this.partitionDir(name), s.file), partition: name });
    }
    return out;
  }

  /** Column names present in at least one live segment. */
  columns(partitions?: string[]): Set<string> {
    return this.liveSegments(partitions).columns;
  }

  /**
   * A DuckDB FROM expression over the live segments. Registry columns that no segment holds
   * are added as typed NULLs so an expression on a field nobody has seen yet matches nothing
   * instead of failing.
   */
  fromClause(partitions?: string[], opts: { filename?: boolean } = {}): string {
    const { files, columns } = this.liveSegments(partitions);
    const missing: string[] = [];
    for (const [name, type] of this.cols.knownColumns()) if (!columns.has(name)) missing.push(`NULL::${type} AS ${q(name)}`);
    if (files.length === 0) {
      if (opts.filename) missing.push(`NULL::VARCHAR AS filename`);
      return `(SELECT ${missing.join(', ')} WHERE false)`;
    }
    const src = `read_parquet([${files.map(sqlString).join(', ')}], union_by_name=true${opts.filename ? ', filename=true' : ''})`;
    return missing.length === 0 ? src : `(SELECT *, ${missing.join(', ')} FROM ${src})`;
  }

  /**
   * One query on a connection of its own (idle ones are kept for the next): queries of
   * concurrent requests run side by side instead of queueing behind the slowest, and a query past
   * queryTimeoutMs can be interrupted without touching anyone else's. An interrupted
   * connection is closed, never reused.
   */
  async query(sql: string, params?: DuckDBValue[]): Promise<Record<string, unknown>[]> {
    const con = this.idleCons.pop() ?? await this.read(() => this.db.connect());
    let timedOut = false;
    const timer = this.queryTimeoutMs > 0 ? setTimeout(() => { timedOut = true; con.interrupt(); }, this.queryTimeoutMs) : undefined;
    try {
      const r = await this.read(() => con.runAndReadAll(sql, params));
      return r.getRowObjectsJS() as Record<string, unknown>[];
    } catch (e) {
      if (timedOut) throw new QueryTimeoutError(`the query took longer than ${this.queryTimeoutMs / 1000} s (queryTimeout) and was stopped: narrow the time range or the expression`);
      throw e;
    } finally {
      clearTimeout(timer);
      if (timedOut || this.closed || this.idleCons.length >= MAX_IDLE_CONS) con.closeSync();
      else this.idleCons.push(con);
    }
  }

  /** Runs one step of a read, refused once the store is closed and waited for by close(). */
  private read<T>(step: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`session store in ${this.dataDir} is closed`));
    const p = step();
    this.reads.add(p);
    const forget = () => { this.reads.delete(p); };
    p.then(forget, forget);
    return p;
  }

  private async openStream(): Promise<DuckDBConnection> {
    const con = await this.read(() => this.db.connect());
    this.streams.add(con);
    return con;
  }

  private closeStream(con: DuckDBConnection): void {
    if (this.streams.delete(con)) con.closeSync();
  }

  /**
   * Rows of a query chunk by chunk (about 2048 at a time) on a connection of its own, so a long
   * export neither holds its whole result nor blocks other requests' queries.
   */
  async *queryChunks(sql: string, params?: DuckDBValue[]): AsyncGenerator<Record<string, unknown>[]> {
    const con = await this.openStream();
    try {
      const it = (await this.read(() => con.stream(sql, params))).yieldRowObjectJs();
      for (let n = await this.read(() => it.next()); !n.done; n = await this.read(() => it.next())) yield n.value as Record<string, unknown>[];
    } finally { this.closeStream(con); }
  }

  /** Like queryChunks, but DuckDB's column chunks as they come: no JS object per row (exports). */
  async *queryDataChunks(sql: string, params?: DuckDBValue[]): AsyncGenerator<import('@duckdb/node-api').DuckDBDataChunk> {
    const con = await this.openStream();
    try {
      const r = await this.read(() => con.stream(sql, params));
      for (let c = await this.read(() => r.fetchChunk()); c && c.rowCount > 0; c = await this.read(() => r.fetchChunk())) yield c;
    } finally { this.closeStream(con); }
  }

  /** Partitions that can hold matches for a time range (Arkime's index pruning). */
  partitionsFor(range: TimeRange = {}): string[] {
    const all = this.partitionNames();
    if (range.start === undefined && range.stop === undefined) return all;
    const bounding = range.bounding ?? 'last';
    if (bounding === 'database') return all;
    const hours = hoursPerPartition(this.rotateIndex) || 12;
    const startMs = (range.start ?? -Infinity) * 1000;
    const stopMs = (range.stop ?? Infinity) * 1000;
    return all.filter((name) => {
      const r = partitionRange(name, hours);
      if (!r) return true;
      const len = bounding === 'last' ? 0 : r.end - r.start;
      return r.start - len <= stopMs && r.end + len > startMs;
    });
  }

  /** SQL condition for a time range; empty when there is none. */
  static timeCondition(range: TimeRange): string {
    if (range.start === undefined && range.stop === undefined) return '';
    const s = range.start === undefined ? undefined : Math.round(range.start * 1000);
    const e = range.stop === undefined ? undefined : Math.round(range.stop * 1000);
    const within = (col: string) => [s !== undefined ? `${q(col)} >= ${s}` : '', e !== undefined ? `${q(col)} <= ${e}` : '']
      .filter(Boolean).join(' AND ');
    switch (range.bounding ?? 'last') {
      case 'last': return within('lastPacket');
      case 'first': return within('firstPacket');
      case 'database': return within('@timestamp');
      case 'both': return [s !== undefined ? `${q('firstPacket')} >= ${s}` : '', e !== undefined ? `${q('lastPacket')} <= ${e}` : ''].filter(Boolean).join(' AND ');
      case 'either': return [e !== undefined ? `${q('firstPacket')} <= ${e}` : '', s !== undefined ? `${q('lastPacket')} >= ${s}` : ''].filter(Boolean).join(' AND ');
      default: throw new Error(`bounding '${String(range.bounding)}' is not one of last, first, both, either, database`);
    }
  }

  private whereSql(where: string | undefined, range: TimeRange): string {
    const parts = [where && where.trim() ? `(${where})` : '', EmbeddedSessionStore.timeCondition(range)].filter(Boolean);
    return parts.length ? ` WHERE ${parts.join(' AND ')}` : '';
  }

  async count(whereSql?: string, params?: DuckDBValue[], range: TimeRange = {}): Promise<number> {
    const from = this.fromClause(this.partitionsFor(range));
    const rows = await this.query(`SELECT count(*) AS n FROM ${from}${this.whereSql(whereSql, range)}`, params);
    return Number(rows[0].n);
  }

  async search(o: SearchOptions = {}): Promise<SessionHit[]> {
    const parts = o.partitions ?? this.partitionsFor(o);
    const from = this.fromClause(parts, { filename: true });
    let sql = `SELECT * FROM ${from}${this.whereSql(o.where, o)}`;
    if (o.sort) sql += ` ORDER BY ${o.sort}`;
    if (o.limit !== undefined) sql += ` LIMIT ${Math.max(0, Math.floor(o.limit))}`;
    if (o.offset) sql += ` OFFSET ${Math.max(0, Math.floor(o.offset))}`;
    const rows = await this.query(sql, o.params);
    return rows.map((r) => ({ id: String(r[ID_COLUMN]), index: path.basename(path.dirname(String(r.filename))), doc: this.docFromRow(r) }));
  }

  /** Rebuild the Arkime document (without `_id`, which is the hit's id) from a row. */
  docFromRow(row: Record<string, unknown>): Record<string, unknown> {
    return this.cols.docFromRow(row);
  }

  // ---------------------------------------------------------------- maintenance

  /** Remove a whole partition (expiry). Queries already running on it may fail. */
  async deletePartition(name: string): Promise<void> {
    if (this.readOnly) throw new Error(`session store ${this.dataDir} is read-only`);
    if (!PARTITION_RE.test(name)) throw new Error(`'${name}' is not a session partition name`);
    this.dropPending(name);
    await this.serial(async () => {
      const dir = this.partitionDir(name);
      if (!fs.existsSync(dir)) return;
      const gone = path.join(this.dataDir, `.deleted-${name}-${process.pid}-${Date.now()}`);
      fs.renameSync(dir, gone); // one atomic step for readers listing partitions
      fsyncDir(this.dataDir);
      fs.rmSync(gone, { recursive: true, force: true });
    });
  }

  async wipe(): Promise<void> {
    for (const name of [...this.pending.keys()]) this.dropPending(name);
    for (const name of this.partitionNames()) await this.deletePartition(name);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    let seen: Promise<unknown>;
    do { seen = this.chain; await seen; } while (seen !== this.chain);
    this.closed = true;
    while (this.reads.size > 0) await Promise.allSettled([...this.reads]);
    for (const con of [...this.streams]) this.closeStream(con); // streams left unfinished by their readers
    for (const name of [...this.pending.keys()]) this.dropPending(name); // never flushed: not kept
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.writeCon.closeSync();
    for (const con of this.idleCons.splice(0)) con.closeSync();
    this.db.closeSync();
  }
}

/** Sessions the store could not keep: `code` is the errno code when known (ENOSPC: a full disk). */
export class SessionStoreWriteError extends Error {
  constructor(message: string, readonly code: string | undefined, readonly rows: number) { super(message); }
}

function writeAll(fd: number, b: Uint8Array): number {
  for (let off = 0; off < b.length;) off += fs.writeSync(fd, b, off);
  return b.length;
}

/** The JSON reader's object limit (bytes) for lines up to `chars` UTF-16 units: ≥ 1 MiB, a power of two. */
export function jsonObjectLimit(chars: number): number {
  let n = 1 << 20;
  while (n < chars * 3 + 16) n *= 2;
  return n;
}

function minOf(v: (number | null)[]): number | null {
  const n = v.filter((x): x is number => x !== null);
  return n.length ? Math.min(...n) : null;
}
function maxOf(v: (number | null)[]): number | null {
  const n = v.filter((x): x is number => x !== null);
  return n.length ? Math.max(...n) : null;
}

export type { Scalar, ColumnInfo };
export { EXTRA_COLUMN };
