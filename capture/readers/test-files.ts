// Builders of small pcap / pcapng files for the reader tests, written byte by byte with
// DataView so they do not share code with the readers they check.

import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PacketBatch, META_STRIDE, M_DATA_OFF, M_CAPLEN, M_WIRELEN, M_TS_SEC, M_TS_USEC, M_FILE_POS, M_LINKTYPE, type PacketSource } from './types.js';

export interface TestPacket { sec: number; frac: number; data: Uint8Array; wirelen?: number }

export function bytesOf(n: number, seed: number): Uint8Array {
  const d = new Uint8Array(n);
  for (let i = 0; i < n; i++) d[i] = (seed * 31 + i * 7) & 0xff;
  return d;
}

export function buildPcap(o: { le?: boolean; nanos?: boolean; snaplen?: number; linktype?: number; packets: TestPacket[] }): Uint8Array {
  const le = o.le ?? true;
  const size = 24 + o.packets.reduce((s, p) => s + 16 + p.data.length, 0);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, o.nanos ? 0xa1b23c4d : 0xa1b2c3d4, le);
  dv.setUint16(4, 2, le); dv.setUint16(6, 4, le);
  dv.setUint32(16, o.snaplen ?? 65535, le);
  dv.setUint32(20, o.linktype ?? 1, le);
  let p = 24;
  for (const pk of o.packets) {
    dv.setUint32(p, pk.sec, le); dv.setUint32(p + 4, pk.frac, le);
    dv.setUint32(p + 8, pk.data.length, le); dv.setUint32(p + 12, pk.wirelen ?? pk.data.length, le);
    out.set(pk.data, p + 16);
    p += 16 + pk.data.length;
  }
  return out;
}

/** pcapng writer for tests: each call appends one block in the current section's byte order. */
export class NgBuilder {
  private parts: Uint8Array[] = [];
  private le = true;
  length = 0;

  block(type: number, body: Uint8Array): number {
    const pos = this.length;
    const padded = (body.length + 3) & ~3;
    const total = 12 + padded;
    const b = new Uint8Array(total);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, type, this.le); dv.setUint32(4, total, this.le);
    b.set(body, 8);
    dv.setUint32(total - 4, total, this.le);
    this.parts.push(b); this.length += total;
    return pos;
  }

  shb(le: boolean): number {
    this.le = le;
    const body = new Uint8Array(16);
    const dv = new DataView(body.buffer);
    dv.setUint32(0, 0x1a2b3c4d, le); dv.setUint16(4, 1, le); dv.setUint16(6, 0, le);
    dv.setInt32(8, -1, le); dv.setInt32(12, -1, le);
    return this.block(0x0a0d0d0a, body);
  }

  /** tsresol: the raw if_tsresol byte; tsoffset: seconds. */
  idb(linktype: number, snaplen: number, opt: { tsresol?: number; tsoffset?: number } = {}): number {
    const opts: number[][] = [];
    const le = this.le;
    if (opt.tsresol !== undefined) opts.push(option(9, Uint8Array.of(opt.tsresol), le));
    if (opt.tsoffset !== undefined) {
      const v = new Uint8Array(8);
      new DataView(v.buffer).setBigInt64(0, BigInt(opt.tsoffset), le);
      opts.push(option(14, v, le));
    }
    opts.push(option(2, new TextEncoder().encode('eth0'), le)); // if_name, ignored
    opts.push([0, 0, 0, 0]);
    const body = new Uint8Array(8 + opts.reduce((s, o) => s + o.length, 0));
    const dv = new DataView(body.buffer);
    dv.setUint16(0, linktype, le); dv.setUint32(4, snaplen, le);
    let p = 8;
    for (const o of opts) { body.set(o, p); p += o.length; }
    return this.block(1, body);
  }

  /** ts: the 64-bit timestamp in interface units. */
  epb(ifId: number, ts: bigint, data: Uint8Array, wirelen = data.length): number {
    const body = new Uint8Array(20 + ((data.length + 3) & ~3));
    const dv = new DataView(body.buffer);
    dv.setUint32(0, ifId, this.le);
    dv.setUint32(4, Number(ts >> 32n), this.le); dv.setUint32(8, Number(ts & 0xffffffffn), this.le);
    dv.setUint32(12, data.length, this.le); dv.setUint32(16, wirelen, this.le);
    body.set(data, 20);
    return this.block(6, body);
  }

  spb(data: Uint8Array, wirelen = data.length): number {
    const body = new Uint8Array(4 + ((data.length + 3) & ~3));
    new DataView(body.buffer).setUint32(0, wirelen, this.le);
    body.set(data, 4);
    return this.block(3, body);
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let p = 0;
    for (const b of this.parts) { out.set(b, p); p += b.length; }
    return out;
  }
}

function option(code: number, value: Uint8Array, le: boolean): number[] {
  const b = new Uint8Array(4 + ((value.length + 3) & ~3));
  const dv = new DataView(b.buffer);
  dv.setUint16(0, code, le); dv.setUint16(2, value.length, le);
  b.set(value, 4);
  return [...b];
}

export function tempDir(): { dir: string; file(name: string, bytes: Uint8Array): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'packrat-readers-'));
  return {
    dir,
    file(name, bytes) { const p = join(dir, name); writeFileSync(p, bytes); return p; },
    remove() { rmSync(dir, { recursive: true, force: true }); },
  };
}

export interface ReadPacket { data: number[]; caplen: number; wirelen: number; sec: number; usec: number; pos: number; linktype: number }

/** Drain a source through the given batches (used in turn) and copy every packet out. */
export function readAll(src: PacketSource, batches: PacketBatch[]): ReadPacket[] {
  const out: ReadPacket[] = [];
  let i = 0;
  for (;;) {
    const batch = batches[i++ % batches.length];
    if (!src.next(batch)) break;
    for (let k = 0; k < batch.count; k++) {
      const m = k * META_STRIDE, meta = batch.meta;
      const off = meta[m + M_DATA_OFF], caplen = meta[m + M_CAPLEN];
      out.push({
        data: [...batch.buf.subarray(off, off + caplen)], caplen, wirelen: meta[m + M_WIRELEN],
        sec: meta[m + M_TS_SEC], usec: meta[m + M_TS_USEC], pos: meta[m + M_FILE_POS], linktype: meta[m + M_LINKTYPE],
      });
    }
  }
  return out;
}

export function smallBatch(bytes: number, packets: number): PacketBatch {
  return new PacketBatch(new Uint8Array(bytes), packets);
}
