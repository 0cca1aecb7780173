// Packets-at-REST on two nodes with two viewers (test/support/two-viewers.ts): an API key scoped to
// node-a sees and exports only node-a's sessions through either viewer, is refused another node's
// session, route and flow with 403, and only from its allowed address; the flow route's pcap holds
// exactly the packets of the tuple in the window, from both nodes, in time order, as tshark sees them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { SqliteControl } from '../../db/store/sqlite-control-store.js';
import { apiKeyHash, hashPassword } from '../../viewer/auth.js';
import { packrat, pcapHeader, pcapRecord, twoViewers, udpFrame, type TwoViewers, type ViewerNode } from '../support/two-viewers.js';

const SECRET = 'packets-at-rest-secret';
const ADMIN_KEY = 'prk_par_admin';
const admin = { authorization: `Bearer ${ADMIN_KEY}` };
const SESSIONS = 10; // session k: node-a when k is even, node-b when odd
const PACKETS = 4;
const T0 = 1_700_000_000;
const CLIENT = [10, 1, 0, 1], SERVER = [10, 2, 0, 2];
/** Sessions 0..7 talk to port 7777, 8 and 9 to 8888 (another tuple). */
const dport = (k: number) => (k < 8 ? 7777 : 8888);
/** Packet i of session k at T0 + 10 i + k seconds and k ms: the sessions overlap and interleave. */
const usOf = (k: number, i: number) => (T0 + 10 * i + k) * 1e6 + 1000 * k;

let setup: TwoViewers;
let nodes: ViewerNode[];
let scoped: { authorization: string };
let ids: Map<number, { id: string; node: string }>;

function record(k: number, i: number): Buffer {
  const f = udpFrame(CLIENT, SERVER, 30000 + k, dport(k), i % 2 === 1, Buffer.from(`flow ${k} packet ${i}`));
  const us = usOf(k, i);
  return pcapRecord(f, Math.floor(us / 1e6), us % 1e6);
}

before(async () => {
  const recs: [Buffer[], Buffer[]] = [[], []];
  for (let k = 0; k < SESSIONS; k++) for (let i = 0; i < PACKETS; i++) recs[k % 2].push(record(k, i));
  for (const r of recs) r.sort((a, b) => a.readUInt32LE(0) - b.readUInt32LE(0) || a.readUInt32LE(4) - b.readUInt32LE(4));
  setup = await twoViewers({
    prefix: 'packrat-par-', secret: SECRET, records: recs,
    async prepare(t) {
      const control = SqliteControl.open(t.dataDir);
      control.createUser({ userId: 'admin', passHash: await hashPassword('pw', 4), roles: ['superAdmin'], apiKey: apiKeyHash(ADMIN_KEY) });
      control.close();
      // the scoped key through the command line, as an operator makes it
      execFileSync(packrat, ['user', '-c', t.configFile, 'add', 'script', '--password', 'pw'], { stdio: 'pipe' });
      const key = execFileSync(packrat, ['user', '-c', t.configFile, 'apikey', 'script', '--nodes', 'node-a', '--allow', '10.0.0.0/8,127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
      scoped = { authorization: `Bearer ${String(key).trim()}` };
      const list = execFileSync(packrat, ['user', '-c', t.configFile, 'list'], { encoding: 'utf8' });
      assert.match(list, /^script\tarkimeUser\tenabled\tapikey nodes=node-a allow=10\.0\.0\.0\/8,127\.0\.0\.1$/m);
    },
  });
  nodes = setup.nodes;
  const list = await (await fetch(`${nodes[0].base}/api/sessions?date=-1&length=100&flatten=1&fields=source.port,node`, { headers: admin })).json() as
    { data: { id: string; node: string; 'source.port': number }[] };
  ids = new Map(list.data.map((d) => [d['source.port'] - 30000, { id: d.id, node: d.node }]));
  assert.equal(ids.size, SESSIONS);
});

after(async () => { await setup?.close(); });

/** A GET from a chosen local address (the whole of 127/8 is loopback on Linux). */
function getFrom(localAddress: string, url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers, localAddress }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    }).on('error', reject);
  });
}

const text = async (r: Response) => (await r.json() as { text: string }).text;

test('a node-scoped key is refused another node\'s session, its packets, its pcap and its route with 403 and the reason', async () => {
  for (const n of nodes) {
    for (const k of [1, 3]) {
      const s = ids.get(k)!;
      assert.equal(s.node, 'node-b');
      for (const suffix of ['', '/detail', '/packets', '/pcap', '/pcapng']) {
        const r: Response = await fetch(`${n.base}/api/session/${s.node}/${s.id}${suffix}`, { headers: scoped });
        assert.equal(r.status, 403, `${n.name} ${suffix}`);
        assert.match(await text(r), /API key is scoped to node node-a, not node node-b \(named in the path\)/);
      }
      // under node-a's path the session is another node's: not found there, as for any key
      assert.equal((await fetch(`${n.base}/api/session/node-a/${s.id}/packets`, { headers: scoped })).status, 404);
    }
    // its own node's session, even when the packets come from the other viewer
    const own = ids.get(2)!;
    const ownPcap: Response = await fetch(`${n.base}/api/session/node-a/${own.id}/pcap`, { headers: scoped });
    assert.equal(ownPcap.status, 200, n.name);
    assert.ok(Buffer.from(await ownPcap.arrayBuffer()).equals(Buffer.concat([pcapHeader, ...Array.from({ length: PACKETS }, (_, i) => record(2, i))])));
    const fr = await fetch(`${n.base}/api/pcap?src=10.1.0.1&start=${T0}&end=${T0 + 100}&node=node-b`, { headers: scoped });
    assert.equal(fr.status, 403);
    assert.match(await text(fr), /API key is scoped to node node-a, not node node-b \(the node parameter\)/);
  }
  // the admin's unscoped key reaches node-b's session through viewer A
  const b = ids.get(1)!;
  assert.equal((await fetch(`${nodes[0].base}/api/session/node-b/${b.id}/packets`, { headers: admin })).status, 200);
});

test("a node-scoped key's lists, aggregations and exports hold only its node's sessions", async () => {
  const mine = [...ids].filter(([, s]) => s.node === 'node-a').map(([k]) => k).sort((x, y) => x - y);
  assert.deepEqual(mine, [0, 2, 4, 6, 8]);
  for (const n of nodes) {
    const list = await (await fetch(`${n.base}/api/sessions?date=-1&length=100&flatten=1&fields=node`, { headers: scoped })).json() as
      { data: { node: string }[]; recordsTotal: number; recordsFiltered: number };
    assert.deepEqual([list.data.length, list.recordsTotal, list.recordsFiltered], [5, 5, 5], n.name);
    assert.ok(list.data.every((d) => d.node === 'node-a'));
    // an expression naming node-b finds nothing: the scope is AND-ed, not replaced
    const other = await (await fetch(`${n.base}/api/sessions?date=-1&expression=${encodeURIComponent('node == node-b')}`, { headers: scoped })).json() as { recordsFiltered: number };
    assert.equal(other.recordsFiltered, 0);
    const uniq = await (await fetch(`${n.base}/api/unique?date=-1&exp=node`, { headers: scoped })).text();
    assert.deepEqual(uniq.trim().split('\n'), ['node-a']);
    const conn = await (await fetch(`${n.base}/api/connections?date=-1&srcField=source.port&dstField=node`, { headers: scoped })).json() as { nodes: { id: unknown }[] };
    assert.deepEqual(conn.nodes.map((x) => String(x.id)).sort(), ['30000', '30002', '30004', '30006', '30008', 'node-a']);
    const spi = await (await fetch(`${n.base}/api/spiview?date=-1&spi=node`, { headers: scoped })).json() as { spi: { node: { buckets: { key: string }[] } }; recordsTotal: number };
    assert.deepEqual(spi.spi.node.buckets.map((x) => x.key), ['node-a']);
    assert.equal(spi.recordsTotal, 5);
    const csv = await (await fetch(`${n.base}/api/sessions.csv?date=-1&fields=node,source.port`, { headers: scoped })).text();
    assert.deepEqual(csv.trim().split('\n').slice(1).map((l) => l.trim()).sort(), mine.map((k) => `node-a,${30000 + k}`).sort());
    // the pcap export through viewer B reads node-a's packets from viewer A: the multi-node path
    const pcap = Buffer.from(await (await fetch(`${n.base}/api/sessions.pcap?date=-1`, { headers: scoped })).arrayBuffer());
    const want = mine.flatMap((k) => Array.from({ length: PACKETS }, (_, i) => record(k, i)));
    assert.equal(pcap.length, 24 + want.reduce((s, r) => s + r.length, 0), `${n.name}: pcap export size`);
    const got = new Set<string>();
    for (let off = 24; off < pcap.length; off += 16 + pcap.readUInt32LE(off + 8)) got.add(pcap.subarray(off, off + 16 + pcap.readUInt32LE(off + 8)).toString('hex'));
    assert.deepEqual([...got].sort(), want.map((r) => r.toString('hex')).sort(), `${n.name}: node-a's packets only`);
    const ng = await fetch(`${n.base}/api/sessions.pcapng?date=-1&expression=${encodeURIComponent('node == node-b')}`, { headers: scoped });
    assert.equal(ng.status, 404, 'no node-b session to export');
    const files = await (await fetch(`${n.base}/api/files?length=100`, { headers: scoped })).json() as { data: { node: string }[]; recordsTotal: number };
    assert.deepEqual(files.data.map((f) => f.node), ['node-a']);
    const stats = await (await fetch(`${n.base}/api/stats`, { headers: scoped })).json() as { data: { nodeName: string }[]; totalSessions: number };
    assert.deepEqual([stats.data.map((d) => d.nodeName), stats.totalSessions], [['node-a'], 5]);
  }
  const all = await (await fetch(`${nodes[0].base}/api/files?length=100`, { headers: admin })).json() as { data: unknown[] };
  assert.equal(all.data.length, 2, 'the unscoped key sees both nodes\' files');
});

test('a key with an allowlist is refused from another address with 403 and the reason; its user\'s password is not', async () => {
  const url = `${nodes[0].base}/api/sessions?date=-1`;
  const ok = await getFrom('127.0.0.1', url, scoped);
  assert.equal(ok.status, 200, ok.body);
  const no = await getFrom('127.0.0.2', url, scoped);
  assert.equal(no.status, 403);
  assert.match(JSON.parse(no.body).text, /API key of script is not allowed from 127\.0\.0\.2 \(allowed: 10\.0\.0\.0\/8, 127\.0\.0\.1\)/);
  const flow = await getFrom('127.0.0.2', `${nodes[1].base}/api/pcap?src=10.1.0.1&start=${T0}&end=${T0 + 100}`, scoped);
  assert.equal(flow.status, 403, 'the flow route too');
  const basic = { authorization: `Basic ${Buffer.from('script:pw').toString('base64')}` };
  assert.equal((await getFrom('127.0.0.2', url, basic)).status, 200, 'the allowlist binds the key only');
  // the admin API sets a key's scope; a bad CIDR is refused and changes nothing
  const set = await fetch(`${nodes[0].base}/api/user/script`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' },
    body: JSON.stringify({ apiKeyAllow: ['127.0.0.2/32'], apiKeyNodes: 'node-a,node-b' }) });
  assert.equal(set.status, 200, await set.clone().text());
  assert.equal((await getFrom('127.0.0.2', url, scoped)).status, 200);
  assert.equal((await getFrom('127.0.0.1', url, scoped)).status, 403);
  const bad = await fetch(`${nodes[0].base}/api/user/script`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' },
    body: JSON.stringify({ apiKeyAllow: ['127.0.0.300/8'] }) });
  assert.equal(bad.status, 400);
  assert.match(await text(bad), /allow entry '127\.0\.0\.300\/8' is not an address or CIDR/);
  const users = await (await fetch(`${nodes[0].base}/api/users`, { headers: admin })).json() as { data: { userId: string; apiKeyNodes?: string[]; apiKeyAllow?: string[] }[] };
  const u = users.data.find((x) => x.userId === 'script')!;
  assert.deepEqual([u.apiKeyNodes, u.apiKeyAllow], [['node-a', 'node-b'], ['127.0.0.2/32']]);
  // back to node-a from loopback for the other tests
  await fetch(`${nodes[0].base}/api/user/script`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' },
    body: JSON.stringify({ apiKeyAllow: ['10.0.0.0/8', '127.0.0.1'], apiKeyNodes: ['node-a'] }) });
});

/** tshark's view of a pcap: one line per packet (time, addresses, ports, length), optionally filtered. */
function tsharkRows(file: string, filter?: string): string[] {
  const out = execFileSync('tshark', ['-r', file, ...(filter ? ['-Y', filter] : []), '-T', 'fields', '-E', 'separator=;',
    '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', 'udp.srcport', '-e', 'ip.dst', '-e', 'udp.dstport', '-e', 'frame.len', '-e', 'data.data'], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}

test("the flow route's pcap holds exactly the tuple's packets in the window, from both nodes, in time order", async () => {
  const start = T0 + 5, end = T0 + 25; // packet (k, i) at 10 i + k s + k ms: (5, 2) at +25.005 s is just outside
  const cases: { q: string; filter: string; via: ViewerNode; key: Record<string, string> }[] = [
    { q: `src=10.2.0.2&dst=10.1.0.1&sport=7777&proto=udp`, filter: 'udp.port == 7777', via: nodes[0], key: admin }, // the answer's direction
    { q: `src=10.1.0.1&sport=30003&proto=17`, filter: 'udp.port == 30003', via: nodes[0], key: admin }, // node-b's session through viewer A
    { q: `dst=10.2.0.2`, filter: 'ip.addr == 10.2.0.2', via: nodes[1], key: admin },
    { q: `src=10.1.0.1&dport=7777`, filter: 'udp.port == 7777 && ip.addr == 10.1.0.1 && ip.addr == 10.2.0.2', via: nodes[1], key: admin },
  ];
  const tmp = path.join(setup.root, 'flow.pcap');
  for (const c of cases) {
    const iso = (s: number) => new Date(s * 1000).toISOString();
    for (const [s, e] of [[String(start), String(end)], [iso(start), iso(end)]]) {
      const r = await fetch(`${c.via.base}/api/pcap?${c.q}&start=${s}&end=${e}`, { headers: c.key });
      assert.equal(r.status, 200, `${c.q}: ${r.status} ${await r.clone().text()}`);
      assert.equal(r.headers.get('content-type'), 'application/vnd.tcpdump.pcap');
      fs.writeFileSync(tmp, Buffer.from(await r.arrayBuffer()));
      const want = setup.nodes.flatMap((n) => tsharkRows(path.join(n.dir, n.rel), `(${c.filter}) && frame.time_epoch >= ${start} && frame.time_epoch <= ${end}`))
        .sort((x, y) => Number(x.split(';')[0]) - Number(y.split(';')[0]));
      assert.ok(want.length > 0);
      const got = tsharkRows(tmp);
      assert.deepEqual(got, want, `${c.q} start=${s}`);
      const info = execFileSync('capinfos', ['-t', '-c', '-o', tmp], { encoding: 'utf8' });
      assert.match(info, /File type:\s+Wireshark\/tcpdump\/\.\.\. - pcap/);
      assert.match(info, new RegExp(`Number of packets:\\s+${want.length}\\b`));
      assert.match(info, /Strict time order:\s+True/);
    }
  }
  // both nodes and both sessions of each node are in the first case
  const nodesSeen = new Set<number>();
  const r = await fetch(`${nodes[0].base}/api/pcap?src=10.1.0.1&dst=10.2.0.2&start=${start}&end=${end}`, { headers: admin });
  const pcap = Buffer.from(await r.arrayBuffer());
  for (let off = 24; off < pcap.length; off += 16 + pcap.readUInt32LE(off + 8)) {
    const client = Math.max(pcap.readUInt16BE(off + 16 + 34), pcap.readUInt16BE(off + 16 + 36)); // the client's port, either direction
    nodesSeen.add((client - 30000) % 2);
  }
  assert.deepEqual([...nodesSeen].sort(), [0, 1], 'packets from both nodes');
  // the scoped key: node-a's packets only, through either viewer
  for (const n of nodes) {
    const sr = await fetch(`${n.base}/api/pcap?src=10.1.0.1&start=${start}&end=${end}`, { headers: scoped });
    fs.writeFileSync(tmp, Buffer.from(await sr.arrayBuffer()));
    const a = setup.nodes[0];
    const want = tsharkRows(path.join(a.dir, a.rel), `frame.time_epoch >= ${start} && frame.time_epoch <= ${end}`);
    assert.deepEqual(tsharkRows(tmp), want, `scoped through ${n.name}`);
  }
});

test('the flow route names a bad or missing parameter with 400, and an empty window is an empty capture', async () => {
  const base = `${nodes[0].base}/api/pcap`;
  const cases: [string, RegExp][] = [
    [`?src=10.1.0.1&end=${T0}`, /parameter start is required/],
    [`?src=10.1.0.1&start=${T0}`, /parameter end is required/],
    [`?start=${T0}&end=${T0 + 1}`, /parameter src or dst is required/],
    [`?src=10.1.0.300&start=${T0}&end=${T0 + 1}`, /parameter src=10\.1\.0\.300 is not an IPv4 or IPv6 address/],
    [`?dst=nope&start=${T0}&end=${T0 + 1}`, /parameter dst=nope is not/],
    [`?src=10.1.0.1&sport=70000&start=${T0}&end=${T0 + 1}`, /parameter sport=70000 is not a port/],
    [`?src=10.1.0.1&dport=x&start=${T0}&end=${T0 + 1}`, /parameter dport=x is not a port/],
    [`?src=10.1.0.1&proto=quic&start=${T0}&end=${T0 + 1}`, /parameter proto=quic is not a protocol/],
    [`?src=10.1.0.1&start=yesterday-ish&end=${T0 + 1}`, /parameter start=yesterday-ish is not a time/],
    [`?src=10.1.0.1&start=${T0 + 5}&end=${T0}`, /parameter end=\d+ is before start=/],
    [`?src=10.1.0.1&node=a%20b&start=${T0}&end=${T0 + 1}`, /parameter node: node name 'a b'/],
  ];
  for (const [q, re] of cases) {
    const r = await fetch(base + q, { headers: admin });
    assert.equal(r.status, 400, q);
    assert.match(await text(r), re, q);
  }
  assert.equal((await fetch(`${base}?src=10.9.9.9&start=${T0}&end=${T0 + 100}`, { headers: admin })).status, 404, 'no session of that flow');
  // session 9 spans +9 s .. +39 s: a window between its packets overlaps it but holds none of them
  const r = await fetch(`${base}?src=10.1.0.1&sport=30009&start=${T0 + 10}&end=${T0 + 18}`, { headers: admin });
  assert.equal(r.status, 200);
  const empty = Buffer.from(await r.arrayBuffer());
  assert.equal(empty.length, 24, 'the global header only');
  assert.equal(empty.readUInt32LE(20), 1, 'Ethernet');
});
