// The viewer end to end over a store filled by `packrat capture` from conformance pcaps: every
// route's access rules, the sessions API, exports read back byte for byte, tags, bounds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Config } from '../db/config.js';
import { fields } from '../db/fields/registry.js';
import '../db/fields/core.js';
import '../capture/parsers/index.js';
import { SqliteControl } from '../db/store/sqlite-control-store.js';
import { parsePcapHeader, readPacketAt, readPcapHeader, u32, PCAP_RECORD_HEADER_LEN } from '../db/pcap/format.js';
import { apiKeyHash, hashPassword } from './auth.js';
import { decodePacketPos } from './pcap-source.js';
import { createViewer, ROUTES, type Viewer } from './server.js';
import { pcapRecords } from '../test/es/differential-checks.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pcapDir = path.resolve(repoRoot, '../shared/conformance/pcaps');
const PCAPS = ['http-content-gzip', 'dns-mx', 'bt-udp', 'http-simple-get'];

let dir: string;
let viewer: Viewer;
let base: string;
const KEY = 'prk_test_admin_key';
const auth = (u: string) => ({ authorization: `Basic ${Buffer.from(`${u}:pw-${u}`).toString('base64')}` });
const admin = { authorization: `Bearer ${KEY}` };

async function get(p: string, headers: Record<string, string> = admin): Promise<Response> {
  return fetch(base + p, { headers, redirect: 'manual' });
}
async function json(p: string, headers: Record<string, string> = admin): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await get(p, headers);
  assert.equal(r.status, 200, `${p}: ${r.status} ${await r.clone().text()}`);
  return r.json() as Promise<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-viewer-'));
  const cfg = path.join(dir, 'config.ini');
  fs.writeFileSync(cfg, `[default]\ndataDir=${path.join(dir, 'data')}\n`);
  // one capture per file: each session then names exactly its own file
  for (const p of PCAPS) execFileSync(path.join(repoRoot, 'bin/packrat'), ['capture', '-c', cfg, '-n', 'test', '-q', '-r', path.join(pcapDir, `${p}.pcap`)], { stdio: 'pipe' });
  const control = SqliteControl.open(path.join(dir, 'data'));
  const add = async (userId: string, roles: string[], extra: object = {}) => control.createUser({ userId, passHash: await hashPassword(`pw-${userId}`, 4), roles, ...extra });
  await add('admin', ['superAdmin'], { apiKey: apiKeyHash(KEY) });
  await add('user', ['arkimeUser']);
  await add('dnsonly', ['arkimeUser'], { expression: 'protocols == dns' });
  await add('usersonly', ['usersAdmin']);
  control.close();
  viewer = await createViewer({ config: Config.fromText(`[default]\ndataDir=${path.join(dir, 'data')}\n`, 'test'), registry: fields,
    uiDir: path.join(dir, 'no-ui'), limits: { maxAggSize: 3 } });
  base = `http://127.0.0.1:${await viewer.listen(0, '127.0.0.1')}`;
});

after(async () => {
  await viewer?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The user whose roles are just short of what a route needs. */
const tooSmall: Record<string, string> = { arkimeUser: 'usersonly', arkimeAdmin: 'user', usersAdmin: 'user', superAdmin: 'user', captureRequester: 'user' };

test('every route: 401 without credentials, 403 with too small a role', async () => {
  let checked = 0;
  for (const layer of viewer.router.stack) {
    const def = ROUTES.find((r) => r.path === layer.path);
    assert.ok(def, `router path ${layer.path} is not in the route table`);
    const url = String(layer.path).replace(':node', 'test').replace(':id', 'nope');
    for (const method of layer.methods.filter((m) => m !== 'HEAD')) {
      const r = await fetch(base + url, { method, redirect: 'manual' });
      if (def.role === 'public') { assert.ok(!(await r.text()).includes('Not logged in'), `${method} ${url} is public`); continue; }
      assert.equal(r.status, url.startsWith('/api/') ? 401 : 302, `${method} ${url} unauthenticated`);
      if (url.startsWith('/api/')) assert.equal(((await r.json()) as { success: boolean }).success, false);
      if (def.role !== 'any') {
        const u: string = tooSmall[def.role];
        const r2: Response = await fetch(base + url, { method, headers: auth(u), redirect: 'manual' });
        assert.equal(r2.status, 403, `${method} ${url} as ${u} (needs ${def.role})`);
      }
      checked++;
    }
  }
  assert.ok(checked >= 25, `only ${checked} route/method pairs checked`);
});

test('sessions list, histogram, forced expression, bad expression', async () => {
  const all = await json('/api/sessions?date=-1&facets=1');
  assert.equal(all.recordsTotal, 6);
  assert.equal(all.recordsFiltered, 6);
  assert.equal(all.data.length, 6);
  assert.equal(all.graph.sessionsTotal, 6);
  assert.equal(all.graph['source.packetsTotal'] + all.graph['destination.packetsTotal'],
    all.data.reduce((n: number, d: { network: { packets: number } }) => n + d.network.packets, 0));
  const http = await json('/api/sessions?date=-1&expression=' + encodeURIComponent('protocols == http && port.dst == 80'));
  assert.equal(http.recordsFiltered, 2);
  assert.ok(http.data.every((d: { destination: { port: number } }) => d.destination.port === 80));
  const sorted = await json('/api/sessions?date=-1&order=network.bytes:desc&length=2&fields=network.bytes');
  assert.equal(sorted.data.length, 2);
  assert.ok(sorted.data[0].network.bytes >= sorted.data[1].network.bytes);
  const forced = await json('/api/sessions?date=-1', auth('dnsonly'));
  assert.equal(forced.recordsFiltered, 1);
  assert.deepEqual(forced.data.map((d: { destination: { port: number } }) => d.destination.port), [53]);
  const bad = await get('/api/sessions?date=-1&expression=' + encodeURIComponent('protocols == http &&'));
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { text: string }).text, /position/);
  const hidden = await get(`/api/session/test/${http.data[0].id}`, auth('dnsonly'));
  assert.equal(hidden.status, 404, 'the forced expression hides other sessions from detail too');
});

test('session detail and packets (directions, reassembly, gzip body)', async () => {
  const list = await json('/api/sessions?date=-1&expression=' + encodeURIComponent('http.bodymagic == EXISTS! || protocols == http'));
  const gz = list.data.find((d: { source: { port: number } }) => d.source.port === 50638) ?? list.data[0];
  const doc = await json(`/api/session/test/${gz.id}`);
  assert.equal(doc.id, gz.id);
  assert.ok(Array.isArray(doc.packetPos));
  const pk = await json(`/api/session/test/${gz.id}/packets`);
  assert.equal(pk.success, true);
  assert.equal(pk.packets.length, doc.network.packets);
  assert.equal(pk.packets.filter((p: { dir: number }) => p.dir === 0).length, doc.source.packets);
  assert.match(pk.reassembled[0].text, /^GET /);
  const withBody = pk.reassembled.find((r: { bodyEncoding?: string }) => r.bodyEncoding === 'gzip');
  if (gz.source.port === 50638) assert.match(withBody.body, /cross-domain-policy/);
});


test('pcap export equals the source packets byte for byte', async () => {
  const expr = encodeURIComponent('protocols == http || protocols == dns');
  const r = await get(`/api/sessions.pcap?date=-1&expression=${expr}`);
  assert.equal(r.status, 200);
  const got = pcapRecords(Buffer.from(await r.arrayBuffer()));
  // expected: each matching session's records read from its source file, in lastPacket order
  const list = await json(`/api/sessions?date=-1&expression=${expr}&fields=packetPos,lastPacket,fileId&order=lastPacket:asc`);
  const control = SqliteControl.open(path.join(dir, 'data'), { readOnly: true });
  const want: Buffer[] = [];
  try {
    for (const s of list.data) {
      const { files, positions } = decodePacketPos(s.packetPos, true);
      for (let i = 0; i < positions.length; i++) {
        const fd = fs.openSync(control.fileByNum('test', files[i])!.name, 'r');
        const p = readPacketAt(fd, positions[i], readPcapHeader(fd));
        const rec = Buffer.alloc(16 + p.caplen);
        fs.readSync(fd, rec, 0, 16 + p.caplen, positions[i]);
        fs.closeSync(fd);
        want.push(rec);
      }
    }
  } finally { control.close(); }
  assert.ok(want.length > 10);
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) assert.ok(got[i].equals(want[i]), `record ${i} differs`);
});

test('pcapng export opens in tshark with every packet', async () => {
  const r = await get('/api/sessions.pcapng?date=-1');
  assert.equal(r.status, 200);
  const file = path.join(dir, 'all.pcapng');
  fs.writeFileSync(file, Buffer.from(await r.arrayBuffer()));
  const all = await json('/api/sessions?date=-1');
  const packets = all.data.reduce((n: number, d: { network: { packets: number } }) => n + d.network.packets, 0);
  const t = spawnSync('tshark', ['-r', file], { encoding: 'utf8' });
  assert.equal(t.error, undefined, 'tshark must be installed');
  assert.equal(t.status, 0, t.stderr);
  assert.equal(t.stdout.trim().split('\n').length, packets);
});

test('csv export and API-key pcap by expression', async () => {
  const csv = await (await get('/api/sessions.csv?date=-1')).text();
  const lines = csv.trim().split('\r\n');
  assert.equal(lines[0].split(', ')[0], 'IP Protocol');
  assert.equal(lines.length, 7);
  const none = await get('/api/sessions.pcap?date=-1&expression=' + encodeURIComponent('port.dst == 1'));
  assert.equal(none.status, 404);
});

test('spiview, connections, unique and their maxAggSize bound', async () => {
  const spi = await json('/api/spiview?date=-1&spi=protocol:10,destination.port:2&facets=1');
  assert.equal(spi.bounded.name, 'maxAggSize');
  assert.equal(spi.spi['destination.port'].buckets.length, 2);
  assert.equal(spi.protocols.udp, 4);
  const conn = await json('/api/connections?date=-1&length=2');
  assert.equal(conn.links.length, 2);
  assert.ok(conn.nodes.length >= 2);
  const u = await get('/api/unique?date=-1&exp=ip.src&counts=1');
  assert.equal(u.headers.get('x-packrat-bound'), 'maxAggSize=3');
  assert.equal((await u.text()).trim().split('\n').length, 3);
});

test('tags: added tags are searchable at once, removed ones are gone', async () => {
  const post = (p: string, body: object) => fetch(base + p, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const r = await post('/api/sessions/addtags', { tags: 'case1,case2', expression: 'protocols == bittorrent', date: '-1' });
  assert.equal(((await r.json()) as { success: boolean }).success, true);
  assert.equal((await json('/api/sessions?date=-1&expression=tags==case1')).recordsFiltered, 3);
  await post('/api/sessions/removetags', { tags: 'case1', expression: 'protocols == bittorrent', date: '-1' });
  assert.equal((await json('/api/sessions?date=-1&expression=tags==case1')).recordsFiltered, 0);
  assert.equal((await json('/api/sessions?date=-1&expression=tags==case2')).recordsFiltered, 3);
});

test('browser login: cookie session, CSRF on writes, rate limit', async () => {
  const login = await fetch(base + '/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'user', password: 'pw-user' }) });
  assert.equal(login.status, 200);
  const cookie = login.headers.get('set-cookie')!.split(';')[0];
  assert.match(login.headers.get('set-cookie')!, /httponly/i);
  const me = await json('/api/user', { cookie });
  assert.equal(me.userId, 'user');
  assert.equal(me.passHash, undefined);
  const body = JSON.stringify({ tags: 't', ids: 'none' });
  const noToken = await fetch(base + '/api/sessions/addtags', { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body });
  assert.equal(noToken.status, 403);
  const ok = await fetch(base + '/api/sessions/addtags', { method: 'POST', headers: { cookie, 'content-type': 'application/json', 'x-packrat-csrf': me.csrfToken }, body });
  assert.equal(ok.status, 200);
  const page = await fetch(base + '/', { headers: { cookie }, redirect: 'manual' });
  assert.equal(page.status, 503, 'UI not built in this test: a clear 503');
  const codes: number[] = [];
  for (let i = 0; i < 6; i++) {
    codes.push((await fetch(base + '/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'dnsonly', password: 'wrong' }) })).status);
  }
  assert.deepEqual(codes, [401, 401, 401, 401, 401, 429]);
});

test("Arkime's cluster pages on the embedded store: partitions as indices, segments as shards", async () => {
  const idx = await json('/api/esindices');
  const total = (await json('/api/sessions?length=0&date=-1')).recordsTotal;
  assert.ok(idx.data.length >= 1 && idx.data.every((r: { index: string }) => /^sessions3-\d{6}$/.test(r.index)), JSON.stringify(idx.data));
  assert.equal(idx.data.reduce((a: number, r: { 'docs.count': number }) => a + r['docs.count'], 0), total);
  const shards = await json('/api/esshards');
  assert.deepEqual(Object.keys(shards.indices).sort(), idx.data.map((r: { index: string }) => r.index).sort());
  assert.equal((await json('/api/eshealth')).status, 'green');
  const r = await fetch(`${base}/api/esindices/${idx.data[0].index}`, { method: 'DELETE', headers: admin });
  assert.equal(r.status, 400, 'a viewer never deletes an embedded partition');
  assert.match(await r.text(), /packrat db expire/);
});
