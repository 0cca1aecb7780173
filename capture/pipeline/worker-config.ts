// What every packet-worker thread (offline import and live capture) does first: heap policy,
// shared lookup tables, its config, and the `[headers-*]` fields.
import { setFlagsFromString } from 'node:v8';
import { Config } from '../../db/config.js';
import { defineConfigFields } from '../../db/fields/config-fields.js';
import { adoptSharedTables, type SharedTables } from '../enrich/index.js';

/**
 * V8 lets a heap grow up to 4x its live size before the next full collection. A packet worker
 * keeps a modest live set (its open sessions) but turns over a great deal of short-lived
 * garbage, so its heap would sit near 4x live for the whole run. Growing by half of live each
 * time keeps each worker's heap near the sessions it holds, for a few more (cheap) full GCs.
 * The flag is process-wide; set once, when a packet-worker thread starts.
 */
const HEAP_GROWING_PERCENT = 50;

/** Rows of flattened documents that make a 'flat' message of their own (a few MB of text). */
export const FLAT_CHUNK_ROWS = 2000;

export interface WorkerConfigInit {
  configFile?: string;
  configText?: string;
  overrides: [string, string][];
  node: string;
  shared?: SharedTables;
}

/** Set up this packet-worker thread and return its config (`extra` overrides applied last). */
export function startPacketWorkerThread(init: WorkerConfigInit, extra: [string, string][] = []): Config {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  adoptSharedTables(init.shared);
  const config = init.configFile ? Config.load(init.configFile, init.node) : Config.fromText(init.configText ?? '[default]\n', init.node);
  for (const [k, v] of [...init.overrides, ...extra]) config.override(k, v);
  // `[headers-*]` fields must exist before the flattener lays out its columns.
  defineConfigFields((name) => config.section(name));
  return config;
}
