// Reading a session's packets back from pcap files: decode packetPos (gap0 or plain, with
// `-fileNum` markers), find each file through the control store's registry, and read records
// through a per-file window buffer so the packets of a session that sit close together cost one
// read. Records are handed out as (buffer, offset, length) views valid until the next read, or
// for as long as their buffer is lent out (BufferLeases: an export writing a block to a socket).
import { existsSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { ControlStore, FileDoc } from '../db/backend/control-store.js';
import {
  PCAP_HEADER_LEN, PCAP_RECORD_HEADER_LEN, PcapFormatError, parsePcapHeader, recordFault, u32, MAX_CAPLEN, type PcapHeader,
} from '../db/pcap/format.js';

/** Positions of a session's packets: parallel arrays of file number and record offset. */
export interface PacketPositions { files: number[]; positions: number[] }

/** Decode Arkime packetPos; `gap0` says whether the encoding is gap0 (decided by the first file). */
export function decodePacketPos(packetPos: readonly number[], gap0: boolean): PacketPositions {
  const out: PacketPositions = { files: [], positions: [] };
  decodePacketPosInto(out, packetPos, gap0);
  return out;
}

/** decodePacketPos into arrays kept from the last session (an export decodes millions). */
export function decodePacketPosInto(out: PacketPositions, packetPos: readonly number[], gap0: boolean): number {
  const { files, positions } = out;
  let n = 0, file = -1, last = 0, lastGap = 0;
  for (let i = 0; i < packetPos.length; i++) {
    const v = packetPos[i];
    if (v < 0) { file = -v; last = 0; lastGap = 0; continue; }
    let pos: number;
    if (!gap0) pos = v;
    else if (v === 0) pos = last + lastGap;
    else { lastGap = v; pos = last + v; }
    last = pos;
    if (pos === 0 || file < 0) continue; // 0: never written (disk overload)
    files[n] = file;
    positions[n++] = pos;
  }
  files.length = n; positions.length = n;
  return n;
}

/**
 * Buffers handed to a consumer that reads them later (a socket write in flight), counted per
 * underlying memory: while lent, a file's block cache reads into other buffers instead.
 */
export class BufferLeases {
  private readonly lent = new Map<ArrayBufferLike, number>();
  lend(b: Uint8Array): void { this.lent.set(b.buffer, (this.lent.get(b.buffer) ?? 0) + 1); }
  /** Give one lease back; returns how many are left on that memory. */
  giveBack(b: Uint8Array): number {
    const n = (this.lent.get(b.buffer) ?? 1) - 1;
    if (n > 0) this.lent.set(b.buffer, n); else this.lent.delete(b.buffer);
    return n;
  }
  isLent(b: Uint8Array): boolean { return this.lent.has(b.buffer); }
}

/** Read size and alignment: neighbouring sessions' packets cost one read (4 MiB measured slower: cache). */
const BLOCK = 1 << 20;
/**
 * Blocks kept per open file. Exports go in lastPacket order, which wanders back and forth over a
 * few megabytes of a file (sessions end out of start order); kept blocks (least recently used
 * dropped) are not read again.
 */
const BLOCKS_PER_FILE = 16;

interface Block { buf: Buffer; len: number }

export class PcapFile {
  /** The 24 header bytes as found in the file. */
  readonly headerBytes: Uint8Array;
  /** The window the last record came from: a cached block, or the read of a record straddling two. */
  private buf: Buffer = Buffer.alloc(0);
  private winStart = 0;
  private winEnd = 0;
  private readonly blocks = new Map<number, Block>(); // block number → block, oldest first
  private readonly reading = new Map<number, Promise<Block>>(); // blocks being read (ahead)
  private straddle: Buffer = Buffer.alloc(0);

  private constructor(readonly doc: FileDoc, private readonly fh: FileHandle, readonly header: PcapHeader, headerBytes: Uint8Array, readonly size: number,
    private readonly leases?: BufferLeases) {
    this.headerBytes = headerBytes;
  }

  static async open(doc: FileDoc, leases?: BufferLeases): Promise<PcapFile> {
    const fh = await open(doc.name, 'r');
    try {
      const size = (await fh.stat()).size;
      const hb = new Uint8Array(PCAP_HEADER_LEN);
      await fh.read(hb, 0, PCAP_HEADER_LEN, 0);
      return new PcapFile(doc, fh, parsePcapHeader(hb, 0), hb, size, leases);
    } catch (e) {
      await fh.close();
      if (e instanceof PcapFormatError) throw new Error(`${doc.name}: ${e.message} (only classic pcap files can be read back)`);
      throw e;
    }
  }

  private useBlock(no: number, b: Block): void {
    this.buf = b.buf; this.winStart = no * BLOCK; this.winEnd = this.winStart + b.len;
  }

  /**
   * A buffer for one more block: a new one while under the cap, else the least recently used
   * block's that is not lent out (with every block lent, one more: the cache outgrows its cap while
   * the socket holds them).
   */
  private freeBuffer(keep: number): Buffer {
    if (this.blocks.size + this.reading.size < BLOCKS_PER_FILE) return Buffer.allocUnsafe(BLOCK);
    for (const [oldNo, old] of this.blocks) {
      if (oldNo === keep || this.leases?.isLent(old.buf)) continue;
      this.blocks.delete(oldNo);
      // views of it were only valid until the next read; the window must not point into it
      if (old.buf === this.buf) { this.buf = Buffer.alloc(0); this.winStart = this.winEnd = 0; }
      return old.buf;
    }
    return Buffer.allocUnsafe(BLOCK);
  }

  private readBlock(no: number, buf: Buffer): Promise<Block> {
    const p = this.fh.read(buf, 0, BLOCK, no * BLOCK).then(({ bytesRead }) => {
      const b = { buf, len: bytesRead };
      this.reading.delete(no);
      this.blocks.set(no, b);
      return b;
    }, (e: Error) => { this.reading.delete(no); throw e; });
    this.reading.set(no, p);
    return p;
  }

  /**
   * Block `no`, read into the least recently used block's buffer when not kept. The next block
   * is read ahead meanwhile: an export walks a file forwards, so its read overlaps the encoding
   * and the socket writes of this one.
   */
  private async block(no: number): Promise<Block> {
    let b = this.blocks.get(no);
    if (b) { this.blocks.delete(no); this.blocks.set(no, b); } // most recently used last
    else b = await (this.reading.get(no) ?? this.readBlock(no, this.freeBuffer(-1)));
    const next = no + 1;
    if (next * BLOCK < this.size && !this.blocks.has(next) && !this.reading.has(next)) {
      this.readBlock(next, this.freeBuffer(no)).catch(() => undefined); // a failed read-ahead is retried when needed
    }
    return b;
  }

  private async ensure(pos: number, len: number): Promise<void> {
    if (pos >= this.winStart && pos + len <= this.winEnd) return;
    const no = Math.floor(pos / BLOCK);
    if (pos + len <= (no + 1) * BLOCK) { this.useBlock(no, await this.block(no)); return; }
    if (this.straddle.length < len || this.leases?.isLent(this.straddle)) this.straddle = Buffer.allocUnsafe(Math.max(1 << 16, len));
    if (len > BLOCK) {
      // a record longer than a block: one read just for it
      const { bytesRead } = await this.fh.read(this.straddle, 0, len, pos);
      this.buf = this.straddle; this.winStart = pos; this.winEnd = pos + bytesRead;
      return;
    }
    // a record across a block boundary: its two halves copied out of the (kept) blocks, so the
    // blocks on either side are read once however many records straddle them
    const a = await this.block(no);
    const head = Math.max(0, a.len - (pos - no * BLOCK));
    a.buf.copy(this.straddle, 0, pos - no * BLOCK, pos - no * BLOCK + head);
    let got = head;
    if (head === BLOCK - (pos - no * BLOCK)) {
      const b = await this.block(no + 1);
      const tail = Math.min(len - head, b.len);
      b.buf.copy(this.straddle, head, 0, tail);
      got += tail;
    }
    this.buf = this.straddle; this.winStart = pos; this.winEnd = pos + got;
  }

  /**
   * Make the record at `pos` available; returns the offset of its 16-byte header in `buffer`
   * (caplen follows the header). Throws naming the file and offset when the record is bad.
   */
  async record(pos: number): Promise<number> {
    const fast = this.recordInWindow(pos);
    return fast >= 0 ? fast : this.recordSlow(pos);
  }

  /** The record's offset when it already sits whole in the window (no await per packet), else -1. */
  recordInWindow(pos: number): number {
    if (pos < this.winStart || pos + PCAP_RECORD_HEADER_LEN > this.winEnd) {
      const no = Math.floor(pos / BLOCK);
      const b = this.blocks.get(no);
      if (!b) return -1;
      this.blocks.delete(no); this.blocks.set(no, b); // most recently used last
      this.useBlock(no, b);
      if (pos + PCAP_RECORD_HEADER_LEN > this.winEnd) return -1;
    }
    const off = pos - this.winStart;
    const caplen = u32(this.buf, off + 8, this.header.littleEndian);
    if (caplen > MAX_CAPLEN || pos + PCAP_RECORD_HEADER_LEN + caplen > this.winEnd) return -1;
    return recordFault(caplen, u32(this.buf, off + 12, this.header.littleEndian), Math.max(MAX_CAPLEN, this.header.snaplen)) ? -1 : off;
  }

  private async recordSlow(pos: number): Promise<number> {
    await this.ensure(pos, PCAP_RECORD_HEADER_LEN);
    if (this.winEnd - pos < PCAP_RECORD_HEADER_LEN) throw new Error(`${this.doc.name}: truncated record header at byte offset ${pos}`);
    let off = pos - this.winStart;
    const le = this.header.littleEndian;
    const caplen = u32(this.buf, off + 8, le), wirelen = u32(this.buf, off + 12, le);
    const fault = recordFault(caplen, wirelen, Math.max(MAX_CAPLEN, this.header.snaplen));
    if (fault) throw new Error(`${this.doc.name}: ${fault} at byte offset ${pos}`);
    await this.ensure(pos, PCAP_RECORD_HEADER_LEN + caplen);
    if (this.winEnd - pos < PCAP_RECORD_HEADER_LEN + caplen) throw new Error(`${this.doc.name}: truncated record (caplen ${caplen}) at byte offset ${pos}`);
    off = pos - this.winStart;
    return off;
  }

  get buffer(): Buffer { return this.buf; }

  async close(): Promise<void> {
    await Promise.allSettled([...this.reading.values()]);
    await this.fh.close();
  }
}

/** What a session names of the registry: its node and the `-fileNum` markers in packetPos. */
export interface FileRefs { node: string; packetPos: readonly number[] }

/**
 * Open pcap files by (node, num), at most `maxOpen` at once (least recently used closed). The
 * registry docs are read (async: the registry may be in a cluster) by `prime` before the
 * synchronous per-session questions below, once per file for the life of this object.
 */
export class PcapFiles {
  private readonly open = new Map<string, Promise<PcapFile>>();
  /** Registry docs by `<node>-<num>`; null: not in the registry. */
  private readonly docs = new Map<string, FileDoc | null>();
  private readonly gap0 = new Map<string, boolean>();
  private readonly goneCache = new Map<string, string>();
  private lastGone = { node: '', num: -1, why: '' };
  private lastGap0 = { node: '', num: -1, gap0: false };
  /** Lent-out buffers of these files' blocks (see BufferLeases). */
  readonly leases = new BufferLeases();
  constructor(private readonly control: ControlStore, private readonly maxOpen = 32) {}

  /** Read the registry docs of every file these sessions name that is not read yet. */
  async prime(refs: Iterable<FileRefs>): Promise<void> {
    const want = new Map<string, { node: string; num: number }>();
    for (const r of refs) {
      for (const v of r.packetPos) {
        if (v >= 0) continue;
        const key = `${r.node}-${-v}`;
        if (!this.docs.has(key)) want.set(key, { node: r.node, num: -v });
      }
    }
    if (this.docs.size + want.size > 100000) this.docs.clear();
    await Promise.all([...want].map(async ([key, f]) => { this.docs.set(key, (await this.control.fileByNum(f.node, f.num)) ?? null); }));
  }

  /** A primed registry doc (undefined: not in the registry). */
  peek(node: string, num: number): FileDoc | undefined {
    const d = this.docs.get(`${node}-${num}`);
    if (d === undefined) throw new Error(`file ${node}-${num} was looked up before PcapFiles.prime read it`);
    return d ?? undefined;
  }

  async fileDoc(node: string, num: number): Promise<FileDoc> {
    await this.prime([{ node, packetPos: [-num] }]);
    const doc = this.peek(node, num);
    if (!doc) throw new Error(`Only have SPI data, PCAP file no longer available for ${node}-${num}`);
    return doc;
  }

  get(node: string, num: number): Promise<PcapFile> {
    const key = `${node}-${num}`;
    let f = this.open.get(key);
    if (f) { this.open.delete(key); this.open.set(key, f); return f; }
    f = this.fileDoc(node, num).then((doc) => PcapFile.open(doc, this.leases));
    f.catch(() => this.open.delete(key));
    this.open.set(key, f);
    if (this.open.size > this.maxOpen) {
      const [oldKey, old] = this.open.entries().next().value as [string, Promise<PcapFile>];
      this.open.delete(oldKey);
      void old.then((x) => x.close(), () => undefined);
    }
    return f;
  }

  /**
   * Why a file's packets can no longer be read (expired: no registry entry, or the file is gone
   * from disk), or undefined while it is there. Cached per file for the life of this object.
   */
  gone(node: string, num: number): string | undefined {
    // consecutive sessions mostly name the same file: no key string for them
    if (num === this.lastGone.num && node === this.lastGone.node) return this.lastGone.why || undefined;
    const key = `${node}-${num}`;
    let why = this.goneCache.get(key);
    if (why === undefined) {
      const doc = this.peek(node, num);
      why = !doc ? `pcap file ${key} is no longer in the file registry (expired)` : !existsSync(doc.name) ? `pcap file ${doc.name} is gone (expired)` : '';
      this.goneCache.set(key, why);
    }
    this.lastGone = { node, num, why };
    return why || undefined;
  }

  /** Why none of a session's packets can be read (every file it names is gone), or undefined. */
  spiOnlyReason(node: string, packetPos: readonly number[]): string | undefined {
    let why: string | undefined;
    for (const v of packetPos) {
      if (v >= 0) continue;
      why = this.gone(node, -v);
      if (why === undefined) return undefined;
    }
    return why;
  }

  /** Whether a session's positions are gap0 encoded (Arkime looks at the first file only). */
  isGap0(node: string, packetPos: readonly number[]): boolean {
    let first = 0;
    for (let i = 0; i < packetPos.length && first === 0; i++) if (packetPos[i] < 0) first = -packetPos[i];
    if (first === 0) return false;
    if (first === this.lastGap0.num && node === this.lastGap0.node) return this.lastGap0.gap0;
    // one registry lookup per file, not per session (an export asks for every session)
    const key = `${node}-${first}`;
    let gap0 = this.gap0.get(key);
    if (gap0 === undefined) {
      gap0 = this.peek(node, first)?.packetPosEncoding === 'gap0';
      if (this.gap0.size > 10000) this.gap0.clear();
      this.gap0.set(key, gap0);
    }
    this.lastGap0 = { node, num: first, gap0 };
    return gap0;
  }

  async close(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    for (const f of all) await f.then((x) => x.close(), () => undefined);
  }
}
