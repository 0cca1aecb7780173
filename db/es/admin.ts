// `packrat db` on Elasticsearch/OpenSearch: init, info, expire, optimize, wipe, upgrade.
// The schema is a list of versioned migrations; the version reached is kept in the sessions
// template's `_meta.packratSchemaVersion` (beside Arkime's molochDbVersion). Every migration is
// idempotent (create-if-missing, put-template), so running `upgrade` twice changes nothing.
import type { FieldRegistry } from '../fields/registry.js';
import { PARTITION_PREFIX, hoursPerPartition, partitionRange, partitionSuffix, type RotateIndex } from '../backend/partition-name.js';
import type { EsApi } from './client.js';
import { ADMIN_INDICES, ADMIN_PROPERTIES, KEPT_BY_WIPE, adminIndexBody, adminMappings, historyTemplate, sessionsIndexPattern, sessionsTemplate, sessionsTemplateName } from './templates.js';

export interface InitOptions { shards?: number; replicas?: number; refresh?: string }

interface Migration { version: number; what: string; run(api: EsApi, registry: FieldRegistry, o: InitOptions, target: number): Promise<void> }

async function createIndexIfMissing(api: EsApi, index: string, body: unknown, alias?: string): Promise<boolean> {
  if (await indexExists(api, index)) return false;
  await api.request({ method: 'PUT', path: `/${index}`, body: alias ? { ...(body as object), aliases: { [alias]: {} } } : body }, [400]);
  return true;
}

async function indexExists(api: EsApi, index: string): Promise<boolean> {
  const r = await api.request({ method: 'GET', path: `/_cat/indices/${index}`, query: { format: 'json', h: 'index' } }, [404]);
  return Array.isArray(r) && r.length > 0;
}

/** Whether every node has the analysis-common module (the `pattern` tokenizer Arkime's wordSplit uses). */
export async function hasAnalysisCommon(api: EsApi): Promise<boolean> {
  const r = await api.request({ method: 'GET', path: '/_nodes/plugins', query: { filter_path: 'nodes.*.modules.name' } });
  const nodes = Object.values(r?.nodes ?? {}) as { modules?: { name: string }[] }[];
  return nodes.length > 0 && nodes.every((n) => (n.modules ?? []).some((m) => m.name === 'analysis-common'));
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    what: 'admin indices (files, sequence, stats, users, views, ...) behind unversioned aliases; history template',
    async run(api, _r, o) {
      const p = api.settings.prefix;
      for (const name of ADMIN_INDICES) await createIndexIfMissing(api, p + name, adminIndexBody(name), p + name.replace(/_v\d+$/, ''));
      await api.request({ method: 'PUT', path: `/_index_template/${p}history_v1_template`, body: historyTemplate({ prefix: p, schemaVersion: 1, replicas: o.replicas }) });
    },
  },
  {
    version: 2,
    what: 'sessions3 index template generated from the field registry',
    async run(api, registry, o, target) {
      const p = api.settings.prefix;
      const wordSplitTokenizer = await hasAnalysisCommon(api) ? 'pattern' : 'standard';
      if (wordSplitTokenizer === 'standard') process.stderr.write('packrat: the cluster has no analysis-common module; .tokens fields use the standard tokenizer instead of Arkime\'s pattern tokenizer\n');
      await api.request({ method: 'PUT', path: `/_index_template/${sessionsTemplateName(p)}`, body: sessionsTemplate(registry, { prefix: p, schemaVersion: target, wordSplitTokenizer, ...o }) });
    },
  },
  {
    version: 3,
    what: 'admin index mappings for the control store (files, stats, dstats, fields, users, views)',
    async run(api) {
      const p = api.settings.prefix;
      for (const name of Object.keys(ADMIN_PROPERTIES)) await api.request({ method: 'PUT', path: `/${p}${name}/_mapping`, body: adminMappings(name) });
    },
  },
  {
    version: 4,
    what: 'capture requests index (capturerequests_v1, issue 16) on clusters initialised before it',
    async run(api) {
      const p = api.settings.prefix;
      await createIndexIfMissing(api, `${p}capturerequests_v1`, adminIndexBody('capturerequests_v1'), `${p}capturerequests`);
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** Schema version the cluster is at: 0 before `init`. */
export async function schemaVersion(api: EsApi): Promise<number> {
  const r = await api.request({ method: 'GET', path: `/_index_template/${sessionsTemplateName(api.settings.prefix)}` }, [404]);
  const t = r?.index_templates?.[0]?.index_template;
  return Number(t?._meta?.packratSchemaVersion ?? t?.template?.mappings?._meta?.packratSchemaVersion ?? 0);
}

/**
 * Apply every migration above the cluster's version, then refresh the sessions template (new
 * parsers add fields without a new version). Returns the steps taken, for printing.
 */
export async function upgrade(api: EsApi, registry: FieldRegistry, o: InitOptions = {}): Promise<string[]> {
  const from = await schemaVersion(api);
  const done: string[] = [];
  for (const m of MIGRATIONS) {
    if (m.version <= from) continue;
    await m.run(api, registry, o, SCHEMA_VERSION);
    done.push(`v${m.version}: ${m.what}`);
  }
  if (from >= 2) await MIGRATIONS[1].run(api, registry, o, SCHEMA_VERSION);
  return done;
}

export const init = upgrade;

export interface IndexInfo { index: string; docs: number; bytes: number }

export async function sessionIndices(api: EsApi): Promise<IndexInfo[]> {
  const r = await api.request({ method: 'GET', path: `/_cat/indices/${sessionsIndexPattern(api.settings.prefix)}`, query: { format: 'json', bytes: 'b', h: 'index,docs.count,store.size' } }, [404]);
  const rows = Array.isArray(r) ? r as Record<string, string>[] : [];
  return rows.map((x) => ({ index: x.index, docs: Number(x['docs.count'] ?? 0), bytes: Number(x['store.size'] ?? 0) }))
    .sort((a, b) => a.index.localeCompare(b.index));
}

export type ExpireKind = 'hourly' | 'daily' | 'weekly' | 'monthly' | `hourly${number}`;

export function checkExpireKind(k: string): ExpireKind | undefined {
  return /^(hourly([2-9]|1[0-2])?|daily|weekly|monthly)$/.test(k) ? k as ExpireKind : undefined;
}

/**
 * Whether an index (or embedded partition) named by its suffix is older than `n` periods: its
 * start lies before now − (n+1) periods, so the current period and `n` before it are kept — the
 * same rule the embedded store's expire uses.
 */
export function isExpired(suffix: string, kind: ExpireKind, n: number, now: number): boolean {
  const hours = hoursPerPartition(kind as RotateIndex) || 1;
  const range = partitionRange(suffix, hours);
  if (!range) return false;
  const unitMs = kind.startsWith('hourly') ? hours * 3600e3 : { daily: 86400e3, weekly: 7 * 86400e3, monthly: 31 * 86400e3 }[kind as 'daily'];
  return range.start < now - (n + 1) * unitMs;
}

/** Names of the session indices the suffix rule expires (prefix stripped for the test). */
export function expiredIndices(indices: string[], prefix: string, kind: ExpireKind, n: number, now: number): string[] {
  const head = prefix + PARTITION_PREFIX;
  return indices.filter((i) => i.startsWith(head) && isExpired(i.slice(head.length), kind, n, now));
}

/** History indices `<prefix>history_v1-YYwWW` older than `weeks` weeks. */
export function expiredHistory(indices: string[], prefix: string, weeks: number, now: number): string[] {
  const head = `${prefix}history_v1-`;
  return indices.filter((i) => i.startsWith(head) && isExpired(i.slice(head.length), 'weekly', weeks, now));
}

async function deleteIndices(api: EsApi, names: string[]): Promise<void> {
  // By name, in chunks: clusters refuse wildcard deletes (action.destructive_requires_name).
  for (let i = 0; i < names.length; i += 50) {
    await api.request({ method: 'DELETE', path: `/${names.slice(i, i + 50).join(',')}`, query: { ignore_unavailable: true } }, [404]);
  }
}

export interface ExpireOptions { historyWeeks?: number; optimize?: boolean; dryRun?: boolean; now?: number }

export async function expire(api: EsApi, kind: ExpireKind, n: number, o: ExpireOptions = {}): Promise<{ deleted: string[]; merged: string[] }> {
  const now = o.now ?? Date.now();
  const p = api.settings.prefix;
  const sessions = (await sessionIndices(api)).map((x) => x.index);
  const hist = await api.request({ method: 'GET', path: `/_cat/indices/${p}history_v1-*`, query: { format: 'json', h: 'index' } }, [404]);
  const history = Array.isArray(hist) ? (hist as { index: string }[]).map((x) => x.index) : [];
  const deleted = [...expiredIndices(sessions, p, kind, n, now), ...expiredHistory(history, p, o.historyWeeks ?? 13, now)];
  const current = p + PARTITION_PREFIX + partitionSuffix(now, api.settings.rotateIndex);
  const merged = sessions.filter((i) => !deleted.includes(i) && i !== current);
  if (o.dryRun) return { deleted, merged: [] };
  await deleteIndices(api, deleted);
  if (o.optimize !== false && merged.length) await forceMerge(api, merged);
  return { deleted, merged: o.optimize === false ? [] : merged };
}

async function forceMerge(api: EsApi, indices: string[]): Promise<void> {
  for (let i = 0; i < indices.length; i += 50) {
    await api.request({ method: 'POST', path: `/${indices.slice(i, i + 50).join(',')}/_forcemerge`, query: { max_num_segments: 1 } });
  }
}

/** Force-merge every session index to one segment and the admin indices too. */
export async function optimize(api: EsApi): Promise<string[]> {
  const names = (await sessionIndices(api)).map((x) => x.index);
  if (names.length) await forceMerge(api, names);
  await api.request({ method: 'POST', path: `/${ADMIN_INDICES.map((a) => api.settings.prefix + a).join(',')}/_forcemerge`, query: { max_num_segments: 1, ignore_unavailable: true } }, [404]);
  return names;
}

/** Delete sessions, history and admin data except users, queries, parliament and configs, then re-create. */
export async function wipe(api: EsApi, registry: FieldRegistry, o: InitOptions = {}): Promise<string[]> {
  const p = api.settings.prefix;
  const sessions = (await sessionIndices(api)).map((x) => x.index);
  const hist = await api.request({ method: 'GET', path: `/_cat/indices/${p}history_v1-*`, query: { format: 'json', h: 'index' } }, [404]);
  const admin = ADMIN_INDICES.filter((a) => !KEPT_BY_WIPE.has(a)).map((a) => p + a);
  const names = [...sessions, ...(Array.isArray(hist) ? (hist as { index: string }[]).map((x) => x.index) : []), ...admin];
  await deleteIndices(api, names);
  for (const m of MIGRATIONS) await m.run(api, registry, o, SCHEMA_VERSION);
  return names;
}
