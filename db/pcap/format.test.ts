import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, closeSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parsePcapHeader, writePcapHeader, pcapHeaderBytes, writeRecordHeader, readRecordHeader, newRecordHeader,
  readPacketAt, readPacketAtAsync, readPcapHeader, recordFault, sniffFormat, PcapFormatError,
  writePcapngSHB, writePcapngIDB, writePcapngEPB, pcapngEPBLength, PCAPNG_SHB_LEN, PCAPNG_IDB_LEN,
} from './format.js';

const dir = mkdtempSync(join(tmpdir(), 'packrat-format-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('pcap header round trip in both byte orders and both resolutions', () => {
  for (const littleEndian of [true, false]) {
    for (const nanos of [true, false]) {
      const b = new Uint8Array(30);
      assert.equal(writePcapHeader(b, 3, { littleEndian, nanos, snaplen: 1234, linktype: 228, thiszone: -3600 }), 24);
      const h = parsePcapHeader(b, 3);
      assert.deepEqual(h, { littleEndian, nanos, versionMajor: 2, versionMinor: 4, thiszone: -3600, sigfigs: 0, snaplen: 1234, linktype: 228 });
      assert.equal(sniffFormat(b, 3), 'pcap');
    }
  }
  // Byte-exact µs LE header as libpcap writes it.
  assert.deepEqual([...pcapHeaderBytes({ snaplen: 65535 })],
    [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0]);
});

test('bad magic and short header name the problem', () => {
  assert.throws(() => parsePcapHeader(new Uint8Array(24).fill(0x41)), (e: unknown) => e instanceof PcapFormatError && /bad pcap magic 0x41414141/.test(e.message));
  assert.throws(() => parsePcapHeader(new Uint8Array(10)), /needs 24 bytes, have 10/);
  assert.equal(sniffFormat(Uint8Array.of(0x0a, 0x0d, 0x0d, 0x0a)), 'pcapng');
  assert.equal(sniffFormat(Uint8Array.of(1, 2, 3)), 'unknown');
});

test('record header write/read and plausibility', () => {
  const b = new Uint8Array(16);
  writeRecordHeader(b, 0, 1704067200, 999999, 60, 1514, false);
  assert.deepEqual(readRecordHeader(b, 0, false, newRecordHeader()), { tsSec: 1704067200, tsFrac: 999999, caplen: 60, wirelen: 1514 });
  assert.equal(recordFault(60, 1514), undefined);
  assert.match(recordFault(300000, 300000)!, /caplen 300000 exceeds 262144/);
  assert.match(recordFault(100000, 10)!, /exceeds wire length 10/);
});

test('readPacketAt reads one record at a file offset, sync and async; faults throw with the offset', async () => {
  const bytes = new Uint8Array(24 + 16 + 5 + 16 + 3 + 16 + 2);
  writePcapHeader(bytes, 0, { nanos: true, littleEndian: false });
  let p = 24;
  p += writeRecordHeader(bytes, p, 10, 1_999_999_999 % 1e9, 5, 9, false); bytes.set([1, 2, 3, 4, 5], p); p += 5;
  const second = p;
  p += writeRecordHeader(bytes, p, 11, 2500, 3, 3, false); bytes.set([7, 8, 9], p); p += 3;
  const third = p;
  writeRecordHeader(bytes, p, 12, 0, 40, 40, false); // claims 40 bytes, file has 2
  const file = join(dir, 'rb.pcap');
  writeFileSync(file, bytes);

  const fd = openSync(file, 'r');
  try {
    const h = readPcapHeader(fd);
    const a = readPacketAt(fd, 24, h);
    assert.deepEqual({ ...a, data: [...a.data] }, { tsSec: 10, tsUsec: 999999, caplen: 5, wirelen: 9, data: [1, 2, 3, 4, 5] });
    const scratch = new Uint8Array(100);
    const b = readPacketAt(fd, second, h, scratch);
    assert.equal(b.data.buffer, scratch.buffer);
    assert.deepEqual([b.tsUsec, ...b.data], [2, 7, 8, 9]);
    assert.throws(() => readPacketAt(fd, third, h), (e: unknown) => e instanceof PcapFormatError && e.offset === third && /truncated record/.test(e.message));
    assert.throws(() => readPacketAt(fd, bytes.length - 4, h), /truncated record header/);
  } finally { closeSync(fd); }

  const fh = await open(file, 'r');
  try {
    const h = parsePcapHeader(bytes);
    const b = await readPacketAtAsync(fh, second, h);
    assert.deepEqual([b.tsSec, b.caplen, ...b.data], [11, 3, 7, 8, 9]);
    await assert.rejects(readPacketAtAsync(fh, third, h), /truncated record \(caplen 40\)/);
  } finally { await fh.close(); }
});

function u32(b: Uint8Array, o: number): number { return new DataView(b.buffer, b.byteOffset).getUint32(o, true); }

test('pcapng writer: SHB, IDB with if_tsresol, EPB with exact µs and ns timestamps', () => {
  const data = Uint8Array.of(9, 8, 7, 6, 5);
  const out = new Uint8Array(PCAPNG_SHB_LEN + PCAPNG_IDB_LEN + 2 * pcapngEPBLength(5));
  let p = writePcapngSHB(out, 0);
  assert.equal(u32(out, 0), 0x0a0d0d0a);
  assert.equal(u32(out, 8), 0x1a2b3c4d);
  assert.equal(u32(out, 24), PCAPNG_SHB_LEN);
  p += writePcapngIDB(out, p, 113, 65535, 9);
  assert.equal(u32(out, p - PCAPNG_IDB_LEN + 8) & 0xffff, 113);
  assert.equal(out[p - PCAPNG_IDB_LEN + 20], 9);  // if_tsresol value
  const e1 = p;
  p += writePcapngEPB(out, p, 0, 1704067200, 999999, data, 0, 5, 60, 9);
  const ts1 = (BigInt(u32(out, e1 + 12)) << 32n) | BigInt(u32(out, e1 + 16));
  assert.equal(ts1, 1704067200n * 1_000_000_000n + 999_999_000n);
  assert.deepEqual([u32(out, e1 + 4), u32(out, e1 + 20), u32(out, e1 + 24)], [40, 5, 60]);
  assert.deepEqual([...out.subarray(e1 + 28, e1 + 36)], [9, 8, 7, 6, 5, 0, 0, 0]);
  assert.equal(u32(out, e1 + 36), 40);
  const e2 = p;
  p += writePcapngEPB(out, p, 0, 4294967295, 123456, data, 0, 5, 5);
  const ts2 = (BigInt(u32(out, e2 + 12)) << 32n) | BigInt(u32(out, e2 + 16));
  assert.equal(ts2, 4294967295n * 1_000_000n + 123456n);
  assert.equal(p, out.length);
});
