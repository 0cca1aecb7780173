// Offline import into the store: the reader (this thread) reads large chunks into shared
// buffers, splits each batch among `packetThreads` workers by flow hash, and writes the session
// documents the workers return to the session store every `dbFlushTimeout` seconds.
// Arkime's offline options (reference 5.8): --copy writes the packets into pcapDir and registers
// the copy; --delete removes a source once imported; --flush saves every open session between
// files; --monitor keeps watching the -R folders. SIGINT/SIGTERM stop reading and drain.
import { Worker } from 'node:worker_threads';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../../db/config.js';
import { fields } from '../../db/fields/registry.js';
import { openControlStore, openSessionSink } from '../../db/backend/open.js';
import type { FlatBatch } from '../../db/store/flat-batch.js';
import { newFileBatch, openPacketSource } from '../readers/open.js';
import type { PacketBatch, PacketSource } from '../readers/types.js';
import { PcapDirChooser, parsePcapDirAlgorithm } from '../live/pcap-dirs.js';
import { splitBatch } from './dispatch.js';
import { applyTransforms, transformStats, transformsFromConfig } from '../transform/batch-transform.js';
import { shareEnrichment } from '../enrich/index.js';
import { parseFilenameOps, tagsForFile } from './file-tags.js';
import type { FromWorker, ToWorker, WorkerInit } from './worker-thread.js';
import { Progress } from './progress.js';
import { InputQueue, PcapCopy, PcapDirMonitor, deleteInput } from './offline-files.js';
import { ipfixExporterFromConfig } from '../export/ipfix-exporter.js';
import './setup.js'; // registers every parser's fields before the store opens

/** At the end of `capture -r`, merge only partitions that gathered at least this many segments. */
const IMPORT_END_MERGE_SEGMENTS = 16;

export interface ImportOptions {
  tags: string[];
  /** --copy: write the packets into pcapDir (Arkime file names) and register the copy. */
  copy: boolean;
  /** --delete: remove each input once it is imported without error (needs --copy). */
  deleteAfter: boolean;
  /** --flush: save every open session and flush the store after each file. */
  flushBetweenFiles: boolean;
  /** --monitor: folders to watch for new files until SIGINT/SIGTERM. */
  monitorDirs: string[];
  /** With --monitor: descend into subfolders, and which names are capture files. */
  recursive?: boolean;
  filenameRegex?: RegExp;
  quiet: boolean;
}

export interface ImportResult {
  files: number; packets: number; sessions: number; bytes: number; seconds: number; errors: string[];
  /** Parsers that threw or gave up, summed over the packet threads. */
  parserErrors: number;
  /** --copy: the copies written, in input order. */
  copies: string[];
  /** --delete: the inputs removed. */
  deleted: string[];
  /** Stopped by SIGINT/SIGTERM. */
  interrupted: boolean;
  /** Inputs finished (read to the end, or failed and reported in `errors`). */
  inputsDone: number;
}

interface Slot { batch: PacketBatch; lists: Int32Array[]; counts: Int32Array; pending: number; done?: () => void }

export async function runImport(config: Config, node: string, files: string[], o: ImportOptions): Promise<ImportResult> {
  const t0 = performance.now();
  if (o.deleteAfter && !o.copy) throw new Error('--delete needs --copy: without a copy the sessions would point at a deleted file');
  const pcapDirs = config.list('pcapDir').map((d) => resolve(d));
  if (o.copy && pcapDirs.length === 0) throw new Error(`${config.file}: --copy needs pcapDir= for node ${node}`);
  const chooser = o.copy ? new PcapDirChooser(pcapDirs, parsePcapDirAlgorithm(config.str('pcapDirAlgorithm', 'round-robin'))) : undefined;
  const store = await openSessionSink(config, fields); // embedded store, or ES bulk when elasticsearch= is set
  const control = await openControlStore(config, { waitOutOutages: true }); // control.sqlite in dataDir, or the cluster's admin indices
  await control.publishFields(fields.all().map((f) => ({ ...f })));
  const threads = config.int('packetThreads', 1, 1, 24);
  const flushMs = config.int('dbFlushTimeout', 5, 1) * 1000;
  const gap0 = config.bool('gapPacketPos', true) ? 'gap0' : undefined;
  // A sink that takes flattened documents (the embedded store) gets them flattened by the workers
  // (see worker-thread.ts); any other gets document objects.
  const flatSink = store.flat;
  // Merge segments once the packet threads are gone, not beside their heaps (peak RSS); a
  // --monitor run has no end, so it merges as it goes.
  if (o.monitorDirs.length === 0) store.holdMerges?.();
  const init: WorkerInit = {
    configFile: config.file === '(inline)' ? undefined : config.file, configText: undefined, overrides: config.overrideList(), node, threads,
    flat: flatSink ? { rotateIndex: flatSink.rotateIndex } : undefined,
    shared: shareEnrichment(config),
  };
  const workers = Array.from({ length: threads }, () => new Worker(new URL('./worker-thread.js', import.meta.url), { workerData: init }));
  const errors: string[] = [];
  const copies: string[] = [], deleted: string[] = [];
  let sessions = 0, readPackets = 0, bytesRead = 0, filesOpened = 0, inputsDone = 0;
  // Each worker reports running totals; the last report of each is the truth.
  const workerPackets = new Float64Array(threads), workerParserErrors = new Float64Array(threads);
  const parserErrors = () => workerParserErrors.reduce((a, b) => a + b, 0);
  let lastFlush = performance.now();
  let flushing: Promise<void> | undefined;
  const progress = new Progress(o.quiet);

  const noDocs: Record<string, unknown>[] = [];
  const ipfix = ipfixExporterFromConfig(config, (line) => progress.log(line));
  // A store that cannot keep what it is given (a full dataDir) stops the import with its error,
  // which names the folder; what was flushed before stays, and the file can be imported again.
  const onDocs = (docs: Record<string, unknown>[], flat: FlatBatch[]) => {
    try {
      if (docs.length) { store.append(docs); sessions += docs.length; }
      if (flat.length) { flatSink!.appendBatches(flat); for (const b of flat) sessions += b.rows; }
    } catch (e) { fail(e as Error); }
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
  let finishedWaiters: ((m: FromWorker | undefined) => void)[] = [];
  let failure: Error | undefined;
  const fail = (e: Error) => {
    failure ??= e;
    for (const s of byId.values()) s.done?.();
    for (const f of finishedWaiters.splice(0)) f(undefined);
  };
  workers.forEach((w, i) => {
    w.on('message', (m: FromWorker) => {
      if (m.type === 'done') {
        onDocs(m.docs, m.flat);
        if (m.flows) ipfix?.add(m.flows);
        workerPackets[i] = m.packets; workerParserErrors[i] = m.parserErrors;
        const s = byId.get(m.id)!;
        if (--s.pending === 0) { byId.delete(m.id); s.done?.(); }
      } else if (m.type === 'finished') {
        onDocs(m.docs, m.flat);
        if (m.flows) ipfix?.add(m.flows);
        workerPackets[i] = m.packets; workerParserErrors[i] = m.parserErrors;
        const f = finishedWaiters.shift(); f?.(m);
      } else if (m.type === 'flat') {
        onDocs(noDocs, m.flat);
        if (m.flows) ipfix?.add(m.flows);
      } else if (m.type === 'error') {
        fail(new Error(`packet worker failed: ${m.message}`));
      }
    });
    w.on('error', (e) => fail(e));
  });

  /** Every worker saves its open sessions (the table stays usable for the next file). */
  const saveOpenSessions = async () => {
    await Promise.all(workers.map((w) => new Promise<FromWorker | undefined>((r) => { finishedWaiters.push(r); w.postMessage({ type: 'finish' } satisfies ToWorker); })));
    finishedWaiters = [];
    if (failure) throw failure;
  };
  // Every dbFlushTimeout the sessions handed over so far are flushed, in the background: the
  // workers keep getting packets meanwhile. A timer, not the read loop: the reader waits on full
  // slots (the last 32 MiB of a file, a --monitor folder with nothing new) while sessions keep coming.
  const periodicFlush = setInterval(() => {
    if (flushing || failure || performance.now() - lastFlush < flushMs || store.pendingCount === 0) return;
    lastFlush = performance.now();
    flushing = store.flush().catch((e: Error) => { failure ??= e; }).finally(() => { flushing = undefined; });
  }, Math.min(250, flushMs / 4));
  periodicFlush.unref();
  const flushStore = async () => {
    await flushing;
    if (failure) throw failure;
    await store.flush();
    lastFlush = performance.now();
  };

  /** Files read to their end whose sessions are not all flushed yet. */
  const unfinished: string[] = [];
  const markFinished = async () => {
    const at = Math.floor(Date.now() / 1000);
    for (const id of unfinished.splice(0)) await control.updateFile(id, { finishTimestamp: at });
  };

  // Inputs: the listed files, then (--monitor) whatever appears in the watched folders.
  const queue = new InputQueue(files, o.monitorDirs.length > 0);
  let monitor: PcapDirMonitor | undefined;
  if (o.monitorDirs.length) {
    monitor = new PcapDirMonitor(o.monitorDirs, { recursive: o.recursive ?? false, filenameRegex: o.filenameRegex ?? /\.(pcap|cap|pcapng)$/i },
      new Set(files), (f) => queue.push(f));
    progress.log(`packrat: monitoring ${o.monitorDirs.join(', ')} for new files (SIGINT/SIGTERM to stop)`);
  }
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) { progress.log(`packrat: ${sig} again: exiting without draining`); process.exit(130); }
    stopping = true;
    progress.log(`packrat: ${sig}: stopping; saving every session read so far`);
    queue.close();
    monitor?.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let nextId = 1;
  const idle = (s: Slot) => s.pending === 0 ? Promise.resolve() : new Promise<void>((r) => { s.done = r; });
  const ops = parseFilenameOps(config);
  const transforms = transformsFromConfig(config, node);
  let slotIdx = 0;
  try {
    for (let file = await queue.next(); file !== undefined; file = await queue.next()) {
      let src: PacketSource;
      try { src = openPacketSource(file); } catch (e) { errors.push((e as Error).message); progress.log(`packrat: ${(e as Error).message}`); inputsDone++; continue; }
      filesOpened++;
      const size = src.size >= 0 ? src.size : statSync(file).size;
      const fileNum = await control.nextFileNum(node);
      const fileId = `${node}-${fileNum}`;
      const copy = chooser ? new PcapCopy(chooser.next(), node, fileNum) : undefined;
      // In place, the source is the registered file; a copy is registered once its name (date of
      // its first packet) is known, before any session pointing at it can be flushed.
      let registered = false;
      const register = async (name: string, first: number, locked: number) => {
        await control.registerFile({ node, num: fileNum, name, first, locked, filesize: copy ? 0 : size, packetPosEncoding: gap0 });
        registered = true;
      };
      if (!copy) await register(file, 0, 1);
      const tags = [...o.tags, ...tagsForFile(ops, file)];
      for (const w of workers) w.postMessage({ type: 'file', fileNum, tags } satisfies ToWorker);
      progress.startFile(file, size);
      let first = 0, interrupted = false;
      try {
        for (;;) {
          const slot = slots[slotIdx];
          slotIdx = (slotIdx + 1) % slots.length;
          await idle(slot);
          if (failure) throw failure;
          if (stopping) { interrupted = true; break; }
          if (!src.next(slot.batch)) break;
          applyTransforms(transforms, slot.batch); // sampling and anonymisation before the copy and the decoders
          if (!first && slot.batch.count) first = slot.batch.meta[3];
          if (copy) {
            copy.add(slot.batch); // rewrites each packet's file position to its record in the copy
            if (!registered && copy.path) await register(copy.path, first, 0);
          }
          readPackets += slot.batch.count;
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
          progress.update(src.position, readPackets, sessions, parserErrors());
        }
        for (const s of slots) await idle(s);
        if (failure) throw failure;
      } catch (e) {
        copy?.abandon();
        src.close();
        throw e;
      }
      const readError = src.error;
      if (readError) { errors.push(readError.message); progress.log(`packrat: ${readError.message}; sessions before it are kept`); }
      bytesRead += src.position;
      src.close();
      let copyOk = true;
      if (copy) {
        try {
          copies.push(copy.finish()); // synced before the source may go
          if (!registered) await register(copy.path, first, 0);
        } catch (e) {
          copyOk = false;
          const msg = `${file}: --copy into ${copy.path || 'pcapDir'} failed: ${(e as Error).message}`;
          errors.push(msg); progress.log(`packrat: ${msg}`);
        }
      }
      await control.updateFile(fileId, { first, ...(copy ? { filesize: copy.size - copy.unwrittenBytes, packets: copy.packets, ...(copy.error ? { writeErrors: 1 } : {}) } : {}) });
      // finishTimestamp says the import of the file is complete: read to its end and every
      // session of it stored. Set once the sessions are flushed (after the file with --flush, else
      // at the end of the run), so a run killed before that leaves the entry without it.
      if (!interrupted) unfinished.push(fileId);
      progress.endFile(file, src.position, readPackets);
      const deleteThis = o.deleteAfter && copyOk && !readError && !interrupted;
      if (o.flushBetweenFiles && !interrupted) await saveOpenSessions();
      // A source is deleted only once the sessions read so far are on disk.
      if (o.flushBetweenFiles || deleteThis) await flushStore();
      if (o.flushBetweenFiles) await markFinished();
      if (deleteThis) {
        const err = deleteInput(file);
        if (err) { errors.push(err); progress.log(`packrat: ${err}`); } else deleted.push(file);
      }
      if (interrupted) break;
      inputsDone++;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    monitor?.stop();
    clearInterval(periodicFlush);
  }
  await saveOpenSessions();
  await flushing;
  if (failure) throw failure;
  await store.flush();
  await markFinished();
  await Promise.all(workers.map((w) => w.terminate()));
  if (ipfix) {
    await ipfix.close();
    const x = ipfix.stats;
    progress.log(`packrat: IPFIX: ${x.records} records in ${x.messages} messages (${x.templates} with templates), ${x.dropped} dropped, ${x.errors} send errors`);
  }
  // The packet threads' cores are free now. A partition left with a few segments is not worth
  // the wait (ES merges in the background too); the 32-segment bound and `db optimize` remain.
  await store.releaseMerges?.(threads, IMPORT_END_MERGE_SEGMENTS);
  await store.close();
  await control.close();
  const seconds = (performance.now() - t0) / 1000;
  const packets = workerPackets.reduce((a, b) => a + b, 0);
  const summary = { files: filesOpened, packets, sessions, bytes: bytesRead, seconds, errors: errors.length, parserErrors: parserErrors(), transforms: transformStats(transforms) };
  progress.done(summary);
  return { ...summary, errors, copies, deleted, interrupted: stopping, inputsDone };
}
