// Issue 16's viewer and capture features on the real cluster (sessions in sessions3-*, users in
// users_v30), as on the embedded store: the flow route `GET /api/pcap` cuts a tuple's packets to
// a window exactly as tshark does; a key scoped to another node gets 403 and sees no session; a
// user whose anonymisation is forced gets Crypto-PAn'd sessions and flow pcap, and names the
// addresses they see; `capture -r` with anonymize=true indexes no real address.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Config } from '../../db/config.js';
import { fields } from '../../db/fields/registry.js';
import '../../db/fields/core.js';
import '../../capture/parsers/index.js';
import { CryptoPAn } from '../../db/anon/crypto-pan.js';
import { createViewer, type Viewer } from '../../viewer/server.js';
import { clusterUrl, dropPrefix, esJson, uniquePrefix } from '../support/cluster.js';
import { packrat, repoRoot } from '../support/json-capture.js';

const url = clusterUrl();
const prefix = uniquePrefix('i16');
const anonPrefix = uniquePrefix('i16anon');
const PCAP = path.resolve(repoRoot, '../shared/conformance/pcaps/http-simple-get.pcap');
const KEY = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
const CLIENT = '10.180.156.141', SERVER = '10.180.156.249';
const START = '1385391358.385', END = '1385391358.3855'; // 9 packets of the GET (flow-route.test.ts)
let dir: string;
let viewer: Viewer;
let base: string;
const keys: Record<string, string> = {};

const run = (args: string[]) => execFileSync(packrat, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-es-i16-'));
  const cfgText = `[default]\nelasticsearch=${url}\nprefix=${prefix}\ndataDir=${path.join(dir, 'data')}\nanonymizeKey=${KEY}\n`;
  const cfg = path.join(dir, 'config.ini');
  fs.writeFileSync(cfg, cfgText);
  run(['db', '-c', cfg, '-n', 'test', 'init']);
  for (const [u, extra] of [['admin', ['--roles', 'arkimeAdmin']], ['anon', ['--anonymize']], ['scoped', []]] as const) {
    run(['user', '-c', cfg, '-n', 'test', 'add', u, '--password', `pw-${u}-secret`, ...extra]);
  }
  keys.admin = run(['user', '-c', cfg, '-n', 'test', 'apikey', 'admin']).trim();
  keys.anon = run(['user', '-c', cfg, '-n', 'test', 'apikey', 'anon']).trim();
  keys.scoped = run(['user', '-c', cfg, '-n', 'test', 'apikey', 'scoped', '--nodes', 'other']).trim();
  run(['capture', '-c', cfg, '-n', 'test', '-q', '-r', PCAP]);
  await esJson(url, 'POST', `/${prefix}sessions3-*/_refresh`);
  viewer = await createViewer({ config: Config.fromText(cfgText, 'test'), registry: fields, uiDir: path.join(dir, 'no-ui') });
  base = `http://127.0.0.1:${await viewer.listen(0, '127.0.0.1')}`;
});

after(async () => {
  await viewer?.close();
  await dropPrefix(url, prefix);
  await dropPrefix(url, anonPrefix);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function get(p: string, who: string): Promise<{ status: number; body: Buffer }> {
  const r = await fetch(base + p, { headers: { authorization: `Bearer ${keys[who]}` } });
  return { status: r.status, body: Buffer.from(await r.arrayBuffer()) };
}

function tsharkRows(file: string, filter?: string): string[] {
  return execFileSync('tshark', ['-r', file, '-n', ...(filter ? ['-Y', filter] : []), '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', 'ip.dst',
    '-e', 'tcp.seq_raw', '-e', 'frame.len'], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

function tsharkOf(body: Buffer): string[] {
  const f = path.join(dir, `flow-${Date.now()}.pcap`);
  fs.writeFileSync(f, body);
  return tsharkRows(f);
}

test('the flow route on the cluster: the tuple\'s packets in the window, as tshark cuts them', async () => {
  const want = tsharkRows(PCAP, `frame.time_epoch >= ${START} && frame.time_epoch <= ${END}`);
  assert.equal(want.length, 9);
  const r = await get(`/api/pcap?src=${CLIENT}&dst=${SERVER}&dport=80&proto=tcp&start=${START}&end=${END}`, 'admin');
  assert.equal(r.status, 200, r.body.toString());
  assert.deepEqual(tsharkOf(r.body), want);
});

test('a key scoped to another node: 403 for this node\'s flow, and no session of it listed', async () => {
  const r = await get(`/api/pcap?src=${CLIENT}&start=${START}&end=${END}&node=test`, 'scoped');
  assert.equal(r.status, 403, r.body.toString());
  const list = JSON.parse((await get('/api/sessions?date=-1', 'scoped')).body.toString());
  assert.equal(list.recordsFiltered, 0);
  const all = JSON.parse((await get('/api/sessions?date=-1', 'admin')).body.toString());
  assert.ok(all.recordsFiltered > 0);
});

test('a forced-anonymisation user: sessions and flow pcap Crypto-PAn\'d; they search with the addresses they see', async () => {
  const cp = CryptoPAn.fromHex(KEY);
  const a = (ip: string) => cp.anonymizeText(ip)!;
  const list = JSON.parse((await get(`/api/sessions?date=-1&expression=${encodeURIComponent(`ip.src == ${a(CLIENT)}`)}&fields=source.ip,destination.ip`, 'anon')).body.toString());
  assert.ok(list.recordsFiltered > 0, JSON.stringify(list));
  for (const s of list.data) assert.deepEqual([s.source.ip, s.destination.ip], [a(CLIENT), a(SERVER)]);
  assert.equal(JSON.stringify(list).includes(CLIENT), false);
  const want = tsharkRows(PCAP, `frame.time_epoch >= ${START} && frame.time_epoch <= ${END}`)
    .map((l) => l.split('\t')).map((c) => { c[1] = a(c[1]); c[2] = a(c[2]); return c.join('\t'); });
  const r = await get(`/api/pcap?src=${a(CLIENT)}&dst=${a(SERVER)}&start=${START}&end=${END}`, 'anon');
  assert.equal(r.status, 200, r.body.toString());
  assert.deepEqual(tsharkOf(r.body), want);
});

test('capture -r with anonymize=true into the cluster: no indexed session holds a real address', async () => {
  const cfg = path.join(dir, 'anon.ini');
  fs.writeFileSync(cfg, `[default]\nelasticsearch=${url}\nprefix=${anonPrefix}\ndataDir=${path.join(dir, 'anon-data')}\npcapDir=${path.join(dir, 'anon-raw')}\n` +
    `anonymize=true\nanonymizeKey=${KEY}\n`);
  run(['db', '-c', cfg, '-n', 'test', 'init']);
  run(['capture', '-c', cfg, '-n', 'test', '-q', '-r', PCAP]);
  await esJson(url, 'POST', `/${anonPrefix}sessions3-*/_refresh`);
  const hits = (await esJson<{ hits: { hits: { _source: Record<string, any> }[] } }>(url, 'POST', `/${anonPrefix}sessions3-*/_search`, { size: 100 })).hits.hits;
  const plain = (await esJson<{ hits: { total: { value: number } } }>(url, 'POST', `/${prefix}sessions3-*/_search`, { size: 0, track_total_hits: true })).hits.total.value;
  assert.equal(hits.length, plain, 'the same sessions as the plain import');
  const cp = CryptoPAn.fromHex(KEY);
  for (const h of hits) {
    const s = h._source;
    assert.deepEqual([s.source.ip, s.destination.ip].sort(), [cp.anonymizeText(CLIENT), cp.anonymizeText(SERVER)].sort());
    for (const ip of [CLIENT, SERVER]) assert.equal(JSON.stringify(s).includes(`"${ip}"`), false, `${ip} indexed as a value`);
  }
});
