// IPFIX export (issue 16 part 4). The encoder on its own (headers, sequence numbers, message
// bounds, long strings), then `packrat capture -r` exporting to a UDP and a TCP collector of the
// test: what arrives is laid into a pcap and decoded by tshark's cflow dissector, and every
// record is compared field by field with the same session in the store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { fields } from '../../db/fields/registry.js';
import { EmbeddedSessionStore } from '../../db/store/session-store.js';
import { endpoint, pcapBytes, sampleTraffic, tcpDialog, udpDatagram, type Frame } from '../../capture/synth/traffic.js';
import { IPFIX_PORT, compareFlowsWithDocs, tsharkFlows, udpFrames } from '../support/ipfix-tshark.js';
import { IpfixEncoder, TEMPLATE_V4, TEMPLATE_V6, type FlowRecord } from '../../capture/export/ipfix.js';
import { ipfixExporterFromConfig, parseCollector } from '../../capture/export/ipfix-exporter.js';
import { Config } from '../../db/config.js';
import '../../capture/pipeline/setup.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const packrat = join(repoRoot, 'bin/packrat');
const run = promisify(execFile);

const rec = (i: number, v6 = false): FlowRecord => ({
  src: v6 ? `2001:db8::${i.toString(16)}` : `10.0.${i >> 8}.${i & 0xff}`, dst: v6 ? '2001:db8:ffff::1' : '192.0.2.1',
  sport: 40000 + i, dport: 53, proto: 17, bytes: 100 + i, packets: 2, startMs: 1_700_000_000_000 + i, endMs: 1_700_000_000_100 + i,
  communityId: `1:cid${i}`, app: 'udp,dns',
});

test('encoder: header, sets, sequence numbers count data records before each message, messages within the bound', () => {
  const enc = new IpfixEncoder({ observationDomain: 77, pen: 32473, maxMessage: 600 });
  const records = [...Array.from({ length: 10 }, (_, i) => rec(i)), ...Array.from({ length: 5 }, (_, i) => rec(i, true)), { ...rec(99), app: 'x'.repeat(300) }];
  const msgs = enc.encode(records, 1234, true);
  assert.ok(msgs.length > 2);
  let seq = 0, n = 0;
  for (const [k, m] of msgs.entries()) {
    const v = new DataView(m.buffer, m.byteOffset, m.byteLength);
    assert.ok(m.length <= 600);
    assert.equal(v.getUint16(0), 10);
    assert.equal(v.getUint16(2), m.length);
    assert.equal(v.getUint32(4), 1234);
    assert.equal(v.getUint32(8), seq, `message ${k}: sequence = records before it`);
    assert.equal(v.getUint32(12), 77);
    // Walk the sets: they tile the message exactly.
    let o = 16, inMsg = 0;
    while (o < m.length) {
      const id = v.getUint16(o), len = v.getUint16(o + 2);
      assert.ok(len >= 4 && o + len <= m.length);
      if (k === 0 && o === 16) assert.equal(id, 2, 'templates lead the first message');
      else assert.ok(id === TEMPLATE_V4 || id === TEMPLATE_V6);
      if (id !== 2) inMsg += countRecords(m, o + 4, o + len, id === TEMPLATE_V6);
      o += len;
    }
    assert.equal(o, m.length);
    seq += inMsg; n += inMsg;
  }
  assert.equal(n, records.length);
  assert.equal(enc.sequence, records.length);
  assert.equal(new DataView(enc.encode([rec(1)], 1, false)[0].buffer).getUint32(8), records.length);
  assert.equal(enc.templateMessage(5).length, 16 + enc.templateSet().length);
  assert.deepEqual(parseCollector('tcp://[::1]:4740'), { transport: 'tcp', host: '::1', port: 4740 });
  assert.deepEqual(parseCollector('collector.example:4739'), { transport: 'udp', host: 'collector.example', port: 4739 });
  assert.equal(parseCollector('nohost'), undefined);
  assert.equal(parseCollector('h:70000'), undefined);
  assert.throws(() => ipfixExporterFromConfig(Config.fromText('[default]\nipfixCollector=collector.example\n')), /\(inline\): ipfixCollector=collector.example: expected host:port/);
  assert.equal(ipfixExporterFromConfig(Config.fromText('[default]\n')), undefined);
});

function countRecords(m: Uint8Array, o: number, end: number, v6: boolean): number {
  let n = 0;
  while (o < end) {
    o += (v6 ? 32 : 8) + 37;
    for (let s = 0; s < 2; s++) o += m[o] < 255 ? 1 + m[o] : 3 + ((m[o + 1] << 8) | m[o + 2]);
    n++;
  }
  assert.equal(o, end);
  return n;
}

/** An Ethernet/IPv6/UDP frame (the synth builds IPv4 only). */
function ipv6Udp(src: string, dst: string, sport: number, dport: number, payload: Uint8Array): Uint8Array {
  const udp = udpDatagram(sport, dport, payload);
  const f = new Uint8Array(14 + 40 + udp.length);
  f[12] = 0x86; f[13] = 0xdd;
  f[14] = 0x60; f[18] = udp.length >> 8; f[19] = udp.length & 0xff; f[20] = 17; f[21] = 64;
  const put = (ip: string, o: number) => { const g = ip.split(':'); const full = g.flatMap((x) => (x === '' ? Array(9 - g.length).fill('0') : [x])); full.forEach((x, i) => { const n = parseInt(x, 16); f[o + i * 2] = n >> 8; f[o + i * 2 + 1] = n & 0xff; }); };
  put(src, 22); put(dst, 38);
  f.set(udp, 54);
  return f;
}

function workload(): Frame[] {
  const frames = sampleTraffic(250, 1_763_700_000);
  const t0 = 1_763_700_000 * 1e6;
  frames.push({ tsUs: t0 + 5_000, data: ipv6Udp('2001:db8:0:0:0:0:0:10', '2001:db8:0:0:0:0:0:53', 41000, 53, new Uint8Array(30)) });
  frames.push({ tsUs: t0 + 9_000, data: ipv6Udp('2001:db8:0:0:0:0:0:53', '2001:db8:0:0:0:0:0:10', 53, 41000, new Uint8Array(60)) });
  frames.push({ tsUs: t0 + 7_000, data: ipv6Udp('2001:db8:0:0:0:0:1:1', '2001:db8:0:0:0:0:0:99', 5000, 6000, new Uint8Array(10)) });
  frames.sort((a, b) => a.tsUs - b.tsUs);
  return frames;
}

async function compareWithStore(dataDir: string, flows: Parameters<typeof compareFlowsWithDocs>[1]): Promise<number> {
  const store = await EmbeddedSessionStore.open(dataDir, { rotateIndex: 'daily', registry: fields, readOnly: true });
  try { return compareFlowsWithDocs((await store.search({ sort: '"firstPacket"' })).map((h) => h.doc), flows); } finally { await store.close(); }
}

function setup(collector: string) {
  const dir = mkdtempSync(join(tmpdir(), 'packrat-ipfix-'));
  const input = join(dir, 'in.pcap'), config = join(dir, 'config.ini'), dataDir = join(dir, 'data');
  writeFileSync(input, pcapBytes(workload()));
  writeFileSync(config, `[default]\ndataDir=${dataDir}\npacketThreads=2\nipfixCollector=${collector}\nipfixObservationDomain=4242\nipfixTemplateRefreshMessages=3\n`);
  return { dir, input, config, dataDir };
}

test('UDP collector: tshark decodes every session of the import, equal to the store field by field; sequence numbers and template refresh per RFC 7011', async () => {
  const sock = createSocket('udp4');
  const got: Buffer[] = [];
  sock.on('message', (m) => got.push(m));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const l = setup(`127.0.0.1:${sock.address().port}`);
  try {
    const { stdout, stderr } = await run(packrat, ['capture', '-c', l.config, '-n', 't', '-r', l.input], { encoding: 'utf8' });
    await new Promise((r) => setTimeout(r, 300));
    const pcap = join(l.dir, 'ipfix.pcap');
    writeFileSync(pcap, pcapBytes(udpFrames(got)));
    const { flows, headers } = await tsharkFlows(pcap, `udp.port==${IPFIX_PORT},cflow`);
    assert.equal(headers.length, got.length, 'tshark decodes every datagram as IPFIX');
    const n = await compareWithStore(l.dataDir, flows);
    assert.equal(n, 250 + 2, 'the sample sessions and the two IPv6 flows');
    assert.ok(flows.some((f) => f.srcaddr.startsWith('2001:db8')), 'IPv6 template used');
    let seq = 0;
    for (const [i, h] of headers.entries()) {
      assert.equal(h.domain, 4242);
      assert.equal(h.sequence, seq, `message ${i}: sequence number`);
      seq += h.records;
    }
    // Templates in the first message, then again after every 3 messages (ipfixTemplateRefreshMessages=3).
    assert.ok(headers[0].templates);
    const withTemplates = headers.map((h, i) => (h.templates ? i : -1)).filter((i) => i >= 0);
    assert.ok(withTemplates.length >= 2, `templates resent: at ${withTemplates}`);
    for (let j = 1; j < withTemplates.length; j++) assert.ok(withTemplates[j] - withTemplates[j - 1] === 3, `refresh gap at ${withTemplates}`);
    assert.match(stdout + stderr, new RegExp(`IPFIX: ${n} records in ${got.length} messages`));
  } finally { sock.close(); }
});

test('TCP collector (tcp://): one stream, templates once at its start, every session decoded by tshark and equal to the store', async () => {
  const chunks: Buffer[] = [];
  let connections = 0;
  const server = createServer((s) => { connections++; s.on('data', (d) => chunks.push(d)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const l = setup(`tcp://127.0.0.1:${(server.address() as AddressInfo).port}`);
  try {
    await run(packrat, ['capture', '-c', l.config, '-n', 't', '-r', l.input], { encoding: 'utf8' });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(connections, 1);
    const stream = Buffer.concat(chunks);
    const c = endpoint('127.0.0.1', 50001), s = endpoint('127.0.0.1', IPFIX_PORT, 'server');
    const pcap = join(l.dir, 'ipfix-tcp.pcap');
    writeFileSync(pcap, pcapBytes(tcpDialog(c, s, 1_800_000_000e6, [{ from: 'client', data: stream }])));
    const { flows, headers } = await tsharkFlows(pcap, `tcp.port==${IPFIX_PORT},cflow`);
    assert.ok(headers.length > 1);
    assert.equal(headers.reduce((n, h) => n + h.records, 0), flows.length);
    assert.deepEqual(headers.map((h) => h.templates), headers.map((_, i) => i === 0), 'templates once, first');
    await compareWithStore(l.dataDir, flows);
  } finally { server.close(); }
});

test('TCP collector that drops the connection: the exporter opens a new one (at most once a second) that starts with the templates; records meanwhile are dropped or errors, never a throw', async () => {
  const conns: Buffer[][] = [];
  const sockets: import('node:net').Socket[] = [];
  const server = createServer((s) => { const c: Buffer[] = []; conns.push(c); sockets.push(s); s.on('data', (d) => c.push(d)); s.on('error', () => {}); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const exporter = ipfixExporterFromConfig(Config.fromText(`[default]\nipfixCollector=tcp://127.0.0.1:${port}\n`, 'test'))!;
  const until = async (what: string, ok: () => boolean) => {
    for (let i = 0; !ok(); i++) { if (i > 100) throw new Error(`not ${what} within 5 s`); await new Promise((r) => setTimeout(r, 50)); }
  };
  const firstSetId = (c: Buffer[]) => Buffer.concat(c).readUInt16BE(16);
  try {
    exporter.add(Array.from({ length: 20 }, (_, i) => rec(i)));
    await until('received', () => conns.length === 1 && Buffer.concat(conns[0]).length > 0);
    assert.equal(firstSetId(conns[0]), 2, 'the first connection starts with the template set');
    sockets[0].destroy(); // the collector goes away mid-export
    await new Promise((r) => setTimeout(r, 200));
    exporter.add(Array.from({ length: 5 }, (_, i) => rec(100 + i))); // written into the closing connection, or dropped
    await new Promise((r) => setTimeout(r, 1100)); // past the one-second retry bound
    exporter.add(Array.from({ length: 7 }, (_, i) => rec(200 + i)));
    await until('reconnected', () => conns.length === 2 && Buffer.concat(conns[1]).length > 0);
    assert.equal(firstSetId(conns[1]), 2, 'a new connection starts with the templates again');
    const second = Buffer.concat(conns[1]);
    assert.equal(second.readUInt16BE(0), 10);
    assert.ok(second.includes(Buffer.from('1:cid206')), 'the records after the reconnect arrive');
    const st = exporter.stats;
    assert.equal(st.records + st.dropped, 32, `every record counted as sent or dropped: ${JSON.stringify(st)}`);
    assert.ok(st.templates >= 2);
  } finally {
    await exporter.close();
    server.close();
  }
});
