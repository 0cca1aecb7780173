// Entry point of a packet worker thread. The reader thread shares each batch (SharedArrayBuffer)
// with every worker plus, per worker, the indices of the packets it owns; the worker decodes
// those, keeps their sessions, and returns the documents of the sessions it saved: flattened
// into the embedded store's staging lines when `flat` is set (one string per partition crosses
// back, not a structured clone of every document), else as document objects for other sinks.
import { parentPort, workerData } from 'node:worker_threads';
import { fields } from '../../db/fields/registry.js';
import { DocFlattener, postTransferring, type FlatBatch } from '../../db/store/flat-batch.js';
import { SharedBatchView } from './batch-view.js';
import { PacketWorker } from './packet-worker.js';
import { FLAT_CHUNK_ROWS, startPacketWorkerThread } from './worker-config.js';
import { captureSettings } from './setup.js';
import { parserErrors } from '../session/tcp.js';
import type { SharedTables } from '../enrich/index.js';
import { FlowTap, type FlowRecord } from '../export/ipfix.js';
import { ipfixEnabled } from '../export/ipfix-exporter.js';

export interface WorkerInit {
  configFile?: string; configText?: string; overrides: [string, string][]; node: string; threads: number;
  /** Flatten documents for the embedded store (its rotateIndex) instead of returning objects. */
  flat?: { rotateIndex: string };
  /** Lookup tables the parent loaded into shared memory (enrich/shared-tables.ts): one copy for all threads. */
  shared?: SharedTables;
}

export type ToWorker =
  | { type: 'batch'; id: number; buf: SharedArrayBuffer; meta: SharedArrayBuffer; count: number; idx: SharedArrayBuffer; n: number }
  | { type: 'file'; fileNum: number; tags: string[] }
  | { type: 'finish' }
  // Live capture: idle sessions time out on the wall clock even when no packet arrives.
  | { type: 'tick'; nowUs: number };

export type FromWorker =
  // parserErrors: this thread's running count of parsers that threw or gave up (session/tcp.ts).
  // flows: IPFIX records of the sessions saved since the last message (ipfixCollector= set).
  | { type: 'done'; id: number; docs: Record<string, unknown>[]; flat: FlatBatch[]; packets: number; parserErrors: number; flows?: FlowRecord[] }
  | { type: 'finished'; docs: Record<string, unknown>[]; flat: FlatBatch[]; packets: number; corrupt: number; parserErrors: number; flows?: FlowRecord[] }
  | { type: 'error'; message: string }
  // Import only: flattened sessions sent ahead of the batch's 'done' or 'finished' when many
  // are saved at once (end of file), so no heap holds them all as text.
  | { type: 'flat'; flat: FlatBatch[]; flows?: FlowRecord[] }
  // heapUsed: this thread's V8 heap (bytes), for the live stats.
  | { type: 'ticked'; docs: Record<string, unknown>[]; packets: number; active: number; saved: number; heapUsed: number };

const init = workerData as WorkerInit;
const config = startPacketWorkerThread(init);
let docs: Record<string, unknown>[] = [];
const flattener = init.flat ? new DocFlattener(fields, init.flat.rotateIndex) : undefined;
const tap = ipfixEnabled(config) ? new FlowTap() : undefined;
const addFlat = (d: Record<string, unknown>) => {
  tap?.add(d);
  flattener!.add(d);
  if (flattener!.pendingRows >= FLAT_CHUNK_ROWS) post({ type: 'flat', flat: flattener!.take(), flows: tap?.take() } satisfies FromWorker);
};
const worker = new PacketWorker(captureSettings(config), init.node, flattener ? addFlat : (d) => { tap?.add(d); docs.push(d); }, init.threads);
const none: FlatBatch[] = [];
/** Posts to the main thread; the batches' line buffers are transferred, not copied. */
const post = (m: FromWorker) => postTransferring(parentPort!, m);
const takeFlat = () => (flattener && flattener.pendingRows ? flattener.take() : none);
const view = new SharedBatchView();

parentPort!.on('message', (m: ToWorker) => {
  try {
    if (m.type === 'batch') {
      const batch = view.adopt(m);
      worker.process(batch, view.idx, m.n);
      const out = docs; docs = [];
      post({ type: 'done', id: m.id, docs: out, flat: takeFlat(), packets: worker.packets, parserErrors: parserErrors.count, flows: tap?.take() } satisfies FromWorker);
    } else if (m.type === 'file') {
      worker.setFile(m.fileNum, m.tags);
    } else if (m.type === 'tick') {
      worker.table.nowUs = m.nowUs;
      worker.table.expire();
      const out = docs; docs = [];
      post({ type: 'ticked', docs: out, packets: worker.packets, active: worker.table.count, saved: worker.table.saved, heapUsed: process.memoryUsage().heapUsed } satisfies FromWorker);
    } else if (m.type === 'finish') {
      worker.finish();
      const out = docs; docs = [];
      post({ type: 'finished', docs: out, flat: takeFlat(), packets: worker.packets, corrupt: worker.corrupt, parserErrors: parserErrors.count, flows: tap?.take() } satisfies FromWorker);
    }
  } catch (e) {
    post({ type: 'error', message: (e as Error).stack ?? String(e) } satisfies FromWorker);
  }
});
