// Streaming exports: pcap, pcapng and CSV of the sessions a query matches, page by page in
// lastPacket order, written into 1 MiB chunks. Nothing is held whole in memory; the byte bound
// stops the stream before the record that would cross it.
import type { FieldRegistry } from '../db/fields/registry.js';
import type { PacketRef, SessionQuery, SessionSearchBackend } from '../db/backend/search-backend.js';
import {
  PCAP_RECORD_HEADER_LEN, pcapngEPBLength, u32, writePcapngEPB, writePcapngIDB, writePcapngSHB, writeRecordHeader,
  PCAPNG_IDB_LEN, PCAPNG_SHB_LEN, MAX_CAPLEN, type PcapHeader,
} from '../db/pcap/format.js';
import type { CryptoPAn } from '../db/anon/crypto-pan.js';
import type { PacketAnonymizer } from '../db/pcap/anonymize-packet.js';
import { anonymizedCell } from './anonymize.js';
import { REMOTE_BATCH, type NodeLinks } from './multinode.js';
import { BufferLeases, decodePacketPosInto, PcapFiles, type PacketPositions, type PcapFile } from './pcap-source.js';

const CHUNK = 1 << 20;
/** Where an Enhanced Packet Block's packet data starts (after type, length, interface, time, lengths). */
const PCAPNG_EPB_DATA = 28;
const PAGE = 10000;
/**
 * A run of side-by-side records at least this long goes out as a view of the file's block (lent
 * until the socket has taken it) instead of being copied; shorter runs are gathered into chunks.
 */
const DIRECT_RUN = 32 << 10;

export interface ExportLimits { maxSessions: number; maxBytes: number }

/** What an export left out: sessions whose pcap files are all gone (SPI data only). */
export interface ExportStats { skipped: number }

/**
 * Output memory handed out and given back once the response has flushed it (its write callback):
 * the pool's own chunks are reused, so a long export turns over a few megabytes instead of leaving
 * a gigabyte of buffers to the garbage collector; file blocks lent as views go back to their cache.
 */
export class ChunkPool {
  private readonly free: Buffer[] = [];
  private readonly own = new WeakSet<ArrayBufferLike>();
  constructor(readonly leases: BufferLeases = new BufferLeases(), private readonly max = 32) {}
  /** A buffer of at least `n` bytes, lent to the taker. */
  take(n = CHUNK): Buffer {
    let b: Buffer;
    if (n > CHUNK) b = Buffer.allocUnsafe(n);
    else { b = this.free.pop() ?? Buffer.allocUnsafe(CHUNK); this.own.add(b.buffer); }
    this.leases.lend(b);
    return b;
  }
  /** Give back a buffer (or a view of one) that was handed out; the last one back frees a chunk. */
  give(chunk: Buffer): void {
    if (this.leases.giveBack(chunk) > 0 || !this.own.has(chunk.buffer) || this.free.length >= this.max) return;
    this.free.push(Buffer.from(chunk.buffer, 0, CHUNK));
  }
}

/**
 * Collects output into large chunks. `cut()` hands out what was written since the last cut
 * (a view, lent through the pool) and writing goes on after it in the same chunk.
 */
class ChunkWriter {
  buf: Buffer;
  /** Start of what has not been handed out yet. */
  private start = 0;
  off = 0;
  constructor(private readonly pool?: ChunkPool) { this.buf = this.fresh(CHUNK); }
  private fresh(n: number): Buffer { return this.pool ? this.pool.take(n) : Buffer.allocUnsafe(Math.max(CHUNK, n)); }
  cut(): Buffer | undefined {
    if (this.off === this.start) return undefined;
    const piece = this.buf.subarray(this.start, this.off);
    this.pool?.leases.lend(piece);
    this.start = this.off;
    return piece;
  }
  /** Room for `n` more bytes; when the chunk is full, the part not handed out yet is returned. */
  room(n: number): Buffer | undefined {
    if (this.off + n <= this.buf.length) return undefined;
    const rest = this.cut();
    this.pool?.give(this.buf); // the writer's own lease
    this.buf = this.fresh(n);
    this.start = this.off = 0;
    return rest;
  }
  advance(n: number): void { this.off += n; }
  /** Copy `b[start, end)` in, filling each chunk to the brim before the next; full chunks go to `out`. */
  put(b: Buffer, start: number, end: number, out: Buffer[]): void {
    while (start < end) {
      if (this.off === this.buf.length) { const c = this.room(1); if (c) out.push(c); }
      const n = Math.min(end - start, this.buf.length - this.off);
      b.copy(this.buf, this.off, start, start + n);
      this.advance(n);
      start += n;
    }
  }
}

/**
 * Writes pcap records taken from any classic pcap source as one pcap or pcapng stream. Output
 * pieces collect in `ready` (full chunks, and with a pool, long runs as views of the source);
 * `full` is set once the byte bound refused a record.
 */
export class PacketEncoder {
  private readonly w: ChunkWriter;
  ready: Buffer[] = [];
  /** Bytes in `ready`. */
  readyBytes = 0;
  full = false;
  /** Bytes output so far. */
  private total = 0;
  private started = false;
  private outLe = true;
  private outNanos = false;
  private readonly ifaces = new Map<number, number>(); // linktype → interface id (pcapng)
  /**
   * Records taken as they are, not copied yet: neighbours in the same buffer form one run, copied
   * (or lent, when long and its buffer is `stable`) at once when the next record is elsewhere.
   */
  private runBuf: Buffer | undefined;
  private runStart = 0;
  private runEnd = 0;
  private runStable = false;

  /** `anon`: every record is copied and its addresses rewritten (no record goes out as a view of its file). */
  constructor(readonly format: 'pcap' | 'pcapng', readonly maxBytes: number, private readonly pool?: ChunkPool,
    private readonly anon?: PacketAnonymizer) { this.w = new ChunkWriter(pool); }

  private push(c: Buffer): void { this.ready.push(c); this.readyBytes += c.length; }

  private room(n: number): void { this.flushRun(); const c = this.w.room(n); if (c) this.push(c); }

  /** Hand the pending run out; call before the buffer it lies in can change (any read). */
  flushRun(): void {
    const b = this.runBuf;
    if (b === undefined) return;
    this.runBuf = undefined;
    if (this.runStable && this.pool && this.runEnd - this.runStart >= DIRECT_RUN) {
      const head = this.w.cut();
      if (head) this.push(head);
      const view = b.subarray(this.runStart, this.runEnd);
      this.pool.leases.lend(view);
      this.push(view);
      return;
    }
    const had = this.ready.length;
    this.w.put(b, this.runStart, this.runEnd, this.ready);
    for (let i = had; i < this.ready.length; i++) this.readyBytes += this.ready[i].length;
  }

  /**
   * Append the record whose 16-byte header is at `off` in `b`; false once the byte bound is
   * reached. `stable`: `b` is not rewritten while lent through the pool's leases (a PcapFile's
   * blocks), so a long run of it may go out as a view.
   */
  record(b: Buffer, off: number, h: PcapHeader, headerBytes: Uint8Array, stable = false): boolean {
    const w = this.w;
    const caplen = u32(b, off + 8, h.littleEndian);
    if (!this.started) {
      this.started = true;
      if (this.format === 'pcap') {
        this.outLe = h.littleEndian; this.outNanos = h.nanos;
        this.room(24);
        w.buf.set(headerBytes, w.off); w.advance(24); this.total += 24;
      } else {
        this.room(PCAPNG_SHB_LEN);
        const n = writePcapngSHB(w.buf, w.off);
        w.advance(n); this.total += n;
      }
    }
    if (this.format === 'pcap') {
      const n = PCAP_RECORD_HEADER_LEN + caplen;
      if (this.total + n > this.maxBytes) { this.full = true; return false; }
      this.total += n;
      if (h.littleEndian === this.outLe && h.nanos === this.outNanos && !this.anon) {
        if (b === this.runBuf && off === this.runEnd) { this.runEnd += n; return true; }
        this.flushRun();
        this.runBuf = b; this.runStart = off; this.runEnd = off + n; this.runStable = stable;
        return true;
      }
      this.room(n);
      {
        // a file with another byte order or clock: rewrite the record header in ours
        const frac = u32(b, off + 4, h.littleEndian);
        const outFrac = h.nanos === this.outNanos ? frac : this.outNanos ? frac * 1000 : Math.floor(frac / 1000);
        writeRecordHeader(w.buf, w.off, u32(b, off, h.littleEndian), outFrac, caplen, u32(b, off + 12, h.littleEndian), this.outLe);
        b.copy(w.buf, w.off + PCAP_RECORD_HEADER_LEN, off + PCAP_RECORD_HEADER_LEN, off + n);
        this.anon?.frame(w.buf, w.off + PCAP_RECORD_HEADER_LEN, caplen, h.linktype);
      }
      w.advance(n);
      return true;
    }
    let iface = this.ifaces.get(h.linktype);
    if (iface === undefined) {
      iface = this.ifaces.size;
      this.ifaces.set(h.linktype, iface);
      this.room(PCAPNG_IDB_LEN);
      const m = writePcapngIDB(w.buf, w.off, h.linktype, Math.max(h.snaplen, MAX_CAPLEN), 6);
      w.advance(m); this.total += m;
    }
    const n = pcapngEPBLength(caplen);
    if (this.total + n > this.maxBytes) { this.full = true; return false; }
    this.total += n;
    this.room(n);
    const frac = u32(b, off + 4, h.littleEndian);
    const m = writePcapngEPB(w.buf, w.off, iface, u32(b, off, h.littleEndian), h.nanos ? Math.floor(frac / 1000) : frac,
      b, off + PCAP_RECORD_HEADER_LEN, caplen, u32(b, off + 12, h.littleEndian), 6);
    this.anon?.frame(w.buf, w.off + PCAPNG_EPB_DATA, caplen, h.linktype);
    w.advance(m);
    return true;
  }

  /** Takes the pieces ready (and with `all`, everything written so far). */
  take(all = false): Buffer[] {
    if (all) { this.flushRun(); const r = this.w.cut(); if (r) this.push(r); }
    const out = this.ready;
    this.ready = [];
    this.readyBytes = 0;
    return out;
  }

  *drain(all = false): Generator<Buffer> { yield* this.take(all); }
}

/**
 * pcap or pcapng bytes of every matching session's packets. With `nodes`, sessions whose files
 * only another node's viewer can read are fetched from it, consecutive ones in one request, so
 * the output keeps the lastPacket order across nodes. `refs` (an export snapshot's) replaces the
 * backend's search for the matches.
 */
export async function* packetExport(backend: SessionSearchBackend, files: PcapFiles, q: SessionQuery, format: 'pcap' | 'pcapng',
  limits: ExportLimits, nodes?: NodeLinks, stats: ExportStats = { skipped: 0 }, pool?: ChunkPool, refs?: AsyncIterable<PacketRef[]>,
  anon?: PacketAnonymizer): AsyncGenerator<Buffer> {
  for await (const batch of packetExportBatches(backend, files, q, format, limits, nodes, stats, pool, refs, anon)) yield* batch;
}

/** Output gathered before it is handed on as one batch (one corked socket write); the first goes sooner. */
const BATCH = 4 << 20;
const FIRST_BATCH = 64 << 10;

/**
 * packetExport in batches of about 4 MiB. With a pool sharing `files.leases`, long runs of
 * records go out as views of the files' blocks: give every piece back to the pool once written.
 */
export async function* packetExportBatches(backend: SessionSearchBackend, files: PcapFiles, q: SessionQuery, format: 'pcap' | 'pcapng',
  limits: ExportLimits, nodes?: NodeLinks, stats: ExportStats = { skipped: 0 }, pool?: ChunkPool, refs?: AsyncIterable<PacketRef[]>,
  anon?: PacketAnonymizer): AsyncGenerator<Buffer[]> {
  const enc = new PacketEncoder(format, limits.maxBytes, pool, anon);
  // the files' blocks may be lent only when the pool's leases are the ones their cache honours
  const lendable = pool !== undefined && pool.leases === files.leases;
  let batch = FIRST_BATCH;
  let sessions = 0;
  // kept across sessions: neighbouring sessions share a file, and most of their reads hit its blocks
  const at: PacketPositions = { files: [], positions: [] };
  let cur: PcapFile | undefined, curNode = '', curNum = -1;
  // ids only matter for batches fetched from other nodes' viewers
  for await (const rows of refs ?? refBatches(backend, q, limits.maxSessions, nodes !== undefined)) {
    await files.prime(rows); // the registry docs of the batch's files not seen yet: one read per new file
    for (let i = 0; i < rows.length && !enc.full && sessions < limits.maxSessions;) {
      const ref = rows[i];
      const remote = nodes?.remoteFor(ref.node, ref.packetPos, files);
      if (remote === undefined) {
        i++;
        // every file of the session expired: SPI data only, nothing to export
        if (files.spiOnlyReason(ref.node, ref.packetPos) !== undefined) { stats.skipped++; continue; }
        sessions++;
        const n = decodePacketPosInto(at, ref.packetPos, files.isGap0(ref.node, ref.packetPos));
        for (let k = 0; k < n; k++) {
          if (at.files[k] !== curNum || ref.node !== curNode) {
            enc.flushRun();
            try { cur = await files.get(ref.node, at.files[k]); curNum = at.files[k]; curNode = ref.node; } catch { break; } // file gone: SPI only
          }
          const f = cur!;
          let off = f.recordInWindow(at.positions[k]);
          if (off < 0) { enc.flushRun(); off = await f.record(at.positions[k]); } // the read may reuse a block the run lies in
          if (!enc.record(f.buffer, off, f.header, f.headerBytes, lendable)) break;
        }
        if (enc.readyBytes >= batch) { batch = BATCH; yield enc.take(); }
        continue;
      }
      // a run of sessions another node's viewer must serve: one signed request for the run
      let j = i + 1;
      while (j < rows.length && j - i < REMOTE_BATCH && sessions + (j - i) < limits.maxSessions && rows[j].node === ref.node
        && nodes!.remoteFor(rows[j].node, rows[j].packetPos, files) === remote) j++;
      const ids = rows.slice(i, j).map((r) => r.id);
      sessions += j - i; i = j;
      try {
        for await (const rd of nodes!.pcap(remote, ref.node, ids)) {
          for (let off = rd.next(); off >= 0; off = rd.next()) if (!enc.record(rd.buffer, off, rd.header!, rd.headerBytes)) break;
          enc.flushRun(); // the reader's next block may reuse its buffer
          if (enc.readyBytes >= batch) { batch = BATCH; yield enc.take(); }
          if (enc.full) break;
        }
      } catch (e) { nodes!.warn(remote, e as Error); }
    }
    if (enc.full || sessions >= limits.maxSessions) break;
  }
  const last = enc.take(true);
  if (last.length) yield last;
}

/** Batches of packet references: one streamed statement where the backend has it, else pages. */
export async function* refBatches(backend: SessionSearchBackend, q: SessionQuery, max: number, ids = true): AsyncGenerator<PacketRef[]> {
  if (backend.streamPacketRefs) { yield* backend.streamPacketRefs(q, max, { ids }); return; }
  let n = 0;
  let after: unknown;
  for (;;) {
    const page = await backend.packetRefs(q, Math.min(PAGE, max - n), after);
    n += page.rows.length;
    yield page.rows;
    after = page.after;
    if (after === undefined || n >= max) return;
  }
}

// ------------------------------------------------------------------ CSV

export const CSV_DEFAULT_FIELDS = ['ipProtocol', 'firstPacket', 'lastPacket', 'source.ip', 'source.port', 'source.geo.country_iso_code',
  'destination.ip', 'destination.port', 'destination.geo.country_iso_code', 'network.bytes', 'totDataBytes', 'network.packets', 'node'];

const IP_PROTOCOLS: Record<number, string> = { 1: 'icmp', 2: 'igmp', 6: 'tcp', 17: 'udp', 47: 'gre', 50: 'esp', 58: 'icmpv6', 89: 'ospf', 103: 'pim', 132: 'sctp' };
export function ipProtocolName(n: unknown): unknown { return typeof n === 'number' ? IP_PROTOCOLS[n] ?? n : n; }

export function getPath(doc: Record<string, unknown>, field: string): unknown {
  if (field in doc) return doc[field];
  let o: unknown = doc;
  for (const k of field.split('.')) {
    if (o === null || typeof o !== 'object') return undefined;
    o = (o as Record<string, unknown>)[k];
  }
  return o;
}

/**
 * One CSV cell. Text that a spreadsheet would read as a formula (OWASP's list: a leading `=`,
 * `+`, `-`, `@`, tab or carriage return; we add line feed) gets a leading `'` and is quoted, as
 * OWASP's CSV-injection sheet recommends: values come off the wire, so a session's URI or
 * User-Agent is attacker text. Numbers are ours and stay as they are (a negative number is no formula).
 */
export function csvValue(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  const s = Array.isArray(v) ? v.map((x) => (typeof x === 'object' && x !== null ? JSON.stringify(x) : String(x))).join(', ')
    : typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (/^[=+\-@\t\r\n]/.test(s)) return `"'${s.replace(/"/g, '""')}"`;
  return /[",\r\n]/.test(s) || Array.isArray(v) ? `"${s.replace(/"/g, '""')}"` : s;
}

export async function* csvExport(backend: SessionSearchBackend, registry: FieldRegistry, q: SessionQuery, fields: string[],
  limits: ExportLimits, anon?: CryptoPAn): AsyncGenerator<Buffer> {
  const cell = (d: Record<string, unknown>, f: string) => (anon ? anonymizedCell(d, f, registry, anon) : getPath(d, f));
  const header = fields.map((f) => csvValue(registry.byDb(f)?.friendly ?? f)).join(', ');
  let out = header + '\r\n';
  let sessions = 0, bytes = 0;
  let after: unknown;
  for (;;) {
    const page = await backend.docs(q, Math.min(PAGE, limits.maxSessions - sessions), after);
    for (const d of page.rows) {
      if (sessions++ >= limits.maxSessions) break;
      const line = fields.map((f) => csvValue(f === 'ipProtocol' ? ipProtocolName(getPath(d.doc, f)) : cell(d.doc, f))).join(',') + '\r\n';
      if (bytes + out.length + line.length > limits.maxBytes) { if (out) yield Buffer.from(out); return; }
      out += line;
      if (out.length > CHUNK) { bytes += out.length; yield Buffer.from(out); out = ''; }
    }
    after = page.after;
    if (after === undefined || sessions >= limits.maxSessions) break;
  }
  if (out) yield Buffer.from(out);
}
