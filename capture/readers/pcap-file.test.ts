import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPcapFile } from './pcap-file.js';
import { ReaderError, PacketBatch } from './types.js';
import { buildPcap, bytesOf, readAll, smallBatch, tempDir, type TestPacket } from './test-files.js';

const tmp = tempDir();
test.after(() => tmp.remove());

function packets(n: number, nanos = false): TestPacket[] {
  const out: TestPacket[] = [];
  for (let i = 0; i < n; i++) {
    out.push({ sec: 1704067200 + i, frac: nanos ? 999_999_999 - i : 999_999 - i, data: bytesOf(14 + ((i * 37) % 180), i), wirelen: 1000 + i });
  }
  return out;
}

function expectedPositions(pk: TestPacket[]): number[] {
  const pos: number[] = [];
  let p = 24;
  for (const x of pk) { pos.push(p); p += 16 + x.data.length; }
  return pos;
}

for (const le of [true, false]) {
  for (const nanos of [false, true]) {
    test(`pcap ${le ? 'LE' : 'BE'} ${nanos ? 'ns' : 'µs'}: every field of every packet`, () => {
      const pk = packets(5, nanos);
      const path = tmp.file(`v-${le}-${nanos}.pcap`, buildPcap({ le, nanos, snaplen: 65535, linktype: 1, packets: pk }));
      const src = openPcapFile(path);
      assert.equal(src.header.littleEndian, le);
      assert.equal(src.header.nanos, nanos);
      const got = readAll(src, [smallBatch(1 << 16, 64)]);
      assert.equal(src.error, undefined);
      assert.equal(got.length, 5);
      const pos = expectedPositions(pk);
      got.forEach((g, i) => {
        assert.deepEqual(g.data, [...pk[i].data]);
        assert.equal(g.caplen, pk[i].data.length);
        assert.equal(g.wirelen, 1000 + i);
        assert.equal(g.sec, 1704067200 + i);
        assert.equal(g.usec, nanos ? Math.floor((999_999_999 - i) / 1000) : 999_999 - i);
        assert.equal(g.pos, pos[i]);
        assert.equal(g.linktype, 1);
      });
      assert.equal(src.position, src.size);
      src.close();
    });
  }
}

test('odd snaplen and linktype are carried through', () => {
  const pk = [{ sec: 1, frac: 2, data: bytesOf(97, 1), wirelen: 1514 }, { sec: 3, frac: 4, data: bytesOf(41, 2) }];
  const path = tmp.file('odd.pcap', buildPcap({ snaplen: 97, linktype: 113, packets: pk }));
  const src = openPcapFile(path);
  assert.equal(src.header.snaplen, 97);
  const got = readAll(src, [smallBatch(1 << 16, 8)]);
  assert.deepEqual(got.map(g => [g.caplen, g.wirelen, g.linktype]), [[97, 1514, 113], [41, 41, 113]]);
  src.close();
});

test('records straddling chunk ends: tiny chunks, small batches, two alternating buffers', () => {
  const pk = packets(60);
  const bytes = buildPcap({ packets: pk });
  const path = tmp.file('straddle.pcap', bytes);
  const want = readAll(openPcapFile(path), [smallBatch(1 << 20, 1000)]);
  assert.equal(want.length, 60);
  for (const chunkSize of [1, 5, 16, 17, 100, 333]) {
    for (const nBatches of [1, 2]) {
      const src = openPcapFile(path, { chunkSize });
      const batches = Array.from({ length: nBatches }, () => smallBatch(600, 3));
      const got = readAll(src, batches);
      assert.equal(src.error, undefined, `chunk ${chunkSize}`);
      assert.deepEqual(got, want, `chunk ${chunkSize}, ${nBatches} batch(es)`);
      src.close();
    }
  }
});

test('a batch buffer backed by a SharedArrayBuffer is filled in place', () => {
  const path = tmp.file('shared.pcap', buildPcap({ packets: packets(10) }));
  const buf = new Uint8Array(new SharedArrayBuffer(4096));
  const batch = new PacketBatch(buf, 100);
  const src = openPcapFile(path, { chunkSize: 512 });
  let n = 0;
  while (src.next(batch)) { assert.equal(batch.buf, buf); n += batch.count; }
  assert.equal(n, 10);
  src.close();
});

test('truncated last record: earlier packets kept, error names file and record offset', () => {
  const pk = packets(4);
  const full = buildPcap({ packets: pk });
  const pos = expectedPositions(pk);
  const path = tmp.file('trunc.pcap', full.subarray(0, full.length - 5));
  for (const chunkSize of [undefined, 7]) {
    const src = openPcapFile(path, { chunkSize });
    const got = readAll(src, [smallBatch(4096, 16)]);
    assert.equal(got.length, 3);
    assert.ok(src.error instanceof ReaderError);
    assert.equal(src.error.offset, pos[3]);
    assert.match(src.error.message, /trunc\.pcap/);
    assert.match(src.error.message, new RegExp(`offset ${pos[3]}\\b`));
    src.close();
  }
});

test('file cut inside a record header', () => {
  const pk = packets(3);
  const full = buildPcap({ packets: pk });
  const pos = expectedPositions(pk);
  const path = tmp.file('trunc-hdr.pcap', full.subarray(0, pos[2] + 9));
  const src = openPcapFile(path);
  assert.equal(readAll(src, [smallBatch(4096, 16)]).length, 2);
  assert.equal(src.error?.offset, pos[2]);
  assert.match(src.error!.reason, /truncated record header/);
  src.close();
});

test('absurd caplen is corrupt: packets before it kept, error at its offset', () => {
  const pk = packets(4);
  const bytes = buildPcap({ packets: pk });
  const pos = expectedPositions(pk);
  new DataView(bytes.buffer).setUint32(pos[2] + 8, 0x00ff0000, true);
  const src = openPcapFile(tmp.file('corrupt.pcap', bytes));
  assert.equal(readAll(src, [smallBatch(4096, 16)]).length, 2);
  assert.equal(src.error?.offset, pos[2]);
  assert.match(src.error!.reason, /corrupt record: caplen 16711680/);
  src.close();
});

test('caplen far above wire length is corrupt', () => {
  const pk = [{ sec: 1, frac: 1, data: bytesOf(20, 1) }];
  const bytes = buildPcap({ packets: pk });
  const dv = new DataView(bytes.buffer);
  dv.setUint32(24 + 8, 200000, true); dv.setUint32(24 + 12, 60, true);
  const src = openPcapFile(tmp.file('corrupt2.pcap', bytes));
  assert.equal(readAll(src, [smallBatch(1 << 19, 16)]).length, 0);
  assert.match(src.error!.reason, /exceeds wire length 60/);
  src.close();
});

test('header only: no packets, no error', () => {
  const src = openPcapFile(tmp.file('empty-pcap.pcap', buildPcap({ packets: [] })));
  assert.equal(src.next(smallBatch(1024, 4)), false);
  assert.equal(src.error, undefined);
  src.close();
});

test('empty file and bad magic are refused at offset 0 with the file name', () => {
  const empty = tmp.file('zero.pcap', new Uint8Array(0));
  assert.throws(() => openPcapFile(empty), (e: unknown) => e instanceof ReaderError && e.offset === 0 && /zero\.pcap: empty file/.test(e.message));
  const bad = tmp.file('bad.pcap', new TextEncoder().encode('this is not a pcap file at all'));
  assert.throws(() => openPcapFile(bad), (e: unknown) => e instanceof ReaderError && e.offset === 0 && /bad\.pcap: bad pcap magic 0x74686973/.test(e.message));
  const short = tmp.file('short.pcap', Uint8Array.of(0xd4, 0xc3, 0xb2, 0xa1, 2, 0));
  assert.throws(() => openPcapFile(short), (e: unknown) => e instanceof ReaderError && /short\.pcap: pcap header needs 24 bytes/.test(e.message));
});
