import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { M_CAPLEN, M_DATA_OFF, PacketBatch } from '../readers/types.js';
import { makeBlock } from './block-fixture.js';
import { LiveSource } from './live-source.js';
import { BlockCallback, NativeCapture, NativeOpenOptions, NativeRing } from './native.js';

/** An addon stand-in: rings of 2 blocks that the test fills and announces by hand. */
class FakeAddon implements NativeCapture {
  hasLibpcap = false;
  opened: { kind: string; opts: NativeOpenOptions; cb: BlockCallback; ring: NativeRing }[] = [];
  released: string[] = [];
  closed = 0;
  open(kind: string, opts: NativeOpenOptions, cb: BlockCallback): NativeRing {
    const ring = { handle: this.opened.length, buffer: new ArrayBuffer(2 * 4096), blockSize: 4096, numBlocks: 2, linktype: 1, kind };
    this.opened.push({ kind, opts, cb, ring });
    return ring;
  }
  release(handle: unknown, block: number): void { this.released.push(`${handle}:${block}`); }
  stats() { return { packets: 0, drops: 0, freezeCount: 0, ifDrops: 0, warnings: 0, lastWarning: '' }; }
  close(): void { this.closed++; }
  compileBpf(): Buffer { throw new Error('no'); }
  fill(ringIdx: number, block: number, payload: number[]): void {
    new Uint8Array(this.opened[ringIdx].ring.buffer, block * 4096, 4096).set(makeBlock(4096, [{ sec: 5, nsec: 0, data: payload }]));
    this.opened[ringIdx].cb(block);
  }
}

describe('LiveSource', () => {
  it('opens tpacketv3Threads sockets per interface in one fanout group per interface', () => {
    const fake = new FakeAddon();
    const src = new LiveSource({ interfaces: ['eth1', 'eth2'], numThreads: 2, clusterId: 8005 }, fake);
    assert.deepEqual(fake.opened.map((o) => [o.opts.interface, o.opts.fanoutGroup]), [['eth1', 8005], ['eth1', 8005], ['eth2', 8006], ['eth2', 8006]]);
    src.close();
    assert.equal(fake.closed, 4);
  });

  it('hands blocks out in arrival order and gives each back when the next one is asked for', async () => {
    const fake = new FakeAddon();
    const src = new LiveSource({ interfaces: ['eth1'], numThreads: 2 }, fake);
    const batch = new PacketBatch(new Uint8Array(0), 16);
    assert.equal(src.next(batch), true);
    assert.equal(batch.count, 0);
    const waiting = src.ready();
    fake.fill(1, 0, [9, 9]);
    fake.fill(0, 1, [7]);
    assert.equal(await waiting, true);
    assert.equal(src.next(batch), true);
    assert.equal(batch.count, 1);
    assert.equal(batch.buf[batch.meta[M_DATA_OFF]], 9);
    assert.equal(batch.meta[M_CAPLEN], 2);
    assert.deepEqual(fake.released, []);
    src.next(batch);
    assert.equal(batch.buf[batch.meta[M_DATA_OFF]], 7);
    assert.deepEqual(fake.released, ['1:0']);
    src.next(batch);
    assert.equal(batch.count, 0);
    assert.deepEqual(fake.released, ['1:0', '0:1']);
    src.close();
    assert.equal(src.next(batch), false);
    assert.equal(await src.ready(), false);
  });

  it('refuses bpf= and libpcap without libpcap in the addon, naming libpcap-dev', () => {
    assert.throws(() => new LiveSource({ interfaces: ['eth1'], bpf: 'tcp' }, new FakeAddon()), /bpf=tcp: .*libpcap-dev/);
    assert.throws(() => new LiveSource({ interfaces: ['eth1'], readMethod: 'libpcap' }, new FakeAddon()), /libpcap-dev/);
  });

  it('reports a dead reader as the source error and ends', async () => {
    const fake = new FakeAddon();
    const src = new LiveSource({ interfaces: ['eth9'], numThreads: 1 }, fake);
    const warned: string[] = [];
    src.onWarning = (i, m) => warned.push(`${i} ${m}`);
    fake.opened[0].cb(-1, 'eth9: Network is down');
    fake.opened[0].cb(-2, 'eth9: poll: Bad file descriptor');
    assert.deepEqual(warned, ['eth9 eth9: Network is down']);
    assert.match(src.error?.message ?? '', /^interface eth9: eth9: poll/);
    assert.equal(await src.ready(), false);
    assert.equal(src.next(new PacketBatch(new Uint8Array(0), 1)), false);
    src.close();
  });
});

describe('liveOptionsFromConfig', () => {
  it('reads Arkime keys with their defaults and rejects an unknown pcapReadMethod', async () => {
    const { Config } = await import('../../db/config.js');
    const { liveOptionsFromConfig } = await import('./options.js');
    const o = liveOptionsFromConfig(Config.fromText('[default]\ninterface=eth1;eth2\npcapReadMethod=afpacketv3\ntpacketv3NumThreads=3\nbpf=not port 9200\n'));
    assert.deepEqual([o.interfaces, o.readMethod, o.numThreads, o.blockSize, o.numBlocks, o.clusterId, o.snapLen, o.bpf],
      [['eth1', 'eth2'], 'tpacketv3', 3, 1 << 21, 64, 8005, 16384, 'not port 9200']);
    assert.equal(liveOptionsFromConfig(Config.fromText('[default]\n')).readMethod, 'libpcap');
    assert.throws(() => liveOptionsFromConfig(Config.fromText('[default]\npcapReadMethod=pfring\n')), /pcapReadMethod=pfring is not supported/);
  });
});
