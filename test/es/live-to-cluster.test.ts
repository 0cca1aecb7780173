// Live `packrat capture` with `elasticsearch=`: like every Arkime capture node it writes its
// session documents to the cluster (ELASTICSEARCH_URL), registers its pcap files and stats
// there, and keeps nothing of them in dataDir. The capture runs on a veth inside a network
// namespace (test/live/netns.ts; needs root and the capture addon); the namespace reaches the
// cluster on the root namespace's loopback through a Unix socket (traffic.ts tcp-to-unix).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runPackrat as packrat } from '../support/json-capture.js';
import { clusterUrl, dropPrefix, esJson, uniquePrefix } from '../support/cluster.js';
import { canMakeNetns, IP_A, IP_B, LineReader, VethLab } from '../live/netns.js';
import { httpExchange, ping, sleep, udpBurst } from '../live/lab-run.js';
import { dnsQuery, PackratLive, readSessionPackets } from '../live/packrat-run.js';
import { nativeCaptureAvailable } from '../../capture/live/native.js';
import type { FileDoc } from '../../db/store/sqlite-control-store.js';

const why = canMakeNetns() ?? (nativeCaptureAvailable() ? undefined : 'addon not built');
if (why) throw new Error(`live capture into the cluster needs root, iproute2 and the capture addon: ${why}`);

const trafficJs = path.join(path.dirname(fileURLToPath(import.meta.url)), '../live/traffic.js');


/**
 * The cluster as seen from inside `ns`: 127.0.0.1:<port> there is forwarded, through a Unix
 * socket (the file system is shared across network namespaces), to `url` here.
 */
async function bridgeInto(lab: VethLab, ns: string, url: string, dir: string): Promise<{ url: string; close(): void }> {
  const target = new URL(url);
  const sock = path.join(dir, 'cluster.sock');
  const server = net.createServer((c) => {
    const up = net.connect(Number(target.port || 80), target.hostname);
    c.pipe(up).pipe(c);
    c.on('error', () => up.destroy());
    up.on('error', () => c.destroy());
  });
  await new Promise<void>((r) => server.listen(sock, r));
  const port = 19000 + Math.floor(Math.random() * 1000);
  const fwd = lab.spawn(ns, process.execPath, [trafficJs, 'tcp-to-unix', String(port), sock]);
  const ready = await new LineReader(fwd.stdout!).next(10_000);
  if (ready !== 'ready') throw new Error(`tcp-to-unix did not start (${ready})`);
  return { url: `http://127.0.0.1:${port}`, close: () => { fwd.kill(); server.close(); } };
}

type Doc = Record<string, any>;

test('live capture with elasticsearch= writes its sessions, files and stats to the cluster, nothing to dataDir', { timeout: 180_000 }, async () => {
  const url = clusterUrl();
  const prefix = uniquePrefix('live');
  const lab = new VethLab();
  const live = new PackratLive(lab, {
    interface: lab.devB, pcapReadMethod: 'tpacketv3', tpacketv3NumBlocks: 4, tpacketv3NumThreads: 1,
    packetThreads: 2, dbFlushTimeout: 1, rotateIndex: 'daily', prefix,
  });
  let bridge: { url: string; close(): void } | undefined;
  try {
    const initCfg = path.join(live.dir, 'init.ini');
    fs.writeFileSync(initCfg, `[default]\nelasticsearch=${url}\nprefix=${prefix}\ndataDir=${live.dir}/init-data\n`);
    const init = await packrat(['db', '-c', initCfg, '-n', live.node, 'init']);
    assert.equal(init.code, 0, init.err);

    bridge = await bridgeInto(lab, lab.nsB, url, live.dir);
    live.keys.elasticsearch = bridge.url;
    await live.start();
    ping(lab, 3);
    await udpBurst(lab, 5001, 200);
    await httpExchange(lab, 8080, 2);
    await dnsQuery(lab, 53, 'www.example.com');
    await sleep(500);
    const { exitCode, stderr } = await live.terminate();
    assert.equal(exitCode, 0, stderr);
    // The bulk sink's summary at close: every document acknowledged, nothing left spooled.
    assert.match(stderr, /elasticsearch: 5 documents, 5 indexed, 0 refused/, stderr);
    assert.doesNotMatch(stderr, /remain spooled/);

    // Exactly the sessions the traffic made: 1 ICMP, the UDP burst, the DNS exchange, 2 HTTP.
    await esJson(url, 'POST', `/${prefix}sessions3-*/_refresh`);
    const r = await esJson(url, 'POST', `/${prefix}sessions3-*/_search`, { size: 100 });
    const hits = r.hits.hits as { _index: string; _id: string; _source: Doc }[];
    const docs = hits.map((h) => h._source);
    assert.equal(docs.length, 5, JSON.stringify(docs.map((d) => [d.ipProtocol, d.destination?.port])));
    for (const h of hits) {
      assert.match(h._index, new RegExp(`^${prefix}sessions3-\\d{6}$`));
      assert.equal(h._source.node, live.node);
      assert.equal(h._source.source.ip, IP_A);
      assert.equal(h._source.destination.ip, IP_B);
    }
    const by = (proto: number) => docs.filter((d) => d.ipProtocol === proto);
    assert.equal(by(1).length, 1, 'one ICMP session');
    assert.equal(by(1)[0].network.packets, 6);
    const udp = by(17);
    assert.deepEqual(udp.map((d) => d.destination.port).sort((a, b) => a - b), [53, 5001]);
    const burst = udp.find((d) => d.destination.port === 5001)!;
    assert.equal(burst.network.packets, 200);
    const dns = udp.find((d) => d.destination.port === 53)!;
    assert.deepEqual(dns.protocol, ['udp', 'dns']);
    const tcp = by(6);
    assert.equal(tcp.length, 2, 'two HTTP connections');
    for (const d of tcp) { assert.equal(d.destination.port, 8080); assert.deepEqual(d.protocol, ['tcp', 'http']); }

    // The pcap files are registered in the cluster's files index, and every session's packets
    // read back through its packetPos from the files registered there.
    const nums = [...new Set(docs.flatMap((d) => d.fileId as number[]))];
    assert.ok(nums.length >= 1);
    const files = new Map<number, FileDoc>();
    for (const num of nums) {
      const f = await esJson(url, 'GET', `/${prefix}files/_doc/${live.node}-${num}`, undefined, [404]);
      assert.ok(f.found, `file ${live.node}-${num} registered`);
      assert.equal(f._source.node, live.node);
      assert.equal(f._source.num, num);
      assert.ok(f._source.name.startsWith(path.join(live.dir, 'raw') + '/'), f._source.name);
      assert.ok(f._source.packets > 0 && f._source.filesize > 24 && f._source.finishTimestamp, JSON.stringify(f._source));
      files.set(num, f._source as FileDoc);
    }
    for (const d of docs) assert.equal(readSessionPackets(d, files).length, d.network.packets, `packetPos of ${d.destination.port}`);

    // The final stats document, in the cluster.
    const st = await esJson(url, 'GET', `/${prefix}stats/_doc/${live.node}`, undefined, [404]);
    assert.ok(st.found, 'stats written');
    assert.equal(st._source.sessionsSaved, 5);
    assert.equal(st._source.sessionsActive, 0);
    assert.equal(st._source.storePendingRows, 0);

    // Nothing of the sessions or the control data in dataDir.
    const dataDir = path.join(live.dir, 'data');
    assert.ok(!fs.existsSync(path.join(dataDir, 'control.sqlite')), 'no control.sqlite');
    const left = fs.readdirSync(dataDir);
    assert.deepEqual(left.filter((n) => n.startsWith('sessions3-') || n.endsWith('.parquet') || n.startsWith('control')), [],
      `no embedded session segments: ${left.join(', ')}`);
  } finally {
    await live.terminate().catch(() => undefined);
    bridge?.close();
    lab.destroy();
    await dropPrefix(url, prefix);
    live.cleanUp();
  }
});
