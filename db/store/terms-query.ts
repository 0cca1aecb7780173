// Top-values aggregations of the embedded store: one field's terms, and the SPI view of many
// fields in one statement. The SPI view counts a match of up to SPI_EXACT_ROWS sessions exactly;
// a larger one is estimated from a weighted sample that spans every segment, and any top value
// the sample saw too rarely for a tight estimate is recounted exactly.
import type { DuckDBValue } from '@duckdb/node-api';
import { ipSortKey, ipSortKeySql, q, sqlString } from '../fields/columns.js';
import type { FieldInfo } from '../expr/field-view.js';
import { numberOf as num, type TermBucket, type TermsMany, type TermsResult } from '../backend/search-backend.js';
import type { Compiled, Segment } from './session-query.js';

/** What the aggregations need from the search backend. */
export interface TermsContext {
  query(sql: string, params?: DuckDBValue[]): Promise<Record<string, unknown>[]>;
  info(field: string): FieldInfo;
  /** Sessions with viewer tag edits: `tags` may be set where no segment has the column. */
  overlayRows(): number;
  /** The FROM relation over some segments (with the tag overlay), optionally with row numbers. */
  source(segments: Segment[], partitions: string[], filename: boolean, rowNumber: boolean): string;
}

/** A value as a bucket key, from its text in a result row: a string, a number or a boolean. */
function bucketKey(scalar: FieldInfo['scalar'], v: unknown): string | number | boolean {
  const text = String(v);
  return scalar === 'VARCHAR' ? text : scalar === 'BOOLEAN' ? text === 'true' : Number(text);
}

/**
 * Values ascending as an Elasticsearch terms aggregation orders equal counts (`_key` asc): an IP
 * by its address (IPv4 as ::ffff:a.b.c.d, so before most IPv6), a number numerically, text by
 * its bytes.
 */
function keyOrder(info: FieldInfo): (a: unknown, b: unknown) => number {
  const cmp = (a: unknown, b: unknown) => ((a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0);
  if (info.kind !== 'ip') return cmp;
  return (a, b) => cmp(ipSortKey(String(a)) ?? String(a), ipSortKey(String(b)) ?? String(b));
}

/** SPI buckets' order: count descending, then the value ascending (keyOrder). */
const byCountThenKey = (info: FieldInfo) => {
  const k = keyOrder(info);
  return (a: TermBucket, b: TermBucket) => b.doc_count - a.doc_count || k(a.key, b.key);
};

/**
 * The SQL of a grouped value `v` ordered as keyOrder says; `k` when the grouping carries the
 * IP shadow column's sortable form (ipShadow).
 */
function keySql(info: FieldInfo, shadow: string | undefined): string {
  if (info.kind !== 'ip') return 'v';
  return shadow ? 'k' : ipSortKeySql('CAST(v AS VARCHAR)');
}

/** The shadow column of a single-valued IP field (its sortable form, see ipSortKey), when the match has it. */
function ipShadow(info: FieldInfo, columns: Set<string>): string | undefined {
  return info.kind === 'ip' && !info.list && columns.has(`${info.column}#n`) ? `${info.column}#n` : undefined;
}

/** SPI view: a match of more sessions than this is estimated from a sample (see termsMany). */
const SPI_EXACT_ROWS = 1_000_000;
/** Rows the SPI view sample aims at, read as runs of SPI_RUN consecutive rows (whole row groups skipped). */
const SPI_SAMPLE_ROWS = 500_000;
const SPI_RUN = 16384;
/**
 * A sampled SPI value seen in fewer sampled sessions than this (relative error over 5%) is
 * recounted exactly: a rare value's count is never shown as an extrapolation of one sighting.
 */
const SPI_MIN_HITS = 400;
/** The column of a sampled row's weight: how many rows of its segment it stands for. */
const SAMPLE_WEIGHT = 'packrat_sample_weight';

export class TermsQuery {
  private readonly spiExactRows: number;
  private readonly spiSampleRows: number;

  constructor(private readonly ctx: TermsContext, o: { spiExactRows?: number; spiSampleRows?: number } = {}) {
    this.spiExactRows = o.spiExactRows ?? SPI_EXACT_ROWS;
    this.spiSampleRows = o.spiSampleRows ?? SPI_SAMPLE_ROWS;
  }

  /** Top values of one field over a compiled match, with the count of the rest. */
  async termsOn(c: Pick<Compiled, 'from' | 'where' | 'params' | 'columns'>, field: string, size: number): Promise<TermsResult> {
    const info = this.ctx.info(field);
    if (!c.columns.has(info.column!) && !(field === 'tags' && this.ctx.overlayRows() > 0)) return { buckets: [], sum_other_doc_count: 0 };
    const col = q(info.column!);
    const shadow = ipShadow(info, c.columns);
    const order = keySql(info, shadow);
    // A list column is grouped by the whole list first (few distinct lists, cheap to hash), and
    // only those groups are unnested: far less work than unnesting every row.
    const grouped = info.list
      ? `SELECT v, sum(n) AS n FROM (SELECT unnest(list_distinct(v)) AS v, n FROM (SELECT ${col} AS v, count(*) AS n FROM ${c.from} ` +
        `WHERE (${c.where}) AND ${col} IS NOT NULL GROUP BY ${col})) GROUP BY v`
      : `SELECT ${col} AS v${shadow ? `, min(${q(shadow)}) AS k` : ''}, count(*) AS n FROM ${c.from} WHERE (${c.where}) AND ${col} IS NOT NULL GROUP BY ${col}`;
    const limit = Math.max(0, Math.floor(size));
    const keyOf = (v: unknown) => (typeof v === 'bigint' ? Number(v) : v as string | number);
    if (!info.list) {
      // a scalar's total is a plain count: a window over the groups (millions for an IP) would
      // defeat the top-N sort
      const rows = await this.ctx.query(`${grouped} ORDER BY n DESC, ${order} LIMIT ${limit}`, c.params);
      const total = num((await this.ctx.query(`SELECT count(${col}) AS total FROM ${c.from} WHERE ${c.where}`, c.params))[0].total);
      const buckets = rows.map((r) => ({ key: keyOf(r.v), doc_count: num(r.n) }));
      return { buckets, sum_other_doc_count: total - buckets.reduce((n, b) => n + b.doc_count, 0) };
    }
    const rows = await this.ctx.query(`SELECT v, n, total FROM (SELECT v, n, sum(n) OVER () AS total FROM (${grouped})) ` +
      `ORDER BY n DESC, ${order} LIMIT ${limit}`, c.params);
    const buckets = rows.map((r) => ({ key: keyOf(r.v), doc_count: num(r.n) }));
    return { buckets, sum_other_doc_count: rows.length ? num(rows[0].total) - buckets.reduce((n, b) => n + b.doc_count, 0) : 0 };
  }

  /**
   * The SPI view: every field's top values over one query, in one statement that reads the match
   * once (only the columns the fields name) and aggregates every field from that. A match of up
   * to SPI_EXACT_ROWS sessions is counted exactly. A larger one is estimated, as Arkime's bounded
   * views are, from a sample: runs of SPI_RUN consecutive rows at an even stride through every
   * segment (so the scan skips most row groups and the sample spans the whole time range), each
   * sampled row counted for the rows it stands for. The result says so (`sample`); `exact`
   * forces the full count.
   */
  async termsMany(c: Compiled, count: number, fields: { field: string; size: number }[], o: { exact?: boolean } = {}): Promise<TermsMany> {
    const rows = c.segments.reduce((n, g) => n + g.rows, 0);
    if (o.exact || count <= this.spiExactRows || rows <= this.spiSampleRows * 2) return { fields: (await this.termsOneScan(c, fields)).results, count };
    // Segments smaller than two strides are read whole (weight 1); a larger one's sampled rows
    // each stand for rows / sampled rows of it, so a small segment is not over-counted.
    const run = Math.min(SPI_RUN, Math.max(1, Math.floor(this.spiSampleRows / 16)));
    const stride = Math.floor((rows / this.spiSampleRows) * run);
    const small = c.segments.filter((g) => g.rows < 2 * stride), big = c.segments.filter((g) => g.rows >= 2 * stride);
    if (big.length === 0) return { fields: (await this.termsOneScan(c, fields)).results, count }; // not merged yet: nothing to skip
    let bigRows = 0, bigSampled = 0;
    for (const g of big) {
      bigRows += g.rows;
      bigSampled += Math.floor(g.rows / stride) * run + Math.min(run, g.rows % stride);
    }
    // two sources, not one with an OR: the row-number condition alone lets the scan skip row groups
    let from = `SELECT * EXCLUDE (file_row_number), ${bigRows / Math.max(1, bigSampled)}::DOUBLE AS ${SAMPLE_WEIGHT} ` +
      `FROM ${this.ctx.source(big, c.partitions, false, true)} WHERE file_row_number % ${stride} < ${run}`;
    if (small.length) from = `SELECT *, 1.0::DOUBLE AS ${SAMPLE_WEIGHT} FROM ${this.ctx.source(small, c.partitions, false, false)} UNION ALL BY NAME ${from}`;
    const sampled = { sessions: 0 };
    const { results, hits } = await this.termsOneScan({ ...c, from: `(${from})` }, fields, SAMPLE_WEIGHT, sampled);
    const thin = results.map((_, i) => i).filter((i) => hits[i].some((h) => h < SPI_MIN_HITS));
    if (thin.length) await this.recountExactly(c, fields, results, thin);
    return { fields: results, count, sample: sampled };
  }

  /**
   * Replaces the sampled counts of fields `thin` with exact counts of the same top values, in one
   * statement of filtered scans over the whole match (an IN filter is cheap next to grouping every
   * distinct value of a high-cardinality field, which is what the exact view spends its time on).
   */
  private async recountExactly(c: Compiled, fields: { field: string }[], results: TermsResult[], thin: number[]): Promise<void> {
    const branches: string[] = [];
    const params: DuckDBValue[] = [];
    for (const i of thin) {
      const info = this.ctx.info(fields[i].field);
      const keys = results[i].buckets.map((b) => b.key);
      if (!keys.length) continue;
      const col = q(info.column!);
      const lits = keys.map((k) => (typeof k === 'string' ? sqlString(k) : String(k))).join(', ');
      branches.push(info.list
        // grouped by whole list before unnesting, as the exact view does: far faster than list_has_any per row
        ? `SELECT ${i} AS f, CAST(v AS VARCHAR) AS v, sum(n) AS n FROM (SELECT unnest(list_distinct(l)) AS v, n FROM ` +
          `(SELECT ${col} AS l, count(*) AS n FROM ${c.from} WHERE (${c.where}) AND ${col} IS NOT NULL GROUP BY l)) WHERE v IN (${lits}) GROUP BY v`
        : `SELECT ${i} AS f, CAST(${col} AS VARCHAR) AS v, count(*) AS n FROM ${c.from} WHERE (${c.where}) AND ${col} IN (${lits}) GROUP BY ${col}`);
      params.push(...c.params);
    }
    if (!branches.length) return;
    // values compared as the buckets hold them (a DOUBLE's text may be "200.0" for key 200)
    const exact = new Map<string, number>();
    for (const r of await this.ctx.query(branches.join(' UNION ALL '), params)) {
      const f = num(r.f);
      exact.set(`${f}\0${bucketKey(this.ctx.info(fields[f].field).scalar, r.v)}`, num(r.n));
    }
    for (const i of thin) {
      const r = results[i];
      const estimated = r.sum_other_doc_count + r.buckets.reduce((n, b) => n + b.doc_count, 0);
      for (const b of r.buckets) b.doc_count = exact.get(`${i}\0${b.key}`) ?? 0;
      r.buckets.sort(byCountThenKey(this.ctx.info(fields[i].field)));
      r.sum_other_doc_count = Math.max(0, estimated - r.buckets.reduce((n, b) => n + b.doc_count, 0));
    }
  }

  /**
   * Top values of several fields over one relation in one statement: the matching rows' needed
   * columns are materialized once, then each field is grouped from them (a list column by whole
   * lists first, unnesting only those groups), and every field's total comes from one more pass.
   * With `weight`, each row counts for its weight; `rows` receives the rows read.
   */
  private async termsOneScan(c: Pick<Compiled, 'from' | 'where' | 'params' | 'columns'>, fields: { field: string; size: number }[],
    weight?: string, rows?: { sessions: number }): Promise<{ results: TermsResult[]; hits: number[][] }> {
    const infos = fields.map(({ field }) => this.ctx.info(field));
    const present = infos.map((info, i) => c.columns.has(info.column!) || (fields[i].field === 'tags' && this.ctx.overlayRows() > 0));
    const shadows = infos.map((info, i) => (present[i] ? ipShadow(info, c.columns) : undefined));
    const cols = [...new Set([...infos.filter((_, i) => present[i]).map((info) => info.column!), ...shadows.filter((x): x is string => !!x)])];
    const w = weight ? q(weight) : '1';
    const cnt = weight ? `sum(${w})` : 'count(*)';
    // A filtered or sampled match is read once into a materialized relation; the whole store is
    // not: each field then scans only its own column (10 fields on 10M sessions: 1.9 s, not 2.9)
    const whole = !weight && c.where === 'TRUE';
    const ctes = [`s AS ${whole ? 'NOT ' : ''}MATERIALIZED (SELECT ${[...cols.map(q), ...(weight ? [q(weight)] : [])].join(', ') || '1 AS one'} FROM ${c.from} WHERE ${c.where})`];
    const branches: string[] = [];
    const totals: string[] = [];
    const totalAt: number[] = [];
    fields.forEach(({ size }, i) => {
      if (!present[i]) return;
      const col = q(infos[i].column!);
      const limit = Math.max(0, Math.floor(size));
      const shadow = shadows[i];
      const top = (grouped: string) => `SELECT ${i} AS f, CAST(v AS VARCHAR) AS v, CAST(n AS DOUBLE) AS n, h FROM ` +
        `(${grouped} ORDER BY n DESC, ${keySql(infos[i], shadow)} LIMIT ${limit})`;
      if (!infos[i].list) {
        branches.push(top(`SELECT ${col} AS v${shadow ? `, min(${q(shadow)}) AS k` : ''}, ${cnt} AS n, count(*) AS h FROM s WHERE ${col} IS NOT NULL GROUP BY ${col}`));
        totals.push(weight ? `sum(CASE WHEN ${col} IS NOT NULL THEN ${w} END)` : `count(${col})`);
        totalAt.push(i);
        return;
      }
      // grouped by whole list first (few distinct lists), and only those groups unnested; the
      // total is the sum of the values' counts, each list counting once per distinct value
      ctes.push(`l${i} AS MATERIALIZED (SELECT ${col} AS v, ${cnt} AS n, count(*) AS h FROM s WHERE ${col} IS NOT NULL GROUP BY ${col})`);
      branches.push(top(`SELECT v, sum(n) AS n, sum(h) AS h FROM (SELECT unnest(list_distinct(v)) AS v, n, h FROM l${i}) GROUP BY v`));
      branches.push(`SELECT ${-1 - i} AS f, NULL::VARCHAR AS v, CAST(sum(len(list_distinct(v)) * n) AS DOUBLE) AS n, NULL AS h FROM l${i}`);
    });
    // scalar totals as rows with f = -1 - field index, and the rows read at -1 - fields.length
    const t = [...totals, 'count(*)'];
    const at = [...totalAt, fields.length].map((i) => -1 - i);
    branches.push(`SELECT unnest([${at.join(', ')}]) AS f, NULL::VARCHAR AS v, unnest([${t.map((x) => `CAST(${x} AS DOUBLE)`).join(', ')}]) AS n, NULL AS h FROM s`);
    const sql = `WITH ${ctes.join(', ')} ${branches.join(' UNION ALL ')}`;
    const result = await this.ctx.query(sql, c.params);
    const tops: { key: string | number | boolean; n: number; h: number }[][] = fields.map(() => []);
    const total = new Array<number>(fields.length + 1).fill(0);
    for (const r of result) {
      const f = num(r.f);
      if (f < 0) { total[-1 - f] = num(r.n); continue; }
      tops[f].push({ key: bucketKey(infos[f].scalar, r.v), n: num(r.n), h: num(r.h) });
    }
    if (rows) rows.sessions = total[fields.length];
    // the union does not keep each branch's order: n descending, then the value ascending
    tops.forEach((top, i) => { const k = keyOrder(infos[i]); top.sort((a, b) => b.n - a.n || k(a.key, b.key)); });
    const results = tops.map((top, i) => {
      const buckets = top.map((x) => ({ key: x.key as string | number, doc_count: Math.round(x.n) }));
      const other = Math.round(total[i]) - buckets.reduce((n, b) => n + b.doc_count, 0);
      return { buckets, sum_other_doc_count: Math.max(0, other) };
    });
    return { results, hits: tops.map((top) => top.map((x) => x.h)) };
  }
}
