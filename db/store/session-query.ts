// The embedded store's side of SessionSearchBackend: a SessionQuery becomes one DuckDB WHERE
// clause over the live Parquet segments (expressions through compileToSql, the time range, ids,
// exact terms), and each viewer request is one SQL statement or two: a page, a count, a
// histogram, a terms aggregation, host pairs, an export stream in lastPacket order.
//
// Speed on millions of sessions comes from reading little: the FROM clause is a bare
// read_parquet over the segments whose lastPacket range can match (DuckDB reads only the columns
// a statement names); a count without an expression comes from the manifests; the first page
// guesses a bound on its sort column from the Parquet row-group statistics so the scan skips all
// but a few row groups (and checks the guess: a short result falls back to the full scan).
//
// Tags: segments are never modified, so viewer tag edits are kept in the control store (full tag
// list per session) and overlaid on the `tags`/`tagsCnt` columns at query time. The overlay is
// a small in-memory DuckDB table reloaded whenever the control store's edit version moves, so an
// edit is searchable by the next request of any viewer process.
import path from 'node:path';
import type { DuckDBDataChunk, DuckDBListVector, DuckDBValue, DuckDBVector } from '@duckdb/node-api';
import type { FieldRegistry } from '../fields/registry.js';
import { ipSortKey, q, sqlString } from '../fields/columns.js';
import { buildDsl, type Dsl } from '../expr/build-dsl.js';
import { compileToSql } from '../expr/compile-sql.js';
import { parseExpression } from '../expr/parser.js';
import { filesMatching, type PcapFileRef } from '../expr/compile-es.js';
import { ExpressionError } from '../expr/errors.js';
import { fieldView, type FieldInfo } from '../expr/field-view.js';
import type { SqliteControl } from './sqlite-control-store.js';
import { ID_COLUMN } from './doc-columns.js';
import { TermsQuery } from './terms-query.js';
import { EmbeddedSessionStore, type TimeRange } from './session-store.js';
import {
  numberOf as num, QueryError, type ExportPage, type ExportSnapshot, type FileGroup, type HistogramBucket, type HistogramRequest, type PacketRef, type PairBucket, type PairRequest,
  type SessionDoc, type SessionQuery, type SessionSearchBackend, type SortKey, type TermsMany, type TermsResult,
} from '../backend/search-backend.js';

const OVERLAY = 'packrat_tag_overlay';
const ID = q(ID_COLUMN);

/** Row `i` of a non-NULL DOUBLE[] column as numbers, read straight from the flat child vector. */
function numbersOfList(v: DuckDBVector, i: number): number[] {
  const list = v as DuckDBListVector;
  const start = list.getEntryOffset(i), len = list.getEntryLength(i);
  const child = list.childVector;
  const out = new Array<number>(len);
  for (let k = 0; k < len; k++) out[k] = Number(child.getItem(start + k) ?? 0);
  return out;
}

export interface Compiled {
  where: string;
  params: DuckDBValue[];
  from: string;
  partitions: string[];
  segments: Segment[];
  columns: Set<string>;
  /** Only a time range restricts the match (no expression, ids, terms or segments=all). */
  timeOnly: boolean;
}

export type Segment = ReturnType<EmbeddedSessionStore['segments']>[number];

/** One Parquet row group's statistics for one column. */
interface RowGroupStat { rows: number; min: number | null; max: number | null; nulls: number }

/** Whether a segment's lastPacket range can hold matches of a time range (as partitionsFor, per segment). */
function segmentCanMatch(s: Segment, range: TimeRange): boolean {
  if (s.minLast === null || s.maxLast === null || (range.start === undefined && range.stop === undefined)) return true;
  const b = range.bounding ?? 'last';
  if (b === 'database') return true;
  const start = range.start === undefined ? -Infinity : Math.round(range.start * 1000);
  const stop = range.stop === undefined ? Infinity : Math.round(range.stop * 1000);
  // firstPacket <= lastPacket: every bounding but 'database' needs lastPacket >= start
  if (s.maxLast < start) return false;
  if ((b === 'last' || b === 'both') && s.minLast > stop) return false;
  return true;
}

/** Every row of the segment is inside the range (bounding last): its manifest row count is its count. */
function segmentInside(s: Segment, range: TimeRange): boolean {
  if (range.start === undefined && range.stop === undefined) return true;
  if ((range.bounding ?? 'last') !== 'last' || s.minLast === null || s.maxLast === null) return false;
  return (range.start === undefined || s.minLast >= Math.round(range.start * 1000)) &&
    (range.stop === undefined || s.maxLast <= Math.round(range.stop * 1000));
}

/** A string list field every match must hold one of `values` in (from the query's top-level AND). */
interface RequiredTerm { db: string; values: string[] }

/**
 * The `term`/`terms` conditions on string values that every match must meet: the query DSL's
 * top-level term, or the terms under a bool of only filter/must clauses (an AND), recursively.
 */
function requiredTerms(dsl: Dsl, out: RequiredTerm[]): void {
  if (dsl === null || typeof dsl !== 'object') return;
  const keys = Object.keys(dsl);
  if (keys.length !== 1) return;
  const body = dsl[keys[0]];
  if (body === null || typeof body !== 'object') return;
  if (keys[0] === 'term' || keys[0] === 'terms') {
    const fieldKeys = Object.keys(body);
    if (fieldKeys.length !== 1) return;
    const v = body[fieldKeys[0]];
    const values = keys[0] === 'term' ? [v] : v;
    if (Array.isArray(values) && values.length > 0 && values.every((x) => typeof x === 'string')) out.push({ db: fieldKeys[0], values });
    return;
  }
  if (keys[0] !== 'bool' || Object.keys(body).some((k) => k !== 'filter' && k !== 'must')) return;
  for (const k of ['filter', 'must']) {
    const c = body[k];
    if (Array.isArray(c)) for (const x of c) requiredTerms(x, out); else if (c !== undefined) requiredTerms(c, out);
  }
}

/** Parquet orders string statistics by their UTF-8 bytes. */
const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** One Parquet row group's string statistics (min/max null when not written). */
interface StringStat { rows: number; min: string | null; max: string | null; nulls: number }

const STATS_CACHE_MAX = 20000;
/**
 * A predicate as a WHERE conjunct: `COALESCE(p, FALSE)` is just `p` there (NULL rejects the row
 * too), and the bare comparison is one DuckDB pushes into the Parquet scan.
 */
export function whereForm(sql: string): string {
  const head = 'COALESCE(', foot = ', FALSE)';
  if (!sql.startsWith(head) || !sql.endsWith(foot)) return sql;
  let depth = 0;
  let quote = false;
  for (let i = head.length - 1; i < sql.length; i++) {
    const ch = sql[i];
    if (quote) { if (ch === "'") quote = false; continue; }
    if (ch === "'") quote = true;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i === sql.length - 1 ? sql.slice(head.length, sql.length - foot.length) : sql;
  }
  return sql;
}

export class EmbeddedSearchBackend implements SessionSearchBackend {
  private overlayVersion = -1;
  private overlayRows = 0;
  /** Every tag the overlay sets: a segment's own statistics cannot rule those out. */
  private overlayTags = new Set<string>();
  private readonly stringStatsCache = new Map<string, StringStat[]>();
  private overlayLoad: Promise<void> = Promise.resolve();
  private readonly statsCache = new Map<string, RowGroupStat[]>();
  private snapshots = 0;

  private readonly termsQuery: TermsQuery;

  constructor(readonly store: EmbeddedSessionStore, private readonly control: SqliteControl, private readonly registry: FieldRegistry,
    o: { spiExactRows?: number; spiSampleRows?: number } = {}) {
    this.termsQuery = new TermsQuery({
      query: (sql, params) => this.store.query(sql, params),
      info: (field) => this.info(field),
      overlayRows: () => this.overlayRows,
      source: (segments, partitions, filename, rowNumber) => this.source(segments, partitions, filename, rowNumber),
    }, o);
  }

  // ---------------------------------------------------------------- building the statement

  private info(field: string): FieldInfo {
    const info = fieldView(this.registry).byDb(field);
    if (!info || info.column === undefined) throw new QueryError(`Unknown field ${field}`);
    return info;
  }

  hasField(field: string): boolean {
    const info = fieldView(this.registry).byDb(field);
    return info !== undefined && info.column !== undefined;
  }

  /** Reload the tag overlay when another request (or process) edited tags since we last looked. */
  private refreshOverlay(): Promise<void> {
    const version = this.control.tagEditsVersion();
    if (version === this.overlayVersion) return this.overlayLoad;
    this.overlayLoad = this.overlayLoad.then(async () => {
      const v = this.control.tagEditsVersion();
      if (v === this.overlayVersion) return;
      const edits = this.control.allTagEdits();
      const json = JSON.stringify([...edits].map(([id, tags]) => ({ id, tags })));
      await this.store.query(`CREATE OR REPLACE TABLE ${OVERLAY} AS SELECT j->>'id' AS id, ` +
        `from_json(j->'tags', '["VARCHAR"]') AS tags FROM (SELECT unnest(from_json(${sqlString(json)}::JSON, '["JSON"]')) AS j)`);
      this.overlayRows = edits.size;
      this.overlayTags = new Set([...edits.values()].flat());
      this.overlayVersion = v;
    });
    return this.overlayLoad;
  }

  /**
   * A bare read_parquet over the segments: union_by_name fills a column some segments lack with
   * NULLs and DuckDB reads only what the statement names. (The compiler never names a column no
   * segment has.) No segment at all: the store's typed empty relation.
   */
  private source(segments: Segment[], partitions: string[], filename = false, rowNumber = false): string {
    if (segments.length === 0) return this.store.fromClause(partitions, { filename });
    let base = `read_parquet([${segments.map((g) => sqlString(g.path)).join(', ')}], union_by_name=true${filename ? ', filename=true' : ''}` +
      `${rowNumber ? ', file_row_number=true' : ''})`;
    if (this.overlayRows === 0) return base;
    const have = new Set(segments.flatMap((g) => g.columns));
    const pad = [['tags', 'VARCHAR[]'], ['tagsCnt', 'BIGINT']].filter(([c]) => !have.has(c)).map(([c, t]) => `NULL::${t} AS ${q(c)}`);
    if (pad.length) base = `(SELECT *, ${pad.join(', ')} FROM ${base})`;
    return `(SELECT b.* REPLACE (CASE WHEN o.id IS NULL THEN b."tags" WHEN len(o.tags) = 0 THEN NULL ELSE o.tags END AS "tags", ` +
      `CASE WHEN o.id IS NULL THEN b."tagsCnt" WHEN len(o.tags) = 0 THEN NULL ELSE len(o.tags) END AS "tagsCnt") ` +
      `FROM ${base} AS b LEFT JOIN ${OVERLAY} AS o ON b.${ID} = o.id)`;
  }

  private fromFor(partitions: string[], filename = false): string {
    return this.source(this.store.segments(partitions), partitions, filename);
  }

  /** Partitions an id list can live in (the id starts with the partition suffix), or undefined. */
  private partitionsOfIds(ids: string[]): string[] | undefined {
    const have = new Set(this.store.partitionNames());
    const out = new Set<string>();
    for (const id of ids) {
      const dash = id.indexOf('-');
      const name = dash > 0 ? `sessions3-${id.slice(0, dash)}` : '';
      if (!have.has(name)) return undefined;
      out.add(name);
    }
    return [...out].sort();
  }

  private resolveFile = (name: string): PcapFileRef[] => {
    return filesMatching(name, this.control.listFiles()).map((f) => ({ node: f.node, num: f.num }));
  };

  private async compile(sq: SessionQuery, filename = false): Promise<Compiled> {
    await this.refreshOverlay();
    const range = { start: sq.start, stop: sq.stop, bounding: sq.bounding };
    let partitions = sq.segmentsAll ? this.store.partitionNames() : this.store.partitionsFor(range);
    if (sq.ids && !sq.segmentsAll) {
      const own = this.partitionsOfIds(sq.ids);
      if (own) partitions = partitions.filter((p) => own.includes(p));
    }
    const all = this.store.segments(partitions);
    let segments = sq.segmentsAll ? all : all.filter((g) => segmentCanMatch(g, range));
    // a segment whose statistics rule out a term every match needs is not read at all
    const required: RequiredTerm[] = [];
    if (!sq.segmentsAll) {
      for (const e of sq.expressions) {
        if (e.trim() === '') continue;
        try { requiredTerms(buildDsl(parseExpression(e, this.registry), { registry: this.registry }), required); } catch { /* compiled below: errors reported there */ }
      }
    }
    let prunedAll = false;
    if (required.length && segments.length) {
      const kept = await this.segmentsMeeting(segments, required);
      prunedAll = kept.length === 0;
      if (!prunedAll) segments = kept;
    }
    const cols = new Set(segments.flatMap((g) => g.columns));
    const overlay = this.overlayRows > 0;
    const hasColumn = (c: string) => cols.has(c) || (overlay && (c === 'tags' || c === 'tagsCnt'));
    const parts: string[] = [];
    const params: DuckDBValue[] = [];
    let timeOnly = !sq.segmentsAll && !sq.ids && !(sq.terms && sq.terms.length);
    for (const e of sq.expressions) {
      if (e.trim() === '') continue;
      timeOnly = false;
      try {
        const c = compileToSql(e, { registry: this.registry, hasColumn, resolveFile: this.resolveFile });
        parts.push(`(${whereForm(c.sql)})`);
        params.push(...c.params);
      } catch (err) {
        if (err instanceof ExpressionError) throw new QueryError(err.message);
        throw err;
      }
    }
    if (sq.ids) {
      if (sq.ids.length === 0) parts.push('FALSE');
      else { parts.push(`${ID} IN (${sq.ids.map(() => '?').join(', ')})`); params.push(...sq.ids); }
    }
    for (const t of sq.terms ?? []) {
      const info = this.info(t.field);
      if (!hasColumn(info.column!)) { parts.push('FALSE'); continue; }
      let col = q(info.column!);
      let v: DuckDBValue = info.scalar === 'VARCHAR' ? String(t.value) : Number(t.value);
      if (info.kind === 'ip') {
        const key = ipSortKey(String(t.value));
        if (!key) throw new QueryError(`${t.value} not a valid ip`);
        col = q(`${info.column}#n`); v = key;
      }
      parts.push(info.list ? `COALESCE(list_contains(${col}, ?), FALSE)` : `COALESCE(${col} = ?, FALSE)`);
      params.push(v);
    }
    const time = EmbeddedSessionStore.timeCondition(range);
    if (time) parts.push(time);
    if (prunedAll) parts.push('FALSE');
    let where = parts.length ? parts.join(' AND ') : 'TRUE';
    const from = this.source(segments, partitions, filename);
    if (sq.segmentsAll) {
      // every segment sharing a rootId with a match (Arkime segments=all); no time limit outside
      const roots = `SELECT "rootId" FROM ${this.source(segments, partitions)} WHERE ${where} AND "rootId" IS NOT NULL`;
      where = cols.has('rootId') ? `(${where}) OR "rootId" IN (${roots}) OR ${ID} IN (${roots})` : where;
      if (cols.has('rootId')) params.push(...params.slice(), ...params.slice());
    }
    return { where, params, from, partitions, segments, columns: cols, timeOnly };
  }

  /**
   * The segments that can hold a match of every required term: a list column of strings whose
   * row groups' min/max each leave out all of the term's values cannot (DuckDB prunes row groups
   * by scalar comparisons itself, but not by list_contains). Tags the overlay sets are never ruled out.
   */
  private async segmentsMeeting(segments: Segment[], required: RequiredTerm[]): Promise<Segment[]> {
    const checks: { column: string; values: string[] }[] = [];
    for (const t of required) {
      const info = fieldView(this.registry).byDb(t.db);
      if (!info || info.column === undefined || !info.list || info.scalar !== 'VARCHAR' || info.kind === 'ip') continue;
      if (info.column === 'tags' && this.overlayRows > 0 && t.values.some((v) => this.overlayTags.has(v))) continue;
      checks.push({ column: info.column, values: t.values });
    }
    if (checks.length === 0) return segments;
    const out: Segment[] = [];
    for (const g of segments) {
      let can = true;
      for (const c of checks) {
        if (!g.columns.includes(c.column)) can = false; // NULL everywhere: no match
        else can = (await this.stringStats(g.path, `${c.column}, list, element`)).some((st) => st.min === null || st.max === null
          || c.values.some((v) => utf8Order(v, st.min!) >= 0 && utf8Order(v, st.max!) <= 0));
        if (!can) break;
      }
      if (can) out.push(g);
    }
    return out;
  }

  /** Per-row-group string statistics of a column path in a segment; cached (segments never change). */
  private stringStats(file: string, path: string): Promise<StringStat[]> {
    return this.cachedStats(this.stringStatsCache, file, path, (rows) => rows.length === 0
      // no statistics at all (another writer's file): one unknown group, never ruled out
      ? [{ rows: 0, min: null, max: null, nulls: 0 }]
      : rows.map((r) => ({ rows: num(r.n),
        min: r.lo === null || r.lo === undefined ? null : String(r.lo), max: r.hi === null || r.hi === undefined ? null : String(r.hi),
        nulls: r.nulls === null ? num(r.n) : num(r.nulls) })));
  }

  /** Per-row-group statistics of a numeric column in a segment; cached (segments never change). */
  private rowGroupStats(file: string, column: string): Promise<RowGroupStat[]> {
    return this.cachedStats(this.statsCache, file, column, (rows) => rows.map((r) => ({ rows: num(r.n),
      min: r.lo === null ? null : Number(r.lo), max: r.hi === null ? null : Number(r.hi),
      nulls: r.nulls === null ? num(r.n) : num(r.nulls) })));
  }

  /** Row-group statistics of `path` in `file` from the Parquet metadata, through a bounded cache. */
  private async cachedStats<T>(cache: Map<string, T[]>, file: string, path: string, shape: (rows: Record<string, any>[]) => T[]): Promise<T[]> {
    const key = `${file}\0${path}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const rows = await this.store.query(`SELECT row_group_num_rows AS n, stats_min_value AS lo, stats_max_value AS hi, stats_null_count AS nulls ` +
      `FROM parquet_metadata(?) WHERE path_in_schema = ? ORDER BY row_group_id`, [file, path]);
    const out = shape(rows);
    if (cache.size >= STATS_CACHE_MAX) cache.clear();
    cache.set(key, out);
    return out;
  }

  /**
   * A bound on the sort column that at least `k` rows of the segments pass, from row-group
   * statistics: the row groups with the highest maxima (desc) or lowest minima (asc) until they
   * hold `k` rows; every row of those passes. Undefined when statistics cannot tell (nulls, a
   * segment without the column, non-numeric values).
   */
  private async sortBound(segments: Segment[], column: string, desc: boolean, k: number): Promise<number | undefined> {
    const groups: RowGroupStat[] = [];
    for (const g of segments) {
      if (!g.columns.includes(column)) return undefined;
      for (const st of await this.rowGroupStats(g.path, column)) {
        if (st.nulls > 0 || st.min === null || st.max === null || !Number.isFinite(st.min) || !Number.isFinite(st.max)) return undefined;
        groups.push(st);
      }
    }
    groups.sort(desc ? (a, b) => b.max! - a.max! : (a, b) => a.min! - b.min!);
    let rows = 0;
    let bound: number | undefined;
    for (const st of groups) {
      bound = bound === undefined ? (desc ? st.min! : st.max!) : desc ? Math.min(bound, st.min!) : Math.max(bound, st.max!);
      rows += st.rows;
      if (rows >= k) return bound;
    }
    return undefined; // fewer rows than asked for: nothing to skip
  }

  /** ORDER BY keys; a column no segment holds is NULL everywhere and orders nothing. */
  private orderBy(sort: SortKey[], columns: Set<string>): string {
    const keys: string[] = [];
    for (const s of sort) {
      if (s.order !== 'asc' && s.order !== 'desc') throw new QueryError(`sort order must be asc or desc, not '${String(s.order)}'`);
      const info = this.info(s.field);
      const name = info.kind === 'ip' ? `${info.column}#n` : info.column!;
      if (!columns.has(name)) continue;
      // a list sorts by its smallest value ascending, its largest descending (ES's default sort mode)
      const expr = info.list ? `${s.order === 'asc' ? 'list_min' : 'list_max'}(${q(name)})` : q(name);
      keys.push(`${expr} ${s.order.toUpperCase()} NULLS ${s.order === 'asc' ? 'LAST' : 'FIRST'}`);
    }
    return keys.join(', ');
  }

  private toDoc(r: Record<string, unknown>): SessionDoc {
    const index = r.filename ? path.basename(path.dirname(String(r.filename))) : `sessions3-${String(r[ID_COLUMN]).split('-')[0]}`;
    return { id: String(r[ID_COLUMN]), index, doc: this.store.docFromRow(r) };
  }

  // ---------------------------------------------------------------- SessionSearchBackend

  async total(): Promise<number> {
    return this.store.partitions().reduce((n, p) => n + p.sessions, 0);
  }

  async count(sq: SessionQuery): Promise<number> {
    const c = await this.compile(sq);
    if (!c.timeOnly) {
      const rows = await this.store.query(`SELECT count(*) AS n FROM ${c.from} WHERE ${c.where}`, c.params);
      return num(rows[0].n);
    }
    // only a time range: whole segments inside it count from their manifest entry
    const range = { start: sq.start, stop: sq.stop, bounding: sq.bounding };
    let n = 0;
    const partial: Segment[] = [];
    for (const g of c.segments) if (segmentInside(g, range)) n += g.rows; else partial.push(g);
    if (partial.length) {
      const rows = await this.store.query(`SELECT count(*) AS n FROM ${this.source(partial, c.partitions)} WHERE ${c.where}`, c.params);
      n += num(rows[0].n);
    }
    return n;
  }

  async search(sq: SessionQuery, o: { sort?: SortKey[]; start?: number; length: number }): Promise<SessionDoc[]> {
    const c = await this.compile(sq, true);
    const limit = Math.max(0, Math.floor(o.length));
    const offset = Math.max(0, Math.floor(o.start ?? 0));
    if (limit === 0) return [];
    const sort = o.sort && o.sort.length ? o.sort : [{ field: 'firstPacket', order: 'asc' as const }];
    const order = this.orderBy(sort, c.columns);
    const tail = ` ORDER BY ${order}${order ? ', ' : ''}${ID} LIMIT ${limit}${offset ? ` OFFSET ${offset}` : ''}`;
    // Two steps: the top-N over the sort column and id only, then whole rows of just those ids
    // (a top-N over every column decodes them all). Step one first tries a bound on the sort
    // column that enough rows pass (see sortBound), so the scan skips every row group outside
    // it; a full page proves the bound lost nothing.
    const key = this.boundableSort(sort, c.columns);
    const pick = `SELECT ${key ? `${q(key.column)} AS v, ` : ''}${ID} AS id FROM ${c.from} WHERE `;
    let top: Record<string, unknown>[] | undefined;
    if (key) {
      const bound = await this.sortBound(c.segments, key.column, key.desc, offset + limit);
      if (bound !== undefined) {
        top = await this.store.query(`${pick}(${c.where}) AND ${q(key.column)} ${key.desc ? '>=' : '<='} ${bound}${tail}`, c.params);
        if (top.length < limit) top = undefined;
      }
    }
    top ??= await this.store.query(`${pick}${c.where}${tail}`, c.params);
    if (top.length === 0) return [];
    const ids = top.map((r) => String(r.id));
    let where = `${ID} IN (${ids.map(() => '?').join(', ')})`;
    if (key) {
      // the rows' own sort values narrow the fetch to the row groups that hold them
      // a NULL sort value (Number(null) is 0) rules the narrowing out: BETWEEN never passes NULL
      const vs = top.map((r) => (r.v === null || r.v === undefined ? NaN : Number(r.v))).filter((v) => Number.isFinite(v));
      if (vs.length === top.length) where += ` AND ${q(key.column)} BETWEEN ${Math.min(...vs)} AND ${Math.max(...vs)}`;
    }
    const rows = await this.store.query(`SELECT * FROM ${c.from} WHERE ${where}`, ids);
    const byId = new Map(rows.map((r) => [String(r[ID_COLUMN]), r]));
    return ids.filter((id) => byId.has(id)).map((id) => this.toDoc(byId.get(id)!));
  }

  /** The first sort key when statistics can bound it: a numeric single-valued column. */
  private boundableSort(sort: SortKey[], columns: Set<string>): { column: string; desc: boolean } | undefined {
    const info = this.info(sort[0].field);
    if (info.list || info.kind === 'ip' || (info.scalar !== 'BIGINT' && info.scalar !== 'DOUBLE') || !columns.has(info.column!)) return undefined;
    return { column: info.column!, desc: sort[0].order === 'desc' };
  }

  async get(id: string, sq?: SessionQuery): Promise<SessionDoc | undefined> {
    const base: SessionQuery = sq ? { ...sq, start: undefined, stop: undefined } : { expressions: [] };
    const c = await this.compile({ ...base, ids: [id] }, true);
    const rows = await this.store.query(`SELECT * FROM ${c.from} WHERE ${c.where} LIMIT 1`, c.params);
    return rows.length ? this.toDoc(rows[0]) : undefined;
  }

  async histogram(sq: SessionQuery, h: HistogramRequest): Promise<HistogramBucket[]> {
    const c = await this.compile(sq);
    const iv = Math.max(1, Math.round(h.intervalSec)) * 1000;
    const time = h.timeField ?? 'lastPacket';
    if (!c.columns.has(time)) return [];
    const tcol = q(time);
    const sums = h.sums.map((f) => this.sumOf(f, c.columns));
    const rows = await this.store.query(`SELECT (${tcol} // ${iv}) * ${iv} AS k, count(*) AS n${sums.map((s, i) => `, ${s} AS s${i}`).join('')} ` +
      `FROM ${c.from} WHERE (${c.where}) AND ${tcol} IS NOT NULL GROUP BY k ORDER BY k`, c.params);
    return rows.map((r) => ({ key: num(r.k), count: num(r.n), sums: h.sums.map((_, i) => num(r[`s${i}`])) }));
  }

  /** sum() of a field's column, or 0 when no segment holds it. */
  private sumOf(field: string, columns: Set<string>): string {
    const col = this.info(field).column!;
    return columns.has(col) ? `sum(${q(col)})` : '0';
  }

  async terms(sq: SessionQuery, field: string, size: number): Promise<TermsResult> {
    return this.termsQuery.termsOn(await this.compile(sq), field, size);
  }

  /** The SPI view (see TermsQuery.termsMany: exact up to a bound, then sampled). */
  async termsMany(sq: SessionQuery, fields: { field: string; size: number }[], o: { exact?: boolean } = {}): Promise<TermsMany> {
    return this.termsQuery.termsMany(await this.compile(sq), await this.count(sq), fields, o);
  }

  private pairSide(field: string): string {
    if (field === 'destination.ip:port' || field === 'ip.dst:port') {
      return `CASE WHEN contains("destination.ip", ':') THEN "destination.ip" || '.' || CAST("destination.port" AS VARCHAR) ` +
        `ELSE "destination.ip" || ':' || CAST("destination.port" AS VARCHAR) END`;
    }
    const info = this.info(field);
    const col = q(info.column!);
    return info.list ? `unnest(${col})` : `CAST(${col} AS VARCHAR)`;
  }

  async pairs(sq: SessionQuery, p: PairRequest): Promise<PairBucket[]> {
    const c = await this.compile(sq);
    const sums = p.sums.map((f) => this.info(f).column!).map((col) => (c.columns.has(col) ? q(col) : 'NULL::BIGINT'));
    const need = [p.src, p.dst].flatMap((f) => (f === 'destination.ip:port' || f === 'ip.dst:port' ? ['destination.ip', 'destination.port'] : [this.info(f).column!]));
    if (!need.every((col) => c.columns.has(col))) return [];
    if (p.sample) return this.samplePairs(c, p, sums);
    const node = c.columns.has('node') ? '"node"' : 'NULL::VARCHAR';
    // min/max of node per pair instead of list(DISTINCT node): a pair seen by one node (nearly
    // all) needs nothing more; the few others get their node list in a second small query.
    const inner = `SELECT ${this.pairSide(p.src)} AS s, ${this.pairSide(p.dst)} AS d, ${node} AS node${sums.map((x, i) => `, ${x} AS v${i}`).join('')} ` +
      `FROM ${c.from} WHERE ${c.where}`;
    const rows = await this.store.query(`SELECT s, d, count(*) AS n, min(node) AS lo, max(node) AS hi${sums.map((_, i) => `, sum(v${i}) AS s${i}`).join('')} ` +
      `FROM (${inner}) WHERE s IS NOT NULL AND d IS NOT NULL GROUP BY s, d HAVING count(*) >= ${Math.max(1, Math.floor(p.minConn ?? 1))} ` +
      `ORDER BY n DESC, s, d LIMIT ${Math.max(0, Math.floor(p.limit))}`, c.params);
    const nodes = new Map<string, string[]>();
    const mixed = rows.filter((r) => r.lo !== r.hi);
    if (mixed.length) {
      const keys = mixed.map(() => '(s = ? AND d = ?)').join(' OR ');
      const more = await this.store.query(`SELECT s, d, list(DISTINCT node ORDER BY node) AS nodes FROM (${inner}) WHERE ${keys} GROUP BY s, d`,
        [...c.params, ...mixed.flatMap((r) => [String(r.s), String(r.d)])]);
      for (const r of more) nodes.set(`${String(r.s)}\0${String(r.d)}`, ((r.nodes as unknown[]) ?? []).filter((x) => x !== null).map(String));
    }
    return rows.map((r) => ({ src: String(r.s), dst: String(r.d), count: num(r.n),
      nodes: nodes.get(`${String(r.s)}\0${String(r.d)}`) ?? (r.lo === null ? [] : [String(r.lo)]),
      sums: p.sums.map((_, i) => num(r[`s${i}`])) }));
  }

  /** One side of a pair before unnesting: a list column stays a list (unnested after the LIMIT). */
  private rawSide(field: string): { expr: string; list: boolean; present: string } {
    if (field === 'destination.ip:port' || field === 'ip.dst:port') {
      return { expr: this.pairSide(field), list: false, present: '"destination.ip" IS NOT NULL AND "destination.port" IS NOT NULL' };
    }
    const info = this.info(field);
    const col = q(info.column!);
    return { expr: col, list: !!info.list, present: info.list ? `len(${col}) > 0` : `${col} IS NOT NULL` };
  }

  /**
   * Arkime's connections: the first `size` matches in sort order that have both fields, then
   * every (src, dst) value pair of those sessions (lists crossed, as Arkime's loops do). The
   * sort column's row-group statistics bound the scan as for the first page of sessions.
   */
  private async samplePairs(c: Compiled, p: PairRequest, sums: string[]): Promise<PairBucket[]> {
    const size = Math.max(1, Math.floor(p.sample!.size));
    const sort = p.sample!.sort.length ? p.sample!.sort : [{ field: 'firstPacket', order: 'asc' as const }];
    const order = this.orderBy(sort, c.columns);
    const src = this.rawSide(p.src), dst = this.rawSide(p.dst);
    const node = c.columns.has('node') ? '"node"' : 'NULL::VARCHAR';
    const pick = `SELECT ${src.expr} AS s, ${dst.expr} AS d, ${node} AS node${sums.map((x, i) => `, ${x} AS v${i}`).join('')} FROM ${c.from} ` +
      `WHERE (${c.where}) AND ${src.present} AND ${dst.present}`;
    const tail = ` ORDER BY ${order}${order ? ', ' : ''}${ID} LIMIT ${size}`;
    const vs = sums.map((_, i) => `, v${i}`).join('');
    const agg = (sample: string) => `WITH samp AS MATERIALIZED (${sample}), ` +
      `a AS (SELECT ${src.list ? 'unnest(s)' : 's'} AS s, d, node${vs} FROM samp), ` +
      `b AS (SELECT CAST(s AS VARCHAR) AS s, CAST(${dst.list ? 'unnest(d)' : 'd'} AS VARCHAR) AS d, node${vs} FROM a) ` +
      `SELECT s, d, count(*) AS n, list(DISTINCT node ORDER BY node) AS nodes${sums.map((_, i) => `, sum(v${i}) AS s${i}`).join('')}, ` +
      `(SELECT count(*) FROM samp) AS sampled FROM b WHERE s IS NOT NULL AND d IS NOT NULL GROUP BY s, d ORDER BY n DESC, s, d`;
    let rows: Record<string, unknown>[] | undefined;
    const key = this.boundableSort(sort, c.columns);
    if (key) {
      const bound = await this.sortBound(c.segments, key.column, key.desc, size);
      if (bound !== undefined) {
        rows = await this.store.query(agg(`${pick} AND ${q(key.column)} ${key.desc ? '>=' : '<='} ${bound}${tail}`), c.params);
        // fewer sessions than asked for inside the bound: the bound may have cut some, read all
        if (rows.length === 0 || num(rows[0].sampled) < size) rows = undefined;
      }
    }
    rows ??= await this.store.query(agg(`${pick}${tail}`), c.params);
    return rows.slice(0, Math.max(0, Math.floor(p.limit))).map((r) => ({ src: String(r.s), dst: String(r.d), count: num(r.n),
      nodes: ((r.nodes as unknown[]) ?? []).filter((x) => x !== null).map(String), sums: p.sums.map((_, i) => num(r[`s${i}`])) }));
  }

  async fileGroups(sq: SessionQuery): Promise<FileGroup[]> {
    const c = await this.compile(sq);
    if (!c.columns.has('fileId')) return [];
    const node = c.columns.has('node') ? '"node"' : 'NULL::VARCHAR';
    const rows = await this.store.query(`SELECT ${node} AS node, "fileId" AS f, count(*) AS n FROM ${c.from} WHERE ${c.where} GROUP BY ALL`, c.params);
    return rows.map((r) => ({ node: String(r.node ?? ''), fileIds: ((r.f as unknown[]) ?? []).map(Number), count: num(r.n) }));
  }

  async sums(sq: SessionQuery, fields: string[]): Promise<number[]> {
    const c = await this.compile(sq);
    if (fields.length === 0) return [];
    const rows = await this.store.query(`SELECT ${fields.map((f, i) => `${this.sumOf(f, c.columns)} AS s${i}`).join(', ')} FROM ${c.from} WHERE ${c.where}`, c.params);
    return fields.map((_, i) => num(rows[0][`s${i}`]));
  }

  /** The statement of an export: every match in (lastPacket, id) order, after a keyset position. */
  private async exportSql(sq: SessionQuery, select: (columns: Set<string>) => string, limit: number, after: unknown, filename = false):
    Promise<{ sql: string; params: DuckDBValue[] }> {
    const c = await this.compile(sq, filename);
    let where = `(${c.where})`;
    const params = [...c.params];
    const last = c.columns.has('lastPacket') ? 'COALESCE("lastPacket", 0)' : '0';
    if (Array.isArray(after)) {
      where += ` AND (${last} > ? OR (${last} = ? AND ${ID} > ?))`;
      params.push(Number(after[0]), Number(after[0]), String(after[1]));
    }
    return { sql: `SELECT ${select(c.columns)} FROM ${c.from} WHERE ${where} ORDER BY ${last}, ${ID} LIMIT ${Math.max(1, Math.floor(limit))}`, params };
  }

  private static refColumns(columns: Set<string>, ids = true): string {
    // positions as DOUBLE[]: exact below 2^53, and far cheaper to turn into JS numbers than BIGINTs;
    // never NULL, so a chunk's list entries can be read without asking validity row by row
    const typed: Record<string, [string, string]> = { lastPacket: ['DOUBLE', '0'], packetPos: ['DOUBLE[]', '[]'], fileId: ['DOUBLE[]', '[]'] };
    return [ids ? ID : `'' AS ${ID}`, ...['node', 'lastPacket', 'packetPos', 'fileId'].map((c) => {
      const t = typed[c];
      if (!t) return columns.has(c) ? q(c) : `NULL AS ${q(c)}`;
      return `COALESCE(${columns.has(c) ? `CAST(${q(c)} AS ${t[0]})` : 'NULL'}, ${t[1]}::${t[0]}) AS ${q(c)}`;
    })].join(', ');
  }

  private static toRef(r: Record<string, unknown>): PacketRef {
    return {
      id: String(r[ID_COLUMN]), node: String(r.node ?? ''), lastPacket: num(r.lastPacket),
      packetPos: ((r.packetPos as unknown[]) ?? []).map(Number), fileId: ((r.fileId as unknown[]) ?? []).map(Number),
    };
  }

  private static nextAfter(rows: Record<string, unknown>[], limit: number): unknown {
    if (rows.length < limit) return undefined;
    const last = rows[rows.length - 1];
    return [num(last.lastPacket), String(last[ID_COLUMN])];
  }

  async packetRefs(sq: SessionQuery, limit: number, after?: unknown): Promise<ExportPage<PacketRef>> {
    const { sql, params } = await this.exportSql(sq, EmbeddedSearchBackend.refColumns, limit, after);
    const rows = await this.store.query(sql, params);
    return { rows: rows.map(EmbeddedSearchBackend.toRef), after: EmbeddedSearchBackend.nextAfter(rows, limit) };
  }

  async docs(sq: SessionQuery, limit: number, after?: unknown): Promise<ExportPage<SessionDoc>> {
    const { sql, params } = await this.exportSql(sq, () => '*', limit, after, true);
    const rows = await this.store.query(sql, params);
    return { rows: rows.map((r) => this.toDoc(r)), after: EmbeddedSearchBackend.nextAfter(rows, limit) };
  }

  async *streamPacketRefs(sq: SessionQuery, limit: number, o: { ids?: boolean } = {}): AsyncGenerator<PacketRef[]> {
    const { sql, params } = await this.exportSql(sq, (cols) => EmbeddedSearchBackend.refColumns(cols, o.ids ?? true), limit, undefined);
    // read the chunks column by column: DuckDB's row objects cost more than the export's reads
    for await (const chunk of this.store.queryDataChunks(sql, params)) yield EmbeddedSearchBackend.refsOfChunk(chunk);
  }

  /**
   * PacketRefs of one chunk of `refColumns` (id, node, lastPacket, packetPos, fileId) without row
   * objects. With `nodeNames` the node column holds 1-based positions in it, and without `ids` the
   * id column is not read: decoding strings row by row costs more than the rest.
   */
  private static refsOfChunk(chunk: DuckDBDataChunk, ids = true, nodeNames?: string[]): PacketRef[] {
    const n = chunk.rowCount;
    const idV = chunk.getColumnVector(0), nodes = chunk.getColumnVector(1), last = chunk.getColumnVector(2);
    const pos = chunk.getColumnVector(3), fid = chunk.getColumnVector(4);
    const out = new Array<PacketRef>(n);
    let prevNode = '';
    for (let i = 0; i < n; i++) {
      const nodeV = nodes.getItem(i);
      // consecutive sessions mostly share a node: keep one string
      const node = nodeV === null ? '' : nodeNames ? nodeNames[Number(nodeV) - 1] ?? '' : nodeV === prevNode ? prevNode : (prevNode = String(nodeV));
      const lp = last.getItem(i);
      out[i] = { id: ids ? String(idV.getItem(i) ?? '') : '', node, lastPacket: lp === null ? 0 : Number(lp), packetPos: numbersOfList(pos, i),
        fileId: numbersOfList(fid, i) };
    }
    return out;
  }

  /**
   * An export's matches kept in a table of the in-memory database (visible to the stream's own
   * connection): one filtered scan serves the survey, the size check and the packet references,
   * which would otherwise each search the segments again.
   */
  async exportSnapshot(sq: SessionQuery, limit: number, o: { ids?: boolean; sums: string[] }): Promise<ExportSnapshot> {
    const table = `packrat_export_${process.pid}_${++this.snapshots}`;
    const sums = (cols: Set<string>) => o.sums.map((f, i) => {
      const col = this.info(f).column!;
      return `${cols.has(col) ? `CAST(${q(col)} AS DOUBLE)` : '0::DOUBLE'} AS s${i}`;
    });
    const { sql, params } = await this.exportSql(sq, (cols) => [EmbeddedSearchBackend.refColumns(cols, o.ids ?? true), ...sums(cols)].join(', '), limit, undefined);
    await this.store.query(`CREATE TABLE ${table} AS ${sql}`, params);
    let closed = false;
    const close = async () => { if (!closed) { closed = true; await this.store.query(`DROP TABLE IF EXISTS ${table}`); } };
    try {
      const rows = await this.store.query(`SELECT "node" AS node, "fileId" AS f, count(*) AS n${o.sums.map((_, i) => `, sum(s${i}) AS s${i}`).join('')} ` +
        `FROM ${table} GROUP BY ALL`);
      const groups = rows.map((r) => ({ node: String(r.node ?? ''), fileIds: ((r.f as unknown[]) ?? []).map(Number), count: num(r.n),
        sums: o.sums.map((_, i) => num(r[`s${i}`])) }));
      const store = this.store;
      const ids = o.ids ?? true;
      // the few node names once; each row carries its position among them
      const nodeNames = [...new Set(groups.map((g) => g.node))];
      const node = `list_position([${nodeNames.map(sqlString).join(', ')}]::VARCHAR[], COALESCE("node", ''))`;
      // rows were inserted in export order; rowid keeps it
      const refs = async function* (): AsyncGenerator<PacketRef[]> {
        for await (const chunk of store.queryDataChunks(`SELECT ${ids ? ID : 'NULL'}, ${node}, "lastPacket", "packetPos", "fileId" FROM ${table} ORDER BY rowid`)) {
          yield EmbeddedSearchBackend.refsOfChunk(chunk, ids, nodeNames);
        }
      };
      return { groups, refs, close };
    } catch (e) { await close(); throw e; }
  }

  async *streamDocs(sq: SessionQuery, limit: number): AsyncGenerator<SessionDoc[]> {
    const { sql, params } = await this.exportSql(sq, () => '*', limit, undefined, true);
    for await (const rows of this.store.queryChunks(sql, params)) yield rows.map((r) => this.toDoc(r));
  }

  async updateTags(sq: SessionQuery, add: string[], remove: string[], limit: number): Promise<number> {
    const c = await this.compile(sq);
    const tags = c.columns.has('tags') || this.overlayRows > 0 ? '"tags"' : 'NULL::VARCHAR[]';
    const rows = await this.store.query(`SELECT ${ID} AS id, ${tags} AS tags FROM ${c.from} WHERE ${c.where} LIMIT ${Math.max(0, Math.floor(limit))}`, c.params);
    const edits = new Map<string, string[]>();
    const gone = new Set(remove);
    for (const r of rows) {
      const cur = ((r.tags as unknown[] | null) ?? []).map(String);
      const next = cur.filter((t) => !gone.has(t));
      for (const t of add) if (!next.includes(t)) next.push(t);
      if (next.length !== cur.length || next.some((t, i) => t !== cur[i])) edits.set(String(r.id), next);
    }
    if (edits.size > 0) this.control.putTagEdits(edits);
    await this.refreshOverlay();
    return edits.size;
  }

  async close(): Promise<void> {
    await this.overlayLoad.catch(() => undefined);
  }
}
