// Live capture end to end, as root: two namespaces joined by veth, the probe capturing on the B end
// (tpacketv3 or libpcap), traffic sent from A, tcpdump on the A end as the witness (a missing tcpdump fails the suite by name).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadNativeCapture } from '../../capture/live/native.js';
import { canMakeNetns, hasCommand, VethLab } from './netns.js';
import {
  countBy, httpExchange, packetSet, ping, Probe, probeDir, ProbeResult, sleep, Tcpdump, udpBurst, writerPackets,
} from './lab-run.js';

const why = canMakeNetns();
const addon = loadNativeCapture();  // throws, naming the build command, when the addon is missing
const haveTcpdump = hasCommand('tcpdump');

function assertClean(res: ProbeResult): void {
  assert.equal(res.event, 'done', res.message);
  assert.equal(res.error, undefined);
  for (const s of res.stats) {
    assert.equal(s.drops, 0, `${s.name}: kernel drops`);
    assert.equal(s.delivered, s.packets, `${s.name}: every accepted packet reached JavaScript`);
  }
  if (res.writer) {
    assert.equal(res.writer.writeErrors, 0);
    assert.equal(res.writer.overloadDrops, 0);
    assert.equal(res.writer.packets, res.packets);
  }
}

describe('live capture over a veth pair', () => {
  let lab: VethLab;
  before(() => {
    assert.equal(why, undefined, `live tests need root and iproute2: ${why}`);
    assert.ok(haveTcpdump, 'live tests need tcpdump as the witness on the other end of the veth (Debian package tcpdump; test/run-all.sh installs it)');
    lab = new VethLab();
  });
  after(() => lab?.destroy());

  it('tpacketv3 with a 2-socket fanout group sees ping, a UDP burst and HTTP exactly as sent, and writes them to pcap', async () => {
    const dir = probeDir();
    const probe = new Probe(lab, lab.nsB, { interfaces: [lab.devB], readMethod: 'tpacketv3', numThreads: 2, numBlocks: 8, pcapDir: dir, node: 'live' });
    assert.equal(await probe.start(), undefined);
    const dump = new Tcpdump(lab, lab.nsA, lab.devA, 16384);
    await dump.start();

    ping(lab, 5);
    await udpBurst(lab, 5001, 200);
    await httpExchange(lab, 8080, 3);
    await sleep(200);

    const res = await probe.stop();
    assertClean(res);
    const written = writerPackets(res);
    const c = countBy(written);
    assert.equal(c.icmp, 10, 'five echo requests and five replies');
    assert.equal(c.udp, 200, 'the whole UDP burst');
    assert.ok(c.tcp >= 3 * 8, `three TCP connections, got ${c.tcp} packets`);
    assert.equal(c.other, 0, 'nothing but our traffic on the wire');
    assert.equal(written.length, res.packets);
    assert.match(res.files[0].name, /\/live-\d{6}-00000001\.pcap$/);
    {
      const wire = await dump.stop();
      assert.equal(written.length, wire.length, 'same count as tcpdump on the other end');
      assert.deepEqual(packetSet(written), packetSet(wire), 'same bytes as tcpdump on the other end');
    }
  });

  it('tpacketv3 with bpf="not udp" leaves the UDP burst out', async () => {
    if (!addon.hasLibpcap) {
      const probe = new Probe(lab, lab.nsB, { interfaces: [lab.devB], readMethod: 'tpacketv3', bpf: 'not udp' });
      const err = await probe.start();
      assert.match(err?.message ?? '', /libpcap-dev/);
      return;
    }
    const probe = new Probe(lab, lab.nsB, { interfaces: [lab.devB], readMethod: 'tpacketv3', numThreads: 2, numBlocks: 4, bpf: 'not udp', pcapDir: probeDir() });
    assert.equal(await probe.start(), undefined);
    ping(lab, 3);
    await udpBurst(lab, 5002, 50);
    const res = await probe.stop();
    assertClean(res);
    const c = countBy(writerPackets(res));
    assert.deepEqual(c, { icmp: 6, tcp: 0, udp: 0, other: 0 });
  });

  it('libpcap reader counts the same traffic, and honours bpf', async () => {
    if (!addon.hasLibpcap) {
      const probe = new Probe(lab, lab.nsB, { interfaces: [lab.devB], readMethod: 'libpcap' });
      const err = await probe.start();
      assert.match(err?.message ?? '', /libpcap-dev/);
      return;
    }
    const all = new Probe(lab, lab.nsB, { interfaces: [lab.devB], readMethod: 'libpcap', blockSize: 1 << 20, numBlocks: 4, bufferSize: 4 << 20, pcapDir: probeDir() });
    const icmpOnly = new Probe(lab, lab.nsB, { interfaces: [lab.devB], readMethod: 'libpcap', blockSize: 1 << 20, numBlocks: 4, bufferSize: 4 << 20, bpf: 'icmp', pcapDir: probeDir() });
    assert.equal(await all.start(), undefined);
    assert.equal(await icmpOnly.start(), undefined);
    ping(lab, 4);
    await udpBurst(lab, 5003, 100);
    const a = await all.stop();
    const i = await icmpOnly.stop();
    assertClean(a);
    assertClean(i);
    assert.deepEqual(countBy(writerPackets(a)), { icmp: 8, tcp: 0, udp: 100, other: 0 });
    assert.deepEqual(countBy(writerPackets(i)), { icmp: 8, tcp: 0, udp: 0, other: 0 });
  });

  it('captures several interfaces at once (interface=veth;lo)', async () => {
    const probe = new Probe(lab, lab.nsB, { interfaces: [lab.devB, 'lo'], readMethod: 'tpacketv3', numThreads: 1, numBlocks: 4, pcapDir: probeDir() });
    assert.equal(await probe.start(), undefined);
    ping(lab, 2);
    lab.exec(lab.nsB, 'ping', ['-c', '3', '-i', '0.2', '127.0.0.1']);
    const res = await probe.stop();
    assertClean(res);
    assert.deepEqual(res.stats.map((s) => [s.name, s.delivered]), [[lab.devB, 4], ['lo', 12]], 'lo shows each packet going out and coming in');
  });

  it('names the problem when an interface or a filter is wrong', async () => {
    const noIf = new Probe(lab, lab.nsB, { interfaces: ['nosuch0'], readMethod: 'tpacketv3' });
    assert.match((await noIf.start())?.message ?? '', /interface nosuch0: No such device/);
    if (addon.hasLibpcap) {
      const badBpf = new Probe(lab, lab.nsB, { interfaces: [lab.devB], readMethod: 'tpacketv3', bpf: 'udp port' });
      assert.match((await badBpf.start())?.message ?? '', /bpf 'udp port': .*syntax error/);
    }
  });
});
