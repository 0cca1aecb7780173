// Two capture nodes and two viewers sharing one cluster (ELASTICSEARCH_URL), nothing shared on
// disk but the pcap files: users, the file registry and stats live in Arkime's admin indices.
// A user made through viewer 1 logs in on viewer 2; both viewers list both nodes' files and
// stats; a session of either node exports the same pcap bytes from either viewer; no
// control.sqlite is ever created.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Config } from '../../db/config.js';
import { connectEs } from '../../db/es/client.js';
import { esSettings } from '../../db/es/settings.js';
import { repoRoot } from '../support/json-capture.js';
import { clusterUrl, deletePrefix, uniquePrefix } from '../support/cluster.js';

const packrat = path.join(repoRoot, 'bin/packrat');
const samples = path.join(repoRoot, 'capture/parsers/samples/pcaps');
const NODES = [{ name: 'nodeA', pcap: 'dcerpc.pcap' }, { name: 'nodeB', pcap: 'bgp.pcap' }];
const ADMIN = { authorization: `Basic ${Buffer.from('admin:admin-pw').toString('base64')}` };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
  });
}

function startViewer(config: string, node: string, port: number): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [packrat, 'viewer', '-c', config, '-n', node, '--port', String(port), '--host', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => { err += String(d); });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => { out += String(d); if (out.includes('listening on')) resolve(proc); });
    proc.once('exit', (code) => reject(new Error(`viewer ${node} exited with ${code}: ${err}`)));
  });
}

async function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null) return;
  const gone = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await gone;
}

test('two capture nodes and two viewers share one cluster: users, files, stats, exports', { timeout: 300e3 }, async () => {
  const prefix = uniquePrefix('shared');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-shared-cluster-'));
  const dataDir = path.join(dir, 'data');
  const config = path.join(dir, 'config.ini');
  fs.writeFileSync(config, `[default]\nelasticsearch=${clusterUrl()}\nprefix=${prefix}\ndataDir=${dataDir}\npcapDir=${dir}/pcap\ndbFlushTimeout=1\n`);
  const api = await connectEs(esSettings(Config.load(config, 'nodeA')));
  const viewers: ChildProcess[] = [];
  const run = (...args: string[]) => execFileSync(process.execPath, [packrat, ...args], { encoding: 'utf8', stdio: 'pipe' });
  try {
    run('db', '-c', config, '-n', 'nodeA', 'init');
    run('user', 'add', 'admin', '--admin', '--password', 'admin-pw', '-c', config);
    for (const n of NODES) run('capture', '-c', config, '-n', n.name, '-q', '-r', path.join(samples, n.pcap));
    await api.request({ method: 'POST', path: `/${prefix}sessions3-*/_refresh` });

    const bases: string[] = [];
    for (const n of NODES) {
      const port = await freePort();
      viewers.push(await startViewer(config, n.name, port));
      bases.push(`http://127.0.0.1:${port}`);
    }

    // a user made through viewer 1 logs in on viewer 2
    const made = await fetch(`${bases[0]}/api/user`, { method: 'POST', headers: { ...ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'carol', password: 'carol-pw', roles: ['arkimeUser'] }) });
    assert.equal(made.status, 200, await made.text());
    const login = await fetch(`${bases[1]}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'carol', password: 'carol-pw' }) });
    assert.equal(login.status, 200, await login.text());
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    const me = await (await fetch(`${bases[1]}/api/user`, { headers: { cookie } })).json() as { userId: string };
    assert.equal(me.userId, 'carol');
    const bad = await fetch(`${bases[1]}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'carol', password: 'wrong' }) });
    assert.equal(bad.status, 401);

    // both viewers list both nodes' files and stats
    for (const base of bases) {
      const files = await (await fetch(`${base}/api/files?length=100`, { headers: ADMIN })).json() as { data: { node: string; name: string; num: number }[] };
      assert.deepEqual(files.data.map((f) => `${f.node}:${path.basename(f.name)}:${f.num}`).sort(), ['nodeA:dcerpc.pcap:1', 'nodeB:bgp.pcap:1']);
      const stats = await (await fetch(`${base}/api/stats`, { headers: ADMIN })).json() as { data: { nodeName: string }[] };
      assert.deepEqual(stats.data.map((s) => s.nodeName).sort(), ['nodeA', 'nodeB']);
    }

    // a session of either node exports the same bytes from either viewer
    for (const n of NODES) {
      const q = `date=-1&expression=${encodeURIComponent(`node == ${n.name}`)}`;
      const count = await (await fetch(`${bases[0]}/api/sessions?${q}&length=1`, { headers: ADMIN })).json() as { recordsFiltered: number };
      assert.ok(count.recordsFiltered > 0, `${n.name} has sessions`);
      const bodies: Buffer[] = [];
      for (const base of bases) {
        const r = await fetch(`${base}/api/sessions.pcap?${q}`, { headers: ADMIN });
        assert.equal(r.status, 200);
        bodies.push(Buffer.from(await r.arrayBuffer()));
      }
      assert.ok(bodies[0].length > 24 + 16, `${n.name}: packets exported (${bodies[0].length} bytes)`);
      assert.ok(bodies[0].equals(bodies[1]), `${n.name}: both viewers export the same bytes`);
    }

    assert.ok(!fs.existsSync(path.join(dataDir, 'control.sqlite')), 'no control.sqlite in dataDir');
  } finally {
    for (const v of viewers) await stop(v);
    await deletePrefix(api, prefix);
    await api.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
