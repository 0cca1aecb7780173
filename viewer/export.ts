// Streaming exports: pcap, pcapng and CSV of the sessions a query matches, page by page in
// lastPacket order, written into 1 MiB chunks. Nothing is held whole in memory; the byte bound
// stops the stream before the record that would cross it.
import type { FieldRegistry } from '../db/fields/registry.js';
import type { SessionQuery, SessionSearchBackend } from '../db/store/search-backend.js';
import {
  PCAP_RECORD_HEADER_LEN, pcapngEPBLength, u32, writePcapngEPB, writePcapngIDB, writePcapngSHB, writeRecordHeader,
  PCAPNG_IDB_LEN, PCAPNG_SHB_LEN, MAX_CAPLEN,
} from '../db/pcap/format.js';
import { decodePacketPos, PcapFiles, type PcapFile } from './pcap-source.js';

const CHUNK = 1 << 20;
const PAGE = 10000;

export interface ExportLimits { maxSessions: number; maxBytes: number }

/** Collects output into large chunks; `take()` hands a full chunk to the stream. */
class ChunkWriter {
  buf = Buffer.allocUnsafe(CHUNK);
  off = 0;
  written = 0;
  /** Room for `n` more bytes, flushing the current chunk first if needed. */
  room(n: number): Buffer | undefined {
    if (this.off + n <= this.buf.length) return undefined;
    const full = this.buf.subarray(0, this.off);
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK, n));
    this.off = 0;
    return full.length ? full : undefined;
  }
  advance(n: number): void { this.off += n; this.written += n; }
  rest(): Buffer | undefined { return this.off ? this.buf.subarray(0, this.off) : undefined; }
}

/** pcap or pcapng bytes of every matching session's packets. */
export async function* packetExport(backend: SessionSearchBackend, files: PcapFiles, q: SessionQuery, format: 'pcap' | 'pcapng',
  limits: ExportLimits): AsyncGenerator<Buffer> {
  const w = new ChunkWriter();
  let started = false;
  let outLe = true, outNanos = false;
  const ifaces = new Map<number, number>(); // linktype → interface id (pcapng)
  let sessions = 0;
  let after: unknown;
  for (;;) {
    const page = await backend.packetRefs(q, Math.min(PAGE, limits.maxSessions - sessions), after);
    for (const ref of page.rows) {
      if (sessions++ >= limits.maxSessions) return;
      let cur: PcapFile | undefined, curNum = -1;
      const gap0 = files.isGap0(ref.node, ref.packetPos);
      const { files: nums, positions } = decodePacketPos(ref.packetPos, gap0);
      for (let i = 0; i < positions.length; i++) {
        if (nums[i] !== curNum) {
          try { cur = await files.get(ref.node, nums[i]); curNum = nums[i]; } catch { break; } // file gone: SPI only
        }
        const f = cur!;
        let off = f.recordInWindow(positions[i]);
        if (off < 0) off = await f.record(positions[i]);
        const b = f.buffer, h = f.header;
        const caplen = u32(b, off + 8, h.littleEndian);
        if (!started) {
          started = true;
          if (format === 'pcap') {
            outLe = h.littleEndian; outNanos = h.nanos;
            const c = w.room(24); if (c) yield c;
            w.buf.set(f.headerBytes, w.off); w.advance(24);
          } else {
            const c = w.room(PCAPNG_SHB_LEN); if (c) yield c;
            w.advance(writePcapngSHB(w.buf, w.off));
          }
        }
        if (format === 'pcap') {
          const n = PCAP_RECORD_HEADER_LEN + caplen;
          if (w.written + n > limits.maxBytes) { const r = w.rest(); if (r) yield r; return; }
          const c = w.room(n); if (c) yield c;
          if (h.littleEndian === outLe && h.nanos === outNanos) {
            b.copy(w.buf, w.off, off, off + n);
          } else {
            // a file with another byte order or clock: rewrite the record header in ours
            const frac = u32(b, off + 4, h.littleEndian);
            const outFrac = h.nanos === outNanos ? frac : outNanos ? frac * 1000 : Math.floor(frac / 1000);
            writeRecordHeader(w.buf, w.off, u32(b, off, h.littleEndian), outFrac, caplen, u32(b, off + 12, h.littleEndian), outLe);
            b.copy(w.buf, w.off + PCAP_RECORD_HEADER_LEN, off + PCAP_RECORD_HEADER_LEN, off + n);
          }
          w.advance(n);
        } else {
          let iface = ifaces.get(h.linktype);
          if (iface === undefined) {
            iface = ifaces.size;
            ifaces.set(h.linktype, iface);
            const c = w.room(PCAPNG_IDB_LEN); if (c) yield c;
            w.advance(writePcapngIDB(w.buf, w.off, h.linktype, Math.max(h.snaplen, MAX_CAPLEN), 6));
          }
          const n = pcapngEPBLength(caplen);
          if (w.written + n > limits.maxBytes) { const r = w.rest(); if (r) yield r; return; }
          const c = w.room(n); if (c) yield c;
          const frac = u32(b, off + 4, h.littleEndian);
          w.advance(writePcapngEPB(w.buf, w.off, iface, u32(b, off, h.littleEndian), h.nanos ? Math.floor(frac / 1000) : frac,
            b, off + PCAP_RECORD_HEADER_LEN, caplen, u32(b, off + 12, h.littleEndian), 6));
        }
      }
    }
    after = page.after;
    if (after === undefined || sessions >= limits.maxSessions) break;
  }
  const r = w.rest();
  if (r) yield r;
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
