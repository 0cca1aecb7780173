// `packrat db expire <hourly|hourlyN|daily|weekly|monthly> N` on the embedded store: whole
// session partitions older than N periods go (the partition's start, from its name, before
// now − (N+1) periods: the rule `db/es/admin.ts isExpired` applies to Elasticsearch indices),
// and so does history older than `--history` weeks (default 13), as db.pl expire does.
import { checkExpireKind, isExpired, type ExpireKind } from '../es/admin.js';
import { PARTITION_PREFIX } from '../backend/partition-name.js';
import type { ControlStore } from '../backend/control-store.js';

/** What expire needs of the session store (EmbeddedSessionStore has both). */
export interface PartitionedStore {
  partitionNames(): string[];
  deletePartition(name: string): Promise<void>;
}

export interface SessionExpiryOptions { historyWeeks?: number; dryRun?: boolean; now?: number }

export interface SessionExpiryResult { partitions: string[]; historyRows: number; historyBefore: number }

export { checkExpireKind, type ExpireKind };

const WEEK_MS = 7 * 86400e3;

export async function expireSessions(store: PartitionedStore, control: ControlStore | undefined, kind: ExpireKind, n: number,
                                     o: SessionExpiryOptions = {}): Promise<SessionExpiryResult> {
  if (!Number.isInteger(n) || n < 0) throw new Error(`expire needs a whole number of periods, not ${n}`);
  const now = o.now ?? Date.now();
  const partitions = store.partitionNames()
    .filter((name) => name.startsWith(PARTITION_PREFIX) && isExpired(name.slice(PARTITION_PREFIX.length), kind, n, now));
  const historyBefore = now - (o.historyWeeks ?? 13) * WEEK_MS;
  let historyRows = 0;
  if (control) historyRows = await control.expireHistory(historyBefore, { dryRun: o.dryRun });
  if (!o.dryRun) for (const name of partitions) await store.deletePartition(name);
  return { partitions, historyRows, historyBefore };
}
