// Offline import into the store: the reader (this thread) reads large chunks into shared
// buffers, splits each batch among `packetThreads` workers by flow hash, and writes the session
// documents the workers return to the session store every `dbFlushTimeout` seconds.
import { Worker } from 'node:worker_threads';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../../db/config.js';
import { fields } from '../../db/fields/registry.js';
import { openSessionSink } from '../../db/es/session-sink.js';
import { EmbeddedSessionStore } from '../../db/store/session-store.js';
import type { FlatBatch } from '../../db/store/flat-batch.js';
import { ControlStore } from '../../db/store/control-store.js';
import { newFileBatch, openPacketSource } from '../readers/open.js';
import type { PacketBatch } from '../readers/types.js';
import { splitBatch } from './dispatch.js';
import { parseFilenameOps, tagsForFile } from './file-tags.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker-thread.js';
import { Progress } from './progress.js';
import './setup.js'; // registers every parser's fields before the store opens

export interface ImportOptions {
  tags: string[];
  copy: boolean;
  deleteAfter: boolean;
  flushBetweenFiles: boolean;
  monitorDirs: string[];
  quiet: boolean;
}

export interface ImportResult { files: number; packets: number; sessions: number; bytes: number; seconds: number; errors: string[] }

interface Slot { batch: PacketBatch; lists: Int32Array[]; counts: Int32Array; pending: number; done?: () => void }

export async function runImport(config: Config, node: string, files: string[], o: ImportOptions): Promise<ImportResult> {
  const t0 = performance.now();
  const dataDir = resolve(config.str('dataDir', './data'));
  const store = await openSessionSink(config, fields); // embedded store, or ES bulk when elasticsearch= is set
  const control = ControlStore.open(dataDir);
  control.publishFields(fields.all().map((f) => ({ ...f })));
  const threads = config.int('packetThreads', 1, 1, 24);
  const flushMs = config.int('dbFlushTimeout', 5, 1) * 1000;
  // The embedded store takes documents already flattened by the workers (see worker-thread.ts).
  const embedded = store instanceof EmbeddedSessionStore ? store : undefined;
  const init: WorkerInit = {
    configFile: config.file === '(inline)' ? undefined : config.file, configText: undefined, overrides: config.overrideList(), node, threads,
    flat: embedded ? { rotateIndex: embedded.rotateIndex } : undefined,
  };
  const workers = Array.from({ length: threads }, () => new Worker(new URL('./worker-thread.js', import.meta.url), { workerData: init }));
  const errors: string[] = [];
  let sessions = 0, packets = 0, bytesRead = 0;
  let lastFlush = performance.now();
  let flushing: Promise<void> | undefined;
  const progress = new Progress(o.quiet);

  const onDocs = (docs: Record<string, unknown>[], flat: FlatBatch[]) => {
    if (docs.length) { store.append(docs); sessions += docs.length; }
    if (flat.length) { embedded!.appendBatches(flat); for (const b of flat) sessions += b.rows; }
  };
  // Enough batches in flight that a worker busy with a heavy stretch does not stall the other.
  const slots: Slot[] = Array.from({ length: 8 }, () => {
    const batch = newFileBatch(4 * 1024 * 1024, undefined, true);
    return {
      batch,
      lists: workers.map(() => new Int32Array(new SharedArrayBuffer(batch.capacity * 4))),
      counts: new Int32Array(threads),
      pending: 0,
    };
  });
  const byId = new Map<number, Slot>();
  let finishedWaiters: ((m: FromWorker) => void)[] = [];
  let failure: Error | undefined;
  for (const w of workers) {
    w.on('message', (m: FromWorker) => {
      if (m.type === 'done') {
        onDocs(m.docs, m.flat);
        const s = byId.get(m.id)!;
        if (--s.pending === 0) { byId.delete(m.id); s.done?.(); }
      } else if (m.type === 'finished') {
        onDocs(m.docs, m.flat);
        packets += m.packets;
        const f = finishedWaiters.shift(); f?.(m);
      } else if (m.type === 'error') {
        failure = new Error(`packet worker failed: ${m.message}`);
        for (const s of byId.values()) s.done?.();
      }
    });
    w.on('error', (e) => { failure = e; for (const s of byId.values()) s.done?.(); });
  }

  let nextId = 1;
  const idle = (s: Slot) => s.pending === 0 ? Promise.resolve() : new Promise<void>((r) => { s.done = r; });
  const ops = parseFilenameOps(config);
  let slotIdx = 0;
  for (const file of files) {
    let src;
    try { src = openPacketSource(file); } catch (e) { errors.push((e as Error).message); progress.log(`packrat: ${(e as Error).message}`); continue; }
    const size = statSync(file).size;
    const fileNum = control.nextFileNum(node);
    control.registerFile({ node, num: fileNum, name: file, first: 0, locked: 1, filesize: size, packetPosEncoding: config.bool('gapPacketPos', true) ? 'gap0' : undefined });
    const tags = [...o.tags, ...tagsForFile(ops, file)];
    for (const w of workers) w.postMessage({ type: 'file', fileNum, tags } satisfies ToWorker);
    progress.startFile(file, size);
    let first = 0;
    for (;;) {
      const slot = slots[slotIdx];
      slotIdx = (slotIdx + 1) % slots.length;
      await idle(slot);
      if (failure) throw failure;
      if (!src.next(slot.batch)) break;
      if (!first && slot.batch.count) first = slot.batch.meta[3];
      splitBatch(slot.batch, slot.lists, slot.counts);
      const id = nextId++;
      slot.pending = threads;
      slot.done = undefined;
      byId.set(id, slot);
      for (let w = 0; w < threads; w++) {
        workers[w].postMessage({
          type: 'batch', id, buf: slot.batch.buf.buffer as SharedArrayBuffer, meta: slot.batch.meta.buffer as SharedArrayBuffer,
          count: slot.batch.count, idx: slot.lists[w].buffer as SharedArrayBuffer, n: slot.counts[w],
        } satisfies ToWorker);
      }
      progress.update(src.position, sessions);
      if (performance.now() - lastFlush > flushMs && !flushing) {
        // Written in the background: the workers keep getting packets meanwhile.
        lastFlush = performance.now();
        flushing = store.flush().catch((e: Error) => { failure ??= e; }).finally(() => { flushing = undefined; });
      }
    }
    for (const s of slots) await idle(s);
    if (src.error) { errors.push(src.error.message); progress.log(`packrat: ${src.error.message}; sessions before it are kept`); }
    bytesRead += src.position;
    src.close();
    control.updateFile(`${node}-${fileNum}`, { first, finishTimestamp: Math.floor(Date.now() / 1000) });
    progress.endFile();
  }
  await Promise.all(workers.map((w) => new Promise<FromWorker>((r) => { finishedWaiters.push(r); w.postMessage({ type: 'finish' } satisfies ToWorker); })));
  finishedWaiters = [];
  await flushing;
  if (failure) throw failure;
  await store.flush();
  await Promise.all(workers.map((w) => w.terminate()));
  await store.close();
  control.close();
  const seconds = (performance.now() - t0) / 1000;
  progress.done({ files: files.length, packets, sessions, bytes: bytesRead, seconds });
  return { files: files.length, packets, sessions, bytes: bytesRead, seconds, errors };
}
