// The field registry: one definition per SPI field. The definition drives what capture may set,
// how the session document is laid out, the embedded store's columns, the Elasticsearch
// mapping, the expression compiler and the viewer's field help. Nothing else repeats a
// field's name, type or path.

export type FieldKind =
  | 'integer' | 'seconds' | 'date' | 'float' | 'ip'
  | 'termfield' | 'lotermfield' | 'uptermfield'
  | 'textfield' | 'lotextfield' | 'uptextfield'
  | 'fileand' | 'viewand' | 'boolean';

/**
 * How capture keeps the values of a field for one session (Arkime's storage types):
 * `unique` = hash/ghash (set semantics, insertion order), `array` = keeps duplicates,
 * `single` = one scalar value.
 */
export type FieldStore = 'unique' | 'array' | 'single';

export interface FieldSpec {
  /** Expression name, what users type (`host.http`). */
  exp: string;
  /** Path in the session document (`http.host`). The text before the first dot is the group object. */
  db: string;
  kind: FieldKind;
  group: string;
  friendly: string;
  help: string;
  category?: string | string[];
  aliases?: string[];
  store?: FieldStore;
  /** Emit `<db>Cnt` (true) or, for ECS-named fields, `<db>-cnt` ('ecs'). */
  cnt?: boolean | 'ecs';
  /** Name of the object array the field lives in (`dns`, `cert`): values are stored inside objects. */
  object?: string;
  /** Only the viewer knows it (aggregates such as `ip`, `host`); capture never sets it. */
  viewerOnly?: boolean;
  /** Aggregate field: expands to every field whose expression matches this regex. */
  regex?: string;
  portField?: string;
  transform?: string;
  requiredRight?: string;
  noFacet?: boolean;
  /** Copied into every segment of a split session (Arkime LINKED_SESSIONS). Default true. */
  linked?: boolean;
  /** Not published to the field list (Arkime NODB): written to documents but not searchable by name. */
  nodb?: boolean;
  /** IP companions `<exp>.country|.asn|.rir` published with the IPPRE naming (`country.xff`). */
  ipPre?: boolean;
}

export interface Field extends Required<Pick<FieldSpec, 'exp' | 'db' | 'kind' | 'group' | 'friendly' | 'help'>>,
  Omit<FieldSpec, 'exp' | 'db' | 'kind' | 'group' | 'friendly' | 'help'> {
  /** Slot number, stable within a process for a given import order. */
  readonly id: number;
  readonly store: FieldStore;
}

export class FieldError extends Error {}

export class FieldRegistry {
  private readonly list: Field[] = [];
  private readonly expMap = new Map<string, Field>();
  private readonly dbMap = new Map<string, Field>();

  define(spec: FieldSpec): Field {
    const existing = this.expMap.get(spec.exp);
    if (existing) {
      if (existing.db !== spec.db) {
        throw new FieldError(`field ${spec.exp} defined twice with different paths (${existing.db}, ${spec.db})`);
      }
      return existing;
    }
    const f: Field = {
      linked: true,
      ...spec,
      store: spec.store ?? 'unique',
      id: this.list.length,
    };
    this.list.push(f);
    this.expMap.set(f.exp, f);
    for (const a of f.aliases ?? []) if (!this.expMap.has(a)) this.expMap.set(a, f);
    if (!f.viewerOnly && !this.dbMap.has(f.db)) this.dbMap.set(f.db, f);
    return f;
  }

  /** Look up by expression name or alias. */
  byExp(exp: string): Field | undefined { return this.expMap.get(exp); }
  /** Look up by document path. */
  byDb(db: string): Field | undefined { return this.dbMap.get(db); }
  byId(id: number): Field { return this.list[id]; }
  all(): readonly Field[] { return this.list; }
  get size(): number { return this.list.length; }

  /** Name of the count companion in the document, if the field has one. */
  static cntPath(f: Field): string | undefined {
    if (!f.cnt) return undefined;
    return f.cnt === 'ecs' ? `${f.db}-cnt` : `${f.db}Cnt`;
  }

  /** Expression names of every field, aliases included (for autocomplete and error hints). */
  expressions(): string[] { return [...this.expMap.keys()]; }
}

/** The process-wide registry. Core fields live in `core.ts`; each parser defines its own. */
export const fields = new FieldRegistry();

export function defineField(spec: FieldSpec): Field {
  return fields.define(spec);
}
