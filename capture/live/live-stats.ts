// The numbers a live capture publishes every few seconds: a `stats/<node>` document in the
// control store (Arkime's field names where they exist, reference 1.9) and one log line.
import { hostname } from 'node:os';
import type { InterfaceStats } from './live-source.js';
import type { PcapWriterStats } from './pcap-writer.js';
import { dirSpace } from './pcap-dirs.js';

export interface LiveCounters {
  /** Packets handed to the workers. */
  packets: number;
  /** Batches dropped because the workers were more than maxPacketsInQueue packets behind. */
  queueDrops: number;
  sessionsActive: number;
  sessionsSaved: number;
  /** Packets in batches the workers have not finished. */
  packetQueue: number;
  /** V8 heap in use by the packet worker threads (bytes, as of their last tick). */
  workerHeapUsed: number;
  /** Session rows staged on disk for the next store flush. */
  storePendingRows: number;
  /** Sessions the store could not keep (a full or failing dataDir). */
  sessionsLost: number;
  /** Counters of each capture-time transform by name, e.g. { packetSampling: { seen, kept } }. */
  transforms: Record<string, Record<string, number>>;
  /** IPFIX export counters (records, messages, templates, dropped, errors) when ipfixCollector= is set. */
  ipfix?: Record<string, number>;
}

export interface LiveStatsDoc {
  ver: string;
  nodeName: string;
  hostname: string;
  interval: number;
  currentTime: number;
  startTime: number;
  totalPackets: number;
  totalK: number;
  totalSessions: number;
  totalDropped: number;
  deltaPackets: number;
  deltaBytes: number;
  deltaSessions: number;
  deltaDropped: number;
  kernelDrops: number;
  ifDrops: number;
  queueDrops: number;
  overloadDrops: number;
  packetQueue: number;
  diskQueue: number;
  monitoring: number;
  sessionsActive: number;
  sessionsSaved: number;
  bytesWritten: number;
  filesWritten: number;
  writeErrors: number;
  diskFullErrors: number;
  /** Bytes of packets (records) not written to pcap because a write or a file creation failed. */
  unwrittenBytes: number;
  lastWriteError: string;
  /** Sessions saved but not kept by the store (a full or failing dataDir). */
  sessionsLost: number;
  freeSpaceM: number;
  usedSpaceM: number;
  freeSpaceP: number;
  /** Resident set size (bytes): Arkime's `memory`. */
  memory: number;
  /** V8 heap in use, memory outside it held by JS objects (Buffers, DuckDB results), ArrayBuffers (bytes). */
  heapUsed: number;
  workerHeapUsed: number;
  storePendingRows: number;
  external: number;
  arrayBuffers: number;
  cpu: number;
  interfaces: InterfaceStats[];
  /** Packets seen and kept by each capture-time transform (sampling...), by its name. */
  transforms: Record<string, Record<string, number>>;
  /** IPFIX export counters, when ipfixCollector= is set. */
  ipfix?: Record<string, number>;
}

const mib = (b: number): number => Math.round(b / 2 ** 20);

export class LiveStats {
  private prev: LiveStatsDoc | undefined;
  private prevCpu = process.cpuUsage();
  private prevAt = performance.now();
  private readonly startTime = Math.floor(Date.now() / 1000);

  constructor(private readonly node: string, private readonly pcapDirs: string[]) {}

  /** Snapshot now; delta* fields count since the previous snapshot. */
  snapshot(ifs: InterfaceStats[], c: LiveCounters, w: PcapWriterStats): LiveStatsDoc {
    let received = 0, kernelDrops = 0, ifDrops = 0;
    for (const s of ifs) { received += s.packets; kernelDrops += s.drops; ifDrops += s.ifDrops; }
    let free = 0, total = 0;
    for (const d of this.pcapDirs) { const s = dirSpace(d); if (s) { free += s.freeBytes; total += s.totalBytes; } }
    const now = performance.now();
    const cpu = process.cpuUsage(this.prevCpu);
    const wallUs = Math.max(1, (now - this.prevAt) * 1000);
    this.prevCpu = process.cpuUsage();
    this.prevAt = now;
    const mem = process.memoryUsage();
    const dropped = kernelDrops + c.queueDrops + w.overloadDrops;
    const p = this.prev;
    const doc: LiveStatsDoc = {
      ver: 'packrat-1', nodeName: this.node, hostname: hostname(), interval: p ? Math.round((Date.now() / 1000) - p.currentTime) || 1 : 1,
      currentTime: Math.floor(Date.now() / 1000), startTime: this.startTime,
      totalPackets: received, totalK: Math.floor(w.bytes / 1024), totalSessions: c.sessionsSaved, totalDropped: dropped,
      deltaPackets: received - (p?.totalPackets ?? 0), deltaBytes: w.bytes - (p?.bytesWritten ?? 0),
      deltaSessions: c.sessionsSaved - (p?.sessionsSaved ?? 0), deltaDropped: dropped - (p?.totalDropped ?? 0),
      kernelDrops, ifDrops, queueDrops: c.queueDrops, overloadDrops: w.overloadDrops,
      packetQueue: c.packetQueue, diskQueue: w.queuedBuffers, monitoring: c.sessionsActive,
      sessionsActive: c.sessionsActive, sessionsSaved: c.sessionsSaved,
      bytesWritten: w.bytes, filesWritten: w.filesClosed, writeErrors: w.writeErrors, diskFullErrors: w.diskFullErrors,
      unwrittenBytes: w.unwrittenBytes, lastWriteError: w.lastError, sessionsLost: c.sessionsLost,
      freeSpaceM: Math.floor(free / 2 ** 20), usedSpaceM: Math.floor((total - free) / 2 ** 20),
      freeSpaceP: total > 0 ? Math.round((free / total) * 10000) / 100 : 0,
      memory: mem.rss, heapUsed: mem.heapUsed, workerHeapUsed: c.workerHeapUsed, storePendingRows: c.storePendingRows, external: mem.external, arrayBuffers: mem.arrayBuffers, cpu: Math.round(((cpu.user + cpu.system) / wallUs) * 10000),
      interfaces: ifs, transforms: c.transforms, ...(c.ipfix ? { ipfix: { ...c.ipfix } } : {}),
    };
    this.prev = doc;
    return doc;
  }

  static logLine(d: LiveStatsDoc): string {
    return `packrat capture ${d.nodeName}: packets ${d.totalPackets} (+${d.deltaPackets}) kernelDrops ${d.kernelDrops} ` +
      `queueDrops ${d.queueDrops} diskOverload ${d.overloadDrops} sessions active ${d.sessionsActive} saved ${d.sessionsSaved} ` +
      `written ${d.bytesWritten} B in ${d.filesWritten} closed files, writeErrors ${d.writeErrors}` +
      (d.writeErrors ? ` unwritten ${d.unwrittenBytes} B` : '') + (d.lastWriteError ? ` (last: ${d.lastWriteError})` : '') +
      (d.sessionsLost ? ` sessionsLost ${d.sessionsLost}` : '') + ` rss ${mib(d.memory)} heapUsed ${mib(d.heapUsed)} workers ${mib(d.workerHeapUsed)} external ${mib(d.external)} ` +
      `arrayBuffers ${mib(d.arrayBuffers)} MiB packetQueue ${d.packetQueue} storePending ${d.storePendingRows} cpu ${(d.cpu / 100).toFixed(1)}%`;
  }
}
