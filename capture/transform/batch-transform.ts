// Steps between a packet source and everything after it (pcap writer, copy, decoders): GIMS's
// capture-time transforms. A step rewrites packets in place (lengths unchanged: anonymisation)
// or drops them (sampling) by compacting `batch.meta`; what a step drops is never written nor
// decoded. Steps run on the capture's reading thread, once per batch, and allocate nothing per
// packet. Every capture path (live, `-r` import, `--json`) calls `applyTransforms` right after
// its source fills a batch.
import type { Config } from '../../db/config.js';
import { META_STRIDE, type PacketBatch } from '../readers/types.js';

export interface BatchTransform {
  /** For stats and messages ("anonymize", "packetSampling"...). */
  readonly name: string;
  /** Rewrite or drop packets of `batch` (drops compact `batch.meta` and lower `batch.count`). */
  apply(batch: PacketBatch): void;
  /** Counters for the stats document, e.g. { seen, kept }. */
  stats(): Record<string, number>;
}

export function applyTransforms(steps: readonly BatchTransform[], batch: PacketBatch): void {
  for (let i = 0; i < steps.length && batch.count > 0; i++) steps[i].apply(batch);
}

/**
 * Keep the packets `keep` says yes to, in order, compacting `batch.meta` in place. Returns how
 * many were dropped. For sampling steps.
 */
export function compactBatch(batch: PacketBatch, keep: (metaOff: number) => boolean): number {
  const meta = batch.meta;
  let out = 0;
  const n = batch.count;
  for (let i = 0; i < n; i++) {
    const m = i * META_STRIDE;
    if (!keep(m)) continue;
    if (out !== i) meta.copyWithin(out * META_STRIDE, m, m + META_STRIDE);
    out++;
  }
  batch.count = out;
  return n - out;
}

/** The steps a capture's config asks for, in order: sampling first (less to rewrite), then anonymisation. */
export function transformsFromConfig(_config: Config, _node: string): BatchTransform[] {
  const steps: BatchTransform[] = [];
  // Each transform adds itself here, reading its own config keys.
  return steps;
}
