// End to end: `packrat capture` live on a veth inside a namespace, traffic from the other side,
// SIGTERM, then the store, the file registry and the pcap files are checked against what was sent
// and against tcpdump on the other end. Needs root, iproute2 and tcpdump.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { canMakeNetns, hasCommand, VethLab } from './netns.js';
import { httpExchange, packetSet, PcapPacket, ping, sleep, Tcpdump, udpBurst } from './lab-run.js';
import { dnsQuery, flowOf, PackratLive, Stored } from './packrat-run.js';
import { nativeCaptureAvailable, loadNativeCapture } from '../../capture/live/native.js';

const why = canMakeNetns() ?? (hasCommand('tcpdump') ? undefined : 'tcpdump missing') ?? (nativeCaptureAvailable() ? undefined : 'addon not built');
if (why) throw new Error(`live capture tests need root, iproute2, tcpdump and the addon: ${why}`);
const hasLibpcap = loadNativeCapture().hasLibpcap;

function sessionsBy(s: Stored, proto: number): Record<string, unknown>[] {
  return s.sessions.filter((d) => d.ipProtocol === proto);
}

const pkts = (d: Record<string, unknown>) => (d.network as { packets: number }).packets;

/** Every session's packets read back through packetPos equal tcpdump's packets of that flow. */
function assertSessionsMatchWire(s: Stored, wire: PcapPacket[]): void {
  const wireByFlow = new Map<string, PcapPacket[]>();
  for (const p of wire) { const k = flowOf(p); wireByFlow.set(k, [...(wireByFlow.get(k) ?? []), p]); }
  let total = 0;
  for (const d of s.sessions) {
    const mine = s.packetsOf(d);
    assert.equal(mine.length, pkts(d), `session ${JSON.stringify(d.source)}: packetPos lists every packet`);
    const k = flowOf(mine[0]);
    const theirs = wireByFlow.get(k) ?? [];
    assert.equal(mine.length, theirs.length, `packet count of ${k} equals tcpdump's`);
    assert.deepEqual(packetSet(mine), packetSet(theirs), `packets of ${k} equal tcpdump's`);
    total += mine.length;
  }
  assert.equal(total, wire.length, 'every packet on the wire belongs to a stored session');
}

describe('packrat capture (live) over a veth pair', { timeout: 180_000 }, () => {
  let lab: VethLab;
  before(() => { lab = new VethLab(); });
  after(() => lab?.destroy());

  it('tpacketv3, 2 packet threads, tiny rotating files in two pcapDirs: sessions, counts and bytes match tcpdump', async () => {
    const live = new PackratLive(lab, {
      interface: lab.devB, pcapReadMethod: 'tpacketv3', tpacketv3NumThreads: 2, tpacketv3NumBlocks: 8, tpacketv3BlockSize: 262144,
      packetThreads: 2, pcapWriteSize: 4096, maxFileSizeG: 0.00002, dbFlushTimeout: 1,
    });
    // two pcapDirs, round-robin
    live.keys.pcapDir = `${live.dir}/raw1;${live.dir}/raw2`;
    await live.start();
    const dump = new Tcpdump(lab, lab.nsA, lab.devA, 16384);
    await dump.start();
    ping(lab, 5);
    await udpBurst(lab, 5001, 1000);
    await httpExchange(lab, 8080, 3);
    await dnsQuery(lab, 53, 'www.example.com');
    await sleep(500);
    const wire = await dump.stop();
    const s = await live.stop();
    assert.equal(s.exitCode, 0, s.stderr);

    assert.equal(sessionsBy(s, 1).length, 1, 'one ICMP session');
    assert.equal(pkts(sessionsBy(s, 1)[0]), 10);
    const udp = sessionsBy(s, 17);
    assert.equal(udp.length, 2, 'the UDP burst and the DNS exchange');
    const burst = udp.find((d) => (d.destination as { port: number }).port === 5001)!;
    assert.equal(pkts(burst), 1000);
    const dns = udp.find((d) => (d.destination as { port: number }).port === 53)!;
    assert.deepEqual(dns.protocol, ['udp', 'dns']);
    assert.deepEqual((dns.dns as { host: string[] }[] | undefined)?.[0]?.host, ['www.example.com'], JSON.stringify(dns));
    const tcp = sessionsBy(s, 6);
    assert.equal(tcp.length, 3, 'three HTTP connections');
    for (const d of tcp) assert.deepEqual(d.protocol, ['tcp', 'http']);
    assert.equal(s.sessions.length, 6);

    assertSessionsMatchWire(s, wire);
    // Rotation: many files, in both dirs, all closed and registered with their packet counts.
    assert.ok(s.files.length >= 5, `files rotated: ${s.files.length}`);
    assert.ok(s.files.some((f) => f.name.includes('/raw1/')) && s.files.some((f) => f.name.includes('/raw2/')));
    for (const f of s.files) assert.match(f.name, /\/livetest-\d{6}-\d{8}\.pcap$/);
    assert.equal(s.files.reduce((a, f) => a + (f.packets ?? 0), 0), wire.length, 'registry counts every written packet');
    assert.ok(s.files.every((f) => (f.filesize ?? 0) > 24 && f.finishTimestamp), 'every file closed and registered');
    assert.ok(burst.fileId && (burst.fileId as number[]).length > 1, 'the burst spans several files');
    const st = s.stats!;
    assert.equal(st.totalPackets, wire.length);
    assert.equal(st.kernelDrops, 0);
    assert.equal(st.queueDrops, 0);
    assert.equal(st.sessionsSaved, 6);
    assert.equal(st.sessionsActive, 0);
  });

  it(`libpcap${hasLibpcap ? ' with bpf="not udp"' : ''}: the filter keeps UDP out of sessions and pcap`, async () => {
    const live = new PackratLive(lab, {
      interface: lab.devB, pcapReadMethod: 'libpcap', tpacketv3BlockSize: 1 << 20, tpacketv3NumBlocks: 4, pcapBufferSize: 4 << 20,
      packetThreads: 1, bpf: 'not udp',
    });
    await live.start();
    const dump = new Tcpdump(lab, lab.nsA, lab.devA, 16384);
    await dump.start();
    ping(lab, 3);
    await udpBurst(lab, 5002, 300);
    await httpExchange(lab, 8081, 2);
    await sleep(500);
    const wire = (await dump.stop()).filter((p) => p.data[23] !== 17);
    const s = await live.stop();
    assert.equal(s.exitCode, 0, s.stderr);
    assert.equal(sessionsBy(s, 17).length, 0);
    assert.equal(pkts(sessionsBy(s, 1)[0]), 6);
    assert.equal(sessionsBy(s, 6).length, 2);
    assertSessionsMatchWire(s, wire);
    assert.equal(s.files.length, 1);
  });

  it('tpacketv3 with bpf="udp", 1 packet thread; libpcap without a filter', async () => {
    for (const keys of [
      { pcapReadMethod: 'tpacketv3', bpf: 'udp', tpacketv3NumThreads: 2 },
      { pcapReadMethod: 'libpcap', pcapBufferSize: 4 << 20, tpacketv3BlockSize: 1 << 20 },
    ]) {
      const live = new PackratLive(lab, { interface: lab.devB, tpacketv3NumBlocks: 4, packetThreads: 1, ...keys });
      await live.start();
      ping(lab, 2);
      await udpBurst(lab, 5003, 500);
      await sleep(400);
      const s = await live.stop();
      assert.equal(s.exitCode, 0, s.stderr);
      assert.equal(sessionsBy(s, 17).length, 1, JSON.stringify(keys));
      assert.equal(pkts(sessionsBy(s, 17)[0]), 500);
      assert.equal(sessionsBy(s, 1).length, keys.bpf ? 0 : 1);
      assert.equal(s.stats!.kernelDrops, 0);
    }
  });

  it('a full pcapDir (64 KiB tmpfs): failed writes are counted and reported, SPI sessions are still saved', async () => {
    const live = new PackratLive(lab, { interface: lab.devB, pcapReadMethod: 'tpacketv3', tpacketv3NumBlocks: 4, tpacketv3NumThreads: 1, packetThreads: 1, pcapWriteSize: 16384 });
    const small = `${live.dir}/small`;
    mkdirSync(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', small]);
    try {
      live.keys.pcapDir = small;
      await live.start();
      await udpBurst(lab, 5004, 1500);
      await sleep(400);
      const s = await live.stop();
      assert.equal(s.exitCode, 0, s.stderr);
      assert.match(s.stderr, /pcap write failed \(ENOSPC\)/);
      assert.ok((s.stats!.writeErrors as number) > 0 && (s.stats!.diskFullErrors as number) > 0);
      assert.equal(pkts(sessionsBy(s, 17)[0]), 1500, 'SPI data for every packet');
    } finally {
      execFileSync('umount', [small]);
    }
  });
});
