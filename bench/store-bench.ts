// Embedded session store benchmark: append+flush throughput, on-disk bytes per session, and
// count/search latency. Usage: node dist/bench/store-bench.js [docs=1000000] [batch=100000]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fields } from '../db/fields/registry.js';
import '../db/fields/core.js';
import { EmbeddedSessionStore } from '../db/store/session-store.js';

const total = Number(process.argv[2] ?? 1_000_000);
const batch = Number(process.argv[3] ?? 100_000);

/** A TCP session shaped like capture's output, packetPos gap-encoded (gap0) with ~30 entries. */
export function syntheticDoc(i: number, t0: number): Record<string, unknown> {
  const first = t0 + i * 20;
  const last = first + (i % 5000);
  const pkts = 10 + (i % 40);
  const pos: number[] = [-1 - (i >> 16)];
  let gap = 0;
  for (let k = 0; k < pkts; k++) {
    const g = k === 0 ? 24 + i * 1500 : ((k + i) % 3 === 0 ? gap : 66 + ((k * 37 + i) % 1400));
    pos.push(k > 0 && g === gap ? 0 : g);
    gap = g;
  }
  const a = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const b = `192.168.${(i % 7)}.${(i % 250) + 1}`;
  return {
    '@timestamp': last + 1000,
    firstPacket: first, lastPacket: last, length: last - first, ipProtocol: 6, ethertype: 2048,
    source: { ip: a, port: 1024 + (i % 60000), bytes: pkts * 300, packets: pkts >> 1, mac: ['00:11:22:33:44:55'], 'mac-cnt': 1 },
    destination: { ip: b, port: [80, 443, 53, 22][i % 4], bytes: pkts * 900, packets: pkts - (pkts >> 1), mac: ['66:77:88:99:aa:bb'], 'mac-cnt': 1 },
    network: { packets: pkts, bytes: pkts * 1200, community_id: '1:' + Buffer.from(String(i * 7919)).toString('base64').padEnd(27, 'A') + '=' },
    client: { bytes: pkts * 200 }, server: { bytes: pkts * 800 }, totDataBytes: pkts * 1000,
    segmentCnt: 1, node: 'bench', protocol: ['tcp', i % 4 === 0 ? 'http' : 'tls'], protocolCnt: 2,
    tcpflags: { syn: 1, 'syn-ack': 1, ack: 2, psh: pkts >> 2, fin: 2, rst: 0, urg: 0, ece: 0, cwr: 0, ae: 0, srcZero: 0, dstZero: 0 },
    tcpseq: { src: (i * 2654435761) >>> 0, dst: 0 }, initRTT: i % 50,
    srcPayload8: '1603010200010001', dstPayload8: '160303005a020000',
    srcTTL: [64], srcTTLCnt: 1, dstTTL: [57], dstTTLCnt: 1,
    packetPos: pos, fileId: [1 + (i >> 16)],
    packetRange: { gte: first, lte: last },
    ...(i % 4 === 0 ? { http: { host: [`host${i % 500}.example.com`], hostCnt: 1, method: ['GET'], methodCnt: 1 } } : {}),
  };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-store-bench-'));
  const store = await EmbeddedSessionStore.open(dir, { rotateIndex: 'daily', registry: fields, mergeGraceMs: 1000 });
  const t0 = Date.UTC(2024, 0, 31);
  let appendMs = 0;
  const cpu0 = process.cpuUsage();
  let firstBatchMs = 0;
  // docs arrive in chunks, as capture hands them over; generating them is not timed
  const CHUNK = 5000;
  for (let s = 0; s < total; s += batch) {
    let ms = 0;
    for (let c = s; c < Math.min(total, s + batch); c += CHUNK) {
      const docs: Record<string, unknown>[] = [];
      for (let i = c; i < Math.min(total, s + batch, c + CHUNK); i++) docs.push(syntheticDoc(i, t0));
      const t = performance.now();
      store.append(docs);
      ms += performance.now() - t;
    }
    const t = performance.now();
    await store.flush();
    ms += performance.now() - t;
    if (s === 0) firstBatchMs = ms;
    appendMs += ms;
  }
  const cpu = process.cpuUsage(cpu0);
  console.log(`process CPU (incl. doc generation and DuckDB threads): ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms; load average ${os.loadavg()[0].toFixed(1)}`);
  console.log(`append+flush: ${total} docs in ${appendMs.toFixed(0)} ms = ${(total / appendMs * 1000).toFixed(0)} docs/s ` +
    `(first batch of ${Math.min(batch, total)}: ${firstBatchMs.toFixed(0)} ms)`);
  const t1 = performance.now();
  await store.optimize();
  console.log(`optimize: ${(performance.now() - t1).toFixed(0)} ms`);
  const bytes = store.partitions().reduce((n, p) => n + p.bytes, 0);
  console.log(`on disk: ${bytes} bytes = ${(bytes / total).toFixed(1)} bytes/session over ${store.partitions().length} partitions`);
  const timeIt = async (label: string, fn: () => Promise<unknown>) => {
    await fn();
    const t = performance.now();
    const n = 5;
    let r: unknown;
    for (let k = 0; k < n; k++) r = await fn();
    console.log(`${label}: ${((performance.now() - t) / n).toFixed(1)} ms (${Array.isArray(r) ? r.length + ' hits' : String(r)})`);
  };
  await timeIt('count all', () => store.count());
  await timeIt('count port.dst==443', () => store.count(`"destination.port" = 443`));
  await timeIt('count ip.src CIDR', () => store.count(`"source.ip#n" BETWEEN '00000000000000000000ffff0a010000' AND '00000000000000000000ffff0a01ffff'`));
  await timeIt('count http.host', () => store.count(`"protocol"[2] = 'http'`));
  await timeIt('count last hour', () => store.count('', [], { start: t0 / 1000 + 3600, stop: t0 / 1000 + 7200 }));
  await timeIt('search newest 100', () => store.search({ sort: '"lastPacket" DESC', limit: 100 }));
  await timeIt('search port 22 offset 1000 limit 50', () => store.search({ where: `"destination.port" = 22`, sort: '"lastPacket"', offset: 1000, limit: 50 }));
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) await main();
