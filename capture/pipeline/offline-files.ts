// Offline input files beyond reading them: `--copy` (write the packets into pcapDir under
// Arkime's file name, so packetPos points at the copy), `--delete` (remove a source once it is
// safely imported) and `--monitor` (watch -R folders and queue new files once they stop growing).
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, statSync, unlinkSync, watch, writeSync, type FSWatcher } from 'node:fs';
import { join, resolve } from 'node:path';
import { META_STRIDE, M_CAPLEN, M_DATA_OFF, M_FILE_POS, M_LINKTYPE, M_TS_SEC, M_TS_USEC, M_WIRELEN, type PacketBatch } from '../readers/types.js';
import { pcapGlobalHeader } from '../live/pcap-writer.js';

/** Arkime's pcap file name: `<node>-<YYMMDD>-<num %08u>.pcap`, date of the first packet, local time. */
export function arkimePcapName(node: string, firstSec: number, num: number): string {
  const d = new Date(firstSec * 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${node}-${two(d.getFullYear() % 100)}${two(d.getMonth() + 1)}${two(d.getDate())}-${String(num).padStart(8, '0')}.pcap`;
}

const COPY_BUFFER = 4 * 1024 * 1024;
const COPY_SNAPLEN = 262144;

/**
 * `--copy`: the packets of one input file rewritten as a classic microsecond pcap in pcapDir
 * (whatever the input format, as Arkime's writer does), each packet's M_FILE_POS moved to its
 * record in the copy before the workers see it. Records go through one reused buffer.
 */
export class PcapCopy {
  private fd = -1;
  private readonly out = Buffer.allocUnsafe(COPY_BUFFER);
  private used = 0;
  /** Bytes in the copy so far (header included once opened). */
  size = 0;
  packets = 0;
  path = '';
  linkType = -1;
  private mixedLinkTypes = false;
  /** The first failed write (a full pcapDir): later records are not written, only counted. */
  error: Error | undefined;
  /** Bytes of records not written because of `error`. */
  unwrittenBytes = 0;

  constructor(private readonly dir: string, private readonly node: string, private readonly num: number) {}

  /** Append every packet of `batch` and point its file position at the copy. */
  add(batch: PacketBatch): void {
    const meta = batch.meta;
    // One Buffer view per batch, so each record is copied with Buffer.copy and no view per packet.
    const src = Buffer.from(batch.buf.buffer, batch.buf.byteOffset, batch.buf.byteLength);
    for (let i = 0; i < batch.count; i++) {
      const m = i * META_STRIDE;
      if (this.fd < 0) this.open(meta[m + M_TS_SEC], meta[m + M_LINKTYPE]);
      else if (meta[m + M_LINKTYPE] !== this.linkType && !this.mixedLinkTypes) {
        this.mixedLinkTypes = true; // one pcap header holds one link type, as Arkime's writer
        process.stderr.write(`packrat: ${this.path}: packets of link type ${meta[m + M_LINKTYPE]} copied into a file of link type ${this.linkType}\n`);
      }
      const caplen = meta[m + M_CAPLEN];
      if (this.used + 16 + caplen > this.out.length) this.drain();
      meta[m + M_FILE_POS] = this.size;
      const o = this.used;
      this.out.writeUInt32LE(meta[m + M_TS_SEC] >>> 0, o);
      this.out.writeUInt32LE(meta[m + M_TS_USEC] >>> 0, o + 4);
      this.out.writeUInt32LE(caplen, o + 8);
      this.out.writeUInt32LE(meta[m + M_WIRELEN] >>> 0, o + 12);
      const off = meta[m + M_DATA_OFF];
      src.copy(this.out, o + 16, off, off + caplen);
      this.used += 16 + caplen;
      this.size += 16 + caplen;
      this.packets++;
    }
  }

  /**
   * Write out, fsync and close; a file without packets still gets a header (dated now). Throws
   * the first write error (naming the copy), once the file is closed: the import goes on with
   * SPI data and reports the copy as failed.
   */
  finish(): string {
    if (this.fd < 0) this.open(Math.floor(Date.now() / 1000), 1);
    this.drain();
    try { if (!this.error) fsyncSync(this.fd); } finally { closeSync(this.fd); this.fd = -1; }
    if (this.error) throw new Error(`${this.error.message} (${this.unwrittenBytes} bytes not written)`);
    return this.path;
  }

  /** Give up on the copy (the import failed): close it, keep what was written. */
  abandon(): void {
    if (this.fd < 0) return;
    try { this.drain(); } finally { closeSync(this.fd); this.fd = -1; }
  }

  private open(firstSec: number, linkType: number): void {
    this.path = resolve(this.dir, arkimePcapName(this.node, firstSec, this.num));
    this.linkType = linkType;
    mkdirSync(this.dir, { recursive: true }); // a pcapDir named but not made yet (once per copy)
    this.fd = openSync(this.path, 'wx'); // never overwrite another file's copy
    const h = this.out;
    pcapGlobalHeader(COPY_SNAPLEN, linkType).copy(h, 0);
    this.used = 24;
    this.size = 24;
  }

  private drain(): void {
    let off = 0;
    try {
      while (off < this.used && !this.error) off += writeSync(this.fd, this.out, off, this.used - off);
    } catch (e) {
      this.error = new Error(`write to ${this.path}: ${(e as Error).message}`);
    }
    this.unwrittenBytes += this.used - off;
    this.used = 0;
  }
}

/** `--delete`: remove an imported input; a failure is reported, never fatal. */
export function deleteInput(file: string): string | undefined {
  try { unlinkSync(file); return undefined; } catch (e) { return `could not delete ${file}: ${(e as Error).message}`; }
}

/** The files to import, in order; with a monitor it stays open until closed. */
export class InputQueue {
  private readonly items: string[] = [];
  private waiter: ((f: string | undefined) => void) | undefined;
  private closed = false;

  constructor(files: readonly string[], private readonly open: boolean) { this.items.push(...files); }

  push(file: string): void {
    if (this.closed) return;
    if (this.waiter) { const w = this.waiter; this.waiter = undefined; w(file); } else this.items.push(file);
  }

  /** The next file; undefined once the queue is closed (or empty and not monitoring). */
  next(): Promise<string | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const f = this.items.shift();
    if (f !== undefined || !this.open) return Promise.resolve(f);
    return new Promise((r) => { this.waiter = r; });
  }

  close(): void {
    this.closed = true;
    this.items.length = 0;
    if (this.waiter) { const w = this.waiter; this.waiter = undefined; w(undefined); }
  }
}

export interface MonitorOptions {
  recursive: boolean;
  filenameRegex: RegExp;
  /** A file is ready once its size and mtime have not changed for this long. */
  settleMs?: number;
  /** Full rescan interval: catches what fs.watch missed (overflow, network filesystems, new subfolders). */
  rescanMs?: number;
}

/**
 * `--monitor`: watch folders for new capture files. fs.watch says where to look; a periodic
 * rescan makes up for lost events. A file is handed on once it stops growing, once only.
 */
export class PcapDirMonitor {
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly pending = new Map<string, { size: number; mtimeMs: number; since: number }>();
  private readonly settleMs: number;
  private rescanTimer: NodeJS.Timeout | undefined;
  private settleTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly dirs: string[], private readonly o: MonitorOptions,
              private readonly seen: Set<string>, private readonly onFile: (file: string) => void) {
    this.settleMs = o.settleMs ?? 1000;
    for (const d of dirs) this.watchDir(resolve(d));
    this.rescan();
    this.rescanTimer = setInterval(() => this.rescan(), o.rescanMs ?? 5000);
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    clearInterval(this.rescanTimer);
    clearTimeout(this.settleTimer);
    this.pending.clear();
  }

  private watchDir(dir: string): void {
    if (this.watchers.has(dir) || this.stopped) return;
    try {
      const w = watch(dir, (_event, name) => { if (name) this.consider(join(dir, name.toString())); });
      w.on('error', () => { w.close(); this.watchers.delete(dir); }); // folder gone: the rescan reports it
      this.watchers.set(dir, w);
    } catch { /* unreadable now; the rescan tries again */ }
  }

  private rescan(): void {
    if (this.stopped) return;
    for (const d of this.dirs) this.scan(resolve(d));
  }

  private scan(dir: string): void {
    let names: string[];
    try { names = readdirSync(dir).sort(); } catch (e) {
      process.stderr.write(`packrat: --monitor cannot read ${dir}: ${(e as Error).message}\n`);
      return;
    }
    this.watchDir(dir);
    for (const name of names) this.consider(join(dir, name));
  }

  private consider(path: string): void {
    if (this.stopped || this.seen.has(path)) return;
    let st;
    try { st = statSync(path); } catch { this.pending.delete(path); return; } // renamed or removed
    if (st.isDirectory()) { if (this.o.recursive) this.scan(path); return; }
    if (!st.isFile() || !this.o.filenameRegex.test(path)) return;
    const p = this.pending.get(path);
    if (!p || p.size !== st.size || p.mtimeMs !== st.mtimeMs) this.pending.set(path, { size: st.size, mtimeMs: st.mtimeMs, since: Date.now() });
    this.armSettle();
  }

  private armSettle(): void {
    if (this.settleTimer || this.stopped) return;
    this.settleTimer = setTimeout(() => { this.settleTimer = undefined; this.settle(); }, Math.max(50, this.settleMs / 2));
  }

  private settle(): void {
    const now = Date.now();
    for (const [path, p] of this.pending) {
      let st;
      try { st = statSync(path); } catch { this.pending.delete(path); continue; }
      if (st.size !== p.size || st.mtimeMs !== p.mtimeMs) { p.size = st.size; p.mtimeMs = st.mtimeMs; p.since = now; continue; }
      if (st.size === 0 || now - p.since < this.settleMs) continue; // still being written, or not started
      this.pending.delete(path);
      this.seen.add(path);
      this.onFile(path);
    }
    if (this.pending.size) this.armSettle();
  }
}
