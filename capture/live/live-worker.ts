// Entry point of a live capture's packet worker thread. It runs the same PacketWorker as offline
// import (pipeline/worker-thread.ts) and differs where live capture does: packet positions carry a
// per-run file slot (file-positions.ts) that this thread turns into Arkime's packetPos itself, and,
// for a sink that takes flattened documents (the embedded store, `flat`), it flattens them into
// staging lines here. So only one buffer per partition crosses back to the capture's main thread,
// which keeps that thread (the one emptying the kernel ring) free of structured clones and
// document flattening. For any other sink (the cluster's bulk indexer) it posts the documents
// themselves, in batches: with each answer, and ahead of it every FLAT_CHUNK_ROWS.
import { parentPort, workerData } from 'node:worker_threads';
import { fields } from '../../db/fields/registry.js';
import { DocFlattener, postTransferring, type FlatBatch } from '../../db/store/flat-batch.js';
import { SharedBatchView } from '../pipeline/batch-view.js';
import { PacketWorker, type DocSink } from '../pipeline/packet-worker.js';
import { FLAT_CHUNK_ROWS, startPacketWorkerThread } from '../pipeline/worker-config.js';
import { captureSettings } from '../pipeline/setup.js';
import type { SharedTables } from '../enrich/index.js';
import { FilePositions } from './file-positions.js';
import { FlowTap, type FlowRecord } from '../export/ipfix.js';
import { ipfixEnabled } from '../export/ipfix-exporter.js';

export interface LiveWorkerInit {
  configFile?: string;
  configText?: string;
  overrides: [string, string][];
  node: string;
  threads: number;
  /** Flatten for a sink that takes flattened documents (its rotateIndex); else post documents. */
  flat?: { rotateIndex: string };
  /** Gap-encode packetPos (gapPacketPos). */
  gap: boolean;
  shared?: SharedTables;
}

export type ToLiveWorker =
  | { type: 'batch'; id: number; buf: SharedArrayBuffer; meta: SharedArrayBuffer; count: number; idx: SharedArrayBuffer; n: number }
  // A pcap file was opened: the next file slot. Sent before any batch with packets in it.
  | { type: 'fileOpened'; num: number }
  // Idle sessions time out on the wall clock even when no packet arrives.
  | { type: 'tick'; nowUs: number }
  | { type: 'finish' };

// Saved sessions ride along in `flat` (flattened) or `docs` (objects): one of them is always empty.
// `flows`: IPFIX records of the sessions saved since the last message (ipfixCollector= set).
export type FromLiveWorker =
  | { type: 'done'; id: number; flat: FlatBatch[]; docs: Record<string, unknown>[]; packets: number; flows?: FlowRecord[] }
  // Many sessions saved at once (a drain): sent ahead so no heap holds them all.
  | { type: 'saved'; flat: FlatBatch[]; docs: Record<string, unknown>[]; flows?: FlowRecord[] }
  | { type: 'ticked'; flat: FlatBatch[]; docs: Record<string, unknown>[]; active: number; heapUsed: number; flows?: FlowRecord[] }
  | { type: 'finished'; flat: FlatBatch[]; docs: Record<string, unknown>[]; flows?: FlowRecord[] }
  | { type: 'error'; message: string };

const init = workerData as LiveWorkerInit;
// The workers keep one plain position per packet; packetPos is laid out below.
const config = startPacketWorkerThread(init, [['gapPacketPos', 'false']]);

const positions = new FilePositions();
const flattener = init.flat ? new DocFlattener(fields, init.flat.rotateIndex) : undefined;
const none: FlatBatch[] = [];
const noDocs: Record<string, unknown>[] = [];
let docs: Record<string, unknown>[] = [];
/** Posts to the main thread; the batches' line buffers are transferred, not copied. */
const post = (m: FromLiveWorker) => postTransferring(parentPort!, m);
const take = (): FlatBatch[] => (flattener && flattener.pendingRows ? flattener.take() : none);
const takeDocs = (): Record<string, unknown>[] => {
  if (!docs.length) return noDocs;
  const out = docs; docs = [];
  return out;
};
const tap = ipfixEnabled(config) ? new FlowTap() : undefined;
const sink: DocSink = flattener
  ? (doc) => {
    tap?.add(doc);
    positions.rewrite(doc, init.gap);
    flattener.add(doc);
    if (flattener.pendingRows >= FLAT_CHUNK_ROWS) post({ type: 'saved', flat: flattener.take(), docs: noDocs, flows: tap?.take() } satisfies FromLiveWorker);
  }
  : (doc) => {
    tap?.add(doc);
    positions.rewrite(doc, init.gap);
    docs.push(doc);
    if (docs.length >= FLAT_CHUNK_ROWS) post({ type: 'saved', flat: none, docs: takeDocs(), flows: tap?.take() } satisfies FromLiveWorker);
  };
const worker = new PacketWorker(captureSettings(config), init.node, sink, init.threads);
const view = new SharedBatchView();

parentPort!.on('message', (m: ToLiveWorker) => {
  try {
    if (m.type === 'batch') {
      worker.process(view.adopt(m), view.idx, m.n);
      post({ type: 'done', id: m.id, flat: take(), docs: takeDocs(), packets: worker.packets, flows: tap?.take() } satisfies FromLiveWorker);
    } else if (m.type === 'fileOpened') {
      positions.fileOpened(m.num);
    } else if (m.type === 'tick') {
      worker.table.nowUs = m.nowUs;
      worker.table.expire();
      post({ type: 'ticked', flat: take(), docs: takeDocs(), active: worker.table.count, heapUsed: process.memoryUsage().heapUsed, flows: tap?.take() } satisfies FromLiveWorker);
    } else if (m.type === 'finish') {
      worker.finish();
      post({ type: 'finished', flat: take(), docs: takeDocs(), flows: tap?.take() } satisfies FromLiveWorker);
    }
  } catch (e) {
    post({ type: 'error', message: (e as Error).stack ?? String(e) } satisfies FromLiveWorker);
  }
});
