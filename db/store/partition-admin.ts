// Arkime's ES admin pages over the embedded store: each partition (sessions3-YYMMDD) is an
// index, each live Parquet segment a primary shard, one node, always green. Partitions are
// removed by `packrat db expire` and merged by `packrat db optimize`, never by a viewer, whose
// store is opened read-only.
import os from 'node:os';
import { ClusterAdminError, type ClusterAdmin, type IndexRow, type NodeStatsRow, type ShardRow, type TaskRow } from '../backend/cluster-admin.js';
import type { EmbeddedSessionStore } from './session-store.js';

export class PartitionAdmin implements ClusterAdmin {
  constructor(private readonly store: EmbeddedSessionStore, private readonly node: string) {}

  async health(): Promise<Record<string, unknown>> {
    const segments = this.store.segments().length;
    return {
      cluster_name: 'packrat-embedded', status: 'green', timed_out: false, number_of_nodes: 1, number_of_data_nodes: 1,
      active_primary_shards: segments, active_shards: segments, relocating_shards: 0, initializing_shards: 0, unassigned_shards: 0,
    };
  }

  async indices(): Promise<IndexRow[]> {
    return this.store.partitions().map((p) => ({
      index: p.name, health: 'green', status: 'open', pri: p.segments, rep: 0,
      'docs.count': p.sessions, 'store.size': p.bytes, 'pri.store.size': p.bytes,
    })).sort((a, b) => a.index.localeCompare(b.index));
  }

  async shards(): Promise<ShardRow[]> {
    const n = new Map<string, number>();
    return this.store.segments().map((s) => {
      const shard = n.get(s.partition) ?? 0;
      n.set(s.partition, shard + 1);
      return { index: s.partition, shard, prirep: 'p' as const, state: 'STARTED', docs: s.rows, store: s.bytes, node: this.node };
    });
  }

  async tasks(): Promise<TaskRow[]> { return []; }

  async nodeStats(): Promise<NodeStatsRow[]> {
    const parts = this.store.partitions();
    return [{
      name: this.node, roles: ['data'], docs: parts.reduce((a, p) => a + p.sessions, 0), storeSize: parts.reduce((a, p) => a + p.bytes, 0),
      heapUsed: process.memoryUsage().heapUsed, heapMax: process.memoryUsage().heapTotal, load: os.loadavg()[0],
    }];
  }

  private refuse(name: string, what: string): never {
    if (!this.store.partitionNames().includes(name)) throw new ClusterAdminError(404, `no index ${name}`);
    throw new ClusterAdminError(400, `the embedded store's partitions are ${what} by \`packrat db ${what === 'deleted' ? 'expire' : 'optimize'}\`, not by the viewer`);
  }

  async deleteIndex(name: string): Promise<void> { this.refuse(name, 'deleted'); }
  async optimizeIndex(name: string): Promise<void> { this.refuse(name, 'merged'); }
}
