// Entry point of a live capture's packet worker thread. It runs the same PacketWorker as offline
// import (pipeline/worker-thread.ts) and differs where live capture does: packet positions carry a
// per-run file slot (file-positions.ts) that this thread turns into Arkime's packetPos itself, and
// it flattens the documents into the embedded store's staging lines here. So only one string per
// partition crosses back to the capture's main thread, which keeps that thread (the one emptying
// the kernel ring) free of structured clones and document flattening.
import { parentPort, workerData } from 'node:worker_threads';
import { fields } from '../../db/fields/registry.js';
import { DocFlattener, postTransferring, type FlatBatch } from '../../db/store/flat-batch.js';
import { SharedBatchView } from '../pipeline/batch-view.js';
import { PacketWorker } from '../pipeline/packet-worker.js';
import { FLAT_CHUNK_ROWS, startPacketWorkerThread } from '../pipeline/worker-config.js';
import { captureSettings } from '../pipeline/setup.js';
import type { SharedTables } from '../enrich/index.js';
import { FilePositions } from './file-positions.js';

export interface LiveWorkerInit {
  configFile?: string;
  configText?: string;
  overrides: [string, string][];
  node: string;
  threads: number;
  /** The embedded store's rotateIndex: partitions of the flattened documents. */
  rotateIndex: string;
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

export type FromLiveWorker =
  | { type: 'done'; id: number; flat: FlatBatch[]; packets: number }
  // Many sessions saved at once (a drain): sent ahead so no heap holds them all as text.
  | { type: 'flat'; flat: FlatBatch[] }
  | { type: 'ticked'; flat: FlatBatch[]; active: number; heapUsed: number }
  | { type: 'finished'; flat: FlatBatch[] }
  | { type: 'error'; message: string };

const init = workerData as LiveWorkerInit;
// The workers keep one plain position per packet; packetPos is laid out below.
const config = startPacketWorkerThread(init, [['gapPacketPos', 'false']]);

const positions = new FilePositions();
const flattener = new DocFlattener(fields, init.rotateIndex);
const none: FlatBatch[] = [];
/** Posts to the main thread; the batches' line buffers are transferred, not copied. */
const post = (m: FromLiveWorker) => postTransferring(parentPort!, m);
const take = (): FlatBatch[] => (flattener.pendingRows ? flattener.take() : none);
const worker = new PacketWorker(captureSettings(config), init.node, (doc) => {
  positions.rewrite(doc, init.gap);
  flattener.add(doc);
  if (flattener.pendingRows >= FLAT_CHUNK_ROWS) post({ type: 'flat', flat: flattener.take() } satisfies FromLiveWorker);
}, init.threads);
const view = new SharedBatchView();

parentPort!.on('message', (m: ToLiveWorker) => {
  try {
    if (m.type === 'batch') {
      worker.process(view.adopt(m), view.idx, m.n);
      post({ type: 'done', id: m.id, flat: take(), packets: worker.packets } satisfies FromLiveWorker);
    } else if (m.type === 'fileOpened') {
      positions.fileOpened(m.num);
    } else if (m.type === 'tick') {
      worker.table.nowUs = m.nowUs;
      worker.table.expire();
      post({ type: 'ticked', flat: take(), active: worker.table.count, heapUsed: process.memoryUsage().heapUsed } satisfies FromLiveWorker);
    } else if (m.type === 'finish') {
      worker.finish();
      post({ type: 'finished', flat: take() } satisfies FromLiveWorker);
    }
  } catch (e) {
    post({ type: 'error', message: (e as Error).stack ?? String(e) } satisfies FromLiveWorker);
  }
});
