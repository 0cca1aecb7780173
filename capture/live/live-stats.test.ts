import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LiveStats } from './live-stats.js';
import type { PcapWriterStats } from './pcap-writer.js';

const writer: PcapWriterStats = { packets: 97, bytes: 5 * 2 ** 20, filesOpened: 2, filesClosed: 1, writeErrors: 0, diskFullErrors: 0, unwrittenBytes: 0, overloadDrops: 3, queuedBuffers: 2, lastError: '' };
const counters = { packets: 100, queueDrops: 4, sessionsActive: 7, sessionsSaved: 20, packetQueue: 50, workerHeapUsed: 96 * 2 ** 20, storePendingRows: 1234, sessionsLost: 0, transforms: { packetSampling: { seen: 100, kept: 10 } } };

describe('LiveStats', () => {
  it('reports memory by kind (process RSS, main heap, worker heaps, external) and what waits in queues', () => {
    const s = new LiveStats('n1', []);
    const d = s.snapshot([{ name: 'eth0', packets: 100, drops: 2, freezeCount: 0, ifDrops: 0, delivered: 98, warnings: 0, lastWarning: '' }], counters, writer);
    assert.ok(d.memory > d.heapUsed && d.heapUsed > 0, 'rss above the main heap');
    assert.equal(d.workerHeapUsed, 96 * 2 ** 20);
    assert.equal(d.storePendingRows, 1234);
    assert.ok(d.external >= d.arrayBuffers);
    assert.equal(d.totalDropped, 2 + 4 + 3);
    assert.deepEqual(d.transforms, { packetSampling: { seen: 100, kept: 10 } }, 'transform counters reach the stats document');
    const line = LiveStats.logLine(d);
    assert.match(line, / workers 96 external \d+ arrayBuffers \d+ MiB packetQueue 50 storePending 1234 /);
    assert.match(line, /queueDrops 4 diskOverload 3 /);
  });
});
