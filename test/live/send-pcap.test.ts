// The benchmark's sender (addon sendPcap: AF_PACKET + sendmmsg, paced) over a veth pair, as root:
// every sendable frame of a pcap arrives on the other end, in a loop, and bad input is named.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadNativeCapture } from '../../capture/live/native.js';
import { canMakeNetns, VethLab } from './netns.js';

const why = canMakeNetns();
const addon = loadNativeCapture();

/** Ethernet frames of the given lengths (a VLAN tag when `tagged`), as a little-endian µs pcap. */
function pcapOf(frames: { len: number; tagged?: boolean }[]): { file: Buffer; sendable: number[] } {
  const parts: Buffer[] = [];
  const g = Buffer.alloc(24);
  g.writeUInt32LE(0xa1b2c3d4, 0); g.writeUInt16LE(2, 4); g.writeUInt16LE(4, 6); g.writeUInt32LE(65535, 16); g.writeUInt32LE(1, 20);
  parts.push(g);
  const sendable: number[] = [];
  frames.forEach((f, i) => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(1700000000 + i, 0); h.writeUInt32LE(f.len, 8); h.writeUInt32LE(f.len, 12);
    const d = Buffer.alloc(f.len, i & 0xff);
    Buffer.from('02000000000b02000000000a', 'hex').copy(d, 0);  // locally administered MACs
    if (f.tagged) d.writeUInt32BE(0x81000064, 12);             // 802.1Q, VLAN 100
    d.writeUInt16BE(0x88b5, f.tagged ? 16 : 12);               // local experimental EtherType: no stack reacts
    parts.push(h, d);
    if (f.len <= (f.tagged ? 1518 : 1514)) sendable.push(f.len);
  });
  return { file: Buffer.concat(parts), sendable };
}

function counter(lab: VethLab, ns: string, dev: string, name: string): number {
  return Number(lab.exec(ns, 'cat', [`/sys/class/net/${dev}/statistics/${name}`]).trim());
}

describe('sendPcap over a veth pair', () => {
  let lab: VethLab;
  const dir = mkdtempSync(join(tmpdir(), 'pr-send-'));
  before(() => {
    assert.equal(why, undefined, `live tests need root and iproute2: ${why}`);
    assert.equal(typeof addon.sendPcap, 'function', 'the addon has no sendPcap: rebuild it');
    lab = new VethLab();
  });
  after(() => lab?.destroy());

  it('sends every sendable frame in order, looping over the file, and skips records too large for the MTU', async () => {
    const frames: { len: number; tagged?: boolean }[] = Array.from({ length: 200 }, (_, i) => ({ len: 60 + ((i * 97) % 1455) }));
    frames.push({ len: 2000 }, { len: 1518, tagged: true }, { len: 1514 });
    const { file, sendable } = pcapOf(frames);
    const path = join(dir, 'frames.pcap');
    writeFileSync(path, file);
    const total = sendable.length * 2 + 5;  // twice round, and a few more
    const rx0 = counter(lab, lab.nsB, lab.devB, 'rx_packets');
    const script = `import('${new URL('../../capture/live/native.js', import.meta.url).href}').then((m) => ` +
      `console.log(JSON.stringify(m.loadNativeCapture().sendPcap({ file: ${JSON.stringify(path)}, interface: '${lab.devA}', pps: 20000, seconds: 60, maxPackets: ${total}, batch: 16 }))))`;
    const r = JSON.parse(lab.exec(lab.nsA, process.execPath, ['--input-type=module', '-e', script], 60_000));
    assert.equal(r.loaded, sendable.length);
    assert.equal(r.skipped, 1);
    assert.equal(r.sent, total);
    let bytes = 0;
    for (let i = 0; i < total; i++) bytes += sendable[i % sendable.length];
    assert.equal(r.bytes, bytes);
    assert.equal(counter(lab, lab.nsA, lab.devA, 'tx_dropped'), 0);
    assert.equal(counter(lab, lab.nsB, lab.devB, 'rx_packets') - rx0, total);
  });

  it('names the file and offset of a file that is not a pcap, and an unknown interface', () => {
    const bad = join(dir, 'bad.pcap');
    writeFileSync(bad, Buffer.alloc(64, 0x41));
    assert.throws(() => addon.sendPcap!({ file: bad, interface: 'lo', pps: 10, seconds: 1 }), new RegExp(`${bad}: offset 0: magic 0x41414141 is not a pcap file`));
    assert.throws(() => addon.sendPcap!({ file: bad, interface: 'nosuchif0', pps: 10, seconds: 1 }), /interface nosuchif0: No such device/);
    assert.throws(() => addon.sendPcap!({ file: join(dir, 'missing.pcap'), interface: 'lo', pps: 10, seconds: 1 }), /missing\.pcap: No such file or directory/);
  });
});
