// Classic pcap file source (both byte orders, µs and ns timestamps, any snaplen and linktype).

import { openSync, fstatSync, closeSync } from 'node:fs';
import {
  MAX_CAPLEN, CAPLEN_OVER_WIRELEN_SLACK, PCAP_HEADER_LEN, PCAP_RECORD_HEADER_LEN,
  PcapFormatError, readPcapHeader, u32,
  type PcapHeader,
} from '../../db/pcap/format.js';
import { ChunkedFileSource } from './file-source.js';
import {
  META_STRIDE, M_DATA_OFF, M_CAPLEN, M_WIRELEN, M_TS_SEC, M_TS_USEC, M_FILE_POS, M_LINKTYPE,
  ReaderError, type PacketBatch, type PacketSource, type PacketSourceOptions,
} from './types.js';

export class PcapFileSource extends ChunkedFileSource implements PacketSource {
  readonly format = 'pcap';
  private readonly maxCaplen: number;

  /** Prefer openPcapFile(); `fd` is owned by the source from here on. */
  constructor(path: string, fd: number, size: number, readonly header: PcapHeader, opts: PacketSourceOptions = {}) {
    super(path, fd, size, PCAP_HEADER_LEN, opts.chunkSize);
    this.maxCaplen = opts.maxCaplen ?? Math.max(MAX_CAPLEN, Math.min(header.snaplen, 16 * 1024 * 1024));
  }

  next(batch: PacketBatch): boolean {
    batch.count = 0;
    if (this.done) return false;
    const input = this.input;
    input.attach(batch.buf);
    const b = batch.buf, dv = this.viewOf(b), meta = batch.meta, cap = batch.capacity;
    const le = this.header.littleEndian, nanos = this.header.nanos, linktype = this.header.linktype;
    const maxCaplen = this.maxCaplen;
    let off = input.off, end = input.end, count = 0, m = 0;

    while (count < cap) {
      if (end - off < PCAP_RECORD_HEADER_LEN) {
        if (count > 0) break; // deliver; the partial record moves at the next call
        input.off = off;
        const ok = input.refill(PCAP_RECORD_HEADER_LEN);
        off = input.off; end = input.end;
        if (!ok) {
          if (end > off) this.fail(input.base + off, `truncated record header (${end - off} of ${PCAP_RECORD_HEADER_LEN} bytes before end of file)`);
          else this.done = true;
          break;
        }
      }
      const caplen = dv.getUint32(off + 8, le);
      const wirelen = dv.getUint32(off + 12, le);
      if (caplen > maxCaplen || caplen > wirelen + CAPLEN_OVER_WIRELEN_SLACK) {
        this.fail(input.base + off, caplen > maxCaplen
          ? `corrupt record: caplen ${caplen} exceeds ${maxCaplen}`
          : `corrupt record: caplen ${caplen} exceeds wire length ${wirelen}`);
        break;
      }
      const recLen = PCAP_RECORD_HEADER_LEN + caplen;
      if (end - off < recLen) {
        if (count > 0) break;
        if (this.tooLarge(b, recLen, input.base + off, 'record')) break;
        input.off = off;
        const ok = input.refill(recLen);
        off = input.off; end = input.end;
        if (!ok) {
          this.fail(input.base + off, `truncated record: caplen ${caplen} but only ${end - off - PCAP_RECORD_HEADER_LEN} bytes before end of file`);
          break;
        }
      }
      const frac = dv.getUint32(off + 4, le);
      meta[m + M_DATA_OFF] = off + PCAP_RECORD_HEADER_LEN;
      meta[m + M_CAPLEN] = caplen;
      meta[m + M_WIRELEN] = wirelen;
      meta[m + M_TS_SEC] = dv.getUint32(off, le);
      meta[m + M_TS_USEC] = nanos ? Math.floor(frac / 1000) : frac;
      meta[m + M_FILE_POS] = input.base + off;
      meta[m + M_LINKTYPE] = linktype;
      m += META_STRIDE;
      count++;
      off += recLen;
    }
    input.off = off;
    batch.count = count;
    return count > 0;
  }
}

/** Open a classic pcap file. Throws ReaderError (offset 0) for an empty file or a bad header. */
export function openPcapFile(path: string, opts: PacketSourceOptions = {}): PcapFileSource {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) throw new ReaderError(path, 0, 'empty file');
    let header: PcapHeader;
    try {
      header = readPcapHeader(fd);
    } catch (e) {
      if (e instanceof PcapFormatError) throw new ReaderError(path, e.offset, e.reason);
      throw e;
    }
    return new PcapFileSource(path, fd, size, header, opts);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}
