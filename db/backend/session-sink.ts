// Where capture writes session documents: the embedded store by default, or Elasticsearch /
// OpenSearch bulk indexing when `elasticsearch=` is set. Both take documents, make them durable
// on flush() (ES: acknowledged or spooled to disk), and finish on close().
import type { FlatBatch } from '../store/flat-batch.js';

/**
 * A sink that takes documents already flattened into staging lines (store/flat-batch.ts), made
 * by a DocFlattener in the thread that built them: the line buffers cross threads without a copy.
 */
export interface FlatBatchTarget {
  /** The partitioning the flattener must use (rotateIndex). */
  readonly rotateIndex: string;
  appendBatches(batches: readonly FlatBatch[]): void;
}

export interface SessionSink {
  append(docs: Iterable<Record<string, unknown>>): void;
  /**
   * Set when the sink takes flattened documents (the embedded store). Capture decides from this
   * alone: its packet threads flatten for `flat` when it is set, and post document objects for
   * append() when it is not (the cluster's bulk indexer serializes documents itself).
   */
  readonly flat?: FlatBatchTarget;
  /** Documents appended that a flush has not yet made durable (stats; embedded: staged rows). */
  readonly pendingCount: number;
  /** Documents given to the sink that it could not keep (embedded: a full dataDir). */
  readonly lostRows?: number;
  /**
   * Bulk import hints, for sinks that merge what they wrote (the embedded store): hold merges
   * while the packet threads run, then run the held ones with `threads` threads in partitions
   * that gathered at least `minSegments` pieces.
   */
  holdMerges?(): void;
  releaseMerges?(threads: number, minSegments: number): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
}
