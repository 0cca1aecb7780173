// The expression language's view of the field registry: Arkime's viewer `fieldsMap` (keyed by
// expression, every alias and the ECS name) and `dbFieldsMap` (keyed by document path), plus the
// `<exp>.cnt` companions capture publishes for every counted field.
import { FieldRegistry, type Field, type FieldKind } from '../fields/registry.js';
import { cntColumnName, cntColumnType, columnName, isList, scalarType } from '../fields/columns.js';

export interface FieldInfo {
  /** Expression name (`host.http`), `<exp>.cnt` for count companions. */
  exp: string;
  /** Document path used in queries (`http.host`, `http.hostCnt`, `ipall`). */
  db: string;
  kind: FieldKind;
  portField?: string;
  /** Aggregate field: expands over every field whose expression (or alias) matches. */
  regex?: string;
  transform?: string;
  requiredRight?: string;
  /** Column holding the values in the embedded store; undefined for aggregates. */
  column?: string;
  /** The column is a list (multi-valued field). */
  list: boolean;
  scalar: 'BIGINT' | 'DOUBLE' | 'VARCHAR' | 'BOOLEAN';
}

/** ECS document paths are searchable by name too (Arkime's `fieldECS`). */
const ECS_PREFIXES = ['source.', 'destination.', 'network.', 'client.', 'server.'];

/** Transforms the viewer adds by expression name whatever the definition says. */
function defaultTransform(exp: string): string | undefined {
  if (exp === 'http.uri' || exp === 'http.uri.tokens') return 'removeProtocol';
  if (exp === 'host' || exp.startsWith('host.')) return 'removeProtocolAndURI';
  return undefined;
}

export class FieldView {
  private readonly names = new Map<string, FieldInfo>();
  private readonly dbs = new Map<string, FieldInfo>();

  constructor(registry: FieldRegistry) {
    const counts: FieldInfo[] = [];
    for (const f of registry.all()) {
      const info = this.infoOf(f, registry);
      this.add(f.exp, info);
      for (const a of f.aliases ?? []) this.add(a, info);
      if (f.db !== f.exp && ECS_PREFIXES.some((p) => f.db.startsWith(p))) this.add(f.db, info);
      const cnt = FieldRegistry.cntPath(f);
      if (cnt) {
        // Inside an object array (dns) there is one count per object: a list column.
        const column = f.viewerOnly ? undefined : cntColumnName(f);
        counts.push({ exp: `${f.exp}.cnt`, db: cnt, kind: 'integer', column, list: cntColumnType(f) === 'BIGINT[]', scalar: 'BIGINT' });
      }
    }
    for (const c of counts) this.add(c.exp, c);
  }

  private infoOf(f: Field, registry: FieldRegistry): FieldInfo {
    const stored = !f.viewerOnly || registry.byDb(f.db) !== undefined;
    const base = stored && f.viewerOnly ? registry.byDb(f.db)! : f;
    return {
      exp: f.exp,
      db: f.db,
      kind: f.kind,
      portField: f.portField,
      regex: f.regex,
      transform: f.transform ?? defaultTransform(f.exp),
      requiredRight: f.requiredRight,
      column: stored ? columnName(base) : undefined,
      list: isList(base) && scalarType(base) !== 'BOOLEAN',
      scalar: scalarType(base),
    };
  }

  private add(name: string, info: FieldInfo): void {
    if (!this.names.has(name)) this.names.set(name, info);
    if (!this.dbs.has(info.db)) this.dbs.set(info.db, info);
  }

  /** Resolve what a user typed: `db:<path>` looks up by document path, else by name. */
  lookup(name: string): FieldInfo | undefined {
    if (name.startsWith('db:')) return this.dbs.get(name.slice(3));
    return this.names.get(name);
  }

  byDb(db: string): FieldInfo | undefined { return this.dbs.get(db); }

  /** Every (name, info) pair in definition order, aliases included (Arkime iterates fieldsMap). */
  entries(): IterableIterator<[string, FieldInfo]> { return this.names.entries(); }
}

const cache = new WeakMap<FieldRegistry, { size: number; view: FieldView }>();

/** The view of a registry, rebuilt when fields were defined since the last call. */
export function fieldView(registry: FieldRegistry): FieldView {
  const c = cache.get(registry);
  if (c && c.size === registry.size) return c.view;
  const view = new FieldView(registry);
  cache.set(registry, { size: registry.size, view });
  return view;
}
