// The pcap encoder's runs: records lying side by side in a source buffer are copied out as one
// run, and what comes out is still exactly the records, cut by the byte bound where it must be.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePcapHeader, pcapHeaderBytes, writeRecordHeader, PCAP_RECORD_HEADER_LEN } from '../db/pcap/format.js';
import { ChunkPool, PacketEncoder } from './export.js';

const headerBytes = pcapHeaderBytes({ linktype: 1 });
const header = parsePcapHeader(headerBytes, 0);

/** `n` records of `len` payload bytes back to back; record i's payload is all (seed + i) & 255. */
function records(n: number, len: number, seed: number): { buf: Buffer; offs: number[] } {
  const size = PCAP_RECORD_HEADER_LEN + len;
  const buf = Buffer.alloc(n * size);
  const offs: number[] = [];
  for (let i = 0; i < n; i++) {
    writeRecordHeader(buf, i * size, 1_700_000_000 + i, i, len, len);
    buf.fill((seed + i) & 255, i * size + PCAP_RECORD_HEADER_LEN, (i + 1) * size);
    offs.push(i * size);
  }
  return { buf, offs };
}

const slice = (b: Buffer, off: number) => b.subarray(off, off + PCAP_RECORD_HEADER_LEN + b.readUInt32LE(off + 8));
const out = (enc: PacketEncoder) => Buffer.concat([...enc.drain(true)]);

test('adjacent and scattered records come out exactly, even when the source changes after a flush', () => {
  const a = records(6, 100, 1), b = records(3, 50, 100);
  const enc = new PacketEncoder('pcap', 1e9);
  const order: [Buffer, number][] = [[a.buf, a.offs[0]], [a.buf, a.offs[1]], [a.buf, a.offs[2]], [b.buf, b.offs[1]], [a.buf, a.offs[5]],
    [a.buf, a.offs[3]], [a.buf, a.offs[4]], [b.buf, b.offs[2]]];
  const expected = Buffer.concat([Buffer.from(headerBytes), ...order.map(([buf, off]) => Buffer.from(slice(buf, off)))]);
  for (const [buf, off] of order) assert.equal(enc.record(buf, off, header, headerBytes), true);
  enc.flushRun();
  b.buf.fill(0xee); // the pending run was copied: changing its source now changes nothing
  assert.deepEqual(out(enc), expected);
});

test('a run longer than a chunk fills every chunk to the brim', () => {
  const a = records(3000, 1000, 7); // ~3 MiB side by side: one run
  const enc = new PacketEncoder('pcap', 1e12);
  for (const off of a.offs) enc.record(a.buf, off, header, headerBytes);
  const chunks = [...enc.drain(true)];
  assert.ok(chunks.length >= 3);
  for (const c of chunks.slice(0, -1)) assert.equal(c.length, 1 << 20);
  assert.deepEqual(Buffer.concat(chunks), Buffer.concat([Buffer.from(headerBytes), a.buf]));
});

test('the byte bound refuses the record that would cross it, inside a run too', () => {
  const a = records(10, 100, 3);
  const enc = new PacketEncoder('pcap', 24 + 3 * 116 + 115);
  let taken = 0;
  for (const off of a.offs) { if (!enc.record(a.buf, off, header, headerBytes)) break; taken++; }
  assert.equal(taken, 3);
  assert.equal(enc.full, true);
  assert.deepEqual(out(enc), Buffer.concat([Buffer.from(headerBytes), a.buf.subarray(0, 3 * 116)]));
});

test('with a pool, a long run of a stable source goes out as a lent view; short runs are copied', () => {
  const a = records(200, 1000, 5); // ~200 KB side by side
  const b = records(3, 50, 9);
  const pool = new ChunkPool();
  const enc = new PacketEncoder('pcap', 1e12, pool);
  for (const off of a.offs) enc.record(a.buf, off, header, headerBytes, true);
  for (const off of b.offs) enc.record(b.buf, off, header, headerBytes, true); // 198 bytes: copied
  const pieces = enc.take(true);
  assert.deepEqual(Buffer.concat(pieces), Buffer.concat([Buffer.from(headerBytes), a.buf, b.buf]));
  const view = pieces.find((p) => p.buffer === a.buf.buffer);
  assert.ok(view, 'the long run is a view of its source');
  assert.equal(view!.length, a.buf.length);
  assert.ok(!pieces.some((p) => p.buffer === b.buf.buffer), 'the short run was copied');
  assert.equal(pool.leases.isLent(a.buf), true);
  for (const p of pieces) pool.give(p);
  assert.equal(pool.leases.isLent(a.buf), false); // written: its block may be read into again
});

test('an unstable source (a remote reader\'s reused buffer) is always copied', () => {
  const a = records(200, 1000, 6);
  const enc = new PacketEncoder('pcap', 1e12, new ChunkPool());
  for (const off of a.offs) enc.record(a.buf, off, header, headerBytes);
  enc.flushRun();
  a.buf.fill(0);
  const again = records(200, 1000, 6);
  assert.deepEqual(Buffer.concat(enc.take(true)), Buffer.concat([Buffer.from(headerBytes), again.buf]));
});
