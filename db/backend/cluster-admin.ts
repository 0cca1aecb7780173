// What Arkime's ES admin pages (/api/eshealth, esindices, esshards, estasks, esstats) ask of
// the store. The cluster answers from its own APIs; the embedded store answers the same shapes
// with its partitions as indices and its segments as shards, so the pages work on both.

/** A row of `_cat/indices` (Arkime's esindices table), numbers as numbers. */
export interface IndexRow {
  index: string; health: string; status: string; pri: number; rep: number;
  'docs.count': number; 'store.size': number; 'pri.store.size': number; 'creation.date'?: number;
}

/** A row of `_cat/shards`. */
export interface ShardRow {
  index: string; shard: number; prirep: 'p' | 'r'; state: string; docs: number; store: number;
  node?: string; ip?: string; 'unassigned.reason'?: string;
}

export interface TaskRow { id: string; action: string; node: string; running_time_in_nanos: number; cancellable: boolean; description?: string }

export interface NodeStatsRow { name: string; ip?: string; roles: string[]; docs: number; storeSize: number; freeSize?: number; heapUsed?: number; heapMax?: number; load?: number }

export interface ClusterAdmin {
  /** `_cluster/health` as the cluster gives it (status, number_of_nodes, shard counts...). */
  health(): Promise<Record<string, unknown>>;
  /** This installation's indices (its prefix only: other applications' indices are not ours). */
  indices(): Promise<IndexRow[]>;
  shards(): Promise<ShardRow[]>;
  tasks(): Promise<TaskRow[]>;
  nodeStats(): Promise<NodeStatsRow[]>;
  /** Deletes one index by exact name; refuses one that is not this installation's. */
  deleteIndex(name: string): Promise<void>;
  /** Merges one index down to one segment. */
  optimizeIndex(name: string): Promise<void>;
}

/** A request the admin cannot carry out (unknown or foreign index): HTTP 400/404 with this text. */
export class ClusterAdminError extends Error {
  constructor(readonly status: 400 | 404, message: string) { super(message); }
}
