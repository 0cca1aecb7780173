// The one place that picks where sessions and control data live: `elasticsearch=` set puts both
// in the cluster (session indices and Arkime's admin indices); otherwise both are embedded in
// dataDir (DuckDB/Parquet segments and control.sqlite). Nothing above db/ asks which it got.
import { resolve } from 'node:path';
import type { Config } from '../config.js';
import type { FieldRegistry } from '../fields/registry.js';
import { connectEs } from '../es/client.js';
import { EsClusterAdmin } from '../es/cluster-admin.js';
import { EsControlStore } from '../es/es-control-store.js';
import { EsSearchBackend } from '../es/search-backend.js';
import { EsSessionSink } from '../es/session-sink.js';
import { esSettings, usesElasticsearch } from '../es/settings.js';
import { PartitionAdmin } from '../store/partition-admin.js';
import { EmbeddedSearchBackend } from '../store/session-query.js';
import { EmbeddedSessionStore } from '../store/session-store.js';
import { SqliteControlStore } from '../store/sqlite-control-store.js';
import type { ClusterAdmin } from './cluster-admin.js';
import type { ControlStore } from './control-store.js';
import type { SessionSearchBackend } from './search-backend.js';
import type { SessionSink } from './session-sink.js';

const dataDirOf = (config: Config): string => resolve(config.str('dataDir', './data'));

/** Whether this config keeps its data in a cluster (for messages and `db` subcommands only). */
export const usesCluster = usesElasticsearch;

/**
 * The control store. Embedded: `readOnly` opens an existing control.sqlite without creating or
 * migrating it. Cluster: no request is made until the first call; `waitOutOutages` (capture)
 * retries a request for up to `esControlRetrySec` while the cluster is down or overloaded.
 */
export async function openControlStore(config: Config, o: { readOnly?: boolean; waitOutOutages?: boolean } = {}): Promise<ControlStore> {
  if (usesElasticsearch(config)) {
    const outageMs = o.waitOutOutages ? config.int('esControlRetrySec', 600, 0) * 1000 : 0;
    return new EsControlStore(await connectEs(esSettings(config)), true, outageMs);
  }
  return SqliteControlStore.open(dataDirOf(config), { readOnly: o.readOnly });
}

export interface SessionSinkOptions {
  /** Rows per Parquet row group of embedded segments (live capture keeps them small); a cluster ignores it. */
  rowGroupSize?: number;
}

/** Where capture writes session documents. Whether it takes flattened batches: `sink.flat`. */
export async function openSessionSink(config: Config, registry: FieldRegistry, o: SessionSinkOptions = {}): Promise<SessionSink> {
  if (usesElasticsearch(config)) return EsSessionSink.open(esSettings(config));
  return EmbeddedSessionStore.open(dataDirOf(config), { rotateIndex: config.str('rotateIndex', 'daily'), registry, rowGroupSize: o.rowGroupSize });
}

export interface SearchStores { control: ControlStore; backend: SessionSearchBackend; clusterAdmin: ClusterAdmin; close(): Promise<void> }

/** What the viewer and `packrat query` search: sessions read-only, and the control store. */
export async function openSearchStores(config: Config, registry: FieldRegistry): Promise<SearchStores> {
  if (usesElasticsearch(config)) {
    const api = await connectEs(esSettings(config));
    const control = new EsControlStore(api);
    const backend = new EsSearchBackend(api, registry, { listFiles: () => control.listFiles() });
    return { control, backend, clusterAdmin: new EsClusterAdmin(api), close: async () => { await backend.close(); await control.close(); await api.close(); } };
  }
  const control = SqliteControlStore.open(dataDirOf(config));
  try {
    // a search the store is still running after queryTimeout seconds is stopped (0: never)
    const store = await EmbeddedSessionStore.open(dataDirOf(config), { rotateIndex: config.str('rotateIndex', 'daily'), registry, readOnly: true,
      queryTimeoutMs: config.int('queryTimeout', 300, 0) * 1000 });
    const backend = new EmbeddedSearchBackend(store, control.sync, registry);
    return { control, backend, clusterAdmin: new PartitionAdmin(store, config.node), close: async () => { await backend.close(); await store.close(); await control.close(); } };
  } catch (e) { await control.close(); throw e; }
}
