// pcapng file source: sections of either byte order, interfaces with their own linktype,
// snaplen, if_tsresol and if_tsoffset; EPB, SPB and the obsolete PB carry packets, every other
// block is skipped. A packet's file position is the offset of its block.

import { openSync, fstatSync, closeSync, readSync } from 'node:fs';
import {
  MAX_CAPLEN, CAPLEN_OVER_WIRELEN_SLACK, PCAPNG_SHB, PCAPNG_BYTE_ORDER_MAGIC,
  PCAPNG_BT_IDB, PCAPNG_BT_EPB, PCAPNG_BT_SPB, PCAPNG_BT_OPB, u16, u32, hex8,
} from '../../db/pcap/format.js';
import { ChunkedFileSource } from './file-source.js';
import {
  META_STRIDE, M_DATA_OFF, M_CAPLEN, M_WIRELEN, M_TS_SEC, M_TS_USEC, M_FILE_POS, M_LINKTYPE,
  ReaderError, type PacketBatch, type PacketSource, type PacketSourceOptions,
} from './types.js';

const SWAPPED_BOM = 0x4d3c2b1a;
const MIN_BLOCK = 12;

export interface PcapngInterface {
  linktype: number;
  /** 0 = unlimited. */
  snaplen: number;
  /** Timestamp units per second (10^n or 2^n, from if_tsresol; default 10^6). */
  unitsPerSec: number;
  /** if_tsoffset: seconds added to every timestamp. */
  tsOffsetSec: number;
}

export class PcapngFileSource extends ChunkedFileSource implements PacketSource {
  readonly format = 'pcapng';
  /** Interfaces of the current section, by interface id. */
  readonly interfaces: PcapngInterface[] = [];
  /** Number of section header blocks seen so far. */
  sections = 0;
  private le = true;
  private readonly maxCaplen: number;

  /** Prefer openPcapngFile(); `fd` is owned by the source from here on. */
  constructor(path: string, fd: number, size: number, opts: PacketSourceOptions = {}) {
    super(path, fd, size, 0, opts.chunkSize);
    this.maxCaplen = opts.maxCaplen ?? MAX_CAPLEN;
  }

  next(batch: PacketBatch): boolean {
    batch.count = 0;
    if (this.done) return false;
    const input = this.input;
    input.attach(batch.buf);
    const b = batch.buf, dv = this.viewOf(b), meta = batch.meta, cap = batch.capacity;
    const ifs = this.interfaces, maxCaplen = this.maxCaplen;
    let le = this.le;
    let off = input.off, end = input.end, count = 0, m = 0;

    while (count < cap) {
      if (end - off < MIN_BLOCK) {
        if (count > 0) break;
        input.off = off;
        const ok = input.refill(MIN_BLOCK);
        off = input.off; end = input.end;
        if (!ok) {
          if (end > off) this.fail(input.base + off, `truncated block header (${end - off} bytes before end of file)`);
          else this.done = true;
          break;
        }
      }
      const type = dv.getUint32(off, le);
      if (type === PCAPNG_SHB) {
        const bom = u32(b, off + 8, true);
        if (bom === PCAPNG_BYTE_ORDER_MAGIC) le = true;
        else if (bom === SWAPPED_BOM) le = false;
        else { this.fail(input.base + off, `bad section header byte-order magic 0x${hex8(bom)}`); break; }
        this.le = le;
      }
      const blockLen = dv.getUint32(off + 4, le);
      if (blockLen < MIN_BLOCK || (blockLen & 3) !== 0) {
        this.fail(input.base + off, `corrupt block: type 0x${hex8(type)} has length ${blockLen}`);
        break;
      }
      const isPacket = type === PCAPNG_BT_EPB || type === PCAPNG_BT_SPB || type === PCAPNG_BT_OPB;
      if (end - off < blockLen) {
        if (count > 0) break;
        input.off = off;
        if (!isPacket && type !== PCAPNG_BT_IDB && type !== PCAPNG_SHB && blockLen > b.length) {
          // A block we do not read (say a huge DSB) need not fit the buffer.
          if (!input.skip(blockLen)) { this.fail(input.base + off, `truncated block: type 0x${hex8(type)} length ${blockLen} runs past end of file`); break; }
          off = input.off; end = input.end;
          continue;
        }
        if (isPacket && blockLen > maxCaplen + 65536 + 32) {
          this.fail(input.base + off, `corrupt block: packet block length ${blockLen} exceeds ${maxCaplen} bytes of data`);
          break;
        }
        if (this.tooLarge(b, blockLen, input.base + off, `block type 0x${hex8(type)}`)) break;
        const ok = input.refill(blockLen);
        off = input.off; end = input.end;
        if (!ok) {
          this.fail(input.base + off, `truncated block: type 0x${hex8(type)} length ${blockLen}, ${end - off} bytes before end of file`);
          break;
        }
      }
      if (dv.getUint32(off + blockLen - 4, le) !== blockLen) {
        this.fail(input.base + off, `corrupt block: type 0x${hex8(type)} trailing length ${dv.getUint32(off + blockLen - 4, le)} differs from ${blockLen}`);
        break;
      }

      if (type === PCAPNG_BT_EPB || type === PCAPNG_BT_OPB) {
        const epb = type === PCAPNG_BT_EPB;
        if (blockLen < 32) { this.fail(input.base + off, `corrupt block: packet block length ${blockLen} below 32`); break; }
        const ifId = epb ? dv.getUint32(off + 8, le) : dv.getUint16(off + 8, le);
        if (ifId >= ifs.length) { this.fail(input.base + off, `corrupt block: interface id ${ifId} but ${ifs.length} interface(s) described`); break; }
        const caplen = dv.getUint32(off + 20, le), wirelen = dv.getUint32(off + 24, le);
        if (caplen > blockLen - 32 || caplen > maxCaplen || caplen > wirelen + CAPLEN_OVER_WIRELEN_SLACK) {
          this.fail(input.base + off, `corrupt block: captured length ${caplen} (wire ${wirelen}) does not fit block length ${blockLen}`);
          break;
        }
        const iface = ifs[ifId];
        meta[m + M_DATA_OFF] = off + 28;
        meta[m + M_CAPLEN] = caplen;
        meta[m + M_WIRELEN] = wirelen;
        setTimestamp(meta, m, dv.getUint32(off + 12, le), dv.getUint32(off + 16, le), iface.unitsPerSec, iface.tsOffsetSec);
        meta[m + M_FILE_POS] = input.base + off;
        meta[m + M_LINKTYPE] = iface.linktype;
        m += META_STRIDE;
        count++;
      } else if (type === PCAPNG_BT_SPB) {
        if (ifs.length === 0) { this.fail(input.base + off, 'corrupt block: simple packet block before any interface description'); break; }
        const iface = ifs[0];
        const wirelen = dv.getUint32(off + 8, le);
        let caplen = blockLen - 16;
        if (wirelen < caplen) caplen = wirelen; // the rest is padding
        if (iface.snaplen !== 0 && iface.snaplen < caplen) caplen = iface.snaplen;
        meta[m + M_DATA_OFF] = off + 12;
        meta[m + M_CAPLEN] = caplen;
        meta[m + M_WIRELEN] = wirelen;
        meta[m + M_TS_SEC] = 0; // SPBs carry no timestamp
        meta[m + M_TS_USEC] = 0;
        meta[m + M_FILE_POS] = input.base + off;
        meta[m + M_LINKTYPE] = iface.linktype;
        m += META_STRIDE;
        count++;
      } else if (type === PCAPNG_SHB) {
        const major = dv.getUint16(off + 12, le);
        if (major !== 1) { this.fail(input.base + off, `unsupported pcapng version ${major}.${dv.getUint16(off + 14, le)}`); break; }
        ifs.length = 0;
        this.sections++;
      } else if (type === PCAPNG_BT_IDB) {
        if (blockLen < 20) { this.fail(input.base + off, `corrupt block: interface description length ${blockLen} below 20`); break; }
        ifs.push(parseInterface(b, off, blockLen, le));
      }
      off += blockLen;
    }
    input.off = off;
    batch.count = count;
    return count > 0;
  }
}

function parseInterface(b: Uint8Array, off: number, blockLen: number, le: boolean): PcapngInterface {
  const iface: PcapngInterface = { linktype: u16(b, off + 8, le), snaplen: u32(b, off + 12, le), unitsPerSec: 1e6, tsOffsetSec: 0 };
  const optEnd = off + blockLen - 4;
  let p = off + 16;
  while (p + 4 <= optEnd) {
    const code = u16(b, p, le), len = u16(b, p + 2, le);
    if (code === 0 || p + 4 + len > optEnd) break;
    if (code === 9 && len >= 1) {            // if_tsresol
      const v = b[p + 4];
      iface.unitsPerSec = v & 0x80 ? 2 ** (v & 0x7f) : 10 ** v;
    } else if (code === 14 && len >= 8) {    // if_tsoffset, signed 64-bit seconds
      const hi = u32(b, p + 4 + (le ? 4 : 0), le) | 0, lo = u32(b, p + 4 + (le ? 0 : 4), le);
      iface.tsOffsetSec = hi * 4294967296 + lo;
    }
    p += 4 + ((len + 3) & ~3);
  }
  return iface;
}

/** Write seconds and microseconds of a 64-bit (hi, lo) timestamp in `unit`s per second, exactly. */
function setTimestamp(meta: Float64Array, m: number, hi: number, lo: number, unit: number, offsetSec: number): void {
  let sec: number, frac: number;
  if (hi < 0x200000) { // hi*2^32 + lo < 2^53: one double holds it exactly (µs timestamps)
    const t = hi * 4294967296 + lo;
    sec = Math.floor(t / unit);
    frac = t - sec * unit;
  } else {             // long division in 16-bit steps keeps every intermediate below 2^53
    const hq = Math.floor(hi / unit), hr = hi - hq * unit;
    const a = hr * 65536 + (lo >>> 16);
    const aq = Math.floor(a / unit), ar = a - aq * unit;
    const c = ar * 65536 + (lo & 0xffff);
    const cq = Math.floor(c / unit);
    sec = hq * 4294967296 + aq * 65536 + cq;
    frac = c - cq * unit;
  }
  if (frac < 0) { sec--; frac += unit; } else if (frac >= unit) { sec++; frac -= unit; }
  meta[m + M_TS_SEC] = sec + offsetSec;
  meta[m + M_TS_USEC] = unit === 1e6 ? frac : Math.floor(frac * 1e6 / unit);
}

/** Open a pcapng file. Throws ReaderError (offset 0) for an empty file or a bad section header. */
export function openPcapngFile(path: string, opts: PacketSourceOptions = {}): PcapngFileSource {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) throw new ReaderError(path, 0, 'empty file');
    const head = new Uint8Array(12);
    const n = readSync(fd, head, 0, 12, 0);
    if (n < 12) throw new ReaderError(path, 0, `truncated section header (${n} bytes)`);
    if (u32(head, 0, true) !== PCAPNG_SHB) throw new ReaderError(path, 0, `not a pcapng section header: magic 0x${hex8(u32(head, 0, false))}`);
    const bom = u32(head, 8, true);
    if (bom !== PCAPNG_BYTE_ORDER_MAGIC && bom !== SWAPPED_BOM) throw new ReaderError(path, 0, `bad section header byte-order magic 0x${hex8(bom)}`);
    return new PcapngFileSource(path, fd, size, opts);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}
