// Capture-time sampling (issue 16 part 3) through the real command line and store: 1/N keeps
// exactly every Nth packet (tshark reads the --copy), flowSampling keeps flows whole at its rate,
// the `sampling` field is on every session, the import summary counts seen/kept, bad values are
// refused naming the file and key. The flow key is checked on raw frames: both directions agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { fields } from '../../db/fields/registry.js';
import { core } from '../../db/fields/core.js';
import { EmbeddedSessionStore } from '../../db/store/session-store.js';
import { endpoint, ipv4Frame, pcapBytes, sampleTraffic, tcpSegment, udpDatagram } from '../../capture/synth/traffic.js';
import { flowHash, parsePacketSampling, checkFlowSampling } from '../../capture/transform/sampling.js';
import { TransformSpecError } from '../../capture/transform/batch-transform.js';
import '../../capture/pipeline/setup.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const packrat = join(repoRoot, 'bin/packrat');
const run = promisify(execFile);

function lab(extra: string) {
  const dir = mkdtempSync(join(tmpdir(), 'packrat-sampling-'));
  const l = { dir, rawDir: join(dir, 'raw'), dataDir: join(dir, 'data'), config: join(dir, 'config.ini') };
  mkdirSync(l.rawDir);
  writeFileSync(l.config, `[default]\ndataDir=${l.dataDir}\npcapDir=${l.rawDir}\npacketThreads=2\n${extra}`);
  return l;
}

async function storedDocs(dataDir: string): Promise<Record<string, any>[]> {
  const store = await EmbeddedSessionStore.open(dataDir, { rotateIndex: 'daily', registry: fields, readOnly: true });
  try { return (await store.search({ sort: '"firstPacket"' })).map((h) => h.doc); } finally { await store.close(); }
}

const tuple = (d: Record<string, any>) => `${d.ipProtocol} ${d.source.ip}:${d.source.port ?? ''} ${d.destination.ip}:${d.destination.port ?? ''}`;

test('flow key: both directions, VLAN tags and every fragment of a datagram get the same hash; non-IP gets none', () => {
  const c = endpoint('10.1.2.3', 40001), s = endpoint('192.0.2.9', 443, 'server');
  const fwd = ipv4Frame(c, s, 6, tcpSegment(40001, 443, 1, 0, 0x02));
  const rev = ipv4Frame(s, c, 6, tcpSegment(443, 40001, 9, 2, 0x12));
  const tagged = ipv4Frame(s, c, 6, tcpSegment(443, 40001, 9, 2, 0x10), 64, 42);
  const h = flowHash(fwd, 0, fwd.length, 1, 0);
  assert.ok(h >= 0 && h < 2 ** 32);
  assert.equal(flowHash(rev, 0, rev.length, 1, 0), h);
  assert.equal(flowHash(tagged, 0, tagged.length, 1, 0), h);
  assert.notEqual(flowHash(fwd, 0, fwd.length, 1, 1), h, 'the seed keys the hash');
  const other = ipv4Frame(c, s, 6, tcpSegment(40002, 443, 1, 0, 0x02));
  assert.notEqual(flowHash(other, 0, other.length, 1, 0), h, 'another port, another flow');
  // Raw IP (linktype 101) of the same packet: the IP header is at offset 0.
  assert.equal(flowHash(fwd.subarray(14), 0, fwd.length - 14, 101, 0), h);
  // Fragments: first (MF) and last (offset) keyed alike, by addresses and protocol.
  const f1 = ipv4Frame(c, s, 17, udpDatagram(40001, 53, new Uint8Array(40))); f1[20] = 0x20; f1[21] = 0;
  const f2 = ipv4Frame(c, s, 17, new Uint8Array(40)); f2[20] = 0; f2[21] = 6;
  assert.equal(flowHash(f1, 0, f1.length, 1, 0), flowHash(f2, 0, f2.length, 1, 0));
  // IPv6 behind a hop-by-hop header, in Linux cooked (SLL) framing: the ports after the extension header, both directions alike.
  const v6 = (a: number, b: number, sp: number, dp: number) => {
    const f = new Uint8Array(16 + 40 + 8 + 8);
    f[14] = 0x86; f[15] = 0xdd;
    f[16] = 0x60; f[22] = 0; /* next: hop-by-hop */ f[23] = 64;
    f[24] = 0x20; f[25] = 0x01; f[39] = a; f[40] = 0x20; f[41] = 0x01; f[55] = b;
    f[56] = 17; f[57] = 0; // hop-by-hop: next UDP, 8 bytes
    f[64] = sp >> 8; f[65] = sp & 0xff; f[66] = dp >> 8; f[67] = dp & 0xff;
    return f;
  };
  const h6 = flowHash(v6(1, 2, 5353, 53), 0, 72, 113, 0);
  assert.ok(h6 >= 0);
  assert.equal(flowHash(v6(2, 1, 53, 5353), 0, 72, 113, 0), h6);
  assert.notEqual(flowHash(v6(1, 2, 5354, 53), 0, 72, 113, 0), h6, 'the port after the extension header counts');
  const arp = new Uint8Array(60); arp[12] = 0x08; arp[13] = 0x06;
  assert.equal(flowHash(arp, 0, 60, 1, 0), -1);
  assert.throws(() => parsePacketSampling('1/0'), TransformSpecError);
  assert.throws(() => parsePacketSampling('10'), TransformSpecError);
  assert.throws(() => checkFlowSampling('0'), TransformSpecError);
  assert.throws(() => checkFlowSampling('1.5'), TransformSpecError);
  assert.equal(checkFlowSampling('0.25'), 0.25);
});

test('packetSampling=1/10: the copy holds exactly packets 1, 11, 21, ... (tshark), every session says "packet 1/10"', async () => {
  const l = lab('packetSampling=1/10\n');
  const frames = sampleTraffic(200, 1_763_700_000);
  const input = join(l.dir, 'in.pcap');
  writeFileSync(input, pcapBytes(frames));
  const { stdout, stderr } = await run(packrat, ['capture', '-c', l.config, '-n', 't', '-r', input, '--copy'], { encoding: 'utf8' });
  const copy = join(l.rawDir, readdirSync(l.rawDir)[0]);
  const t = await run('tshark', ['-r', copy, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len'], { encoding: 'utf8' });
  const got = t.stdout.trim().split('\n').map((line) => line.split('\t'));
  const want = frames.filter((_, i) => i % 10 === 0);
  assert.equal(got.length, Math.ceil(frames.length / 10));
  for (let i = 0; i < want.length; i++) {
    assert.equal(Math.round(Number(got[i][0]) * 1e6), want[i].tsUs, `kept packet ${i} is input packet ${i * 10 + 1}`);
    assert.equal(Number(got[i][1]), want[i].data.length);
  }
  assert.match(stdout + stderr, new RegExp(`packetSampling: seen ${frames.length}, kept ${want.length}`));
  const docs = await storedDocs(l.dataDir);
  assert.ok(docs.length > 0);
  assert.equal(docs.reduce((n, d) => n + d.network.packets, 0), want.length, 'the sessions hold exactly the kept packets');
  for (const d of docs) assert.equal(d[core.sampling.db], 'packet 1/10');
});

test('flowSampling=0.25 on 4000 flows: a quarter kept (±4σ), each kept flow whole; the unsampled import has no sampling field', async () => {
  const frames = sampleTraffic(4000, 1_763_700_000);
  const all = lab(''), sampled = lab('flowSampling=0.25\nflowSamplingSeed=12345\n');
  const input = join(all.dir, 'in.pcap');
  writeFileSync(input, pcapBytes(frames));
  await run(packrat, ['capture', '-c', all.config, '-n', 't', '-r', input], { encoding: 'utf8' });
  const { stdout, stderr } = await run(packrat, ['capture', '-c', sampled.config, '-n', 't', '-r', input], { encoding: 'utf8' });
  const full = new Map((await storedDocs(all.dataDir)).map((d) => [tuple(d), d]));
  assert.equal(full.size, 4000);
  for (const d of full.values()) assert.equal(d[core.sampling.db], undefined);
  const kept = await storedDocs(sampled.dataDir);
  const sigma = Math.sqrt(4000 * 0.25 * 0.75);
  assert.ok(Math.abs(kept.length - 1000) <= 4 * sigma, `kept ${kept.length} of 4000 flows, want 1000 ± ${Math.round(4 * sigma)}`);
  let packets = 0;
  for (const d of kept) {
    const f = full.get(tuple(d));
    assert.ok(f, `kept session ${tuple(d)} exists unsampled`);
    assert.equal(d.network.packets, f.network.packets, `${tuple(d)}: every packet of a kept flow kept`);
    assert.equal(d.source.packets, f.source.packets);
    assert.equal(d.network.bytes, f.network.bytes);
    assert.equal(d[core.sampling.db], 'flow 0.25');
    packets += d.network.packets;
  }
  assert.match(stdout + stderr, new RegExp(`flowSampling: seen ${frames.length}, kept ${packets}, nonIp 0`));
});

test('a bad sampling value stops the capture with the config file and key named', async () => {
  const l = lab('packetSampling=1/0\n');
  const input = join(l.dir, 'in.pcap');
  writeFileSync(input, pcapBytes(sampleTraffic(3)));
  await assert.rejects(run(packrat, ['capture', '-c', l.config, '-n', 't', '-r', input], { encoding: 'utf8' }),
    (e: any) => { assert.ok(e.stderr.includes(l.config) && e.stderr.includes('packetSampling=1/0'), e.stderr); return true; });
});
