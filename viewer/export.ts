// Streaming exports: pcap, pcapng and CSV of the sessions a query matches, page by page in
// lastPacket order, written into 1 MiB chunks. Nothing is held whole in memory; the byte bound
// stops the stream before the record that would cross it.
import type { FieldRegistry } from '../db/fields/registry.js';
import type { PacketRef, SessionQuery, SessionSearchBackend } from '../db/store/search-backend.js';
import {
  PCAP_RECORD_HEADER_LEN, pcapngEPBLength, u32, writePcapngEPB, writePcapngIDB, writePcapngSHB, writeRecordHeader,
  PCAPNG_IDB_LEN, PCAPNG_SHB_LEN, MAX_CAPLEN, type PcapHeader,
} from '../db/pcap/format.js';
import { REMOTE_BATCH, type NodeLinks } from './multinode.js';
import { decodePacketPosInto, PcapFiles, type PacketPositions, type PcapFile } from './pcap-source.js';

const CHUNK = 1 << 20;
const PAGE = 10000;

export interface ExportLimits { maxSessions: number; maxBytes: number }

/** What an export left out: sessions whose pcap files are all gone (SPI data only). */
export interface ExportStats { skipped: number }

/**
 * Output chunks handed back once the response has flushed them, so a long export reuses a few
 * megabytes instead of leaving a gigabyte of buffers to the garbage collector.
 */
export class ChunkPool {
  private readonly free: Buffer[] = [];
  constructor(private readonly max = 32) {}
  take(n = CHUNK): Buffer { return n <= CHUNK ? this.free.pop() ?? Buffer.allocUnsafe(CHUNK) : Buffer.allocUnsafe(n); }
  /** Return a chunk (or a view of one) the consumer is done with. */
  give(chunk: Buffer): void {
    if (chunk.buffer.byteLength !== CHUNK || this.free.length >= this.max) return;
    this.free.push(Buffer.from(chunk.buffer, 0, CHUNK));
  }
}

/** Collects output into large chunks; `take()` hands a full chunk to the stream. */
class ChunkWriter {
  constructor(private readonly pool?: ChunkPool) {}
  buf: Buffer = Buffer.allocUnsafe(CHUNK);
  off = 0;
  written = 0;
  /** Room for `n` more bytes, flushing the current chunk first if needed. */
  room(n: number): Buffer | undefined {
    if (this.off + n <= this.buf.length) return undefined;
    const full = this.buf.subarray(0, this.off);
    this.buf = this.pool ? this.pool.take(n) : Buffer.allocUnsafe(Math.max(CHUNK, n));
    this.off = 0;
    return full.length ? full : undefined;
  }
  advance(n: number): void { this.off += n; this.written += n; }
  /** Copy `b[start, end)` in, filling each chunk to the brim before the next; returns the full chunks. */
  put(b: Buffer, start: number, end: number, full: Buffer[]): void {
    while (start < end) {
      if (this.off === this.buf.length) { const c = this.room(1); if (c) full.push(c); }
      const n = Math.min(end - start, this.buf.length - this.off);
      b.copy(this.buf, this.off, start, start + n);
      this.advance(n);
      start += n;
    }
  }
  rest(): Buffer | undefined { return this.off ? this.buf.subarray(0, this.off) : undefined; }
}

/**
 * Writes pcap records taken from any classic pcap source as one pcap or pcapng stream. Full 1 MiB
 * chunks collect in `ready`; `full` is set once the byte bound refused a record.
 */
export class PacketEncoder {
  private readonly w: ChunkWriter;
  readonly ready: Buffer[] = [];
  full = false;
  /** Bytes output so far. */
  private total = 0;
  private started = false;
  private outLe = true;
  private outNanos = false;
  private readonly ifaces = new Map<number, number>(); // linktype → interface id (pcapng)
  /**
   * Records taken as they are, not copied yet: neighbours in the same buffer form one run, copied
   * at once when the next record is elsewhere (a session's packets mostly sit side by side).
   */
  private runBuf: Buffer | undefined;
  private runStart = 0;
  private runEnd = 0;

  constructor(readonly format: 'pcap' | 'pcapng', readonly maxBytes: number, pool?: ChunkPool) { this.w = new ChunkWriter(pool); }

  private room(n: number): void { this.flushRun(); const c = this.w.room(n); if (c) this.ready.push(c); }

  /** Copy the pending run out; call before the buffer it lies in can change (any read). */
  flushRun(): void {
    if (this.runBuf === undefined) return;
    this.w.put(this.runBuf, this.runStart, this.runEnd, this.ready);
    this.runBuf = undefined;
  }

  /** Append the record whose 16-byte header is at `off` in `b`; false once the byte bound is reached. */
  record(b: Buffer, off: number, h: PcapHeader, headerBytes: Uint8Array): boolean {
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
      if (h.littleEndian === this.outLe && h.nanos === this.outNanos) {
        if (b === this.runBuf && off === this.runEnd) { this.runEnd += n; return true; }
        this.flushRun();
        this.runBuf = b; this.runStart = off; this.runEnd = off + n;
        return true;
      }
      this.room(n);
      {
        // a file with another byte order or clock: rewrite the record header in ours
        const frac = u32(b, off + 4, h.littleEndian);
        const outFrac = h.nanos === this.outNanos ? frac : this.outNanos ? frac * 1000 : Math.floor(frac / 1000);
        writeRecordHeader(w.buf, w.off, u32(b, off, h.littleEndian), outFrac, caplen, u32(b, off + 12, h.littleEndian), this.outLe);
        b.copy(w.buf, w.off + PCAP_RECORD_HEADER_LEN, off + PCAP_RECORD_HEADER_LEN, off + n);
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
    w.advance(writePcapngEPB(w.buf, w.off, iface, u32(b, off, h.littleEndian), h.nanos ? Math.floor(frac / 1000) : frac,
      b, off + PCAP_RECORD_HEADER_LEN, caplen, u32(b, off + 12, h.littleEndian), 6));
    return true;
  }

  /** Takes the full chunks (and with `all`, the partial one too). */
  *drain(all = false): Generator<Buffer> {
    if (all) this.flushRun();
    for (const c of this.ready) yield c;
    this.ready.length = 0;
    if (all) { const r = this.w.rest(); if (r) { this.w.off = 0; yield r; } }
  }
}

/**
 * pcap or pcapng bytes of every matching session's packets. With `nodes`, sessions whose files
 * only another node's viewer can read are fetched from it, consecutive ones in one request, so
 * the output keeps the lastPacket order across nodes. `refs` (an export snapshot's) replaces the
 * backend's search for the matches.
 */
export async function* packetExport(backend: SessionSearchBackend, files: PcapFiles, q: SessionQuery, format: 'pcap' | 'pcapng',
  limits: ExportLimits, nodes?: NodeLinks, stats: ExportStats = { skipped: 0 }, pool?: ChunkPool, refs?: AsyncIterable<PacketRef[]>): AsyncGenerator<Buffer> {
  const enc = new PacketEncoder(format, limits.maxBytes, pool);
  let sessions = 0;
  // kept across sessions: neighbouring sessions share a file, and most of their reads hit its blocks
  const at: PacketPositions = { files: [], positions: [] };
  let cur: PcapFile | undefined, curNode = '', curNum = -1;
  // ids only matter for batches fetched from other nodes' viewers
  for await (const rows of refs ?? refBatches(backend, q, limits.maxSessions, nodes !== undefined)) {
    for (let i = 0; i < rows.length && !enc.full && sessions < limits.maxSessions;) {
      const ref = rows[i];
      const remote = nodes?.remoteFor(ref.node, ref.packetPos);
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
          if (!enc.record(f.buffer, off, f.header, f.headerBytes)) break;
          if (enc.ready.length) yield* enc.drain();
        }
        continue;
      }
      // a run of sessions another node's viewer must serve: one signed request for the run
      let j = i + 1;
      while (j < rows.length && j - i < REMOTE_BATCH && sessions + (j - i) < limits.maxSessions && rows[j].node === ref.node
        && nodes!.remoteFor(rows[j].node, rows[j].packetPos) === remote) j++;
      const ids = rows.slice(i, j).map((r) => r.id);
      sessions += j - i; i = j;
      try {
        for await (const rd of nodes!.pcap(remote, ref.node, ids)) {
          for (let off = rd.next(); off >= 0; off = rd.next()) if (!enc.record(rd.buffer, off, rd.header!, rd.headerBytes)) break;
          enc.flushRun(); // the reader's next block may reuse its buffer
          if (enc.ready.length) yield* enc.drain();
          if (enc.full) break;
        }
      } catch (e) { nodes!.warn(remote, e as Error); }
    }
    if (enc.full || sessions >= limits.maxSessions) break;
  }
  yield* enc.drain(true);
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

function csvValue(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return `"${v.map((x) => String(x).replace(/"/g, '""')).join(', ')}"`;
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export async function* csvExport(backend: SessionSearchBackend, registry: FieldRegistry, q: SessionQuery, fields: string[],
  limits: ExportLimits): AsyncGenerator<Buffer> {
  const header = fields.map((f) => registry.byDb(f)?.friendly ?? f).join(', ');
  let out = header + '\r\n';
  let sessions = 0, bytes = 0;
  let after: unknown;
  for (;;) {
    const page = await backend.docs(q, Math.min(PAGE, limits.maxSessions - sessions), after);
    for (const d of page.rows) {
      if (sessions++ >= limits.maxSessions) break;
      const line = fields.map((f) => csvValue(f === 'ipProtocol' ? ipProtocolName(getPath(d.doc, f)) : getPath(d.doc, f))).join(',') + '\r\n';
      if (bytes + out.length + line.length > limits.maxBytes) { if (out) yield Buffer.from(out); return; }
      out += line;
      if (out.length > CHUNK) { bytes += out.length; yield Buffer.from(out); out = ''; }
    }
    after = page.after;
    if (after === undefined || sessions >= limits.maxSessions) break;
  }
  if (out) yield Buffer.from(out);
}
