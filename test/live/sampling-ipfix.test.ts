// Live capture with packetSampling and IPFIX export (issue 16 parts 3 and 4), on a veth inside a
// namespace: the stats document counts seen/kept, the pcap written holds exactly every 4th
// packet read, every session says "packet 1/4", and a UDP collector in the capture's namespace
// receives a record per session that tshark decodes equal to the store. Needs root and iproute2.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canMakeNetns, LineReader, VethLab } from './netns.js';
import { httpExchange, ping, sleep, udpBurst } from './lab-run.js';
import { PackratLive } from './packrat-run.js';
import { nativeCaptureAvailable } from '../../capture/live/native.js';
import { pcapBytes } from '../../capture/synth/traffic.js';
import { core } from '../../db/fields/core.js';
import { compareFlowsWithDocs, IPFIX_PORT, tsharkFlows, udpFrames } from '../support/ipfix-tshark.js';

const why = canMakeNetns() ?? (nativeCaptureAvailable() ? undefined : 'addon not built');
if (why) throw new Error(`live capture tests need root, iproute2 and the addon: ${why}`);

/** A UDP collector on the namespace's loopback: prints its port, then each datagram as a hex line. */
const COLLECTOR = `const s = require('node:dgram').createSocket('udp4');
s.on('message', (m) => process.stdout.write(m.toString('hex') + '\\n'));
s.bind(0, '127.0.0.1', () => process.stdout.write(s.address().port + '\\n'));`;

describe('live capture: packetSampling=1/4 and IPFIX export', { timeout: 120_000 }, () => {
  let lab: VethLab;
  before(() => { lab = new VethLab(); });
  after(() => lab?.destroy());

  it('keeps every 4th packet, says so in stats and sessions, and exports every session to the collector', async () => {
    const collector = lab.spawn(lab.nsB, process.execPath, ['-e', COLLECTOR]);
    const lines = new LineReader(collector.stdout!);
    const port = Number(await lines.next());
    const datagrams: Buffer[] = [];
    const live = new PackratLive(lab, {
      interface: lab.devB, pcapReadMethod: 'tpacketv3', packetThreads: 2, dbFlushTimeout: 1,
      packetSampling: '1/4', ipfixCollector: `127.0.0.1:${port}`, ipfixObservationDomain: 9,
    });
    await live.start();
    ping(lab, 6);
    await udpBurst(lab, 5003, 400);
    await httpExchange(lab, 8082, 3);
    await sleep(500);
    const s = await live.stop();
    assert.equal(s.exitCode, 0, s.stderr);
    await sleep(300);
    collector.kill(); // its stdout ends after the lines it wrote
    for (let l = await lines.next(5000); l !== undefined; l = await lines.next(5000)) datagrams.push(Buffer.from(l, 'hex'));

    const st = s.stats as Record<string, any>;
    const ps = st.transforms.packetSampling as { seen: number; kept: number };
    assert.equal(ps.seen, st.totalPackets, 'every packet read passed the sampler');
    assert.ok(ps.seen > 400);
    assert.equal(ps.kept, Math.ceil(ps.seen / 4));
    assert.equal(s.files.reduce((a, f) => a + (f.packets ?? 0), 0), ps.kept, 'the pcap holds exactly the kept packets');
    assert.ok(s.sessions.length > 0);
    for (const d of s.sessions) assert.equal(d[core.sampling.db], 'packet 1/4');
    const inSessions = s.sessions.reduce((a, d) => a + (d.network as { packets: number }).packets, 0);
    assert.ok(inSessions <= ps.kept && inSessions >= ps.kept - 10, `sessions hold the kept packets (${inSessions} of ${ps.kept}; non-IP frames are not sessions)`);
    const burst = s.sessions.find((d) => (d.destination as { port?: number }).port === 5003);
    assert.ok(burst && Math.abs((burst.network as { packets: number }).packets - 100) <= 1, 'a quarter of the burst');

    const pcap = join(live.dir, 'ipfix.pcap');
    writeFileSync(pcap, pcapBytes(udpFrames(datagrams)));
    const { flows, headers } = await tsharkFlows(pcap, `udp.port==${IPFIX_PORT},cflow`);
    assert.equal(headers.length, datagrams.length);
    assert.ok(headers.every((h) => h.domain === 9));
    assert.equal(compareFlowsWithDocs(s.sessions as Record<string, any>[], flows), s.sessions.length);
    assert.equal(st.ipfix.records, s.sessions.length, 'the stats document counts the records exported');
    assert.equal(st.ipfix.messages, datagrams.length);
  });
});
