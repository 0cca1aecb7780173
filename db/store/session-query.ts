// The embedded store's side of SessionSearchBackend: a SessionQuery becomes one DuckDB WHERE
// clause over the live Parquet segments (expressions through compileToSql, the time range, ids,
// exact terms), and each viewer request is one SQL statement: a page, a count, a histogram, a
// terms aggregation, host pairs, export pages in lastPacket order.
//
// Tags: segments are never modified, so viewer tag edits are kept in the control store (full tag
// list per session) and overlaid on the `tags`/`tagsCnt` columns at query time. The overlay is
// a small in-memory DuckDB table reloaded whenever the control store's edit version moves, so an
// edit is searchable by the next request of any viewer process.
import path from 'node:path';
import type { DuckDBValue } from '@duckdb/node-api';
import type { FieldRegistry } from '../fields/registry.js';
import { ipSortKey, q } from '../fields/columns.js';
import { compileToSql } from '../expr/compile-sql.js';
import { fileNameMatcher, type PcapFileRef } from '../expr/compile-es.js';
import { ExpressionError } from '../expr/errors.js';
import { fieldView, type FieldInfo } from '../expr/field-view.js';
import type { ControlStore } from './control-store.js';
import { ID_COLUMN } from './doc-columns.js';
import { EmbeddedSessionStore } from './session-store.js';
import {
  QueryError, type ExportPage, type HistogramBucket, type HistogramRequest, type PacketRef, type PairBucket, type PairRequest,
  type SessionDoc, type SessionQuery, type SessionSearchBackend, type SortKey, type TermsResult,
} from './search-backend.js';

const OVERLAY = 'packrat_tag_overlay';
const ID = q(ID_COLUMN);
const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;
const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));

interface Compiled { where: string; params: DuckDBValue[]; from: string; partitions: string[] }

export class EmbeddedSearchBackend implements SessionSearchBackend {
  private overlayVersion = -1;
  private overlayRows = 0;
  private overlayLoad: Promise<void> = Promise.resolve();

  constructor(readonly store: EmbeddedSessionStore, private readonly control: ControlStore, private readonly registry: FieldRegistry) {}

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
      this.overlayVersion = v;
    });
    return this.overlayLoad;
  }

  private fromFor(partitions: string[], filename = false): string {
    const base = this.store.fromClause(partitions, { filename });
    if (this.overlayRows === 0) return base;
    return `(SELECT b.* REPLACE (CASE WHEN o.id IS NULL THEN b."tags" WHEN len(o.tags) = 0 THEN NULL ELSE o.tags END AS "tags", ` +
      `CASE WHEN o.id IS NULL THEN b."tagsCnt" WHEN len(o.tags) = 0 THEN NULL ELSE len(o.tags) END AS "tagsCnt") ` +
      `FROM ${base} AS b LEFT JOIN ${OVERLAY} AS o ON b.${ID} = o.id)`;
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
    const m = fileNameMatcher(name);
    return this.control.listFiles().filter((f) => m(f.name)).map((f) => ({ node: f.node, num: f.num }));
  };

  private async compile(sq: SessionQuery, filename = false): Promise<Compiled> {
    await this.refreshOverlay();
    const range = { start: sq.start, stop: sq.stop, bounding: sq.bounding };
    let partitions = sq.segmentsAll ? this.store.partitionNames() : this.store.partitionsFor(range);
    if (sq.ids && !sq.segmentsAll) {
      const own = this.partitionsOfIds(sq.ids);
      if (own) partitions = partitions.filter((p) => own.includes(p));
    }
    const cols = this.store.columns(partitions);
    const overlay = this.overlayRows > 0;
    const hasColumn = (c: string) => cols.has(c) || (overlay && (c === 'tags' || c === 'tagsCnt'));
    const parts: string[] = [];
    const params: DuckDBValue[] = [];
    for (const e of sq.expressions) {
      if (e.trim() === '') continue;
      try {
        const c = compileToSql(e, { registry: this.registry, hasColumn, resolveFile: this.resolveFile });
        parts.push(`(${c.sql})`);
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
    let where = parts.length ? parts.join(' AND ') : 'TRUE';
    const from = this.fromFor(partitions, filename);
    if (sq.segmentsAll) {
      // every segment sharing a rootId with a match (Arkime segments=all); no time limit outside
      const roots = `SELECT "rootId" FROM ${this.fromFor(partitions)} WHERE ${where} AND "rootId" IS NOT NULL`;
      where = `(${where}) OR "rootId" IN (${roots}) OR ${ID} IN (${roots})`;
      params.push(...params.slice(), ...params.slice());
    }
    return { where, params, from, partitions };
  }

  private orderBy(sort: SortKey[] | undefined): string {
    const keys = (sort && sort.length ? sort : [{ field: 'firstPacket', order: 'asc' as const }]).map((s) => {
      if (s.order !== 'asc' && s.order !== 'desc') throw new QueryError(`sort order must be asc or desc, not '${String(s.order)}'`);
      const info = this.info(s.field);
      const col = info.kind === 'ip' ? q(`${info.column}#n`) : q(info.column!);
      const expr = info.list ? `${col}[1]` : col;
      return `${expr} ${s.order.toUpperCase()} NULLS ${s.order === 'asc' ? 'LAST' : 'FIRST'}`;
    });
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
    const rows = await this.store.query(`SELECT count(*) AS n FROM ${c.from} WHERE ${c.where}`, c.params);
    return num(rows[0].n);
  }

  async search(sq: SessionQuery, o: { sort?: SortKey[]; start?: number; length: number }): Promise<SessionDoc[]> {
    const c = await this.compile(sq);
    const order = this.orderBy(o.sort);
    const limit = Math.max(0, Math.floor(o.length));
    const offset = Math.max(0, Math.floor(o.start ?? 0));
    if (limit === 0) return [];
    // Two steps: the top-N over the id and sort columns only, then whole rows of just those ids
    // (a top-N over every column reads them all).
    const ids = (await this.store.query(`SELECT ${ID} AS id FROM ${c.from} WHERE ${c.where} ORDER BY ${order}, ${ID} LIMIT ${limit}` +
      (offset ? ` OFFSET ${offset}` : ''), c.params)).map((r) => String(r.id));
    if (ids.length === 0) return [];
    const parts = this.partitionsOfIds(ids) ?? c.partitions;
    const rows = await this.store.query(`SELECT * FROM ${this.fromFor(parts, true)} WHERE ${ID} IN (${ids.map(() => '?').join(', ')})`, ids);
    const byId = new Map(rows.map((r) => [String(r[ID_COLUMN]), r]));
    return ids.filter((id) => byId.has(id)).map((id) => this.toDoc(byId.get(id)!));
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
    const tcol = q(h.timeField ?? 'lastPacket');
    const sums = h.sums.map((f) => `sum(${q(this.info(f).column!)})`);
    const rows = await this.store.query(`SELECT (${tcol} // ${iv}) * ${iv} AS k, count(*) AS n${sums.map((s, i) => `, ${s} AS s${i}`).join('')} ` +
      `FROM ${c.from} WHERE (${c.where}) AND ${tcol} IS NOT NULL GROUP BY k ORDER BY k`, c.params);
    return rows.map((r) => ({ key: num(r.k), count: num(r.n), sums: h.sums.map((_, i) => num(r[`s${i}`])) }));
  }

  async terms(sq: SessionQuery, field: string, size: number): Promise<TermsResult> {
    const info = this.info(field);
    const c = await this.compile(sq);
    if (!this.store.columns(c.partitions).has(info.column!) && !(field === 'tags' && this.overlayRows > 0)) return { buckets: [], sum_other_doc_count: 0 };
    const col = q(info.column!);
    const values = info.list ? `SELECT unnest(list_distinct(${col})) AS v FROM ${c.from} WHERE ${c.where}`
      : `SELECT ${col} AS v FROM ${c.from} WHERE (${c.where}) AND ${col} IS NOT NULL`;
    const rows = await this.store.query(`SELECT v, n, total FROM (SELECT v, count(*) AS n, sum(count(*)) OVER () AS total FROM (${values}) ` +
      `GROUP BY v) ORDER BY n DESC, v LIMIT ${Math.max(0, Math.floor(size))}`, c.params);
    let top = 0;
    const buckets = rows.map((r) => {
      top += num(r.n);
      return { key: typeof r.v === 'bigint' ? Number(r.v) : r.v as string | number, doc_count: num(r.n) };
    });
    return { buckets, sum_other_doc_count: rows.length ? num(rows[0].total) - top : 0 };
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
    const sums = p.sums.map((f) => q(this.info(f).column!));
    const inner = `SELECT ${this.pairSide(p.src)} AS s, ${this.pairSide(p.dst)} AS d, "node"${sums.map((s, i) => `, ${s} AS v${i}`).join('')} ` +
      `FROM ${c.from} WHERE ${c.where}`;
    const rows = await this.store.query(`SELECT s, d, count(*) AS n, list(DISTINCT node) AS nodes${sums.map((_, i) => `, sum(v${i}) AS s${i}`).join('')} ` +
      `FROM (${inner}) WHERE s IS NOT NULL AND d IS NOT NULL GROUP BY s, d HAVING count(*) >= ${Math.max(1, Math.floor(p.minConn ?? 1))} ` +
      `ORDER BY n DESC, s, d LIMIT ${Math.max(0, Math.floor(p.limit))}`, c.params);
    return rows.map((r) => ({ src: String(r.s), dst: String(r.d), count: num(r.n), nodes: ((r.nodes as unknown[]) ?? []).filter((x) => x !== null).map(String),
      sums: p.sums.map((_, i) => num(r[`s${i}`])) }));
  }

  async sums(sq: SessionQuery, fields: string[]): Promise<number[]> {
    const c = await this.compile(sq);
    if (fields.length === 0) return [];
    const rows = await this.store.query(`SELECT ${fields.map((f, i) => `sum(${q(this.info(f).column!)}) AS s${i}`).join(', ')} FROM ${c.from} WHERE ${c.where}`, c.params);
    return fields.map((_, i) => num(rows[0][`s${i}`]));
  }

  /** Keyset page in (lastPacket, id) order: `after` is the last row's [lastPacket, id]. */
  private async page(sq: SessionQuery, select: string, limit: number, after: unknown): Promise<Record<string, unknown>[]> {
    const c = await this.compile(sq, select === '*');
    let where = `(${c.where})`;
    const params = [...c.params];
    if (Array.isArray(after)) {
      where += ` AND (COALESCE("lastPacket", 0) > ? OR (COALESCE("lastPacket", 0) = ? AND ${ID} > ?))`;
      params.push(Number(after[0]), Number(after[0]), String(after[1]));
    }
    return this.store.query(`SELECT ${select} FROM ${c.from} WHERE ${where} ORDER BY COALESCE("lastPacket", 0), ${ID} ` +
      `LIMIT ${Math.max(1, Math.floor(limit))}`, params);
  }

  private static nextAfter(rows: Record<string, unknown>[], limit: number): unknown {
    if (rows.length < limit) return undefined;
    const last = rows[rows.length - 1];
    return [num(last.lastPacket), String(last[ID_COLUMN])];
  }

  async packetRefs(sq: SessionQuery, limit: number, after?: unknown): Promise<ExportPage<PacketRef>> {
    const rows = await this.page(sq, `${ID}, "node", "lastPacket", "packetPos", "fileId"`, limit, after);
    return {
      rows: rows.map((r) => ({
        id: String(r[ID_COLUMN]), node: String(r.node ?? ''), lastPacket: num(r.lastPacket),
        packetPos: ((r.packetPos as unknown[]) ?? []).map(Number), fileId: ((r.fileId as unknown[]) ?? []).map(Number),
      })),
      after: EmbeddedSearchBackend.nextAfter(rows, limit),
    };
  }

  async docs(sq: SessionQuery, limit: number, after?: unknown): Promise<ExportPage<SessionDoc>> {
    const rows = await this.page(sq, '*', limit, after);
    return { rows: rows.map((r) => this.toDoc(r)), after: EmbeddedSearchBackend.nextAfter(rows, limit) };
  }

  async updateTags(sq: SessionQuery, add: string[], remove: string[], limit: number): Promise<number> {
    const c = await this.compile(sq);
    const rows = await this.store.query(`SELECT ${ID} AS id, "tags" AS tags FROM ${c.from} WHERE ${c.where} LIMIT ${Math.max(0, Math.floor(limit))}`, c.params);
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
