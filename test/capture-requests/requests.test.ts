// Capture requests without a network namespace: the request check (db/capture-request.ts), the
// viewer's routing of a request to every node it matches, and the Redis client's reconnect
// against a real redis-server on a loopback port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, ChildProcess, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Config } from '../../db/config.js';
import { fields } from '../../db/fields/registry.js';
import '../../db/fields/core.js';
import { CaptureRequestError, parseCaptureRequest, requestMatchesNode, captureRequestTags } from '../../db/capture-request.js';
import { SqliteControl, SqliteControlStore } from '../../db/store/sqlite-control-store.js';
import { apiKeyHash } from '../../viewer/auth.js';
import { createViewer } from '../../viewer/server.js';
import { RedisPubSub, RespReader, respCommand } from '../../capture/live/redis-pubsub.js';
import { CaptureRequestRunner } from '../../capture/live/capture-requests.js';
import { liveDefaults } from '../../capture/live/options.js';

const limits = { maxBytes: 1000, maxDuration: 60, maxPackets: 100, folderRoot: '/srv/req', urlPrefixes: ['https://up.example/in/', 'http://10.0.0.9:8080'] };
const refuse = (req: unknown, field: string) => assert.throws(() => parseCaptureRequest(req, limits), (e: unknown) => {
  assert.ok(e instanceof CaptureRequestError, String(e));
  assert.equal(e.field, field, e.message);
  return true;
});

test('a request is checked field by field; defaults come from the bounds', () => {
  const r = parseCaptureRequest('{"nodere":"^s","interface":"eth1","packets":5,"tags":"a, b","alertid":7,"destination":{"import":true}}', limits);
  assert.deepEqual([r.nodere, r.interface, r.packets, r.bytes, r.duration, r.snap, r.tags], ['^s', ['eth1'], 5, 1000, 60, 16384, ['a', 'b']]);
  assert.deepEqual(captureRequestTags(r, 'x1'), ['a', 'b', 'capture-request:x1', 'alertid:7']);
  assert.ok(requestMatchesNode(r, 'sensor') && !requestMatchesNode(r, 'other'));
  assert.ok(requestMatchesNode({ node: 'any' }, 'whatever'));
  const ok = { node: 'n', packets: 1, destination: { folder: '/srv/req/x' } };
  assert.equal(parseCaptureRequest(ok, limits).destination.folder, '/srv/req/x');
  refuse('not json', 'request');
  refuse([ok], 'request');
  refuse({ ...ok, extra: 1 }, 'extra');
  refuse({ ...ok, node: undefined }, 'node');
  refuse({ ...ok, nodere: 'x' }, 'nodere');
  refuse({ ...ok, node: undefined, nodere: '(' }, 'nodere');
  refuse({ ...ok, interface: 'a', alias: 'b' }, 'alias');
  refuse({ ...ok, packets: 0 }, 'packets');
  refuse({ ...ok, packets: 1.5 }, 'packets');
  refuse({ ...ok, packets: 101 }, 'packets');
  refuse({ ...ok, packets: undefined }, 'packets');
  refuse({ ...ok, bytes: 1001 }, 'bytes');
  refuse({ ...ok, duration: -3 }, 'duration');
  refuse({ ...ok, timeout: '5' }, 'timeout');
  refuse({ ...ok, snap: 10 }, 'snap');
  refuse({ ...ok, destination: { folder: 'relative' } }, 'destination.folder');
  refuse({ ...ok, destination: { folder: '/etc' } }, 'destination.folder');
  refuse({ ...ok, destination: { folder: '/srv/req/../../etc' } }, 'destination.folder');
  refuse({ ...ok, destination: { folder: '/srv/request' } }, 'destination.folder');
  assert.throws(() => parseCaptureRequest(ok, { ...limits, folderRoot: '' }), /folder destinations are off/);
  refuse({ ...ok, destination: { bucket: 'b' } }, 'destination.bucket');
  assert.equal(parseCaptureRequest({ ...ok, destination: { url: 'https://up.example/in/x?y=1' } }, limits).destination.url, 'https://up.example/in/x?y=1');
  assert.equal(parseCaptureRequest({ ...ok, destination: { url: 'http://10.0.0.9:8080/p' } }, limits).destination.url, 'http://10.0.0.9:8080/p');
  refuse({ ...ok, destination: { url: 'https://up.example/other' } }, 'destination.url');
  refuse({ ...ok, destination: { url: 'http://10.0.0.9:8080.evil.test/' } }, 'destination.url');
  refuse({ ...ok, destination: { url: 'http://169.254.169.254/latest' } }, 'destination.url');
  refuse({ ...ok, destination: { url: 'ftp://up.example/in/' } }, 'destination.url');
  refuse({ ...ok, destination: {} }, 'destination');
  refuse({ ...ok, transforms: [] }, 'transforms');
  assert.throws(() => parseCaptureRequest({ ...ok, bpf: 'nonsense' }, limits, () => { throw new Error('syntax error'); }), /^Error: bpf: syntax error|bpf: syntax error/);
});

test('the viewer queues one request per node the request matches, and none for a node with no stats', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-capreq-viewer-'));
  const control = SqliteControl.open(dir);
  control.createUser({ userId: 'admin', roles: ['arkimeAdmin'], apiKey: apiKeyHash('prk_capreq') });
  for (const n of ['s1', 's2', 'x3']) control.putStats(n, { nodeName: n, currentTime: 1 });
  control.close();
  const viewer = await createViewer({ config: Config.fromText(`[default]\ndataDir=${dir}\n`, 'v'), registry: fields, uiDir: path.join(dir, 'no-ui') });
  try {
    const base = `http://127.0.0.1:${await viewer.listen(0, '127.0.0.1')}`;
    const post = async (req: object) => {
      const r = await fetch(`${base}/api/capture-requests`, { method: 'POST', headers: { authorization: 'Bearer prk_capreq', 'content-type': 'application/json' }, body: JSON.stringify(req) });
      return { status: r.status, json: await r.json() as { requests?: { node: string; state: string }[]; field?: string } };
    };
    const re = await post({ nodere: '^s', packets: 3, destination: { import: true } });
    assert.equal(re.status, 200);
    assert.deepEqual(re.json.requests!.map((d) => [d.node, d.state]).sort(), [['s1', 'queued'], ['s2', 'queued']]);
    assert.deepEqual((await post({ node: 'any', packets: 3, destination: { import: true } })).json.requests!.map((d) => d.node).sort(), ['s1', 's2', 'x3']);
    const none = await post({ node: 's4', packets: 3, destination: { import: true } });
    assert.deepEqual([none.status, none.json.field], [400, 'node']);
    const all = await fetch(`${base}/api/capture-requests?state=queued`, { headers: { authorization: 'Bearer prk_capreq' } });
    assert.equal(((await all.json()) as { data: unknown[] }).data.length, 5);
  } finally {
    await viewer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('RESP: replies split anywhere are read whole', () => {
  const wire = Buffer.concat([Buffer.from('*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$4\r\nh\u00e9l\r\n:12\r\n-ERR no\r\n$-1\r\n'), respCommand(['PING'])]);
  const r = new RespReader();
  const got: unknown[] = [];
  for (let i = 0; i < wire.length; i++) {
    r.push(wire.subarray(i, i + 1));
    for (let x = r.next(); x !== undefined; x = r.next()) got.push(x instanceof Error ? `E:${x.message}` : x);
  }
  assert.deepEqual(got, [['message', 'c', 'h\u00e9l'], 12, 'E:ERR no', null, ['PING']]);
});

function redisServer(port: number): Promise<ChildProcess> {
  try { execFileSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' }); } catch { throw new Error('redis-server is missing (apt-get install redis-server)'); }
  const c = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    c.stdout!.on('data', (d: Buffer) => { out += d; if (out.includes('Ready to accept connections')) resolve(c); });
    c.on('exit', (code) => reject(new Error(`redis-server exited ${code}: ${out}`)));
  });
}

test('Redis: subscribe, publish, and both again after the server restarted', async () => {
  const port = 7400 + (process.pid % 500);
  let server = await redisServer(port);
  const got: string[] = [];
  const ps = new RedisPubSub(`redis://127.0.0.1:${port}`, 'reqs', (m) => got.push(m));
  try {
    await ps.ready();
    assert.equal(await ps.publish('reqs', 'one'), 1, 'one subscriber: ourselves');
    for (let i = 0; i < 50 && got.length < 1; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(got, ['one']);
    await new Promise((r) => { server.on('exit', r); server.kill('SIGKILL'); });
    assert.ok((await ps.publish('reqs', 'lost')) instanceof Error, 'no server: the publish fails, it does not hang');
    server = await redisServer(port);
    await ps.ready(15_000);
    for (let i = 0; i < 100; i++) {
      if ((await ps.publish('reqs', 'two')) === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let i = 0; i < 50 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(got, ['one', 'two']);
  } finally {
    ps.close();
    server.kill('SIGKILL');
  }
});

test('a node starting up fails the requests it left running (killed), and only its own', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-capreq-stale-'));
  const control = SqliteControlStore.open(dir);
  const base = { request: { node: 'n1', packets: 1, destination: { import: true } }, packets: 2, bytes: 100, created: 1 };
  await control.addCaptureRequest({ ...base, id: 'mine', node: 'n1', state: 'running' });
  await control.addCaptureRequest({ ...base, id: 'paused', node: 'n1', state: 'paused' });
  await control.addCaptureRequest({ ...base, id: 'other', node: 'n2', state: 'running' });
  await control.addCaptureRequest({ ...base, id: 'done', node: 'n1', state: 'done' });
  const runner = new CaptureRequestRunner({ config: Config.fromText('[default]\ncaptureRequestPollMs=50\n'), node: 'n1', control, live: { ...liveDefaults, interfaces: ['lo'] }, log: () => {} });
  try {
    runner.start();
    await new Promise((r) => setTimeout(r, 200));
    await runner.stop();
    const states = Object.fromEntries((await control.listCaptureRequests()).map((d) => [d.id, d.state]));
    assert.deepEqual(states, { mine: 'failed', paused: 'failed', other: 'running', done: 'done' });
    assert.match((await control.getCaptureRequest('mine'))!.error!, /stopped while the request ran/);
  } finally {
    await control.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
