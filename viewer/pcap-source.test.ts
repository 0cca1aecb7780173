// PcapFile's block cache: records read in a wandering order (as an export in lastPacket order
// reads them), including records across 1 MiB block boundaries and after evictions, come back
// byte for byte as they are in the file; a record cut short names the file and offset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pcapHeaderBytes, writeRecordHeader, PCAP_HEADER_LEN, PCAP_RECORD_HEADER_LEN } from '../db/pcap/format.js';
import { BufferLeases, decodePacketPos, PcapFile } from './pcap-source.js';

/** A pcap of records with caplen cycling 1..70000 and payload bytes that depend on the position. */
function writeTestPcap(file: string, bytes: number): number[] {
  const parts: Buffer[] = [Buffer.from(pcapHeaderBytes({ linktype: 1 }))];
  const positions: number[] = [];
  let pos = PCAP_HEADER_LEN;
  for (let i = 0; pos < bytes; i++) {
    const caplen = 1 + ((i * 7919) % 70000);
    const rec = Buffer.alloc(PCAP_RECORD_HEADER_LEN + caplen);
    writeRecordHeader(rec, 0, 1_700_000_000 + i, i, caplen, caplen);
    for (let k = PCAP_RECORD_HEADER_LEN; k < rec.length; k++) rec[k] = (pos + k) & 255;
    positions.push(pos);
    parts.push(rec);
    pos += rec.length;
  }
  fs.writeFileSync(file, Buffer.concat(parts));
  return positions;
}

test('records come back byte for byte in a wandering order, across block boundaries and evictions', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-pcapsrc-'));
  try {
    const file = path.join(dir, 'wander.pcap');
    const positions = writeTestPcap(file, 40 << 20); // 40 blocks: more than a file keeps
    const whole = fs.readFileSync(file);
    const f = await PcapFile.open({ node: 'n', num: 1, name: file });
    // forward in strides with jumps back a few MB, then a jump to the start: cached, evicted and straddling records
    const order: number[] = [];
    for (let i = 0; i < positions.length; i += 3) { order.push(i); if (i % 300 === 0 && i >= 600) order.push(i - 600, i - 599); }
    order.push(0, 1, positions.length - 1);
    let straddling = 0;
    for (const i of order) {
      const pos = positions[i];
      const len = (i + 1 < positions.length ? positions[i + 1] : whole.length) - pos;
      if (Math.floor(pos / (1 << 20)) !== Math.floor((pos + len - 1) / (1 << 20))) straddling++;
      let off = f.recordInWindow(pos);
      if (off < 0) off = await f.record(pos);
      assert.ok(f.buffer.subarray(off, off + len).equals(whole.subarray(pos, pos + len)), `record ${i} at byte offset ${pos}`);
    }
    assert.ok(straddling > 10, `the walk crossed ${straddling} block boundaries`);
    await f.close();
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('a record cut short by the end of the file is an error naming the file and offset', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-pcapsrc-'));
  try {
    const file = path.join(dir, 'cut.pcap');
    const positions = writeTestPcap(file, 3 << 20);
    const last = positions[positions.length - 1];
    fs.truncateSync(file, last + PCAP_RECORD_HEADER_LEN + 1);
    const f = await PcapFile.open({ node: 'n', num: 1, name: file });
    await assert.rejects(f.record(last), (e: Error) => e.message.includes(file) && e.message.includes(`byte offset ${last}`));
    await f.close();
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('gap0 packetPos decodes to absolute positions per file', () => {
  assert.deepEqual(decodePacketPos([-1, 24, 100, 0, 0, -2, 24, 50], true), { files: [1, 1, 1, 1, 2, 2], positions: [24, 124, 224, 324, 24, 74] });
  assert.deepEqual(decodePacketPos([-3, 24, 124], false), { files: [3, 3], positions: [24, 124] });
});

test('a block lent out is never read into again while lent; other blocks are', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-pcapsrc-'));
  try {
    const file = path.join(dir, 'lend.pcap');
    const positions = writeTestPcap(file, 40 << 20);
    const whole = fs.readFileSync(file);
    const leases = new BufferLeases();
    const f = await PcapFile.open({ node: 'n', num: 1, name: file }, leases);
    // lend the block of the first record, as an export handing it to a socket would
    const off = await f.record(positions[0]);
    const lent = f.buffer;
    const copy = Buffer.from(lent);
    leases.lend(lent.subarray(off, off + 100));
    // read every record of the file: far more blocks than the cache keeps
    for (const pos of positions) {
      const o = await f.record(pos);
      const caplen = f.buffer.readUInt32LE(o + 8);
      assert.ok(f.buffer.subarray(o, o + PCAP_RECORD_HEADER_LEN + caplen).equals(whole.subarray(pos, pos + PCAP_RECORD_HEADER_LEN + caplen)));
    }
    assert.ok(lent.equals(copy), 'the lent block was not overwritten');
    await f.close();
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});
