// The pcap and pcapng file formats: header parse/write, record headers, pcapng export blocks and
// reading one classic-pcap record back at a file offset (Arkime packetPos). Shared by capture
// (readers, writer) and the viewer (packet read-back, pcap/pcapng export). No Node streams here:
// functions work on (bytes, offset) and return sizes, so callers decide where bytes live.

import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_MAGIC_US_SWAPPED = 0xd4c3b2a1;
export const PCAP_MAGIC_NS_SWAPPED = 0x4d3cb2a1;
export const PCAPNG_SHB = 0x0a0d0d0a;
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;

export const PCAP_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;
/** Largest caplen accepted by default (libpcap's MAXIMUM_SNAPLEN); more means a corrupt record. */
export const MAX_CAPLEN = 262144;
/** caplen may exceed wirelen a little (some writers pad); beyond this the record is corrupt. */
export const CAPLEN_OVER_WIRELEN_SLACK = 65536;

export const PCAPNG_BT_IDB = 1;
export const PCAPNG_BT_OPB = 2; // obsolete packet block
export const PCAPNG_BT_SPB = 3;
export const PCAPNG_BT_EPB = 6;

/** A fault in pcap bytes: the reason and the byte offset (in the file) where it was found. */
export class PcapFormatError extends Error {
  constructor(readonly reason: string, readonly offset: number) {
    super(`${reason} at byte offset ${offset}`);
  }
}

export interface PcapHeader {
  littleEndian: boolean;
  /** true for the a1b23c4d magic: record timestamps carry nanoseconds. */
  nanos: boolean;
  versionMajor: number;
  versionMinor: number;
  thiszone: number;
  sigfigs: number;
  snaplen: number;
  linktype: number;
}

export type FileFormat = 'pcap' | 'pcapng' | 'unknown';

/** Which format the first 4 bytes announce (reads them little-endian). */
export function sniffFormat(b: Uint8Array, off = 0): FileFormat {
  if (b.length - off < 4) return 'unknown';
  const m = u32(b, off, true);
  if (m === PCAP_MAGIC_US || m === PCAP_MAGIC_NS || m === PCAP_MAGIC_US_SWAPPED || m === PCAP_MAGIC_NS_SWAPPED) return 'pcap';
  if (m === PCAPNG_SHB) return 'pcapng';
  return 'unknown';
}

/** Parse a 24-byte classic pcap global header at `off`. Throws PcapFormatError. */
export function parsePcapHeader(b: Uint8Array, off = 0): PcapHeader {
  if (b.length - off < PCAP_HEADER_LEN) throw new PcapFormatError(`pcap header needs ${PCAP_HEADER_LEN} bytes, have ${Math.max(0, b.length - off)}`, off);
  const m = u32(b, off, true);
  let littleEndian: boolean, nanos: boolean;
  if (m === PCAP_MAGIC_US) { littleEndian = true; nanos = false; }
  else if (m === PCAP_MAGIC_NS) { littleEndian = true; nanos = true; }
  else if (m === PCAP_MAGIC_US_SWAPPED) { littleEndian = false; nanos = false; }
  else if (m === PCAP_MAGIC_NS_SWAPPED) { littleEndian = false; nanos = true; }
  else throw new PcapFormatError(`bad pcap magic 0x${hex8(u32(b, off, false))}`, off);
  const le = littleEndian;
  return {
    littleEndian, nanos,
    versionMajor: u16(b, off + 4, le),
    versionMinor: u16(b, off + 6, le),
    thiszone: u32(b, off + 8, le) | 0,
    sigfigs: u32(b, off + 12, le),
    snaplen: u32(b, off + 16, le),
    // The top bits of the linktype field may carry FCS flags (pcap-linktype.7); the type is the low 28 bits.
    linktype: u32(b, off + 20, le) & 0x0fffffff,
  };
}

export interface PcapHeaderOptions {
  snaplen?: number;    // default 262144
  linktype?: number;   // default 1 (Ethernet)
  nanos?: boolean;     // default false (µs)
  littleEndian?: boolean; // default true
  thiszone?: number;
}

/** Write a 24-byte pcap global header into `out` at `off`; returns bytes written. */
export function writePcapHeader(out: Uint8Array, off: number, o: PcapHeaderOptions = {}): number {
  const le = o.littleEndian ?? true;
  putU32(out, off, o.nanos ? PCAP_MAGIC_NS : PCAP_MAGIC_US, le);
  putU16(out, off + 4, 2, le);
  putU16(out, off + 6, 4, le);
  putU32(out, off + 8, (o.thiszone ?? 0) >>> 0, le);
  putU32(out, off + 12, 0, le);
  putU32(out, off + 16, o.snaplen ?? MAX_CAPLEN, le);
  putU32(out, off + 20, o.linktype ?? 1, le);
  return PCAP_HEADER_LEN;
}

export function pcapHeaderBytes(o: PcapHeaderOptions = {}): Uint8Array {
  const out = new Uint8Array(PCAP_HEADER_LEN);
  writePcapHeader(out, 0, o);
  return out;
}

/** One record header; `tsFrac` is µs or ns as the file header says. Reused by callers. */
export interface PcapRecordHeader {
  tsSec: number;
  tsFrac: number;
  caplen: number;
  wirelen: number;
}

export function newRecordHeader(): PcapRecordHeader {
  return { tsSec: 0, tsFrac: 0, caplen: 0, wirelen: 0 };
}

/** Read the 16-byte record header at `off` into `out` (no checks; see recordFault). */
export function readRecordHeader(b: Uint8Array, off: number, le: boolean, out: PcapRecordHeader): PcapRecordHeader {
  out.tsSec = u32(b, off, le);
  out.tsFrac = u32(b, off + 4, le);
  out.caplen = u32(b, off + 8, le);
  out.wirelen = u32(b, off + 12, le);
  return out;
}

/** Why a record with these lengths cannot be real, or undefined when it is plausible. */
export function recordFault(caplen: number, wirelen: number, maxCaplen = MAX_CAPLEN): string | undefined {
  if (caplen > maxCaplen) return `corrupt record: caplen ${caplen} exceeds ${maxCaplen}`;
  if (caplen > wirelen + CAPLEN_OVER_WIRELEN_SLACK) return `corrupt record: caplen ${caplen} exceeds wire length ${wirelen}`;
  return undefined;
}

/** Write a 16-byte record header; `tsFrac` in the file's unit (µs unless a ns header was written). */
export function writeRecordHeader(out: Uint8Array, off: number, tsSec: number, tsFrac: number, caplen: number, wirelen: number, le = true): number {
  putU32(out, off, tsSec >>> 0, le);
  putU32(out, off + 4, tsFrac >>> 0, le);
  putU32(out, off + 8, caplen, le);
  putU32(out, off + 12, wirelen, le);
  return PCAP_RECORD_HEADER_LEN;
}

// ---- reading one record back at a file offset (viewer, packetPos) ----

export interface PcapPacket {
  tsSec: number;
  /** Always microseconds (nanosecond files rounded down). */
  tsUsec: number;
  caplen: number;
  wirelen: number;
  data: Uint8Array;
}

/** Read the global header of an open classic pcap file. Throws PcapFormatError. */
export function readPcapHeader(fd: number): PcapHeader {
  const b = new Uint8Array(PCAP_HEADER_LEN);
  const n = readFully(fd, b, 0, PCAP_HEADER_LEN, 0);
  return parsePcapHeader(b.subarray(0, n), 0);
}

/**
 * Read the record whose 16-byte header starts at file offset `pos` of a classic pcap file.
 * `scratch`, when given and large enough, receives the data (the returned `data` is a view of it).
 * Throws PcapFormatError for a corrupt or truncated record.
 */
export function readPacketAt(fd: number, pos: number, header: PcapHeader, scratch?: Uint8Array): PcapPacket {
  const rh = new Uint8Array(PCAP_RECORD_HEADER_LEN);
  if (readFully(fd, rh, 0, PCAP_RECORD_HEADER_LEN, pos) < PCAP_RECORD_HEADER_LEN) throw new PcapFormatError('truncated record header', pos);
  const p = decodeRecord(rh, header, pos);
  const data = scratch && scratch.length >= p.caplen ? scratch.subarray(0, p.caplen) : new Uint8Array(p.caplen);
  if (readFully(fd, data, 0, p.caplen, pos + PCAP_RECORD_HEADER_LEN) < p.caplen) throw new PcapFormatError(`truncated record (caplen ${p.caplen})`, pos);
  p.data = data;
  return p;
}

/** readPacketAt for a promise FileHandle (the viewer reads several packets concurrently). */
export async function readPacketAtAsync(fh: FileHandle, pos: number, header: PcapHeader): Promise<PcapPacket> {
  const rh = new Uint8Array(PCAP_RECORD_HEADER_LEN);
  const r1 = await fh.read(rh, 0, PCAP_RECORD_HEADER_LEN, pos);
  if (r1.bytesRead < PCAP_RECORD_HEADER_LEN) throw new PcapFormatError('truncated record header', pos);
  const p = decodeRecord(rh, header, pos);
  const data = new Uint8Array(p.caplen);
  let got = 0;
  while (got < p.caplen) {
    const r = await fh.read(data, got, p.caplen - got, pos + PCAP_RECORD_HEADER_LEN + got);
    if (r.bytesRead === 0) throw new PcapFormatError(`truncated record (caplen ${p.caplen})`, pos);
    got += r.bytesRead;
  }
  p.data = data;
  return p;
}

const EMPTY = new Uint8Array(0);

function decodeRecord(rh: Uint8Array, header: PcapHeader, pos: number): PcapPacket {
  const le = header.littleEndian;
  const caplen = u32(rh, 8, le), wirelen = u32(rh, 12, le);
  const fault = recordFault(caplen, wirelen, Math.max(MAX_CAPLEN, header.snaplen));
  if (fault) throw new PcapFormatError(fault, pos);
  const frac = u32(rh, 4, le);
  return { tsSec: u32(rh, 0, le), tsUsec: header.nanos ? Math.floor(frac / 1000) : frac, caplen, wirelen, data: EMPTY };
}

function readFully(fd: number, b: Uint8Array, off: number, len: number, pos: number): number {
  let got = 0;
  while (got < len) {
    const n = readSync(fd, b, off + got, len - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

// ---- pcapng writing (export) ----

export const PCAPNG_SHB_LEN = 28;
/** IDB with if_tsresol option and end-of-options. */
export const PCAPNG_IDB_LEN = 32;
export const PCAPNG_EPB_OVERHEAD = 32;

/** Write a Section Header Block (version 1.0, section length unknown); returns bytes written. */
export function writePcapngSHB(out: Uint8Array, off: number, le = true): number {
  putU32(out, off, PCAPNG_SHB, le);
  putU32(out, off + 4, PCAPNG_SHB_LEN, le);
  putU32(out, off + 8, PCAPNG_BYTE_ORDER_MAGIC, le);
  putU16(out, off + 12, 1, le);
  putU16(out, off + 14, 0, le);
  putU32(out, off + 16, 0xffffffff, le); // section length -1: not specified
  putU32(out, off + 20, 0xffffffff, le);
  putU32(out, off + 24, PCAPNG_SHB_LEN, le);
  return PCAPNG_SHB_LEN;
}

/**
 * Write an Interface Description Block. `tsresolExp` is n in 10^-n seconds (6 = µs, 9 = ns);
 * it is written as the if_tsresol option so readers need not assume the default.
 */
export function writePcapngIDB(out: Uint8Array, off: number, linktype: number, snaplen: number, tsresolExp = 6, le = true): number {
  putU32(out, off, PCAPNG_BT_IDB, le);
  putU32(out, off + 4, PCAPNG_IDB_LEN, le);
  putU16(out, off + 8, linktype, le);
  putU16(out, off + 10, 0, le);
  putU32(out, off + 12, snaplen, le);
  putU16(out, off + 16, 9, le); // if_tsresol
  putU16(out, off + 18, 1, le);
  out[off + 20] = tsresolExp & 0x7f; out[off + 21] = 0; out[off + 22] = 0; out[off + 23] = 0;
  putU32(out, off + 24, 0, le); // opt_endofopt
  putU32(out, off + 28, PCAPNG_IDB_LEN, le);
  return PCAPNG_IDB_LEN;
}

/** Bytes an EPB holding `caplen` bytes of packet data takes (no options). */
export function pcapngEPBLength(caplen: number): number {
  return PCAPNG_EPB_OVERHEAD + ((caplen + 3) & ~3);
}

/**
 * Write an Enhanced Packet Block copying `caplen` bytes of `data` from `dataOff`. The timestamp is
 * given as seconds + microseconds and written in units of 10^-tsresolExp s (as the IDB declared).
 */
export function writePcapngEPB(out: Uint8Array, off: number, interfaceId: number, tsSec: number, tsUsec: number,
  data: Uint8Array, dataOff: number, caplen: number, wirelen: number, tsresolExp = 6, le = true): number {
  const total = pcapngEPBLength(caplen);
  putU32(out, off, PCAPNG_BT_EPB, le);
  putU32(out, off + 4, total, le);
  putU32(out, off + 8, interfaceId, le);
  // ts = sec * 10^n + usec * 10^(n-6), split into two 32-bit halves without losing precision.
  let hi: number, lo: number;
  if (tsresolExp === 6) {
    const t = tsSec * 1e6 + tsUsec; // < 2^53 for any 32-bit second count
    hi = Math.floor(t / 4294967296); lo = t - hi * 4294967296;
  } else {
    const unit = 10 ** tsresolExp;
    const frac = tsresolExp >= 6 ? tsUsec * 10 ** (tsresolExp - 6) : Math.floor(tsUsec / 10 ** (6 - tsresolExp));
    // sec*unit may exceed 2^53: split sec into 16-bit halves so every product stays exact.
    const sHi = Math.floor(tsSec / 65536), sLo = tsSec - sHi * 65536;
    const x = sHi * unit;                           // ts = x*2^16 + sLo*unit + frac
    const xHi = Math.floor(x / 65536);
    const low = (x - xHi * 65536) * 65536 + sLo * unit + frac;
    const carry = Math.floor(low / 4294967296);
    hi = xHi + carry; lo = low - carry * 4294967296;
  }
  putU32(out, off + 12, hi >>> 0, le);
  putU32(out, off + 16, lo >>> 0, le);
  putU32(out, off + 20, caplen, le);
  putU32(out, off + 24, wirelen, le);
  out.set(data.subarray(dataOff, dataOff + caplen), off + 28);
  for (let i = off + 28 + caplen; i < off + total - 4; i++) out[i] = 0;
  putU32(out, off + total - 4, total, le);
  return total;
}

// ---- byte helpers (exported for the readers) ----

export function u16(b: Uint8Array, o: number, le: boolean): number {
  return le ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1];
}

export function u32(b: Uint8Array, o: number, le: boolean): number {
  return le
    ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0
    : ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

export function putU16(b: Uint8Array, o: number, v: number, le: boolean): void {
  if (le) { b[o] = v; b[o + 1] = v >>> 8; } else { b[o] = v >>> 8; b[o + 1] = v; }
}

export function putU32(b: Uint8Array, o: number, v: number, le: boolean): void {
  if (le) { b[o] = v; b[o + 1] = v >>> 8; b[o + 2] = v >>> 16; b[o + 3] = v >>> 24; }
  else { b[o] = v >>> 24; b[o + 1] = v >>> 16; b[o + 2] = v >>> 8; b[o + 3] = v; }
}

export function hex8(v: number): string {
  return (v >>> 0).toString(16).padStart(8, '0');
}
