// `packrat capture` without -r: live interfaces into pcap files and the session sink.
//
//   LiveSource block ─► copy into a shared slot (one copy per block) ─► ring block back to the kernel
//        slot ─► PcapWriter (record offsets, -fileNum markers via FilePositions) ─► splitBatch
//        ─► packet workers (live-worker.ts: offline import's PacketWorker) ─► session sink
//             (staging lines for the embedded store, document batches for the cluster's bulk indexer)
//
// The workers build documents with plain positions, turn them into Arkime's packetPos with file
// markers (FilePositions; this thread tells them each new file's slot) and, for a sink that takes
// flattened documents (the embedded store), flatten them, so this thread only appends text to it;
// any other sink (elasticsearch=) gets the documents in batches. A one-second tick lets idle
// sessions time out on a quiet link, flushes the pcap buffer and, every dbFlushTimeout, the sink
// (the cluster's: acknowledged or spooled). SIGTERM/SIGINT drain: the rings empty, every session
// is saved and flushed, every file is closed and registered.
import { Worker } from 'node:worker_threads';
import { resolve } from 'node:path';
import type { Config } from '../../db/config.js';
import { fields } from '../../db/fields/registry.js';
import { openControlStore, openSessionSink } from '../../db/backend/open.js';
import { FileNumPool } from './file-num-pool.js';
import { META_STRIDE, M_CAPLEN, M_DATA_OFF, M_FILE_POS, M_LINKTYPE, M_TS_SEC, M_TS_USEC, M_WIRELEN, PacketBatch } from '../readers/types.js';
import { splitBatch } from '../pipeline/dispatch.js';
import { shareEnrichment } from '../enrich/index.js';
import type { FlatBatch } from '../../db/store/flat-batch.js';
import type { FromLiveWorker, LiveWorkerInit, ToLiveWorker } from './live-worker.js';
import { LiveSource } from './live-source.js';
import { LiveConfigError, liveOptionsFromConfig } from './options.js';
import { PcapWriter } from './pcap-writer.js';
import { applyTransforms, transformStats, transformsFromConfig } from '../transform/batch-transform.js';
import { parsePcapDirAlgorithm } from './pcap-dirs.js';
import { FilePositions, MAX_LIVE_FILE_SIZE_G } from './file-positions.js';
import { LiveStats, LiveStatsDoc } from './live-stats.js';
import { ipfixExporterFromConfig } from '../export/ipfix-exporter.js';
import { checkWritable, dropPrivileges } from './privileges.js';
import { CaptureRequestRunner } from './capture-requests.js';
import '../pipeline/setup.js'; // registers every parser's fields before the store opens

export interface LiveRunOptions {
  quiet?: boolean;
  /** Seconds between stats documents (default 2); a log line every 5th. */
  statsIntervalSec?: number;
  /** Ends the capture like SIGTERM (tests, embedding). */
  signal?: AbortSignal;
  /** Install SIGTERM/SIGINT handlers (default true). */
  handleSignals?: boolean;
  log?: (line: string) => void;
}

export interface LiveRunResult {
  stats: LiveStatsDoc;
  errors: string[];
}

interface Slot { batch: PacketBatch; lists: Int32Array[]; counts: Int32Array; pending: number; packets: number }

const MAX_SLOTS = 16;
/**
 * Staged rows of a flat-batch sink (the embedded store) that start a flush before dbFlushTimeout:
 * a flush sorts its rows in DuckDB's memory, so its size must not grow with the session rate.
 * (The bulk indexer sends by size on its own.)
 */
const FLUSH_ROWS = 20000;
/**
 * Live segments use small row groups: DuckDB's Parquet writer and reader hold a whole row group
 * of every column (~200 columns) at once, and 122880-row groups of session rows cost GiBs in a merge.
 */
const LIVE_ROW_GROUP_ROWS = 16384;

function floatKey(config: Config, key: string, def: number, min: number, max: number): number {
  const raw = config.raw(key);
  if (raw === undefined || raw === '') return def;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) throw new LiveConfigError(`${config.file}: ${key}=${raw} must be a number from ${min} to ${max}`);
  return v;
}

export async function runLiveCapture(config: Config, node: string, o: LiveRunOptions = {}): Promise<LiveRunResult> {
  const log = o.log ?? ((l: string) => { process.stderr.write(`${new Date().toISOString()} ${l}\n`); });
  const errors: string[] = [];
  const liveOpts = liveOptionsFromConfig(config);
  if (liveOpts.interfaces.length === 0) throw new LiveConfigError(`${config.file}: interface= is not set for node ${node} (live capture needs it, or use -r FILE)`);
  const pcapDirs = config.list('pcapDir').map((d) => resolve(d));
  if (pcapDirs.length === 0) throw new LiveConfigError(`${config.file}: pcapDir= is not set for node ${node}`);
  const maxFileSizeG = floatKey(config, 'maxFileSizeG', 12, 0.00001, MAX_LIVE_FILE_SIZE_G);
  const gap = config.bool('gapPacketPos', true);
  const threads = config.int('packetThreads', 1, 1, 24);
  const maxInQueue = config.int('maxPacketsInQueue', 200000, 1000);
  const transforms = transformsFromConfig(config, node);
  const ipfix = ipfixExporterFromConfig(config, log); // sessions' flow records, as they close
  const flushMs = config.int('dbFlushTimeout', 5, 1) * 1000;
  const statsEvery = Math.max(1, o.statsIntervalSec ?? config.int('statsInterval', 2, 1, 3600));

  // Sockets first (they need root), then stores and files, then give root up.
  const src = new LiveSource(liveOpts);
  src.onWarning = (iface, m) => log(`packrat: interface ${iface}: ${m}`);
  const dataDir = resolve(config.str('dataDir', './data'));
  // The embedded store (its DuckDB writer uses one thread, leaving the other cores to the packet
  // path), or the cluster's bulk indexer when elasticsearch= is set.
  const store = await openSessionSink(config, fields, { rowGroupSize: LIVE_ROW_GROUP_ROWS });
  // Whether the workers flatten for the sink, or post documents.
  const flatSink = store.flat;
  const control = await openControlStore(config, { waitOutOutages: true });
  await control.publishFields(fields.all().map((f) => ({ ...f })));
  // Registry writes run in order, off the packet path: a file's update never overtakes its registration.
  let fileOps: Promise<void> = Promise.resolve();
  const fileOp = (what: string, name: string, op: () => Promise<unknown>) => {
    fileOps = fileOps.then(op).then(() => undefined, (e: Error) => { errors.push(`${what} ${name}: ${e.message}`); log(`packrat: cannot ${what} ${name}: ${e.message}`); });
  };

  const fileNums = new FileNumPool(() => control.nextFileNum(node));
  await fileNums.fill();
  const positions = new FilePositions();
  const writer = new PcapWriter({
    node, pcapDirs,
    pcapDirAlgorithm: parsePcapDirAlgorithm(config.str('pcapDirAlgorithm', 'round-robin')),
    maxFileSizeG,
    maxFileTimeM: config.int('maxFileTimeM', 0, 0),
    pcapWriteSize: config.int('pcapWriteSize', 262144, 4096, 64 * 2 ** 20),
    maxQueue: config.int('simpleMaxQ', 2000, 2),
    snapLen: liveOpts.snapLen,
    nextFileNum: () => fileNums.take(),
    onFileOpen: (f) => {
      positions.fileOpened(f.num);
      // Before any batch with its packets: the workers number file slots in the same order.
      for (const w of workers) w.postMessage({ type: 'fileOpened', num: f.num } satisfies ToLiveWorker);
      fileOp('register', f.name, () => control.registerFile({ node, num: f.num, name: f.name, first: f.first, locked: 0, filesize: 0,
        startTimestamp: f.startTimestamp, firstTimestamp: f.firstTimestamp, packetPosEncoding: gap ? 'gap0' : undefined }));
    },
    onFileClose: (f) => {
      fileOp('update file', f.name, () => control.updateFile(`${node}-${f.num}`, { filesize: f.filesize, packets: f.packets, packetsSize: f.packetsSize,
        lastTimestamp: f.lastTimestamp, finishTimestamp: f.finishTimestamp, writeErrors: f.writeErrors }));
    },
    onError: (e) => { errors.push(e.message); log(`packrat: pcap write failed (${e.code}): ${e.message}; SPI indexing continues`); },
  });
  await writer.ready();

  dropPrivileges(config.str('dropUser', ''), config.str('dropGroup', ''));
  checkWritable([{ key: 'dataDir', dir: dataDir }, ...pcapDirs.map((dir) => ({ key: 'pcapDir', dir }))]);

  // Workers: the offline import's PacketWorker in a live entry (plain positions; flattened output
  // for a flat-batch sink, documents otherwise).
  const init: LiveWorkerInit = {
    configFile: config.file === '(inline)' ? undefined : config.file, configText: undefined,
    overrides: config.overrideList(), node, threads, flat: flatSink ? { rotateIndex: flatSink.rotateIndex } : undefined, gap,
    shared: shareEnrichment(config),
  };
  const workers: Worker[] = Array.from({ length: threads }, () => new Worker(new URL('./live-worker.js', import.meta.url), { workerData: init }));
  const active = new Int32Array(threads);
  // A worker behind on its batches gets no new tick until it answered the last one.
  const tickPending = new Uint8Array(threads);
  const workerHeap = new Float64Array(threads);
  let sessionsSaved = 0, packets = 0, queueDrops = 0, packetQueue = 0;
  let failure: Error | undefined;

  // Store flushes run one after another (the store chains them); `flushing` is the latest.
  let flushing: Promise<void> | undefined;
  let lastFlush = performance.now();
  const flushStore = (): void => {
    lastFlush = performance.now();
    const f: Promise<void> = store.flush()
      .catch((e: Error) => { errors.push(`store flush: ${e.message}`); log(`packrat: store flush failed: ${e.message}`); })
      .finally(() => { if (flushing === f) flushing = undefined; });
    flushing = f;
  };
  // A store that cannot keep sessions (a full dataDir) loses them, counted (sessionsLost), and
  // capture goes on: pcap is still written, and sessions are stored again once there is room.
  let storeErrorLogged = -Infinity;
  const onSaved = (flat: FlatBatch[], docs: Record<string, unknown>[]): void => {
    try {
      if (flat.length) {
        for (const b of flat) sessionsSaved += b.rows;
        flatSink!.appendBatches(flat);
        if (store.pendingCount >= FLUSH_ROWS) flushStore();
      }
      if (docs.length) {
        sessionsSaved += docs.length;
        store.append(docs);
      }
    } catch (e) {
      const now = performance.now();
      if (now - storeErrorLogged > 10_000) { storeErrorLogged = now; log(`packrat: ${(e as Error).message}; capture continues (sessions lost so far: ${store.lostRows ?? 0})`); }
      errors.push((e as Error).message);
    }
  };

  // Slots: shared copies of ring blocks, handed to every worker; allocated as the workers lag.
  const capacity = Math.max(1024, Math.floor(liveOpts.blockSize / 64));
  const slots: Slot[] = [];
  const free: Slot[] = [];
  const byId = new Map<number, Slot>();
  let slotWaiter: (() => void) | undefined;
  const newSlot = (): Slot => {
    const batch = new PacketBatch(new Uint8Array(new SharedArrayBuffer(liveOpts.blockSize)), 0,
      new Float64Array(new SharedArrayBuffer(capacity * META_STRIDE * 8)));
    const s: Slot = { batch, lists: workers.map(() => new Int32Array(new SharedArrayBuffer(capacity * 4))), counts: new Int32Array(threads), pending: 0, packets: 0 };
    slots.push(s);
    return s;
  };
  const release = (s: Slot): void => {
    packetQueue -= s.packets;
    s.packets = 0;
    free.push(s);
    const w = slotWaiter; slotWaiter = undefined; w?.();
  };
  const takeSlot = async (): Promise<Slot> => {
    for (;;) {
      const s = free.pop() ?? (slots.length < MAX_SLOTS ? newSlot() : undefined);
      if (s) return s;
      await new Promise<void>((r) => { slotWaiter = r; });
      if (failure) throw failure;
    }
  };

  let finishedWaiters: (() => void)[] = [];
  workers.forEach((w, wi) => {
    w.on('message', (m: FromLiveWorker) => {
      if ('flows' in m && m.flows) ipfix?.add(m.flows);
      if (m.type === 'done') {
        onSaved(m.flat, m.docs);
        const s = byId.get(m.id);
        if (s && --s.pending === 0) { byId.delete(m.id); release(s); }
      } else if (m.type === 'ticked') {
        tickPending[wi] = 0;
        onSaved(m.flat, m.docs);
        active[wi] = m.active;
        workerHeap[wi] = m.heapUsed;
      } else if (m.type === 'saved') {
        onSaved(m.flat, m.docs);
      } else if (m.type === 'finished') {
        onSaved(m.flat, m.docs);
        active[wi] = 0;
        finishedWaiters.shift()?.();
      } else if (m.type === 'error') {
        failure = new Error(`packet worker failed: ${m.message}`);
        stop();
      }
    });
    w.on('error', (e) => { failure = e; stop(); const x = slotWaiter; slotWaiter = undefined; x?.(); });
  });

  const stats = new LiveStats(node, pcapDirs);
  const counters = () => {
    let a = 0, heap = 0;
    for (let i = 0; i < threads; i++) { a += active[i]; heap += workerHeap[i]; }
    return { packets, queueDrops, sessionsActive: a, sessionsSaved, packetQueue, workerHeapUsed: heap, storePendingRows: store.pendingCount, sessionsLost: store.lostRows ?? 0, transforms: transformStats(transforms), ipfix: ipfix?.stats };
  };
  let statsCount = 0;
  // One stats write in flight: a slow cluster skips intervals rather than queueing them.
  let statsWrite: Promise<void> | undefined;
  const publishStats = (final: boolean): LiveStatsDoc => {
    const doc = stats.snapshot(src.stats(), counters(), writer.stats);
    if (!statsWrite) {
      statsWrite = control.putStats(node, doc as unknown as Record<string, unknown>)
        .catch((e: Error) => log(`packrat: cannot write stats: ${e.message}`)).finally(() => { statsWrite = undefined; });
    }
    if (!o.quiet && (final || statsCount++ % 5 === 0)) log(LiveStats.logLine(doc));
    return doc;
  };

  // Stopping: keep reading for two block timeouts (partial blocks retire), then close the rings.
  // The rings are closed between blocks only: a block being copied must stay mapped.
  let stopping = false;
  let closeNow = false;
  let inBlock = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => { closeNow = true; if (!inBlock) src.close(); }, 2 * liveOpts.timeoutMs + 100).unref();
  };
  const onSignal = (sig: string) => { log(`packrat: ${sig}: draining (saving sessions, closing files)`); stop(); };
  if (o.handleSignals !== false) { process.on('SIGTERM', onSignal); process.on('SIGINT', onSignal); }
  o.signal?.addEventListener('abort', stop);

  const tick = setInterval(() => {
    const nowUs = Date.now() * 1000;
    workers.forEach((w, wi) => {
      if (tickPending[wi]) return;
      tickPending[wi] = 1;
      w.postMessage({ type: 'tick', nowUs } satisfies ToLiveWorker);
    });
    writer.flush();
    if (!flushing && performance.now() - lastFlush > flushMs) flushStore();
  }, 1000);
  const statsTimer = setInterval(() => publishStats(false), statsEvery * 1000);
  log(`packrat: capturing on ${liveOpts.interfaces.join(', ')} (${liveOpts.readMethod}${liveOpts.bpf ? `, bpf ${liveOpts.bpf}` : ''}) ` +
    `into ${pcapDirs.join(', ')}, ${threads} packet thread(s)`);

  // Capture requests: their own sockets beside this capture (capture-requests.ts).
  const requests = new CaptureRequestRunner({ config, node, control, live: liveOpts, log });
  requests.start();

  // ---- the packet path ----
  const tmp = new PacketBatch(new Uint8Array(0), capacity);
  let nextId = 1;
  try {
    while (await src.ready()) {
      inBlock = true;
      while (!closeNow && src.next(tmp) && tmp.count > 0) {
        if (failure) throw failure;
        const n = tmp.count;
        if (packetQueue + n > maxInQueue) { queueDrops += n; continue; }
        const slot = await takeSlot();
        const tm = tmp.meta;
        const last = (n - 1) * META_STRIDE;
        slot.batch.buf.set(tmp.buf.subarray(0, tm[last + M_DATA_OFF] + tm[last + M_CAPLEN]));
        const sm = slot.batch.meta;
        sm.set(tm.subarray(0, n * META_STRIDE));
        slot.batch.count = n;
        applyTransforms(transforms, slot.batch); // sampling and anonymisation before anything is written
        const kept = slot.batch.count;
        if (kept === 0) { free.push(slot); continue; }
        const buf = slot.batch.buf;
        for (let m = 0; m < kept * META_STRIDE; m += META_STRIDE) {
          const pos = writer.write(buf, sm[m + M_DATA_OFF], sm[m + M_CAPLEN], sm[m + M_WIRELEN], sm[m + M_TS_SEC], sm[m + M_TS_USEC], sm[m + M_LINKTYPE]);
          sm[m + M_FILE_POS] = positions.encode(writer.fileNum, pos);
        }
        splitBatch(slot.batch, slot.lists, slot.counts);
        const id = nextId++;
        slot.pending = threads;
        slot.packets = kept;
        packetQueue += kept;
        packets += kept;
        byId.set(id, slot);
        for (let w = 0; w < threads; w++) {
          workers[w].postMessage({
            type: 'batch', id, buf: slot.batch.buf.buffer as SharedArrayBuffer, meta: sm.buffer as SharedArrayBuffer,
            count: kept, idx: slot.lists[w].buffer as SharedArrayBuffer, n: slot.counts[w],
          } satisfies ToLiveWorker);
        }
      }
      inBlock = false;
      if (closeNow) break;
    }
    if (src.error && !stopping) { errors.push(src.error.message); log(`packrat: ${src.error.message}; stopping`); }
  } finally {
    // ---- drain ----
    src.close();
    clearInterval(tick);
    clearInterval(statsTimer);
    if (o.handleSignals !== false) { process.off('SIGTERM', onSignal); process.off('SIGINT', onSignal); }
    while (byId.size > 0 && !failure) await new Promise<void>((r) => { slotWaiter = r; });
    if (!failure) {
      await Promise.all(workers.map((w) => new Promise<void>((r) => { finishedWaiters.push(r); w.postMessage({ type: 'finish' } satisfies ToLiveWorker); })));
    }
    finishedWaiters = [];
    await requests.stop();
    await writer.close();
    if (flushing) await flushing;
    await store.flush();
    await Promise.all(workers.map((w) => w.terminate()));
    await ipfix?.close();
    await store.close();
  }
  await fileOps;
  await statsWrite;
  const final = publishStats(true);
  await statsWrite;
  await control.close();
  if (failure) throw failure;
  return { stats: final, errors };
}
