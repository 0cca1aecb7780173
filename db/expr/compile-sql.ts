// Expression → DuckDB WHERE clause over the embedded store's columns (db/fields/columns.ts).
// It reads the uncollapsed Elasticsearch query that Arkime's parser would build (build-dsl.ts), so
// both stores answer the same question, and gives each leaf the meaning Elasticsearch gives it:
// a leaf on a missing value or a missing column is false, never NULL, so a negation
// (`!=`, `!`, must_not) matches sessions that lack the field, as bool.must_not does.
import { ipToBytes } from '../fields/columns.js';
import { q } from '../fields/columns.js';
import type { Expr } from './ast.js';
import { buildDsl, type BuildContext, type Dsl } from './build-dsl.js';
import type { PcapFileRef } from './compile-es.js';
import { esDateBounds, parseTimeMs } from './dates.js';
import { ExpressionError } from './errors.js';
import { fieldView, type FieldInfo, type FieldView } from './field-view.js';
import { forEachLeaf, parseExpression } from './parser.js';

export interface SqlContext extends BuildContext {
  /** Whether the store has a column of this name (`http.host`, `source.ip#n`, `http.hostCnt`). */
  hasColumn(name: string): boolean;
  /** Pcap files a `file` term names (exact name, `*` wildcard or `/regex/`, see fileNameMatches). */
  resolveFile?: (name: string) => PcapFileRef[];
}

export type SqlParam = string | number | boolean;
export interface SqlQuery { sql: string; params: SqlParam[] }

type Scalar = FieldInfo['scalar'];

const FALSE = 'FALSE';
const TRUE = 'TRUE';

/** ES wildcard (`*`, `?`, `\` escapes) → LIKE pattern with `\` as escape character. */
export function wildcardToLike(w: string): string {
  let out = '';
  for (let i = 0; i < w.length; i++) {
    const c = w[i];
    if (c === '\\' && i + 1 < w.length) { out += likeLiteral(w[++i]); continue; }
    out += c === '*' ? '%' : c === '?' ? '_' : likeLiteral(c);
  }
  return out;
}
const likeLiteral = (c: string) => (c === '%' || c === '_' || c === '\\' ? `\\${c}` : c);

/** Lowest and highest sortable key (ipSortKey form) of `ip` or `ip/prefix`. */
export function ipKeyRange(text: string): [string, string] | undefined {
  const slash = text.indexOf('/');
  const addr = slash === -1 ? text : text.slice(0, slash);
  const b = ipToBytes(addr);
  if (!b) return undefined;
  let bits = 128;
  if (slash !== -1) {
    const n = Number(text.slice(slash + 1));
    if (!Number.isInteger(n) || n < 0) return undefined;
    bits = addr.includes(':') ? n : n + 96;
    if (bits > 128) return undefined;
  }
  const lo = new Uint8Array(16);
  const hi = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    const mask = keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    lo[i] = b[i] & mask;
    hi[i] = (b[i] & mask) | (~mask & 0xff);
  }
  const hex = (a: Uint8Array) => Array.from(a, (x) => x.toString(16).padStart(2, '0')).join('');
  return [hex(lo), hex(hi)];
}

class SqlWriter {
  readonly params: SqlParam[] = [];
  private readonly view: FieldView;
  private readonly filePos = new Map<string, number>();

  constructor(private readonly ctx: SqlContext, ast: Expr) {
    this.view = fieldView(ctx.registry);
    forEachLeaf(ast, (l) => {
      if (l.type === 'cmp' && !this.filePos.has(l.value.text)) {
        const v = l.value.text;
        this.filePos.set(v[0] === '"' ? v.slice(1, -1) : v, l.value.span.start);
      }
    });
  }

  // Placeholders are numbered while compiling: simplification (`x AND FALSE` → FALSE) may drop
  // a predicate, so the final parameter list is built from the markers left in the text.
  private p(v: SqlParam, type: Scalar): string {
    this.params.push(v);
    return `CAST(\u0001${this.params.length - 1}\u0001 AS ${type})`;
  }

  node(d: Dsl): string {
    if (d.bool) {
      const b = d.bool;
      if (b.filter) return join(b.filter.map((x: Dsl) => this.node(x)), 'AND', TRUE);
      if (b.should) return join(b.should.map((x: Dsl) => this.node(x)), 'OR', FALSE);
      if (b.must_not) {
        const list = Array.isArray(b.must_not) ? b.must_not : [b.must_not];
        if (list.length === 0) return TRUE;
        const inner = join(list.map((x: Dsl) => this.node(x)), 'OR', FALSE);
        return inner === FALSE ? TRUE : inner === TRUE ? FALSE : `(NOT ${inner})`;
      }
      return TRUE;
    }
    if (d.fileand !== undefined) return this.file(d.fileand);
    const [kind] = Object.keys(d);
    const [db] = Object.keys(d[kind]);
    const arg = d[kind][db];
    if (kind === 'exists') return this.exists(arg);
    const info = this.view.byDb(db);
    if (!info || info.column === undefined) return FALSE;
    const col = info.kind === 'ip' ? `${info.column}#n` : info.column;
    if (!this.ctx.hasColumn(col)) return FALSE;
    const pred = this.leaf(kind, info, q(col), arg);
    return pred === FALSE || pred === TRUE ? pred : `COALESCE(${pred}, FALSE)`;
  }

  private leaf(kind: string, info: FieldInfo, col: string, arg: Dsl): string {
    switch (kind) {
      case 'term': return this.anyOf(info, col, [arg]);
      case 'terms':
        if (Array.isArray(arg)) return this.anyOf(info, col, arg);
        return this.anyOf(info, col, this.shortcutValues(arg.id));
      case 'range': return this.range(info, col, arg);
      case 'wildcard': return this.each(info, col, (x) => `${x} LIKE ${this.p(wildcardToLike(String(arg)), 'VARCHAR')} ESCAPE '\\'`);
      case 'regexp': return this.each(info, col, (x) => `regexp_full_match(${x}, ${this.p(String(arg), 'VARCHAR')})`);
      case 'match_phrase': return this.each(info, col, (x) => `contains(lower(${x}), lower(${this.p(String(arg), 'VARCHAR')}))`);
    }
    throw new ExpressionError(`Unsupported query '${kind}'`, kind, 0);
  }

  /** Predicate `x → …` on the column: itself when single-valued, any element when a list. */
  private each(info: FieldInfo, col: string, f: (x: string) => string): string {
    return info.list ? `len(list_filter(${col}, lambda x: ${f('x')})) > 0` : f(col);
  }

  /** The column (or one of its values) equals one of `values`. */
  private anyOf(info: FieldInfo, col: string, values: unknown[]): string {
    if (info.kind === 'ip') {
      const ors: string[] = [];
      for (const v of values) {
        const r = ipKeyRange(String(v));
        if (!r) continue;
        ors.push(r[0] === r[1]
          ? this.each(info, col, (x) => `${x} = ${this.p(r[0], 'VARCHAR')}`)
          : this.each(info, col, (x) => `${x} BETWEEN ${this.p(r[0], 'VARCHAR')} AND ${this.p(r[1], 'VARCHAR')}`));
      }
      return join(ors, 'OR', FALSE);
    }
    const conv = values.map((v) => this.convert(info, v)).filter((v): v is SqlParam => v !== undefined);
    if (conv.length === 0) return FALSE;
    const ps = conv.map((v) => this.p(v, info.scalar)).join(', ');
    if (info.list) return conv.length === 1 ? `list_contains(${col}, ${ps})` : `list_has_any(${col}, [${ps}])`;
    return conv.length === 1 ? `${col} = ${ps}` : `${col} IN (${ps})`;
  }

  private convert(info: FieldInfo, v: unknown): SqlParam | undefined {
    switch (info.scalar) {
      case 'BIGINT': case 'DOUBLE': {
        const n = typeof v === 'number' ? v : Number(v);
        return Number.isFinite(n) ? n : undefined;
      }
      case 'BOOLEAN': return v === true || v === 'true' || Number(v) === 1;
      default: return String(v);
    }
  }

  private range(info: FieldInfo, col: string, bounds: Record<string, unknown>): string {
    const conds: Array<(x: string) => string> = [];
    const sign: Record<string, string> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };
    for (const [op, v] of Object.entries(bounds)) {
      if (!sign[op]) continue;
      if (info.kind === 'ip') {
        const r = ipKeyRange(String(v));
        if (!r) throw new ExpressionError(`${String(v)} not a valid ip`, String(v), 0);
        const key = op === 'gt' || op === 'lte' ? r[1] : r[0];
        conds.push((x) => `${x} ${sign[op]} ${this.p(key, 'VARCHAR')}`);
      } else if (info.kind === 'date' || info.kind === 'seconds') {
        const b = typeof v === 'number' ? [v, v] : esDateBounds(String(v)) ?? msBounds(String(v));
        const ms = op === 'gt' || op === 'lte' ? b[1] : b[0];
        conds.push((x) => `${x} ${sign[op]} ${this.p(ms, 'BIGINT')}`);
      } else {
        const c = this.convert(info, v);
        if (c === undefined) return FALSE;
        conds.push((x) => `${x} ${sign[op]} ${this.p(c, info.scalar)}`);
      }
    }
    if (conds.length === 0) return FALSE;
    return this.each(info, col, (x) => conds.map((f) => f(x)).join(' AND '));
  }

  private exists(db: string): string {
    const info = this.view.byDb(db);
    const column = db === 'fileId' ? 'fileId' : info?.column;
    if (column === undefined || !this.ctx.hasColumn(column)) return FALSE;
    const list = db === 'fileId' || info!.list;
    return list ? `COALESCE(len(${q(column)}) > 0, FALSE)` : `(${q(column)} IS NOT NULL)`;
  }

  private shortcutValues(id: string): unknown[] {
    for (const s of Object.values(this.ctx.shortcuts ?? {})) if (s.id === id) return s.values ?? [];
    throw new ExpressionError(`Shortcut '${id}' not found`, id, 0);
  }

  private file(name: string): string {
    const pos = this.filePos.get(name) ?? 0;
    const files = this.ctx.resolveFile ? this.ctx.resolveFile(name) : [];
    if (files.length === 0) throw new ExpressionError(`File '${name}' not found`, name, pos, `File '${name}' not found`);
    if (!this.ctx.hasColumn('node') || !this.ctx.hasColumn('fileId')) return FALSE;
    // Group by node: node = ? AND list_has_any(fileId, [nums])
    const byNode = new Map<string, number[]>();
    for (const f of files) {
      const l = byNode.get(f.node) ?? [];
      l.push(f.num);
      byNode.set(f.node, l);
    }
    const ors: string[] = [];
    for (const [node, nums] of byNode) {
      // Placeholders bind in text order: the node's comes first.
      const nodeParam = this.p(node, 'VARCHAR');
      const ps = nums.map((n) => this.p(n, 'BIGINT')).join(', ');
      ors.push(`COALESCE(${q('node')} = ${nodeParam} AND list_has_any(${q('fileId')}, [${ps}]), FALSE)`);
    }
    return join(ors, 'OR', FALSE);
  }
}

function msBounds(s: string): [number, number] {
  const ms = parseTimeMs(s);
  if (Number.isNaN(ms)) throw new ExpressionError(`${s} is not a valid date`, s, 0);
  return [ms, ms];
}

function join(parts: string[], op: 'AND' | 'OR', empty: string): string {
  // Constant folding keeps clauses about absent columns out of the statement.
  const absorbing = op === 'AND' ? FALSE : TRUE;
  const neutral = op === 'AND' ? TRUE : FALSE;
  if (parts.includes(absorbing)) return absorbing;
  const kept = parts.filter((p) => p !== neutral);
  if (kept.length === 0) return parts.length === 0 ? empty : neutral;
  if (kept.length === 1) return kept[0];
  return `(${kept.join(` ${op} `)})`;
}

/**
 * Compile an expression to a WHERE clause for the embedded store, with `?` placeholders bound in
 * order by `params`. Every value is cast to its column's type in the statement.
 */
export function compileToSql(input: string | Expr, ctx: SqlContext): SqlQuery {
  const ast = typeof input === 'string' ? parseExpression(input, ctx.registry) : input;
  const w = new SqlWriter(ctx, ast);
  const params: SqlParam[] = [];
  const sql = w.node(buildDsl(ast, ctx)).replace(/\u0001(\d+)\u0001/g, (_, i: string) => { params.push(w.params[Number(i)]); return '?'; });
  return { sql, params };
}
