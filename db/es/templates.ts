// Index templates generated from the field registry, following Arkime's sessions3 mapping
// (db/db.pl sessions3Update): dynamic templates for *Ip / ip / *Tokens / strings, explicit
// properties for every registered field, `*Cnt` as long, packetPos/packetLen not indexed,
// `*Tokens` fields fed by copy_to from the field they tokenize.
import { FieldRegistry, type Field, type FieldKind } from '../fields/registry.js';
import { PARTITION_PREFIX } from '../backend/partition-name.js';

/** Arkime's DB version that capture checks in the template's `_meta` (reference 1.8). */
export const ARKIME_DB_VERSION = 86;

export interface TemplateOptions {
  /**
   * Arkime's wordSplit uses the `pattern` tokenizer of the analysis-common module; a cluster
   * without that module (Elasticsearch's integ-test distribution) gets `standard` instead.
   */
  wordSplitTokenizer?: 'pattern' | 'standard';
  prefix: string;
  shards?: number;
  replicas?: number;
  refresh?: string;
  /** Packrat's own schema version, also kept in `_meta` (see migrations.ts). */
  schemaVersion: number;
}

type Mapping = Record<string, unknown>;

const KEYWORD: Mapping = { type: 'keyword' };

/** ES mapping of one field kind; undefined for viewer-only kinds that never reach a document. */
export function esTypeOf(kind: FieldKind): Mapping | undefined {
  switch (kind) {
    case 'integer': return { type: 'long' };
    case 'seconds': case 'date': return { type: 'date' };
    case 'float': return { type: 'float' };
    case 'ip': return { type: 'ip' };
    case 'boolean': return { type: 'boolean' };
    case 'termfield': case 'lotermfield': case 'uptermfield': return KEYWORD;
    case 'textfield': case 'lotextfield': case 'uptextfield': return { type: 'text', analyzer: 'wordSplit', norms: false };
    default: return undefined;
  }
}

export class TemplateError extends Error {}

/** Tree of `properties` objects built from dotted paths, refusing a path that is both leaf and object. */
class PropertyTree {
  readonly root: Record<string, Mapping> = {};
  private readonly owner = new Map<string, string>();

  put(path: string, mapping: Mapping, who: string): void {
    const parts = path.split('.');
    let props = this.root;
    for (let i = 0; i < parts.length - 1; i++) {
      const sub = parts.slice(0, i + 1).join('.');
      let node = props[parts[i]] as { properties?: Record<string, Mapping>; type?: string } | undefined;
      if (node && node.type !== undefined && node.type !== 'object') {
        throw new TemplateError(`mapping conflict: ${who} needs ${sub} to be an object but ${this.owner.get(sub)} maps it as ${node.type}`);
      }
      if (!node) { node = { properties: {} }; props[parts[i]] = node; this.owner.set(sub, who); }
      props = node.properties!;
    }
    const leaf = parts[parts.length - 1];
    const existing = props[leaf] as { properties?: unknown; type?: string } | undefined;
    if (existing?.properties) throw new TemplateError(`mapping conflict: ${who} maps ${path} as ${String(mapping.type)} but ${this.owner.get(path)} uses it as an object`);
    if (existing && existing.type !== mapping.type) {
      throw new TemplateError(`mapping conflict: ${path} is ${existing.type} for ${this.owner.get(path)} and ${String(mapping.type)} for ${who}`);
    }
    props[leaf] = existing ? { ...existing, ...mapping } : { ...mapping };
    this.owner.set(path, who);
  }
}

/** The `mappings` object of the sessions3 template. */
export function sessionsMappings(registry: FieldRegistry, schemaVersion: number): Mapping {
  const t = new PropertyTree();
  const byDb = new Map<string, Field>();
  for (const f of registry.all()) if (!byDb.has(f.db)) byDb.set(f.db, f);
  for (const f of registry.all()) {
    if (f.db === '_id' || f.regex !== undefined) continue;
    const isTokens = f.db.endsWith('Tokens');
    if (f.viewerOnly && !isTokens) continue;
    const m = esTypeOf(f.kind);
    if (!m) continue;
    if (isTokens) {
      t.put(f.db, { type: 'text', analyzer: 'wordSplit', norms: false }, f.exp);
      const base = byDb.get(f.db.slice(0, -'Tokens'.length));
      if (base && !base.viewerOnly) t.put(base.db, { ...esTypeOf(base.kind), copy_to: f.db }, base.exp);
      continue;
    }
    t.put(f.db, m, f.exp);
    const cnt = FieldRegistry.cntPath(f);
    if (cnt) t.put(cnt, { type: 'long' }, f.exp + '.cnt');
  }
  // Document fields the registry does not publish (reference 1.3 and 1.6).
  t.put('packetPos', { type: 'long', index: false }, 'packetPos');
  t.put('packetLen', { type: 'integer', index: false }, 'packetLen');
  t.put('fileId', { type: 'long' }, 'fileId');
  t.put('packetRange', { type: 'date_range' }, 'packetRange');
  t.put('certCnt', { type: 'long' }, 'certCnt');
  t.put('dnsCnt', { type: 'long' }, 'dnsCnt');
  return {
    _meta: { molochDbVersion: ARKIME_DB_VERSION, packratSchemaVersion: schemaVersion },
    dynamic: true,
    dynamic_templates: [
      { template_ip_end: { match: '*Ip', mapping: { type: 'ip' } } },
      { template_ip_alone: { match: 'ip', mapping: { type: 'ip' } } },
      { template_word_split: { match: '*Tokens', mapping: { analyzer: 'wordSplit', type: 'text', norms: false } } },
      { template_string: { match_mapping_type: 'string', mapping: { type: 'keyword' } } },
    ],
    properties: t.root,
  };
}

export function sessionsTemplateName(prefix: string): string { return `${prefix}sessions3_template`; }
export function sessionsIndexPattern(prefix: string): string { return `${prefix}${PARTITION_PREFIX}*`; }

/** Body for `PUT _index_template/<prefix>sessions3_template` (composable template; ES ≥7.8, OpenSearch ≥1). */
export function sessionsTemplate(registry: FieldRegistry, o: TemplateOptions): Mapping {
  return {
    index_patterns: [sessionsIndexPattern(o.prefix)],
    priority: 99,
    _meta: { molochDbVersion: ARKIME_DB_VERSION, packratSchemaVersion: o.schemaVersion },
    template: {
      settings: {
        index: {
          number_of_shards: o.shards ?? 1,
          number_of_replicas: o.replicas ?? 0,
          refresh_interval: o.refresh ?? '60s',
          'mapping.total_fields.limit': 5000,
        },
        analysis: { analyzer: { wordSplit: { type: 'custom', tokenizer: o.wordSplitTokenizer ?? 'pattern', filter: ['lowercase'] } } },
      },
      mappings: sessionsMappings(registry, o.schemaVersion),
    },
  };
}

/** Weekly history indices `<prefix>history_v1-YYwWW`, as Arkime names them. */
export function historyTemplate(o: TemplateOptions): Mapping {
  return {
    index_patterns: [`${o.prefix}history_v1-*`],
    priority: 99,
    template: {
      settings: { index: { number_of_shards: 1, number_of_replicas: o.replicas ?? 0 } },
      mappings: { dynamic: true, dynamic_templates: [{ string_template: { match_mapping_type: 'string', mapping: { type: 'keyword' } } }], properties: { timestamp: { type: 'date', format: 'epoch_second' } } },
    },
  };
}

/** Admin (control) indices: real name carries the version, used through the unversioned alias. */
export const ADMIN_INDICES = [
  'sequence_v30', 'files_v30', 'stats_v30', 'dstats_v30', 'fields_v30', 'queries_v30', 'users_v30',
  'hunts_v30', 'lookups_v30', 'notifiers_v40', 'views_v40', 'parliament_v50', 'configs_v50', 'shareables_v60',
  // Packrat's: capture requests (pcapdaemon's model)
  'capturerequests_v1',
] as const;

/** Indices `wipe` keeps (Arkime keeps users, queries, parliament, configs). */
export const KEPT_BY_WIPE = new Set<string>(['users_v30', 'queries_v30', 'parliament_v50', 'configs_v50']);

const KW: Mapping = { type: 'keyword' };
const LONG: Mapping = { type: 'long' };
const OPAQUE: Mapping = { type: 'object', enabled: false };

/**
 * Explicit properties of the admin indices the control store reads by field (Arkime's db.pl
 * mappings for these properties); anything else in a doc is kept in `_source` and mapped by
 * the string → keyword rule, except field definitions, whose extra properties differ in type
 * from one definition to the next and so are not indexed at all.
 */
export const ADMIN_PROPERTIES: Record<string, Mapping> = {
  files_v30: { num: LONG, node: KW, first: LONG, name: KW, locked: { type: 'short' }, filesize: LONG, packetPosEncoding: KW },
  stats_v30: { nodeName: KW, hostname: KW, currentTime: LONG },
  dstats_v30: { nodeName: KW, interval: { type: 'short' }, currentTime: LONG },
  fields_v30: { friendlyName: KW, group: KW, help: KW, dbField: KW, dbField2: KW, type: KW, exp: KW },
  users_v30: {
    userId: KW, userName: KW, enabled: { type: 'boolean' }, roles: KW, expression: KW, apiKey: KW, apiKeyNodes: KW, apiKeyAllow: KW,
    passHash: { type: 'keyword', index: false }, passStore: { type: 'keyword', index: false },
    settings: OPAQUE, columnConfigs: OPAQUE, infoFieldConfigs: OPAQUE, spiviewFieldConfigs: OPAQUE, tableStates: OPAQUE,
    lastUsed: { type: 'date' },
  },
  views_v40: { name: KW, user: KW, expression: KW, shared: { type: 'boolean' }, sessionsColConfig: OPAQUE, users: KW, roles: KW, editRoles: KW },
};

/** Properties of Packrat's own admin indices (created by their own migration, not mapped by migration 3). */
export const PACKRAT_ADMIN_PROPERTIES: Record<string, Mapping> = {
  capturerequests_v1: { id: KW, node: KW, state: KW, created: LONG, request: OPAQUE, delivered: OPAQUE },
};

export function adminMappings(name: string): Mapping {
  if (name === 'sequence_v30') return { enabled: false };
  // long strings (a history query, a help text) are kept but not indexed rather than refused
  const mappings: Mapping = { dynamic: name !== 'fields_v30', dynamic_templates: [{ string_template: { match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: 4096 } } }] };
  const props = ADMIN_PROPERTIES[name] ?? PACKRAT_ADMIN_PROPERTIES[name];
  if (props) mappings.properties = props;
  return mappings;
}

export function adminIndexBody(name: string): Mapping {
  return { settings: { index: { number_of_shards: 1, number_of_replicas: 0, auto_expand_replicas: '0-2' } }, mappings: adminMappings(name) };
}
