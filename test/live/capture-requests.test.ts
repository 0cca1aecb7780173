// Capture requests end to end (issue 16 part 1): `packrat capture` live on a veth in a network
// namespace, a real redis-server beside it, the viewer's API in this process on the same data
// folder, and traffic from the peer namespace. Each limit (packets, bytes, duration, idle
// timeout) ends a request at the right packet, submitted through the API and through Redis;
// BPF applies; cancel, pause and resume work; malformed requests are refused naming the field and
// store nothing; the folder, URL and import destinations receive the capture; and the main
// capture's packet count equals the packets sent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ChildProcess } from 'node:child_process';
import { createServer, Server } from 'node:http';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Config } from '../../db/config.js';
import { fields } from '../../db/fields/registry.js';
import '../../capture/parsers/index.js';
import { SqliteControl } from '../../db/store/sqlite-control-store.js';
import { hashPassword } from '../../viewer/auth.js';
import { createViewer, type Viewer } from '../../viewer/server.js';
import { loadNativeCapture } from '../../capture/live/native.js';
import { canMakeNetns, hasCommand, IP_A, IP_B, LineReader, VethLab } from './netns.js';
import { checkTransformSpec } from '../../capture/transform/batch-transform.js';
import { CryptoPAn } from '../../db/anon/crypto-pan.js';
import { PackratLive } from './packrat-run.js';
import { PcapPacket, readPcap, sleep } from './lab-run.js';

const trafficJs = join(dirname(fileURLToPath(import.meta.url)), 'traffic.js');
const REDIS_PORT = 6391 + (process.pid % 500);
const FWD_PORT = 18081;
const CHANNEL = 'capreq';
/** Ethernet + IPv4 + UDP + 100 bytes of payload. */
const FRAME = 142;

let lab: VethLab;
let live: PackratLive;
let viewer: Viewer;
let base: string;
let work: string;
let upload: Server;
const uploads: { id: string; type: string; body: Buffer }[] = [];
let replies: LineReader;
let sent = 0;
const basic = (u: string) => ({ authorization: `Basic ${Buffer.from(`${u}:pw-${u}`).toString('base64')}` });
const requester = basic('req');

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

before(async () => {
  const missing = canMakeNetns() ?? (hasCommand('redis-server') && hasCommand('redis-cli') ? undefined : 'redis-server/redis-cli missing (apt-get install redis-server)');
  if (missing) throw new Error(`capture request tests need: ${missing}`);
  lab = new VethLab();
  work = mkdtempSync(join(tmpdir(), 'packrat-capreq-'));
  // Redis inside the capture's namespace (its loopback is the only one the capture sees).
  const redis = lab.spawn(lab.nsB, 'redis-server', ['--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  const rl = new LineReader(redis.stdout!);
  for (let l = await rl.next(); l !== undefined && !l.includes('Ready to accept connections'); l = await rl.next());
  const sub = lab.spawn(lab.nsB, 'redis-cli', ['-p', String(REDIS_PORT), '--no-raw', 'SUBSCRIBE', `${CHANNEL}:reply`]);
  replies = new LineReader(sub.stdout!);
  // The test's HTTP server (destination.url), reached from the namespace through a Unix socket.
  const sock = join(work, 'upload.sock');
  upload = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      uploads.push({ id: String(req.headers['x-packrat-capture-request']), type: String(req.headers['content-type']), body: Buffer.concat(chunks) });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => upload.listen(sock, r));
  const fwd = lab.spawn(lab.nsB, process.execPath, [trafficJs, 'tcp-to-unix', String(FWD_PORT), sock]);
  await new LineReader(fwd.stdout!).next();
  // Receivers, so that no port-unreachable answers join the traffic.
  for (let p = 7001; p <= 7020; p++) {
    const r = lab.spawn(lab.nsB, process.execPath, [trafficJs, 'udp-recv', String(p), '1000000000']);
    await new LineReader(r.stdout!).next();
  }
  // The main capture on tpacketv3 (two sockets in a fanout group): a request's socket must stay
  // out of that group, or the main capture would lose the packets hashed to it.
  live = new PackratLive(lab, {
    interface: lab.devB, pcapReadMethod: 'tpacketv3', tpacketv3NumThreads: 2, statsInterval: 1, captureRequestAliases: `wire:${lab.devB}`, captureRequestRedis: `redis://127.0.0.1:${REDIS_PORT}`, captureRequestChannel: CHANNEL,
    captureRequestPollMs: 200, maxCaptureRequests: 4, captureRequestMaxBytes: 10_000_000, captureRequestMaxDuration: 60, captureRequestFolderRoot: work, captureRequestUrls: `http://127.0.0.1:${FWD_PORT}/`,
  });
  await live.start();
  const dataDir = join(live.dir, 'data');
  const control = SqliteControl.open(dataDir);
  control.createUser({ userId: 'req', passHash: await hashPassword('pw-req', 4), roles: ['captureRequester', 'arkimeUser'] });
  control.createUser({ userId: 'user', passHash: await hashPassword('pw-user', 4), roles: ['arkimeUser'] });
  control.close();
  const addon = loadNativeCapture();
  viewer = await createViewer({
    config: Config.fromText(`[default]\ndataDir=${dataDir}\ncaptureRequestMaxBytes=10000000\ncaptureRequestMaxDuration=60\ncaptureRequestFolderRoot=${work}\ncaptureRequestUrls=http://127.0.0.1:${FWD_PORT}/\n`, 'viewer'),
    registry: fields, uiDir: join(work, 'no-ui'), checkBpf: (e, snap) => { addon.compileBpf(e, 1, snap); }, checkTransforms: (s) => { checkTransformSpec(s); },
  });
  base = `http://127.0.0.1:${await viewer.listen(0, '127.0.0.1')}`;
  // The node is known once it wrote its first stats.
  for (let i = 0; ; i++) {
    if (live.lastStats()) break;
    if (i > 100) throw new Error('the capture wrote no stats within 10 s');
    await sleep(100);
  }
});

after(async () => {
  await viewer?.close();
  upload?.close();
  lab?.destroy();
  live?.cleanUp();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = requester): Promise<{ status: number; json: Doc }> {
  const r = await fetch(base + path, {
    method, headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: r.status, json: await r.json() as Doc };
}

async function list(): Promise<Doc[]> {
  const r = await api('GET', '/api/capture-requests');
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json.data as Doc[];
}

async function waitFor(id: string, pred: (d: Doc) => boolean, what: string, ms = 20_000): Promise<Doc> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await api('GET', `/api/capture-requests/${id}`);
    if (r.status === 200 && pred(r.json)) return r.json;
    if (Date.now() > end) throw new Error(`capture request ${id}: not ${what} within ${ms} ms: ${JSON.stringify(r.json)}`);
    await sleep(100);
  }
}

const finished = (id: string) => waitFor(id, (d) => d.finished !== undefined, 'finished');
/** Running, and its socket open (it opens right after the claim). */
const running = async (id: string) => { const d = await waitFor(id, (x) => x.state === 'running', 'running'); await sleep(300); return d; };

/** `count` datagrams to IP_B:port, one every `ms`; waits until all are sent. */
function send(port: number, count: number, ms = 5): void {
  lab.exec(lab.nsA, process.execPath, [trafficJs, 'udp-paced', IP_B, String(port), String(count), String(ms)]);
  sent += count;
}
function sendAsync(port: number, count: number, ms: number): Promise<void> {
  const c: ChildProcess = lab.spawn(lab.nsA, process.execPath, [trafficJs, 'udp-paced', IP_B, String(port), String(count), String(ms)]);
  sent += count;
  return new Promise((r) => c.on('exit', () => r()));
}

async function submitApi(req: Doc): Promise<string> {
  const r = await api('POST', '/api/capture-requests', req);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.requests.length, 1);
  return r.json.requests[0].id as string;
}

function publish(msg: unknown): void {
  lab.exec(lab.nsB, 'redis-cli', ['-p', String(REDIS_PORT), 'PUBLISH', CHANNEL, typeof msg === 'string' ? msg : JSON.stringify(msg)]);
}

/**
 * The next JSON reply on the reply channel that `want` takes (redis-cli prints type, channel,
 * message on lines); replies it skips are kept for later callers.
 */
const skipped: Doc[] = [];
async function nextReply(want: (r: Doc) => boolean = (r) => r.status === 'accepted' || r.status === 'error'): Promise<Doc> {
  const i = skipped.findIndex(want);
  if (i >= 0) return skipped.splice(i, 1)[0];
  for (;;) {
    const l = await replies.next(20_000);
    if (l === undefined) throw new Error('redis-cli SUBSCRIBE ended');
    const m = /^(?:\d+\) )?("\{.*")$/.exec(l.trim()); // 3) "{\"status\":...}"
    if (!m) continue;
    const r = JSON.parse(JSON.parse(m[1]) as string) as Doc;
    if (want(r)) return r;
    skipped.push(r);
  }
}

async function submitRedis(req: Doc): Promise<string> {
  publish(req);
  const r = await nextReply();
  assert.equal(r.status, 'accepted', JSON.stringify(r));
  return r.id as string;
}

const seqOf = (p: PcapPacket) => p.data.readUInt32BE(42);
const dstPort = (p: PcapPacket) => p.data.readUInt16BE(36);
const folderPcap = (d: Doc) => readPcap(d.delivered.folder as string);

for (const via of ['api', 'redis'] as const) {
  const submit = via === 'api' ? submitApi : submitRedis;
  const port = (n: number) => (via === 'api' ? 7000 : 7010) + n;

  test(`${via}: packets=7 keeps exactly the first 7 matching packets; the BPF keeps other traffic out`, async () => {
    const folder = join(work, `${via}-packets`);
    const id = await submit({ node: 'livetest', bpf: `udp dst port ${port(1)}`, packets: 7, destination: { folder } });
    await running(id);
    await Promise.all([sendAsync(port(2), 20, 5), sendAsync(port(1), 20, 5)]);
    const d = await finished(id);
    assert.equal(d.state, 'done', JSON.stringify(d));
    assert.equal(d.stopReason, 'packets');
    assert.equal(d.packets, 7);
    const pkts = folderPcap(d);
    assert.deepEqual(pkts.map(seqOf), [0, 1, 2, 3, 4, 5, 6]);
    assert.ok(pkts.every((p) => dstPort(p) === port(1)), 'only the BPF port');
    assert.equal(d.bytes, 24 + 7 * (16 + FRAME));
    if (via === 'redis') {
      const done = await nextReply((r) => r.id === id && r.status !== 'accepted');
      assert.deepEqual([done.status, done.packets, done.stopReason], ['done', 7, 'packets'], 'the end is told on the reply channel');
    }
  });

  test(`${via}: bytes: the packet that takes the pcap over the limit is kept and ends it`, async () => {
    const limit = 24 + 5 * (16 + FRAME) + 10; // 5 packets fit, the 6th crosses
    const id = await submit({ node: 'livetest', bpf: `udp dst port ${port(3)}`, bytes: limit, destination: { url: `http://127.0.0.1:${FWD_PORT}/up` } });
    await running(id);
    send(port(3), 15);
    const d = await finished(id);
    assert.equal(d.state, 'done', JSON.stringify(d));
    assert.equal(d.stopReason, 'bytes');
    assert.equal(d.packets, 6);
    assert.equal(d.bytes, 24 + 6 * (16 + FRAME));
    assert.equal(d.delivered.url, 200);
    const up = uploads.find((u) => u.id === id);
    assert.ok(up, 'the URL got the capture with its request id');
    assert.equal(up.type, 'application/vnd.tcpdump.pcap');
    const file = join(work, `${id}.pcap`);
    writeFileSync(file, up.body);
    assert.deepEqual(readPcap(file).map(seqOf), [0, 1, 2, 3, 4, 5]);
  });

  test(`${via}: duration=1 ends after a second: no packet stamped later is kept`, async () => {
    const folder = join(work, `${via}-duration`);
    const sending = sendAsync(port(4), 80, 50); // 4 s of traffic at 20/s, already flowing when the request starts
    await sleep(1000);
    const id = await submit({ node: 'livetest', bpf: `udp dst port ${port(4)}`, duration: 1, destination: { folder } });
    const d = await finished(id);
    await sending;
    assert.equal(d.stopReason, 'duration');
    assert.ok(d.finished - d.started < 2000, `ended ${d.finished - d.started} ms after it started`);
    const pkts = folderPcap(d);
    assert.equal(pkts.length, d.packets);
    const span = (pkts[pkts.length - 1].sec - pkts[0].sec) + (pkts[pkts.length - 1].usec - pkts[0].usec) / 1e6;
    assert.ok(span <= 1.0, `span ${span} s`);
    assert.ok(pkts.length >= 16 && pkts.length <= 21, `${pkts.length} packets in 1 s at 20/s`);
    assert.deepEqual(pkts.map(seqOf), pkts.map((_, i) => pkts[0].data.readUInt32BE(42) + i), 'consecutive packets, none lost');
  });

  test(`${via}: timeout=1 ends a second after the last packet; later packets are not kept`, async () => {
    const folder = join(work, `${via}-timeout`);
    const id = await submit({ node: 'livetest', bpf: `udp dst port ${port(5)}`, timeout: 1, packets: 1000, destination: { folder } });
    await running(id);
    send(port(5), 5, 20);
    const sentAt = Date.now();
    const d = await finished(id);
    assert.equal(d.stopReason, 'timeout');
    assert.equal(d.packets, 5);
    assert.ok(d.finished - sentAt >= 800 && d.finished - sentAt < 2500, `finished ${d.finished - sentAt} ms after the last packet`);
    send(port(5), 5, 20);
    await sleep(300);
    assert.equal(folderPcap(await waitFor(id, () => true, 'read')).length, 5);
  });
}

test('cancel, pause and resume (the experiments of issue 16 part 5)', async () => {
  const folder = join(work, 'cancel');
  const id = await submitApi({ node: 'livetest', bpf: `udp dst port 7006`, duration: 30, destination: { folder } });
  await running(id);
  send(7006, 3);
  assert.equal((await api('POST', `/api/capture-requests/${id}/pause`)).status, 200);
  await sleep(1500); // the node learns it on its next count update (every second)
  const mid = (await api('GET', `/api/capture-requests/${id}`)).json;
  assert.deepEqual([mid.state, mid.packets, mid.bytes], ['paused', 3, 24 + 3 * (16 + FRAME)], 'counts are written while it runs');
  send(7006, 4);
  await sleep(300);
  assert.equal((await api('POST', `/api/capture-requests/${id}/resume`)).status, 200);
  assert.equal((await api('POST', `/api/capture-requests/${id}/resume`)).status, 409, 'resume needs it paused');
  await sleep(1500);
  send(7006, 2);
  await sleep(300);
  const c = await api('DELETE', `/api/capture-requests/${id}`);
  assert.equal(c.status, 200, JSON.stringify(c.json));
  const d = await finished(id);
  assert.equal(d.state, 'cancelled');
  assert.equal(d.stopReason, 'cancel');
  assert.equal(d.packets, 5, 'the 3 before the pause and the 2 after the resume');
  assert.ok(d.seen >= 9, `seen ${d.seen}`);
  assert.equal(d.drops, 0);
  assert.equal(folderPcap(d).length, 5, 'what it had is delivered');
  assert.equal((await api('DELETE', `/api/capture-requests/${id}`)).status, 409);
  assert.equal((await api('DELETE', '/api/capture-requests/nope')).status, 404);
});

test('an experiment: a request with transforms keeps every 2nd packet, anonymised; its counts say what it saw and kept', async () => {
  const key = '00112233445566778899aabbccddeeff0123456789abcdef0123456789abcdef';
  const cp = CryptoPAn.fromHex(key);
  for (const [transforms, field] of [[{ packetSampling: '1/0' }, 'transforms.packetSampling'], [{ sampleEvery: 2 }, 'transforms.sampleEvery'],
    [{ anonymize: true }, 'transforms.anonymizeKey'], [{ flowSampling: '0.5' }, 'transforms.flowSampling']] as const) {
    const r = await api('POST', '/api/capture-requests', { node: 'livetest', packets: 5, transforms, destination: { folder: join(work, 'x') } });
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.equal(r.json.field, field, JSON.stringify(r.json));
  }
  const folder = join(work, 'experiment');
  const id = await submitApi({ node: 'livetest', bpf: 'udp dst port 7008', packets: 5, transforms: { packetSampling: '1/2', anonymize: true, anonymizeKey: key }, destination: { folder } });
  await running(id);
  send(7008, 12);
  const d = await finished(id);
  assert.equal(d.state, 'done', JSON.stringify(d));
  assert.equal(d.stopReason, 'packets');
  assert.equal(d.packets, 5);
  assert.ok(d.seen >= 9, `seen ${d.seen}: the 9th packet read is the 5th kept`);
  const pkts = folderPcap(d);
  assert.deepEqual(pkts.map(seqOf), [0, 2, 4, 6, 8], 'every 2nd packet');
  const ip = (p: PcapPacket, off: number) => [...p.data.subarray(off, off + 4)].join('.');
  for (const p of pkts) assert.deepEqual([ip(p, 26), ip(p, 30)], [cp.anonymizeText(IP_A), cp.anonymizeText(IP_B)], 'addresses anonymised');
});

test('malformed requests: 400 naming the field (API), an error on the reply channel (Redis); nothing stored', async () => {
  const before = (await list()).length;
  const bad: [unknown, string][] = [
    ['{"node": "livetest", "packets": ', 'request'],
    [{ node: 'livetest', packets: 5, destination: { import: true }, colour: 'red' }, 'colour'],
    [{ node: 'livetest', packets: 5, bpf: 'udp prt 53', destination: { import: true } }, 'bpf'],
    [{ node: 'livetest', packets: -1, destination: { import: true } }, 'packets'],
    [{ node: 'livetest', destination: { import: true } }, 'packets'],
    [{ node: 'nosuchnode', packets: 5, destination: { import: true } }, 'node'],
    [{ nodere: '^zz', packets: 5, destination: { import: true } }, 'nodere'],
    [{ node: 'livetest', bytes: 20_000_000, destination: { import: true } }, 'bytes'],
    [{ node: 'livetest', packets: 5, destination: { url: 'ftp://x/' } }, 'destination.url'],
    [{ node: 'livetest', packets: 5 }, 'destination'],
    [{ node: 'livetest', packets: 5, destination: { folder: '/etc/cron.d' } }, 'destination.folder'],
    [{ node: 'livetest', packets: 5, destination: { url: 'http://127.0.0.1:6379/' } }, 'destination.url'],
  ];
  for (const [req, field] of bad) {
    const r = await api('POST', '/api/capture-requests', req);
    assert.equal(r.status, 400, `${JSON.stringify(req)}: ${JSON.stringify(r.json)}`);
    assert.equal(r.json.field, field, JSON.stringify(r.json));
    assert.match(r.json.text, new RegExp(`^${field.replace('.', '\\.')}: `));
    publish(req);
    const reply = await nextReply();
    assert.equal(reply.status, 'error', JSON.stringify(reply));
    assert.equal(reply.field, field, JSON.stringify(reply));
  }
  assert.equal((await api('POST', '/api/capture-requests', { node: 'livetest', packets: 1, destination: { import: true } }, basic('user'))).status, 403, 'arkimeUser alone may not');
  assert.equal((await list()).length, before, 'nothing stored');
});

test('import: the capture becomes sessions tagged with the request, customer and alert id, packets readable', async () => {
  const id = await submitApi({ node: 'livetest', bpf: 'udp dst port 7007', packets: 4, tags: 'incident-7,triage', customer: 'acme', alertid: 655443, destination: { import: true } });
  await running(id);
  send(7007, 10);
  const d = await finished(id);
  assert.equal(d.state, 'done', JSON.stringify(d));
  assert.equal(d.delivered.import.packets, 4);
  assert.ok(d.delivered.import.sessions >= 1);
  const q = new URLSearchParams({ expression: `tags == "capture-request:${id}"`, date: '-1', fields: 'tags,network.packets' });
  const r = await fetch(`${base}/api/sessions?${q}`, { headers: requester });
  assert.equal(r.status, 200);
  const s = await r.json() as Doc;
  assert.equal(s.data.length, 1, JSON.stringify(s));
  const tags = s.data[0].tags as string[];
  for (const t of ['incident-7', 'triage', `capture-request:${id}`, 'customer:acme', 'alertid:655443']) assert.ok(tags.includes(t), `${t} in ${tags}`);
  const pk = await fetch(`${base}/api/session/livetest/${encodeURIComponent(s.data[0].id as string)}/pcap`, { headers: requester });
  assert.equal(pk.status, 200);
  const pcap = Buffer.from(await pk.arrayBuffer());
  assert.equal(pcap.length, 24 + 4 * (16 + FRAME), 'the four packets come back from the registered copy');
});

test('maxCaptureRequests: a fifth request waits, queued; a request that fails (no such interface) fails alone', async () => {
  const folder = join(work, 'bound');
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) ids.push(await submitApi({ node: 'livetest', bpf: `udp dst port ${7011 + i}`, duration: 2, destination: { folder } }));
  const bad = await submitApi({ node: 'livetest', interface: 'nosuchif0', packets: 1, destination: { folder } });
  await Promise.all(ids.map((id) => waitFor(id, (d) => d.state === 'running', 'running')));
  const waiting = (await api('GET', `/api/capture-requests/${bad}`)).json;
  assert.equal(waiting.state, 'queued', 'four run at once; the fifth waits');
  await sleep(300);
  send(7011, 3);
  const failed = await finished(bad);
  assert.equal(failed.state, 'failed');
  assert.match(failed.error, /nosuchif0/);
  const done = await Promise.all(ids.map((id) => finished(id)));
  assert.deepEqual(done.map((d) => [d.state, d.stopReason]), ids.map(() => ['done', 'duration']), 'the failure stopped no other request');
  assert.equal(done[0].packets, 3);
  assert.ok(failed.started >= Math.min(...done.map((d) => d.finished)) - 50, 'the fifth started once a slot was free');
});

test('alias: a request names an interface by its alias (captureRequestAliases); an unknown alias fails that request', async () => {
  const folder = join(work, 'alias');
  const id = await submitApi({ node: 'livetest', alias: 'wire', bpf: 'udp dst port 7016', packets: 2, destination: { folder } });
  const unknown = await submitApi({ node: 'livetest', alias: 'nowhere', packets: 2, destination: { folder } });
  await running(id);
  send(7016, 4);
  const d = await finished(id);
  assert.deepEqual([d.state, d.packets], ['done', 2]);
  const u = await finished(unknown);
  assert.equal(u.state, 'failed');
  assert.match(u.error, /alias: no interface alias 'nowhere'/);
});

test('list shows every request with its state and counts; a request running at shutdown delivers; the main capture counted every packet sent', async () => {
  const all = await list();
  assert.ok(all.length >= 10);
  for (const d of all) {
    assert.ok(['done', 'cancelled'].includes(d.state) || (d.state === 'failed' && /nosuchif0|nowhere/.test(d.error)), `${d.id} ${d.state} ${d.error ?? ''}`);
    assert.equal(typeof d.packets, 'number');
    assert.equal(typeof d.bytes, 'number');
  }
  assert.equal((await api('GET', '/api/capture-requests?state=cancelled')).json.data.length, 1);
  // A request still running when the capture stops ends with it and delivers what it has.
  const last = await submitApi({ node: 'livetest', bpf: 'udp dst port 7017', duration: 50, destination: { folder: join(work, 'shutdown') } });
  await running(last);
  send(7017, 3);
  await sleep(300);
  const stored = await live.stop({ sessions: false });
  const d = (await api('GET', `/api/capture-requests/${last}`)).json;
  assert.deepEqual([d.state, d.stopReason, d.packets], ['done', 'shutdown', 3]);
  assert.equal(folderPcap(d).length, 3);
  assert.equal(stored.stats?.totalPackets, sent, `main capture packets vs sent (${stored.stderr.slice(-2000)})`);
  assert.ok(readdirSync(join(work, 'api-packets')).length === 1);
});
