// Maps Arkime session documents onto the columns of the embedded store and back. Every value
// of a document lands in exactly one place: a typed column (registry fields, count companions,
// packetPos/packetLen/fileId), a JSON column for an array of objects (`dns`, `cert`), or the
// JSON `_extra` column for anything the registry does not know or whose type does not fit.
// Derived columns (IP sort keys, object fields flattened across the objects) exist only for
// queries and are never read back, so the rebuilt document is exactly the one stored.
import { FieldRegistry, type Field } from '../fields/registry.js';
import { columnName, cntColumnName, ipShadowColumn, ipSortKeyFlat as ipSortKey, isList, scalarType } from '../fields/columns.js';
import { FILE_ID, PACKET_LEN, PACKET_POS } from '../fields/core.js';

export type Scalar = 'BIGINT' | 'DOUBLE' | 'VARCHAR' | 'BOOLEAN';

/**
 * value: read back to `keys` (default: the name split on dots); object: JSON array of objects;
 * derived: query-only; extra: JSON of everything else; flag: packetRange equal to first/lastPacket.
 */
export type ColumnRole = 'id' | 'value' | 'object' | 'derived' | 'extra' | 'flag';

export interface ColumnInfo {
  name: string;
  role: ColumnRole;
  scalar: Scalar;
  list: boolean;
  /** Document keys when they differ from `name.split('.')` (`adb` → `sync.operation`). */
  keys?: string[];
}

export const ID_COLUMN = '_id';
export const EXTRA_COLUMN = '_extra';
export const PACKET_RANGE_FLAG = '_packetRange';

interface ValueSpec { name: string; scalar: Scalar; list: boolean; shadow?: string; col?: number }
/** One key path seen in documents, cached so walking a document concatenates no strings. */
interface PathNode {
  path: string;
  keys: string[];
  /** Some key on the path contains a dot, so the layout must be recorded. */
  dotted: boolean;
  spec: ValueSpec | undefined;
  objectFields: ObjectFieldSpec[] | undefined;
  children: Map<string, PathNode>;
}
const MAX_PATH_NODES = 100000;

interface ObjectFieldSpec { rest: string; name: string; scalar: Scalar; cnt?: string; shadow?: string }

/**
 * A flattened document: the values by column name (lists as arrays, arrays of objects and
 * `_extra` as JSON text) and the indexes of the columns used.
 */
export interface FlatRow { obj: Record<string, unknown>; cols: number[] }

export interface FlatDoc {
  row: FlatRow;
  id: string | undefined;
  lastPacket: number | undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isObjectArray(v: unknown): v is Record<string, unknown>[] {
  if (!Array.isArray(v) || v.length === 0) return false;
  for (const x of v) if (!isPlainObject(x)) return false;
  return true;
}

const MAX_INT = 2 ** 63;
/** Node 20 has String.prototype.isWellFormed; the ES2022 lib typings do not. */
interface WellFormed { isWellFormed(): boolean }

export function acceptsScalar(t: Scalar, v: unknown): boolean {
  switch (t) {
    case 'BIGINT': return typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < MAX_INT && !Object.is(v, -0);
    case 'DOUBLE': return typeof v === 'number' && Number.isFinite(v) && !Object.is(v, -0);
    case 'BOOLEAN': return typeof v === 'boolean';
    default: return typeof v === 'string' && (v as unknown as WellFormed).isWellFormed() && !(v as string).includes('\0');
  }
}

function accepts(spec: { scalar: Scalar; list: boolean }, v: unknown): boolean {
  if (!spec.list) return acceptsScalar(spec.scalar, v);
  if (!Array.isArray(v)) return false;
  for (const x of v) if (!acceptsScalar(spec.scalar, x)) return false;
  return true;
}

function sameKeys(a: string[] | undefined, b: string[] | undefined): boolean {
  if (!a || !b) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export class DocColumns {
  private readonly values = new Map<string, ValueSpec>();
  private readonly objectFields = new Map<string, ObjectFieldSpec[]>();
  private readonly index = new Map<string, number>();
  readonly infos: ColumnInfo[] = [];
  private readonly root: PathNode = { path: '', keys: [], dotted: false, spec: undefined, objectFields: undefined, children: new Map() };
  private pathNodes = 0;

  constructor(registry: FieldRegistry) {
    for (const f of registry.all()) {
      if (f.viewerOnly || f.db === ID_COLUMN) continue;
      const scalar = scalarType(f);
      const cnt = FieldRegistry.cntPath(f);
      const shadow = f.kind === 'ip' ? ipShadowColumn(f) : undefined;
      if (f.object) {
        const list = this.objectFields.get(f.object) ?? [];
        list.push({ rest: f.db.slice(f.object.length + 1), name: columnName(f), scalar, shadow,
          cnt: cnt ? cntColumnName(f) : undefined });
        this.objectFields.set(f.object, list);
        continue;
      }
      if (!this.values.has(f.db)) {
        this.values.set(f.db, { name: columnName(f), scalar, list: isList(f) && scalar !== 'BOOLEAN', shadow });
      }
      if (cnt && !this.values.has(cnt)) this.values.set(cnt, { name: cntColumnName(f), scalar: 'BIGINT', list: false });
    }
    for (const raw of [PACKET_POS, PACKET_LEN, FILE_ID]) this.values.set(raw, { name: raw, scalar: 'BIGINT', list: true });
    this.column(ID_COLUMN, 'id', 'VARCHAR', false);
    this.column(EXTRA_COLUMN, 'extra', 'VARCHAR', false);
    this.column(PACKET_RANGE_FLAG, 'flag', 'BOOLEAN', false);
  }

  /** Index of a column, created on first use. */
  column(name: string, role: ColumnRole, scalar: Scalar, list: boolean, keys?: string[]): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.infos.length;
      this.infos.push({ name, role, scalar, list, keys });
      this.index.set(name, i);
    }
    return i;
  }

  /** Every column a document could produce under this registry, with its SQL type. */
  knownColumns(): Map<string, string> {
    const out = new Map<string, string>();
    const add = (name: string, scalar: Scalar, list: boolean) => { if (!out.has(name)) out.set(name, list ? `${scalar}[]` : scalar); };
    for (const c of this.infos) add(c.name, c.scalar, c.list);
    for (const v of this.values.values()) {
      add(v.name, v.scalar, v.list);
      if (v.shadow) add(v.shadow, 'VARCHAR', v.list);
    }
    for (const list of this.objectFields.values()) {
      for (const f of list) {
        add(f.name, f.scalar, true);
        if (f.cnt) add(f.cnt, 'BIGINT', true);
        if (f.shadow) add(f.shadow, 'VARCHAR', true);
      }
    }
    return out;
  }

  info(name: string): ColumnInfo | undefined {
    const i = this.index.get(name);
    return i === undefined ? undefined : this.infos[i];
  }

  /** Learn columns published by other writers (manifests), so their layout is honoured. */
  learn(info: ColumnInfo): void {
    if (!this.index.has(info.name)) this.column(info.name, info.role, info.scalar, info.list, info.keys);
  }

  flatten(doc: Record<string, unknown>): FlatDoc {
    const row: FlatRow = { obj: Object.create(null) as Record<string, unknown>, cols: [] };
    const id = typeof doc._id === 'string' && acceptsScalar('VARCHAR', doc._id) ? doc._id : undefined;
    const extra = this.walk(doc, this.root, row, true) ?? {};
    if (doc._id !== undefined && id === undefined) extra._id = doc._id; // odd id: keep, never lose
    if (Object.keys(extra).length > 0) this.put(row, this.index.get(EXTRA_COLUMN)!, JSON.stringify(extra));
    const lp = doc.lastPacket;
    return { row, id, lastPacket: typeof lp === 'number' && Number.isFinite(lp) ? lp : undefined };
  }

  private child(node: PathNode, k: string): PathNode {
    let c = node.children.get(k);
    if (c) return c;
    const path = node.path === '' ? k : node.path + '.' + k;
    c = { path, keys: [...node.keys, k], dotted: node.dotted || k.includes('.'), spec: this.values.get(path),
      objectFields: this.objectFields.get(path), children: new Map() };
    if (this.pathNodes < MAX_PATH_NODES) { node.children.set(k, c); this.pathNodes++; }
    return c;
  }

  private walk(obj: Record<string, unknown>, node: PathNode, row: FlatRow, top: boolean): Record<string, unknown> | undefined {
    let extra: Record<string, unknown> | undefined;
    for (const k in obj) {
      const v = obj[k];
      if (v === undefined) continue;
      if (top && k === ID_COLUMN) continue;
      const cn = this.child(node, k);
      if (top && k === 'packetRange' && isPlainObject(v) && typeof v.gte === 'number' && v.gte === obj.firstPacket &&
          v.lte === obj.lastPacket && Object.keys(v).length === 2) {
        this.put(row, this.index.get(PACKET_RANGE_FLAG)!, true);
        continue;
      }
      const spec = cn.spec;
      if (spec && accepts(spec, v)) {
        const col = !cn.dotted ? (spec.col ??= this.layoutColumn(spec.name, 'value', spec.scalar, spec.list, cn.keys))
          : this.layoutColumn(spec.name, 'value', spec.scalar, spec.list, cn.keys);
        if (col >= 0) {
          this.put(row, col, v);
          if (spec.shadow) this.setShadow(row, spec.shadow, v);
          continue;
        }
      }
      if (isPlainObject(v)) {
        const sub = this.walk(v, cn, row, false);
        if (sub) (extra ??= {})[k] = sub;
        else if (Object.keys(v).length === 0) (extra ??= {})[k] = {};
        continue;
      }
      if (!spec && isObjectArray(v)) {
        const col = this.layoutColumn(cn.path, 'object', 'VARCHAR', false, cn.keys);
        if (col >= 0) {
          this.put(row, col, JSON.stringify(v));
          const fields = cn.objectFields;
          if (fields) this.deriveFromObjects(fields, v, row);
          continue;
        }
      }
      (extra ??= {})[k] = v;
    }
    return extra;
  }

  /** Column for a value at document keys `[...keys, k]`, or -1 if the column has another layout. */
  private layoutColumn(name: string, role: ColumnRole, scalar: Scalar, list: boolean, actual: string[]): number {
    const dflt = name.split('.');
    const layout = sameKeys(actual, dflt) ? undefined : actual;
    const existing = this.info(name);
    if (existing) {
      if (existing.role !== role || !sameKeys(existing.keys, layout)) return -1;
      return this.index.get(name)!;
    }
    return this.column(name, role, scalar, list, layout);
  }

  private setShadow(row: FlatRow, name: string, v: unknown): void {
    const col = this.column(name, 'derived', 'VARCHAR', Array.isArray(v));
    if (Array.isArray(v)) {
      const keys: string[] = [];
      for (const ip of v) { const s = ipSortKey(ip as string); if (s) keys.push(s); }
      this.put(row, col, keys);
    } else {
      const s = ipSortKey(v as string);
      if (s) this.put(row, col, s);
    }
  }

  /** `dns.host` over `dns: [{host: [...]}, {host: [...]}]` → one list, as ES sees plain objects. */
  private deriveFromObjects(fields: ObjectFieldSpec[], objs: Record<string, unknown>[], row: FlatRow): void {
    for (const f of fields) {
      const vals: unknown[] = [];
      const cnts: number[] = [];
      for (const o of objs) {
        collect(o, f.rest, f.scalar, vals);
        if (f.cnt) { const c = o[f.rest + 'Cnt']; if (acceptsScalar('BIGINT', c)) cnts.push(c as number); }
      }
      if (vals.length > 0) {
        this.put(row, this.column(f.name, 'derived', f.scalar, true), vals);
        if (f.shadow) this.setShadow(row, f.shadow, vals);
      }
      if (f.cnt && cnts.length > 0) this.put(row, this.column(f.cnt, 'derived', 'BIGINT', true), cnts);
    }
  }

  private put(row: FlatRow, col: number, v: unknown): void {
    row.cols.push(col);
    row.obj[this.infos[col].name] = v;
  }

  /** Rebuild the document from a row read back (column name → JS value). */
  docFromRow(r: Record<string, unknown>): Record<string, unknown> {
    const doc: Record<string, unknown> = {};
    let extra: unknown;
    let flag = false;
    for (const name in r) {
      const v = r[name];
      if (v === null || v === undefined) continue;
      const info = this.info(name);
      if (!info) continue;
      switch (info.role) {
        case 'value': setPath(doc, info.keys ?? name.split('.'), toJs(v)); break;
        case 'object': setPath(doc, info.keys ?? name.split('.'), JSON.parse(v as string)); break;
        case 'extra': extra = JSON.parse(v as string); break;
        case 'flag': flag = v === true; break;
        default: break;
      }
    }
    if (flag) doc.packetRange = { gte: doc.firstPacket, lte: doc.lastPacket };
    if (isPlainObject(extra)) deepMerge(doc, extra);
    return doc;
  }
}

function collect(o: unknown, rest: string, scalar: Scalar, out: unknown[]): void {
  if (!isPlainObject(o)) return;
  let v = o[rest];
  if (v === undefined) {
    const dot = rest.indexOf('.');
    if (dot < 0) return;
    const head = o[rest.slice(0, dot)];
    const tail = rest.slice(dot + 1);
    if (Array.isArray(head)) for (const x of head) collect(x, tail, scalar, out);
    else collect(head, tail, scalar, out);
    return;
  }
  if (Array.isArray(v)) { for (const x of v) if (acceptsScalar(scalar, x)) out.push(x); }
  else if (acceptsScalar(scalar, v)) out.push(v);
  v = undefined;
}

function toJs(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(toJs);
  return v;
}

function setPath(doc: Record<string, unknown>, keys: string[], v: unknown): void {
  let o = doc;
  for (let i = 0; i < keys.length - 1; i++) {
    let next = o[keys[i]];
    if (!isPlainObject(next)) { next = {}; o[keys[i]] = next; }
    o = next as Record<string, unknown>;
  }
  o[keys[keys.length - 1]] = v;
}

function deepMerge(into: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const k in from) {
    const a = into[k]; const b = from[k];
    if (isPlainObject(a) && isPlainObject(b)) deepMerge(a, b);
    else into[k] = b;
  }
}
