import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { META_STRIDE, M_CAPLEN, M_DATA_OFF, M_FILE_POS, M_LINKTYPE, M_TS_SEC, M_TS_USEC, M_WIRELEN, PacketBatch } from '../readers/types.js';
import { PcapDirChooser } from './pcap-dirs.js';
import { PcapFileClosed, PcapFileInfo, PcapWriteError, PcapWriter } from './pcap-writer.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'pr-writer-'));

function frame(n: number, len: number): Uint8Array {
  const f = new Uint8Array(len);
  for (let i = 0; i < len; i++) f[i] = (n + i) & 0xff;
  return f;
}

/** Record at `pos` of a pcap file: [sec, usec, caplen, wirelen, data]. */
function recordAt(file: string, pos: number): [number, number, number, number, Buffer] {
  const b = readFileSync(file);
  const caplen = b.readUInt32LE(pos + 8);
  return [b.readUInt32LE(pos), b.readUInt32LE(pos + 4), caplen, b.readUInt32LE(pos + 12), b.subarray(pos + 16, pos + 16 + caplen)];
}

describe('PcapWriter', () => {
  it('writes Arkime-named pcap files and returns each record position', async () => {
    const dir = tmp();
    const opened: PcapFileInfo[] = [];
    const closed: PcapFileClosed[] = [];
    let num = 41;
    const w = new PcapWriter({ node: 'sensor1', pcapDirs: [dir], pcapWriteSize: 4096, nextFileNum: () => ++num,
      onFileOpen: (f) => opened.push(f), onFileClose: (f) => closed.push(f) });
    const sec = Math.floor(new Date(2024, 2, 5, 23, 59, 0).getTime() / 1000);  // local time
    const positions: number[] = [];
    for (let i = 0; i < 50; i++) positions.push(w.write(frame(i, 300), 0, 300, 1514, sec + i, i * 1000, 1));
    assert.equal(w.fileNum, 42);
    await w.close();
    const name = join(dir, 'sensor1-240305-00000042.pcap');
    assert.deepEqual(readdirSync(dir), ['sensor1-240305-00000042.pcap']);
    assert.equal(positions[0], 24);
    assert.equal(positions[1], 24 + 16 + 300);
    for (const i of [0, 13, 14, 49]) {  // 13 and 14 straddle the first 4096-byte buffer
      const [s, us, cap, wire, data] = recordAt(name, positions[i]);
      assert.deepEqual([s, us, cap, wire], [sec + i, i * 1000, 300, 1514]);
      assert.deepEqual(new Uint8Array(data), frame(i, 300));
    }
    const hdr = readFileSync(name);
    assert.deepEqual([hdr.readUInt32LE(0), hdr.readUInt16LE(4), hdr.readUInt16LE(6), hdr.readUInt32LE(16), hdr.readUInt32LE(20)], [0xa1b2c3d4, 2, 4, 16384, 1]);
    assert.equal(opened.length, 1);
    assert.equal(opened[0].first, sec);
    assert.equal(opened[0].locked, 0);
    assert.equal(closed[0].filesize, 24 + 50 * 316);
    assert.equal(closed[0].packets, 50);
    assert.equal(closed[0].packetsSize, 50 * 300);
    assert.equal(closed[0].lastTimestamp, (sec + 49) * 1000 + 49);
    assert.equal(hdr.length, closed[0].filesize);
    rmSync(dir, { recursive: true });
  });

  it('keeps every record in order when the disk queue never empties (done jobs are dropped as it runs)', async () => {
    const dir = tmp();
    const w = new PcapWriter({ node: 'q', pcapDirs: [dir], pcapWriteSize: 4096, nextFileNum: () => 1 });
    const positions: number[] = [];
    // Rounds of ~125 buffers each, queued while earlier writes are still in flight: the queue
    // passes the 256 done jobs at which the writer trims it, several times.
    for (let round = 0; round < 8; round++) {
      for (let i = 0; i < 500; i++) { const n = round * 500 + i; positions.push(w.write(frame(n, 1000), 0, 1000, 1000, 1700000000 + n, 0, 1)); }
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(w.stats.overloadDrops, 0);
    await w.close();
    const name = join(dir, readdirSync(dir)[0]);
    for (let n = 0; n < positions.length; n += 37) {
      const [sec, , cap, , data] = recordAt(name, positions[n]);
      assert.deepEqual([sec, cap], [1700000000 + n, 1000]);
      assert.deepEqual(new Uint8Array(data), frame(n, 1000));
    }
    assert.equal(readFileSync(name).length, 24 + 4000 * 1016);
    rmSync(dir, { recursive: true });
  });

  it('rotates on maxFileSizeG and on maxFileTimeM, spreading files round-robin over pcapDirs', async () => {
    const dirs = [tmp(), tmp()];
    let num = 0;
    const closed: PcapFileClosed[] = [];
    const w = new PcapWriter({ node: 'n', pcapDirs: dirs, pcapWriteSize: 8192, maxFileSizeG: 10_000 / 2 ** 30,
      maxFileTimeM: 1, nextFileNum: () => ++num, onFileClose: (f) => closed.push(f) });
    const nums: number[] = [];
    for (let i = 0; i < 40; i++) {  // 40 x 1016 bytes: a new file every 10 packets by size
      w.write(frame(i, 1000), 0, 1000, 1000, 1000, 0, 1);
      nums.push(w.fileNum);
    }
    w.write(frame(1, 100), 0, 100, 100, 1000 + 60, 0, 1);  // a minute later: by time
    nums.push(w.fileNum);
    await w.close();
    assert.deepEqual([...new Set(nums)], [1, 2, 3, 4, 5]);
    assert.equal(nums.filter((n) => n === 1).length, 10);
    assert.deepEqual(closed.map((f) => f.name.startsWith(dirs[(f.num - 1) % 2])), [true, true, true, true, true]);
    assert.deepEqual(closed.map((f) => f.packets), [10, 10, 10, 10, 1]);
  });

  it('writes a whole batch: positions into M_FILE_POS, file numbers beside them', async () => {
    const dir = tmp();
    const w = new PcapWriter({ node: 'b', pcapDirs: [dir], nextFileNum: () => 7 });
    const buf = new Uint8Array(1000);
    buf.set(frame(3, 60), 100);
    buf.set(frame(4, 70), 400);
    const batch = new PacketBatch(buf, 4);
    const rows = [[100, 60], [400, 70]];
    rows.forEach(([off, len], i) => {
      const m = i * META_STRIDE;
      batch.meta[m + M_DATA_OFF] = off; batch.meta[m + M_CAPLEN] = len; batch.meta[m + M_WIRELEN] = len;
      batch.meta[m + M_TS_SEC] = 50; batch.meta[m + M_TS_USEC] = 0; batch.meta[m + M_LINKTYPE] = 1; batch.meta[m + M_FILE_POS] = -1;
    });
    batch.count = 2;
    const fileNums = new Float64Array(4);
    w.writeBatch(batch, fileNums);
    await w.close();
    assert.deepEqual([batch.meta[M_FILE_POS], batch.meta[META_STRIDE + M_FILE_POS]], [24, 100]);
    assert.deepEqual(Array.from(fileNums.subarray(0, 2)), [7, 7]);
    const file = join(dir, readdirSync(dir)[0]);
    assert.deepEqual(new Uint8Array(recordAt(file, 100)[4]), frame(4, 70));
  });

  it('waits for an async file number once, then keeps one ahead', async () => {
    const dir = tmp();
    let num = 100;
    const w = new PcapWriter({ node: 'a', pcapDirs: [dir], nextFileNum: async () => ++num });
    assert.equal(w.write(frame(0, 10), 0, 10, 10, 1, 0, 1), 0, 'no number yet: not saved');
    assert.equal(w.stats.overloadDrops, 1);
    await w.ready();
    assert.equal(w.write(frame(0, 10), 0, 10, 10, 1, 0, 1), 24);
    assert.equal(w.fileNum, 101);
    await new Promise((r) => setImmediate(r));
    w.rotate();
    assert.equal(w.write(frame(0, 10), 0, 10, 10, 1, 0, 1), 24);
    assert.equal(w.fileNum, 102);
    await w.close();
  });

  it('counts a file it cannot create, reports it, and goes on with the next file', async () => {
    if (process.getuid?.() === 0) {
      // root ignores permissions: make the file name collide instead
      const dir = tmp();
      const errors: PcapWriteError[] = [];
      let num = 0;
      const w = new PcapWriter({ node: 'x', pcapDirs: [dir], nextFileNum: () => (num++ < 2 ? 5 : 6), onError: (e) => errors.push(e) });
      w.write(frame(0, 10), 0, 10, 10, 1, 0, 1);
      w.rotate();
      w.write(frame(1, 10), 0, 10, 10, 1, 0, 1);  // same number 5: EEXIST
      await new Promise((r) => setTimeout(r, 50));
      w.write(frame(2, 10), 0, 10, 10, 1, 0, 1);  // goes to file 6
      await w.close();
      assert.equal(errors[0].code, 'EEXIST');
      assert.match(errors[0].message, /x-\d{6}-00000005\.pcap/);
      assert.equal(w.stats.writeErrors, 1);
      assert.equal(readdirSync(dir).length, 2);
      assert.equal(w.fileNum, 6);
      return;
    }
    const dir = tmp();
    chmodSync(dir, 0o500);
    const errors: PcapWriteError[] = [];
    const w = new PcapWriter({ node: 'x', pcapDirs: [dir], nextFileNum: () => 1, onError: (e) => errors.push(e) });
    w.write(frame(0, 10), 0, 10, 10, 1, 0, 1);
    await w.close();
    assert.equal(errors[0].code, 'EACCES');
    assert.equal(w.stats.writeErrors, 1);
  });

  it('drops packets as disk overload when the queue is full, instead of growing', async () => {
    const dir = tmp();
    const w = new PcapWriter({ node: 'q', pcapDirs: [dir], pcapWriteSize: 4096, maxQueue: 3, nextFileNum: () => 1 });
    let saved = 0;
    for (let i = 0; i < 100; i++) if (w.write(frame(i, 1000), 0, 1000, 1000, 1, 0, 1) > 0) saved++;
    assert.ok(w.stats.overloadDrops > 0);
    assert.equal(saved + w.stats.overloadDrops, 100);
    await w.close();
  });

  it('chooses the directory with the most free space or the highest free percentage', () => {
    const space: Record<string, { freeBytes: number; totalBytes: number }> = {
      big: { freeBytes: 500, totalBytes: 10_000 }, small: { freeBytes: 90, totalBytes: 100 },
    };
    assert.equal(new PcapDirChooser(['big', 'small'], 'max-free-bytes', (d) => space[d]).next(), 'big');
    assert.equal(new PcapDirChooser(['big', 'small'], 'max-free-percent', (d) => space[d]).next(), 'small');
    const rr = new PcapDirChooser(['a', 'b', 'c'], 'round-robin');
    assert.deepEqual([rr.next(), rr.next(), rr.next(), rr.next()], ['a', 'b', 'c', 'a']);
  });
});
