// Rotating pcap files for live capture (Arkime's "simple" writer, reference 1.6, 1.7, 5.6).
//
// write() copies a packet into the current `pcapWriteSize` buffer and returns its record's byte
// offset in the file (Arkime packetPos); `fileNum` tells which file. Full buffers are written in
// the background, in order, at offsets that are multiples of the buffer size. Nothing here is
// fatal: a failed open or write, or a full disk, is counted, reported through onError, and the
// next packet goes to a new file; when too many buffers wait for the disk, packets are not saved
// (position 0, Arkime's "disk overload").
import { close as fsClose, mkdirSync, open as fsOpen, write as fsWrite } from 'node:fs';
import { join } from 'node:path';
import { M_CAPLEN, M_DATA_OFF, M_FILE_POS, M_LINKTYPE, M_TS_SEC, M_TS_USEC, M_WIRELEN, META_STRIDE, PacketBatch } from '../readers/types.js';
import { PcapDirAlgorithm, PcapDirChooser, DirSpace } from './pcap-dirs.js';

export interface PcapFileInfo {
  num: number;
  /** Full path. */
  name: string;
  node: string;
  /** Seconds of the first packet. */
  first: number;
  firstTimestamp: number;
  startTimestamp: number;
  linktype: number;
  snapLen: number;
  locked: 0;
}

export interface PcapFileClosed extends PcapFileInfo {
  filesize: number;
  packets: number;
  packetsSize: number;
  lastTimestamp: number;
  finishTimestamp: number;
  writeErrors: number;
}

export interface PcapWriteError {
  file: string;
  /** errno code (ENOSPC, EACCES, ...) or a short tag. */
  code: string;
  message: string;
}

export interface PcapWriterOptions {
  node: string;
  pcapDirs: string[];
  pcapDirAlgorithm?: PcapDirAlgorithm;
  /** Rotate after this many GiB of packet data (default 12). */
  maxFileSizeG?: number;
  /** Rotate after this many minutes (default 0 = never). */
  maxFileTimeM?: number;
  /** Bytes per write (default 262144, rounded up to 4096). */
  pcapWriteSize?: number;
  /** Buffers allowed to wait for the disk (simpleMaxQ, default 2000). */
  maxQueue?: number;
  snapLen?: number;
  /** Next file number (the control store's sequence). Sync, or async: then one number is fetched ahead. */
  nextFileNum: () => number | Promise<number>;
  onFileOpen?: (f: PcapFileInfo) => void;
  onFileClose?: (f: PcapFileClosed) => void;
  onError?: (e: PcapWriteError) => void;
  /** For tests: free space of a directory. */
  dirSpace?: (dir: string) => DirSpace | undefined;
  /** Mode of new files (default 0o660). */
  fileMode?: number;
}

export interface PcapWriterStats {
  packets: number;
  bytes: number;
  filesOpened: number;
  filesClosed: number;
  writeErrors: number;
  diskFullErrors: number;
  /** Bytes (pcap records, headers) lost to failed writes and to files that could not be created. */
  unwrittenBytes: number;
  /** Packets not saved because the disk queue was full or no file number was available. */
  overloadDrops: number;
  queuedBuffers: number;
  lastError: string;
}

interface OpenFile {
  info: PcapFileInfo;
  fd: number;
  opening: boolean;
  failed: boolean;
  bytes: number;
  packets: number;
  packetsSize: number;
  lastTimestamp: number;
  writeErrors: number;
}

const enum JobKind { Write, Close }

interface Job {
  kind: JobKind;
  file: OpenFile;
  buf: Buffer;
  len: number;
  pos: number;
  recycle: boolean;
}

const PCAP_HDR = 24;
const REC_HDR = 16;
const GiB = 2 ** 30;
const NO_BYTES = Buffer.alloc(0);
// Copies from any Uint8Array (a ring block) without making a view per packet.
const copyBytes = Buffer.prototype.copy as (this: Uint8Array, target: Uint8Array, targetStart: number, sourceStart: number, sourceEnd: number) => number;

export class PcapWriter {
  /** File number of the last packet write() accepted. */
  fileNum = 0;
  readonly stats: PcapWriterStats = {
    packets: 0, bytes: 0, filesOpened: 0, filesClosed: 0, writeErrors: 0, diskFullErrors: 0, unwrittenBytes: 0,
    overloadDrops: 0, queuedBuffers: 0, lastError: '',
  };

  private readonly o: Required<Omit<PcapWriterOptions, 'onFileOpen' | 'onFileClose' | 'onError' | 'dirSpace'>> & PcapWriterOptions;
  private readonly dirs: PcapDirChooser;
  private readonly size: number;
  private readonly maxBytes: number;
  private readonly pool: Buffer[] = [];
  private readonly hdr = Buffer.alloc(REC_HDR);
  private file: OpenFile | undefined;
  private cur: Buffer;
  private curLen = 0;
  private curPos = 0;  // file offset of cur[0]
  private readonly jobs: Job[] = [];
  private jobHead = 0;
  private busy = false;
  private spareNum: number | undefined;
  private asyncNums = false;  // nextFileNum returned a promise once: keep one number ahead
  private fetching: Promise<void> | undefined;
  private drained: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(options: PcapWriterOptions) {
    this.o = {
      pcapDirAlgorithm: 'round-robin', maxFileSizeG: 12, maxFileTimeM: 0, pcapWriteSize: 262144,
      maxQueue: 2000, snapLen: 16384, fileMode: 0o660, ...options,
    };
    this.size = Math.max(4096, Math.ceil(this.o.pcapWriteSize / 4096) * 4096);
    this.maxBytes = Math.max(this.size, this.o.maxFileSizeG * GiB);
    for (const d of this.o.pcapDirs) mkdirSync(d, { recursive: true });
    this.dirs = new PcapDirChooser(this.o.pcapDirs, this.o.pcapDirAlgorithm, this.o.dirSpace);
    this.cur = this.takeBuffer();
    if (this.o.maxFileTimeM > 0) {
      this.timer = setInterval(() => this.checkFileAge(Date.now()), 1000);
      this.timer.unref();
    }
  }

  /** With an async nextFileNum, fetch the first number before packets arrive. */
  async ready(): Promise<void> {
    if (this.spareNum === undefined) await this.fetchNum();
  }

  /**
   * Append one packet. Returns the byte offset of its record in file `fileNum`, or 0 when the
   * packet is not saved (disk overload, no file number).
   */
  write(buf: Uint8Array, off: number, caplen: number, wirelen: number, sec: number, usec: number, linktype: number): number {
    let f = this.file;
    if (f === undefined || f.failed || f.info.linktype !== linktype ||
        (this.o.maxFileTimeM > 0 && sec - f.info.first >= this.o.maxFileTimeM * 60)) {
      if (f) this.closeFile();
      f = this.openFile(sec, usec, linktype);
      if (f === undefined) { this.stats.overloadDrops++; return 0; }
    }
    const rec = REC_HDR + caplen;
    if (this.stats.queuedBuffers + Math.ceil(rec / this.size) >= this.o.maxQueue) { this.stats.overloadDrops++; return 0; }
    const pos = f.bytes;
    // The record header goes straight into the buffer when it fits (one copy call less per packet).
    const fits = this.size - this.curLen > REC_HDR;
    const h = fits ? this.cur : this.hdr;
    const at = fits ? this.curLen : 0;
    h.writeUInt32LE(sec >>> 0, at);
    h.writeUInt32LE(usec >>> 0, at + 4);
    h.writeUInt32LE(caplen, at + 8);
    h.writeUInt32LE(wirelen, at + 12);
    if (fits) this.curLen += REC_HDR; else this.append(h, 0, REC_HDR);
    this.append(buf, off, caplen);
    f.bytes += rec;
    f.packets++;
    f.packetsSize += caplen;
    f.lastTimestamp = sec * 1000 + Math.floor(usec / 1000);
    this.stats.packets++;
    this.stats.bytes += rec;
    this.fileNum = f.info.num;
    if (f.bytes >= this.maxBytes) this.closeFile();
    return pos;
  }

  /** Write every packet of a batch: positions into meta M_FILE_POS, file numbers into `fileNums[i]`. */
  writeBatch(batch: PacketBatch, fileNums: Float64Array): void {
    const m = batch.meta;
    for (let i = 0, p = 0; i < batch.count; i++, p += META_STRIDE) {
      m[p + M_FILE_POS] = this.write(batch.buf, m[p + M_DATA_OFF], m[p + M_CAPLEN], m[p + M_WIRELEN],
        m[p + M_TS_SEC], m[p + M_TS_USEC], m[p + M_LINKTYPE]);
      fileNums[i] = this.fileNum;
    }
  }

  /** Write the partly filled buffer now (the packets stay readable by the viewer); it keeps filling. */
  flush(): void {
    if (this.file && this.curLen > 0) this.queue(JobKind.Write, this.file, this.cur, this.curLen, this.curPos, false);
  }

  /** Close the current file; the next packet starts a new one. */
  rotate(): void {
    if (this.file) this.closeFile();
  }

  /** Close the current file and wait until every buffer is on disk. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.file) this.closeFile();
    if (this.busy || this.jobHead < this.jobs.length) await new Promise<void>((resolve) => this.drained.push(resolve));
  }

  /** Rotate a file older than maxFileTimeM by wall clock (a quiet link still closes files). */
  checkFileAge(nowMs: number): void {
    const f = this.file;
    if (f && this.o.maxFileTimeM > 0 && nowMs - f.info.startTimestamp >= this.o.maxFileTimeM * 60000) this.closeFile();
  }

  // ---- files ----

  private takeNum(): number | undefined {
    if (this.spareNum !== undefined) {
      const n = this.spareNum;
      this.spareNum = undefined;
      if (this.asyncNums) void this.fetchNum();
      return n;
    }
    if (this.fetching) return undefined;  // an async number is on its way
    let r: number | Promise<number>;
    try { r = this.o.nextFileNum(); } catch (e) { this.report('', 'FILENUM', `nextFileNum: ${(e as Error).message}`); return undefined; }
    if (typeof r === 'number') return r;
    this.absorb(r);
    return undefined;
  }

  private fetchNum(): Promise<void> {
    if (this.fetching) return this.fetching;
    let r: number | Promise<number>;
    try { r = this.o.nextFileNum(); } catch (e) { this.report('', 'FILENUM', `nextFileNum: ${(e as Error).message}`); return Promise.resolve(); }
    if (typeof r === 'number') {
      // A synchronous sequence needs no number ahead: keep this one for the next file.
      this.spareNum = r;
      return Promise.resolve();
    }
    return this.absorb(r);
  }

  private absorb(p: Promise<number>): Promise<void> {
    this.asyncNums = true;
    this.fetching = p.then((n) => { this.spareNum = n; }, (e: Error) => { this.report('', 'FILENUM', `nextFileNum: ${e.message}`); })
      .finally(() => { this.fetching = undefined; });
    return this.fetching;
  }

  private openFile(sec: number, usec: number, linktype: number): OpenFile | undefined {
    const num = this.takeNum();
    if (num === undefined) return undefined;
    const dir = this.dirs.next();
    const d = new Date(sec * 1000);
    const ymd = String(d.getFullYear() % 100).padStart(2, '0') + String(d.getMonth() + 1).padStart(2, '0') + String(d.getDate()).padStart(2, '0');
    const name = join(dir, `${this.o.node}-${ymd}-${String(num).padStart(8, '0')}.pcap`);
    const info: PcapFileInfo = {
      num, name, node: this.o.node, first: sec, firstTimestamp: sec * 1000 + Math.floor(usec / 1000),
      startTimestamp: Date.now(), linktype, snapLen: this.o.snapLen, locked: 0,
    };
    const f: OpenFile = { info, fd: -1, opening: true, failed: false, bytes: PCAP_HDR, packets: 0, packetsSize: 0, lastTimestamp: info.firstTimestamp, writeErrors: 0 };
    fsOpen(name, 'wx', this.o.fileMode, (err, fd) => {
      f.opening = false;
      if (err) {
        f.failed = true;
        this.report(name, err.code ?? 'EOPEN', `cannot create ${name}: ${err.message}`);
      } else {
        f.fd = fd;
      }
      this.pump();
    });
    this.file = f;
    this.stats.filesOpened++;
    // A new file starts on a fresh buffer at offset 0 with the pcap header.
    this.curLen = 0;
    this.curPos = 0;
    this.append(pcapGlobalHeader(this.o.snapLen, linktype), 0, PCAP_HDR);
    this.o.onFileOpen?.(info);
    return f;
  }

  private closeFile(): void {
    const f = this.file;
    if (!f) return;
    this.file = undefined;
    if (this.curLen > 0) this.queue(JobKind.Write, f, this.cur, this.curLen, this.curPos, true);
    else this.pool.push(this.cur);
    this.cur = this.takeBuffer();
    this.curLen = 0;
    this.curPos = 0;
    this.queue(JobKind.Close, f, NO_BYTES, 0, 0, false);
  }

  // ---- buffers ----

  private takeBuffer(): Buffer {
    return this.pool.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }

  private append(src: Uint8Array, off: number, len: number): void {
    while (len > 0) {
      const n = Math.min(len, this.size - this.curLen);
      copyBytes.call(src, this.cur, this.curLen, off, off + n);
      this.curLen += n;
      off += n;
      len -= n;
      if (this.curLen === this.size) {
        this.queue(JobKind.Write, this.file!, this.cur, this.size, this.curPos, true);
        this.cur = this.takeBuffer();
        this.curPos += this.size;
        this.curLen = 0;
      }
    }
  }

  // ---- the disk queue: one job at a time, in order ----

  private queue(kind: JobKind, file: OpenFile, buf: Buffer, len: number, pos: number, recycle: boolean): void {
    this.jobs.push({ kind, file, buf, len, pos, recycle });
    if (recycle) this.stats.queuedBuffers++;
    this.pump();
  }

  private pump(): void {
    if (this.busy) return;
    if (this.jobHead >= this.jobs.length) {
      this.jobs.length = 0;
      this.jobHead = 0;
      const waiters = this.drained;
      this.drained = [];
      for (const w of waiters) w();
      return;
    }
    const job = this.jobs[this.jobHead];
    const f = job.file;
    if (f.opening) return;  // the open callback pumps again
    this.jobHead++;
    // A disk that keeps up never empties the queue under steady traffic: drop the done jobs
    // now and then so the array (and the closed files its jobs name) does not grow forever.
    if (this.jobHead >= 256) { this.jobs.splice(0, this.jobHead); this.jobHead = 0; }
    if (job.kind === JobKind.Close) {
      this.finishFile(f);
      return;
    }
    if (f.fd < 0) {  // the file could not be created: its buffers are lost, already reported
      this.stats.unwrittenBytes += job.len;
      this.done(job);
      this.pump();
      return;
    }
    this.busy = true;
    // A short write (the disk filled up under it) goes on with the rest, which then fails with
    // ENOSPC: a later buffer must never land after a hole.
    const writeFrom = (at: number): void => {
      fsWrite(f.fd, job.buf, at, job.len - at, job.pos + at, (err, n) => {
        if (!err && n > 0 && at + n < job.len) { writeFrom(at + n); return; }
        this.busy = false;
        if (err || n === 0) {
          f.writeErrors++;
          f.failed = true;  // the next packet opens a new file, maybe on another pcapDir
          this.stats.unwrittenBytes += job.len - at;
          const code = err ? err.code ?? 'EIO' : 'ENOSPC';
          this.report(f.info.name, code, `write ${job.len - at} bytes at ${job.pos + at} to ${f.info.name}: ${err ? err.message : 'nothing written'}`);
        }
        this.done(job);
        this.pump();
      });
    };
    writeFrom(0);
  }

  private done(job: Job): void {
    if (!job.recycle) return;
    this.stats.queuedBuffers--;
    if (this.pool.length < 8) this.pool.push(job.buf);
  }

  private finishFile(f: OpenFile): void {
    const closed: PcapFileClosed = {
      ...f.info, filesize: f.bytes, packets: f.packets, packetsSize: f.packetsSize,
      lastTimestamp: f.lastTimestamp, finishTimestamp: Date.now(), writeErrors: f.writeErrors,
    };
    const after = (): void => {
      this.stats.filesClosed++;
      try { this.o.onFileClose?.(closed); } catch (e) { this.report(f.info.name, 'CALLBACK', `onFileClose: ${(e as Error).message}`); }
      this.pump();
    };
    if (f.fd < 0) { after(); return; }
    this.busy = true;
    fsClose(f.fd, (err) => {
      this.busy = false;
      if (err) this.report(f.info.name, err.code ?? 'EIO', `close ${f.info.name}: ${err.message}`);
      after();
    });
  }

  private report(file: string, code: string, message: string): void {
    if (code !== 'FILENUM' && code !== 'CALLBACK') this.stats.writeErrors++;
    if (code === 'ENOSPC' || code === 'EDQUOT') this.stats.diskFullErrors++;
    this.stats.lastError = message;
    try { this.o.onError?.({ file, code, message }); } catch { /* a reporting hook must not stop the writer */ }
  }
}

/** The 24-byte header of a classic little-endian microsecond pcap file. */
export function pcapGlobalHeader(snapLen: number, linktype: number): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(snapLen, 16);
  h.writeUInt32LE(linktype, 20);
  return h;
}
