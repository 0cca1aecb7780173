// Session documents made as fast-mode objects. V8 turns an object into a slow dictionary once
// more than ~12 properties past its in-object slots are added under computed names, and that is
// how a document's fields and groups are added (`doc[field.db] = v`): most documents and large
// `http` groups ended up as dictionaries, slower to build, to walk (the store's flattener) and to
// stringify. So a document is collected as an ordered list of keys and values and made at the
// end by an object literal compiled once per key sequence: every property in-object, the same
// keys in the same order as assigning them one by one would give.

/** Takes values at document paths: a DocBuilder, or a plain object (PlainTarget). */
export interface DocTarget {
  /** `doc[key] = v`. */
  set(key: string, v: unknown): void;
  /** Arkime's layout: split at the first dot only (`http.host` → doc.http.host). */
  setPath(path: string, v: unknown): void;
}

type Maker = (v: unknown[]) => Record<string, unknown>;

// Bounds on what a long capture may accumulate; past them objects are made by plain assignment
// (same keys and order, possibly in dictionary mode).
const MAX_SHAPES = 20000;
const MAX_MAKERS = 4000;
let shapeCount = 0;
let makerCount = 0;

/** A sequence of keys: a trie node whose parent lacks the last key. */
class Shape {
  /** Per key: the shape with the key appended, or the key's slot when this shape has it. */
  private readonly steps = new Map<string, Shape | number>();
  private maker: Maker | null | undefined;
  private keyList: string[] | undefined;

  constructor(readonly parent: Shape | undefined, readonly key: string, readonly size: number) {}

  /** Slot of `k` here, or the shape with `k` appended; undefined when no new shape may be made. */
  step(k: string): Shape | number | undefined {
    let t = this.steps.get(k);
    if (t === undefined) {
      t = this.slotOf(k);
      if (t < 0) {
        // `__proto__` in a literal would set the prototype, not a key: leave it to assignment.
        if (shapeCount >= MAX_SHAPES || k === '__proto__') return undefined;
        shapeCount++;
        t = new Shape(this, k, this.size + 1);
      }
      this.steps.set(k, t);
    }
    return t;
  }

  private slotOf(k: string): number {
    for (let s: Shape = this; s.parent !== undefined; s = s.parent) if (s.key === k) return s.size - 1;
    return -1;
  }

  keys(): string[] {
    if (this.keyList === undefined) {
      const keys: string[] = new Array(this.size);
      for (let s: Shape = this; s.parent !== undefined; s = s.parent) keys[s.size - 1] = s.key;
      this.keyList = keys;
    }
    return this.keyList;
  }

  make(vals: unknown[]): Record<string, unknown> {
    let m = this.maker;
    if (m === undefined) m = this.maker = compileMaker(this.keys());
    if (m !== null) return m(vals);
    const o: Record<string, unknown> = {};
    const keys = this.keys();
    for (let i = 0; i < keys.length; i++) o[keys[i]] = vals[i];
    return o;
  }
}

function compileMaker(keys: string[]): Maker | null {
  if (makerCount >= MAX_MAKERS) return null;
  makerCount++;
  // The JSON text of a key is a valid JS string literal: the literal is `{"k0":v[0],...}`.
  const body = keys.map((k, i) => `${JSON.stringify(k)}:v[${i}]`).join(',');
  return new Function('v', `return {${body}};`) as Maker;
}

const ROOT = new Shape(undefined, '', 0);

/** Paths split at their first dot, made once per distinct path (field paths are a bounded set). */
const PATH_CACHE_MAX = 20000;
const splitCache = new Map<string, [string, string] | null>();
export function splitPath(path: string): [string, string] | null {
  let sp = splitCache.get(path);
  if (sp === undefined) {
    if (splitCache.size >= PATH_CACHE_MAX) splitCache.clear();
    const dot = path.indexOf('.');
    sp = dot < 0 ? null : [path.slice(0, dot), path.slice(dot + 1)];
    splitCache.set(path, sp);
  }
  return sp;
}

function isGroupObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Collects one object's keys and values in order; `build()` makes the object and empties the
 * builder for the next one. Groups (`http` of `http.host`) are builders of their own, taken from
 * this builder's pool. Reused document after document: not re-entrant.
 */
export class DocBuilder implements DocTarget {
  private shape = ROOT;
  private readonly vals: unknown[] = [];
  /** Set once the shape budget is spent: the object is assigned to directly. */
  private plain: Record<string, unknown> | undefined;
  private readonly pool: DocBuilder[] = [];
  private poolUsed = 0;

  set(k: string, v: unknown): void {
    if (this.plain === undefined) {
      const t = this.shape.step(k);
      if (typeof t === 'number') { this.vals[t] = v; return; }
      if (t !== undefined) { this.vals[this.shape.size] = v; this.shape = t; return; }
      this.toPlain();
    }
    this.plain![k] = v;
  }

  setPath(path: string, v: unknown): void {
    const sp = splitPath(path);
    if (sp === null) this.set(path, v);
    else this.setIn(sp[0], sp[1], v);
  }

  /** `doc[group][key] = v`, making `doc[group]` an object first when it is none. */
  setIn(group: string, key: string, v: unknown): void {
    let cur: unknown;
    if (this.plain === undefined) {
      const t = this.shape.step(group);
      if (typeof t === 'number') cur = this.vals[t];
      else if (t === undefined) this.toPlain();
    }
    if (this.plain !== undefined) cur = this.plain[group];
    if (cur instanceof DocBuilder) { cur.set(key, v); return; }
    if (isGroupObject(cur)) { cur[key] = v; return; }
    const child = this.pool[this.poolUsed] ??= new DocBuilder();
    this.poolUsed++;
    child.set(key, v);
    this.set(group, child);
  }

  private toPlain(): void {
    const o: Record<string, unknown> = {};
    const keys = this.shape.keys();
    for (let i = 0; i < keys.length; i++) { o[keys[i]] = this.vals[i]; this.vals[i] = undefined; }
    this.plain = o;
    this.shape = ROOT;
  }

  /** The object, its groups made first; the builder is empty again afterwards. */
  build(): Record<string, unknown> {
    let o: Record<string, unknown>;
    const plain = this.plain;
    if (plain !== undefined) {
      for (const k in plain) { const v = plain[k]; if (v instanceof DocBuilder) plain[k] = v.build(); }
      o = plain;
      this.plain = undefined;
    } else {
      const n = this.shape.size, vals = this.vals;
      for (let i = 0; i < n; i++) { const v = vals[i]; if (v instanceof DocBuilder) vals[i] = v.build(); }
      o = this.shape.make(vals);
      for (let i = 0; i < n; i++) vals[i] = undefined; // let the values go, keep the capacity
      this.shape = ROOT;
    }
    // A group replaced by another value (`dns.x` then the `dns` objects) was never built.
    for (let i = 0; i < this.poolUsed; i++) this.pool[i].reset();
    this.poolUsed = 0;
    return o;
  }

  /** Forget everything collected (also after a build that threw half way). */
  reset(): void {
    const n = this.shape.size, vals = this.vals;
    for (let i = 0; i < n; i++) vals[i] = undefined;
    this.shape = ROOT;
    this.plain = undefined;
    for (let i = 0; i < this.poolUsed; i++) this.pool[i].reset();
    this.poolUsed = 0;
  }
}

/** A plain object as a DocTarget (parser tests build documents this way). */
export class PlainTarget implements DocTarget {
  constructor(readonly doc: Record<string, unknown>) {}
  set(k: string, v: unknown): void { this.doc[k] = v; }
  setPath(path: string, v: unknown): void {
    const sp = splitPath(path);
    if (sp === null) { this.doc[path] = v; return; }
    let obj = this.doc[sp[0]] as Record<string, unknown> | undefined;
    if (obj === undefined || typeof obj !== 'object' || Array.isArray(obj)) { obj = {}; this.doc[sp[0]] = obj; }
    obj[sp[1]] = v;
  }
}
