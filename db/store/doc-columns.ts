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

interface ValueSpec { name: string; scalar: Scalar; list: boolean; shadow?: string; col?: number; shadowCol?: number }
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

interface ObjectFieldSpec {
  rest: string; name: string; scalar: Scalar; cnt?: string; shadow?: string;
  /** Column indexes, found on first use (a column's index never changes). */
  col?: number; cntCol?: number; shadowCol?: number;
  /** `rest + 'Cnt'`, the key of the count in each object. */
  cntKey?: string;
}

/**
 * A flattened document: the values by column index (lists as arrays, arrays of objects and
 * `_extra` as JSON text) and the columns used, in the order first set. One FlatRow is reused
 * for every document a DocColumns flattens, so flattening allocates no per-row object keyed by
 * ~60 column names (such an object goes to dictionary mode and is slow to stringify).
 */
export class FlatRow {
  /** Value of each column set in this row (stale entries of other rows elsewhere). */
  readonly vals: unknown[] = [];
  /** Columns set in this row, in the order first set. */
  readonly cols: number[] = [];
  /** The document's `_id` when it is a usable one. */
  id: string | undefined = undefined;
  /** The document's lastPacket when it is a finite number. */
  lastPacket: number | undefined = undefined;
  /** Row serial at which each column was last set: a column set twice keeps its first place. */
  private seen = new Int32Array(256);
  private serial = 0;

  reset(): void {
    this.cols.length = 0;
    this.id = undefined;
    this.lastPacket = undefined;
    if (++this.serial === 0x7fffffff) { this.seen.fill(0); this.serial = 1; }
  }

  set(col: number, v: unknown): void {
    if (col >= this.seen.length) {
      const grown = new Int32Array(Math.max(col + 1, this.seen.length * 2));
      grown.set(this.seen);
      this.seen = grown;
    }
    if (this.seen[col] !== this.serial) { this.seen[col] = this.serial; this.cols.push(col); }
    this.vals[col] = v;
  }
}

/** JSON text of a column value: a number, boolean, string or array of them (`accepts` made sure). */
function jsonValue(v: unknown): string {
  switch (typeof v) {
    case 'number': return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean': return v ? 'true' : 'false';
    default: return JSON.stringify(v) ?? 'null';
  }
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
    case 'BIGINT': return isBigint(v);
    case 'DOUBLE': return isDouble(v);
    case 'BOOLEAN': return typeof v === 'boolean';
    default: return isVarchar(v);
  }
}

// -0 is refused (it would read back as 0): `1 / v > 0` tells it apart without Object.is.
function isBigint(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v < MAX_INT && v > -MAX_INT && (v !== 0 || 1 / v > 0);
}
function isDouble(v: unknown): boolean {
  return typeof v === 'number' && Number.isFinite(v) && (v !== 0 || 1 / v > 0);
}
function isVarchar(v: unknown): boolean {
  return typeof v === 'string' && (v as unknown as WellFormed).isWellFormed() && !v.includes('\0');
}

/** One loop per scalar type, so a list's elements are checked without a switch each. */
function accepts(spec: { scalar: Scalar; list: boolean }, v: unknown): boolean {
  if (!spec.list) return acceptsScalar(spec.scalar, v);
  if (!Array.isArray(v)) return false;
  const n = v.length;
  switch (spec.scalar) {
    case 'BIGINT': for (let i = 0; i < n; i++) if (!isBigint(v[i])) return false; return true;
    case 'DOUBLE': for (let i = 0; i < n; i++) if (!isDouble(v[i])) return false; return true;
    case 'BOOLEAN': for (let i = 0; i < n; i++) if (typeof v[i] !== 'boolean') return false; return true;
    default: for (let i = 0; i < n; i++) if (!isVarchar(v[i])) return false; return true;
  }
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
  /** Per column `{"name":` and `,"name":`: a row's JSON line is these plus its values' JSON. */
  private readonly keyFirst: string[] = [];
  private readonly keyNext: string[] = [];
  private readonly row = new FlatRow();
  /** Pieces of the line being made; entries past `partsUsed` are ''. */
  private readonly parts: string[] = [];
  private partsUsed = 0;
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
      const key = JSON.stringify(name) + ':';
      this.keyFirst.push('{' + key);
      this.keyNext.push(',' + key);
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

  /**
   * Flatten `doc` into this DocColumns' one reused row (valid until the next call): its values
   * by column, its `_id` when usable and its lastPacket.
   */
  flatten(doc: Record<string, unknown>): FlatRow {
    const row = this.row;
    row.reset();
    const id = typeof doc._id === 'string' && acceptsScalar('VARCHAR', doc._id) ? doc._id : undefined;
    let extra = this.walk(doc, this.root, row, true);
    if (doc._id !== undefined && id === undefined) (extra ??= {})._id = doc._id; // odd id: keep, never lose
    if (extra) this.put(row, this.index.get(EXTRA_COLUMN)!, JSON.stringify(extra));
    const lp = doc.lastPacket;
    row.id = id;
    row.lastPacket = typeof lp === 'number' && Number.isFinite(lp) ? lp : undefined;
    return row;
  }

  /**
   * The row as one line of JSON keyed by column name, keys in the order first set. Joined from
   * parts, so the line is one flat string (a `+=` chain would be a tree of ~120 pieces per row).
   */
  jsonLine(row: FlatRow): string {
    const parts = this.parts;
    const cols = row.cols;
    const n = cols.length;
    if (n === 0) return '{}';
    // Filled by index and cut to length (never emptied): the array keeps its capacity.
    let k = 0;
    for (let i = 0; i < n; i++) {
      const c = cols[i];
      parts[k++] = i === 0 ? this.keyFirst[c] : this.keyNext[c];
      parts[k++] = jsonValue(row.vals[c]);
      row.vals[c] = undefined; // let the value go
    }
    parts[k++] = '}';
    for (let i = k; i < this.partsUsed; i++) parts[i] = '';
    this.partsUsed = k;
    return parts.join('');
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
          if (spec.shadow) this.setShadow(row, spec.shadowCol ??= this.column(spec.shadow, 'derived', 'VARCHAR', Array.isArray(v)), v);
          continue;
        }
      }
      if (isPlainObject(v)) {
        const sub = this.walk(v, cn, row, false);
        if (sub) (extra ??= {})[k] = sub;
        else if (hasNoKeys(v)) (extra ??= {})[k] = {};
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

  private setShadow(row: FlatRow, col: number, v: unknown): void {
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
      let vals: unknown[] | undefined;
      let cnts: number[] | undefined;
      const cntKey = f.cnt ? (f.cntKey ??= f.rest + 'Cnt') : undefined;
      for (let i = 0; i < objs.length; i++) {
        const o = objs[i];
        vals = collect(o, f.rest, f.scalar, vals);
        if (cntKey !== undefined) { const c = o[cntKey]; if (isBigint(c)) (cnts ??= []).push(c as number); }
      }
      if (vals !== undefined) {
        this.put(row, f.col ??= this.column(f.name, 'derived', f.scalar, true), vals);
        if (f.shadow) this.setShadow(row, f.shadowCol ??= this.column(f.shadow, 'derived', 'VARCHAR', true), vals);
      }
      if (cnts !== undefined) this.put(row, f.cntCol ??= this.column(f.cnt!, 'derived', 'BIGINT', true), cnts);
    }
  }

  private put(row: FlatRow, col: number, v: unknown): void {
    row.set(col, v);
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

/** Values at `rest` in `o` appended to `out`, made on the first value found (most objects have none). */
function collect(o: unknown, rest: string, scalar: Scalar, out: unknown[] | undefined): unknown[] | undefined {
  if (!isPlainObject(o)) return out;
  const v = o[rest];
  if (v === undefined) {
    const split = splitFirstDot(rest);
    if (!split) return out;
    const head = o[split[0]];
    const tail = split[1];
    if (Array.isArray(head)) { for (const x of head) out = collect(x, tail, scalar, out); }
    else out = collect(head, tail, scalar, out);
    return out;
  }
  if (Array.isArray(v)) { for (const x of v) if (acceptsScalar(scalar, x)) (out ??= []).push(x); }
  else if (acceptsScalar(scalar, v)) (out ??= []).push(v);
  return out;
}

/** `a.b.c` → [`a`, `b.c`], made once per path (object field paths are few and fixed). */
const dotSplits = new Map<string, [string, string] | null>();
function splitFirstDot(path: string): [string, string] | null {
  let r = dotSplits.get(path);
  if (r === undefined) {
    const dot = path.indexOf('.');
    r = dot < 0 ? null : [path.slice(0, dot), path.slice(dot + 1)];
    if (dotSplits.size < 10000) dotSplits.set(path, r);
  }
  return r;
}

/** True when `v` has no own enumerable key (as `Object.keys(v).length === 0`, without the array). */
function hasNoKeys(v: Record<string, unknown>): boolean {
  for (const k in v) if (Object.prototype.hasOwnProperty.call(v, k)) return false;
  return true;
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
