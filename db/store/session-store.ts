// The embedded session store: Arkime session documents in Parquet segments, one folder per
// partition (`sessions3-YYMMDD`), queried through an in-memory DuckDB. A segment is written to
// a temporary name, synced, renamed into place and named in the partition's manifest; it is
// never modified afterwards. Merges replace several segments by one and retire the old files,
// which are deleted only after a grace period so a query in flight never loses a file.
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import type { FieldRegistry } from '../fields/registry.js';
import { q } from '../fields/columns.js';
import { DocColumns, EXTRA_COLUMN, ID_COLUMN, type ColumnInfo, type FlatRow, type Scalar } from './doc-columns.js';
import {
  MANIFEST, TMP_PREFIX, fsyncDir, fsyncFile, pidAlive, readManifest, tmpName, withPartitionLock, writeManifest,
  type Manifest, type SegmentEntry,
} from './manifest.js';
import {
  PARTITION_PREFIX, checkRotateIndex, hoursPerPartition, newSessionId, partitionRange, partitionSuffix, type RotateIndex,
} from './partition-name.js';

export type Bounding = 'last' | 'first' | 'both' | 'either' | 'database';

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

interface Pending { rows: FlatRow[]; minLast: number; maxLast: number }

/** Segments in the same size tier (factor 4) are merged once this many have gathered. */
const MERGE_FANIN = 4;
/** Segments this large are left alone by automatic merges. */
const MAX_AUTO_MERGE_ROWS = 4_000_000;
const PARTITION_RE = /^sessions3-[0-9a-z]+$/;

function stagingType(info: ColumnInfo): string {
  if (info.list) return 'VARCHAR';
  return info.scalar === 'BIGINT' ? 'DOUBLE' : info.scalar;
}

function finalType(info: ColumnInfo): string {
  return info.list ? `${info.scalar}[]` : info.scalar;
}

function selectExpr(info: ColumnInfo): string {
  const c = q(info.name);
  if (info.list) return `from_json(${c}, '["${info.scalar}"]') AS ${c}`;
  if (info.scalar === 'BIGINT') return `CAST(${c} AS BIGINT) AS ${c}`;
  return c;
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

export class EmbeddedSessionStore {
  readonly dataDir: string;
  readonly rotateIndex: RotateIndex;
  readonly readOnly: boolean;
  private readonly graceMs: number;
  private readonly autoMerge: boolean;
  private readonly rowGroupSize: number;
  private readonly cols: DocColumns;
  private readonly pending = new Map<string, Pending>();
  private chain: Promise<unknown> = Promise.resolve();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stageSeq = 0;
  private closed = false;

  private constructor(dataDir: string, opts: SessionStoreOptions, private readonly db: DuckDBInstance,
    private readonly writeCon: DuckDBConnection, private readonly readCon: DuckDBConnection) {
    this.dataDir = dataDir;
    this.rotateIndex = checkRotateIndex(opts.rotateIndex);
    this.readOnly = opts.readOnly ?? false;
    this.graceMs = opts.mergeGraceMs ?? 60000;
    this.autoMerge = opts.autoMerge ?? !this.readOnly;
    this.rowGroupSize = opts.rowGroupSize ?? 122880;
    this.cols = new DocColumns(opts.registry);
  }

  static async open(dataDir: string, opts: SessionStoreOptions): Promise<EmbeddedSessionStore> {
    checkRotateIndex(opts.rotateIndex);
    if (!opts.readOnly) fs.mkdirSync(dataDir, { recursive: true });
    else if (!fs.existsSync(dataDir)) throw new Error(`session store ${dataDir}: no such directory`);
    const db = await DuckDBInstance.create(':memory:');
    const writeCon = await db.connect();
    const readCon = await db.connect();
    const store = new EmbeddedSessionStore(path.resolve(dataDir), opts, db, writeCon, readCon);
    for (const p of store.partitionNames()) {
      const dir = store.partitionDir(p);
      if (!store.readOnly) await store.recover(dir);
      for (const c of readManifest(dir).columns) store.cols.learn(c);
    }
    return store;
  }

  // ---------------------------------------------------------------- writing

  /** Buffer documents; they become visible after the next `flush()`. */
  append(docs: Iterable<Record<string, unknown>>): void {
    if (this.readOnly) throw new Error(`session store ${this.dataDir} is read-only`);
    const idCol = this.cols.column(ID_COLUMN, 'id', 'VARCHAR', false);
    for (const doc of docs) {
      const flat = this.cols.flatten(doc);
      const last = flat.lastPacket ?? Date.now();
      const suffix = partitionSuffix(last, this.rotateIndex);
      flat.row.cols.push(idCol);
      flat.row.vals.push(flat.id ?? newSessionId(suffix));
      const name = PARTITION_PREFIX + suffix;
      let p = this.pending.get(name);
      if (!p) { p = { rows: [], minLast: last, maxLast: last }; this.pending.set(name, p); }
      p.rows.push(flat.row);
      if (last < p.minLast) p.minLast = last;
      if (last > p.maxLast) p.maxLast = last;
    }
  }

  get pendingCount(): number {
    let n = 0;
    for (const p of this.pending.values()) n += p.rows.length;
    return n;
  }

  /** Write one segment per partition touched since the last flush and publish it. */
  flush(): Promise<void> {
    if (this.pending.size === 0) return this.chain.then(() => undefined);
    const batches = [...this.pending];
    this.pending.clear();
    const done = this.serial(async () => {
      for (const [name, p] of batches) await this.writePartitionSegment(name, p);
    });
    if (this.autoMerge) {
      done.then(() => { for (const [name] of batches) void this.serial(() => this.mergePartition(name, false)).catch(() => undefined); },
        () => undefined);
    }
    return done;
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
    fs.mkdirSync(dir, { recursive: true });
    const used: number[] = [];
    const seen = new Uint8Array(this.cols.infos.length);
    for (const row of p.rows) {
      for (const c of row.cols) if (seen[c] === 0) { seen[c] = 1; used.push(c); }
    }
    used.sort((a, b) => a - b);
    const infos = used.map((i) => this.cols.infos[i]);
    const stage = `stage_${++this.stageSeq}`;
    const con = this.writeCon;
    await con.run(`CREATE TABLE ${stage} (${infos.map((c) => `${q(c.name)} ${stagingType(c)}`).join(', ')})`);
    try {
      const app = await con.createAppender(stage);
      const kinds = infos.map((c) => (c.list ? 'VARCHAR' : stagingType(c)));
      // slot of each column in the staging table; a row is scattered into `scratch` by slot
      const slot = new Int32Array(this.cols.infos.length).fill(-1);
      used.forEach((c, k) => { slot[c] = k; });
      const scratch: unknown[] = new Array(used.length).fill(undefined);
      for (const row of p.rows) {
        for (let j = 0; j < row.cols.length; j++) scratch[slot[row.cols[j]]] = row.vals[j];
        for (let k = 0; k < used.length; k++) {
          const v = scratch[k];
          scratch[k] = undefined;
          if (v === undefined) { app.appendNull(); continue; }
          switch (kinds[k]) {
            case 'DOUBLE': app.appendDouble(v as number); break;
            case 'BOOLEAN': app.appendBoolean(v as boolean); break;
            default: app.appendVarchar(v as string);
          }
        }
        app.endRow();
      }
      app.closeSync();
      const order = infos.some((c) => c.name === 'lastPacket') ? ` ORDER BY ${q('lastPacket')}` : '';
      const file = `s-${Date.now().toString(36)}-${process.pid}-${Math.random().toString(36).slice(2, 8)}.parquet`;
      const tmp = tmpName(dir, file);
      await con.run(`COPY (SELECT ${infos.map(selectExpr).join(', ')} FROM ${stage}${order}) TO ${sqlString(tmp)} ` +
        `(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${this.rowGroupSize})`);
      fsyncFile(tmp);
      const entry: SegmentEntry = {
        file, rows: p.rows.length, bytes: fs.statSync(tmp).size, minLast: p.minLast, maxLast: p.maxLast,
        columns: infos.map((c) => c.name),
      };
      await this.publish(dir, (m) => {
        fs.renameSync(tmp, path.join(dir, file));
        m.segments.push(entry);
        this.noteColumns(m, infos);
      });
    } finally {
      await con.run(`DROP TABLE IF EXISTS ${stage}`);
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

  private async mergePartition(name: string, force: boolean): Promise<void> {
    if (this.closed) return;
    const dir = this.partitionDir(name);
    if (!fs.existsSync(path.join(dir, MANIFEST))) return;
    const pick = this.pickMerge(readManifest(dir), force);
    if (pick.length < 2) return;
    const columns = [...new Set(pick.flatMap((s) => s.columns))];
    const order = columns.includes('lastPacket') ? ` ORDER BY ${q('lastPacket')}` : '';
    const file = `s-${Date.now().toString(36)}-${process.pid}-${Math.random().toString(36).slice(2, 8)}.parquet`;
    const tmp = tmpName(dir, file);
    const list = pick.map((s) => sqlString(path.join(dir, s.file))).join(', ');
    try {
      await this.writeCon.run(`COPY (SELECT * FROM read_parquet([${list}], union_by_name=true)${order}) TO ${sqlString(tmp)} ` +
        `(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${this.rowGroupSize})`);
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
    if (!published) { try { fs.unlinkSync(tmp); } catch { /* gone */ } return; }
    this.scheduleCleanup(name);
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

  async query(sql: string, params?: DuckDBValue[]): Promise<Record<string, unknown>[]> {
    const r = await this.readCon.runAndReadAll(sql, params);
    return r.getRowObjectsJS() as Record<string, unknown>[];
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
    this.pending.delete(name);
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
    this.pending.clear();
    for (const name of this.partitionNames()) await this.deletePartition(name);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    let seen: Promise<unknown>;
    do { seen = this.chain; await seen; } while (seen !== this.chain);
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.writeCon.closeSync();
    this.readCon.closeSync();
    this.db.closeSync();
  }
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
