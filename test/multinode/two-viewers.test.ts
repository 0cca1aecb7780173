// Two nodes, one shared store, two `packrat viewer` processes on loopback, each able to read only
// its own node's pcap files (test/support/two-viewers.ts says how the files are hidden from the
// other process). Viewer A then serves node B's packets only by asking viewer B, signed with serverSecret.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SqliteControl } from '../../db/store/sqlite-control-store.js';
import { apiKeyHash, hashPassword } from '../../viewer/auth.js';
import { SIGNATURE_HEADER, signRequest } from '../../viewer/multinode-auth.js';
import { isRoot, pcapHeader as header, pcapRecord, stopViewer, twoViewers, udpFrame, type TwoViewers, type ViewerNode } from '../support/two-viewers.js';

const SECRET = 'two-viewers-secret';
const KEY = 'prk_multinode_admin';
const admin = { authorization: `Bearer ${KEY}` };
const SESSIONS = 12; // session k belongs to node-a when k is even, node-b when odd
const PACKETS = 3;
const T0 = 1_700_000_000;

let setup: TwoViewers;
let nodes: ViewerNode[] = [];
/** records[k][i]: the pcap record (header + frame) of packet i of session k. */
const records: Buffer[][] = [];
let ids: Map<number, { id: string; node: string }>;

/** Ethernet/IPv4/UDP frame of session k, packet i (odd packets answer). */
const frame = (k: number, i: number): Buffer =>
  udpFrame([10, 1, 0, 1], [10, 2, 0, 2], 20000 + k, 7777, i % 2 === 1, Buffer.from(`session ${k} packet ${i} ${'x'.repeat(k * 7 + i)}`));

const record = (k: number, i: number): Buffer => pcapRecord(frame(k, i), T0 + k * 10 + i, 1000 * i);

before(async () => {
  for (let k = 0; k < SESSIONS; k++) records.push(Array.from({ length: PACKETS }, (_, i) => record(k, i)));
  setup = await twoViewers({
    prefix: 'packrat-two-viewers-', secret: SECRET, records: [0, 1].map((i) => records.filter((_, k) => k % 2 === i).flat()) as [Buffer[], Buffer[]],
    async prepare(t) {
      const control = SqliteControl.open(t.dataDir);
      control.createUser({ userId: 'admin', passHash: await hashPassword('pw', 4), roles: ['superAdmin'], apiKey: apiKeyHash(KEY) });
      control.close();
    },
  });
  nodes = setup.nodes;
  const list = await (await fetch(`${nodes[0].base}/api/sessions?date=-1&length=100&flatten=1&fields=source.port,node`, { headers: admin })).json() as
    { data: { id: string; node: string; 'source.port': number }[] };
  ids = new Map(list.data.map((d) => [d['source.port'] - 20000, { id: d.id, node: d.node }]));
});

after(async () => { await setup?.close(); });

const sessionOf = (k: number) => ids.get(k)!;

test('the store holds every session of both nodes, and each viewer sees only its own pcap files', () => {
  assert.equal(ids.size, SESSIONS);
  for (let k = 0; k < SESSIONS; k++) assert.equal(sessionOf(k).node, k % 2 === 0 ? 'node-a' : 'node-b', `session ${k}`);
  const [a, b] = nodes;
  assert.equal(fs.existsSync(path.join(a.dir, b.rel)), false, "node-b's registered name does not resolve in viewer A's folder");
  assert.equal(fs.existsSync(path.join(b.dir, a.rel)), false);
  if (isRoot) {
    for (const [me, other] of [[a, b], [b, a]]) {
      const r = spawnSync(process.execPath, ['-e', `require('fs').readFileSync(${JSON.stringify(path.join(other.dir, other.rel))})`], { uid: me.uid, gid: me.uid });
      assert.notEqual(r.status, 0, `${me.name}'s uid must not read ${other.name}'s pcap`);
      assert.match(String(r.stderr), /EACCES/);
    }
  }
});

test("a node-b session fetched through viewer A returns node-b's packets", async () => {
  for (const k of [3, 4]) { // one remote session, one local
    const s = sessionOf(k);
    const r = await fetch(`${nodes[0].base}/api/session/${s.node}/${s.id}/packets`, { headers: admin });
    assert.equal(r.status, 200, await r.clone().text());
    const body = await r.json() as { success: boolean; packets: { hex: string; dir: number }[]; error?: string };
    assert.equal(body.success, true, body.error);
    assert.deepEqual(body.packets.map((p) => p.hex), records[k].map((_, i) => frame(k, i).toString('hex')), `session ${k}`);
    assert.deepEqual(body.packets.map((p) => p.dir), [0, 1, 0]);
  }
  const s = sessionOf(5);
  const pcap = Buffer.from(await (await fetch(`${nodes[0].base}/api/session/${s.node}/${s.id}/pcap`, { headers: admin })).arrayBuffer());
  assert.ok(pcap.equals(Buffer.concat([header, ...records[5]])), 'single-session pcap of node-b through viewer A');
});

test('a pcap export through either viewer of sessions on both nodes equals the source packets byte for byte', async () => {
  const all = Buffer.concat([header, ...records.flat()]); // sessions alternate nodes in lastPacket order
  for (const n of nodes) {
    const r = await fetch(`${n.base}/api/sessions.pcap?date=-1`, { headers: admin });
    assert.equal(r.status, 200);
    const got = Buffer.from(await r.arrayBuffer());
    assert.equal(got.length, all.length, `through ${n.name}`);
    assert.ok(got.equals(all), `through ${n.name}: bytes differ`);
  }
  const some = [1, 2, 3, 5, 7, 8];
  const r = await fetch(`${nodes[0].base}/api/sessions.pcap?date=-1&ids=${some.map((k) => sessionOf(k).id).join(',')}`, { headers: admin });
  assert.ok(Buffer.from(await r.arrayBuffer()).equals(Buffer.concat([header, ...some.flatMap((k) => records[k])])), 'export by ids');
  const ng = Buffer.from(await (await fetch(`${nodes[0].base}/api/sessions.pcapng?date=-1`, { headers: admin })).arrayBuffer());
  let epbs = 0;
  for (let off = 0; off + 8 <= ng.length; off += ng.readUInt32LE(off + 4)) if (ng.readUInt32LE(off) === 6) epbs++;
  assert.equal(epbs, SESSIONS * PACKETS, 'pcapng blocks of both nodes');
});

test('internal routes take only a correctly signed, fresh request', async () => {
  const b = nodes[1];
  const ks = [1, 3];
  const p = `/api/internal/sessions/node-b/pcap?ids=${ks.map((k) => encodeURIComponent(sessionOf(k).id)).join(',')}`;
  const call = (h: Record<string, string>) => fetch(b.base + p, { headers: h });
  const now = Date.now();
  const signedOnce = { [SIGNATURE_HEADER]: signRequest(SECRET, 'GET', p, { timeMs: now }) };
  const ok = await call(signedOnce);
  assert.equal(ok.status, 200);
  assert.ok(Buffer.from(await ok.arrayBuffer()).equals(Buffer.concat([header, ...ks.flatMap((k) => records[k])])));
  const cases: [string, Record<string, string>, number][] = [
    ['unsigned', {}, 401],
    ['user credentials are not a signature', admin, 401],
    ['wrong secret', { [SIGNATURE_HEADER]: signRequest('not-the-secret', 'GET', p, { timeMs: now }) }, 401],
    ['signed for another path', { [SIGNATURE_HEADER]: signRequest(SECRET, 'GET', p.replace('ids=', 'ids=x,'), { timeMs: now }) }, 401],
    ['stale (3 minutes old)', { [SIGNATURE_HEADER]: signRequest(SECRET, 'GET', p, { timeMs: now - 3 * 60_000 }) }, 403],
    ['3 minutes in the future', { [SIGNATURE_HEADER]: signRequest(SECRET, 'GET', p, { timeMs: now + 3 * 60_000 }) }, 403],
    ['replayed (the accepted signature again)', signedOnce, 401],
  ];
  const one = `/api/internal/session/node-b/${encodeURIComponent(sessionOf(7).id)}`;
  const pcap = await fetch(`${b.base}${one}/pcap`, { headers: { [SIGNATURE_HEADER]: signRequest(SECRET, 'GET', `${one}/pcap`) } });
  assert.ok(Buffer.from(await pcap.arrayBuffer()).equals(Buffer.concat([header, ...records[7]])), 'one session by its own internal route');
  const pk = await fetch(`${b.base}${one}/packets?packets=2`, { headers: { [SIGNATURE_HEADER]: signRequest(SECRET, 'GET', `${one}/packets?packets=2`) } });
  assert.deepEqual((await pk.json() as { packets: { hex: string }[] }).packets.map((x) => x.hex), [0, 1].map((i) => frame(7, i).toString('hex')));
  const wrongNode = `/api/internal/session/node-a/${encodeURIComponent(sessionOf(7).id)}/packets`;
  assert.equal((await fetch(b.base + wrongNode, { headers: { [SIGNATURE_HEADER]: signRequest(SECRET, 'GET', wrongNode) } })).status, 404, 'session of another node');
  for (const [what, h, status] of cases) {
    const r = await call(h);
    assert.equal(r.status, status, what);
    assert.equal((await r.json() as { success: boolean }).success, false, what);
  }
});

test("with node-b's viewer down, viewer A says so for its packets and exports what it can read", async () => {
  await stopViewer(nodes[1]);
  const s = sessionOf(3);
  const r = await fetch(`${nodes[0].base}/api/session/${s.node}/${s.id}/packets`, { headers: admin });
  assert.equal(r.status, 502);
  assert.match((await r.json() as { text: string }).text, new RegExp(`viewer ${nodes[1].base} is unreachable`));
  const got = Buffer.from(await (await fetch(`${nodes[0].base}/api/sessions.pcap?date=-1`, { headers: admin })).arrayBuffer());
  assert.ok(got.equals(Buffer.concat([header, ...records.filter((_, k) => k % 2 === 0).flat()])), "node-a's sessions only");
  assert.match(nodes[0].stderr, /viewer http:\/\/127\.0\.0\.1:\d+ is unreachable: connect ECONNREFUSED [\d.:]+; those sessions are left out of the export/);
});
