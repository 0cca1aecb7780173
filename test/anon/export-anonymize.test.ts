// Anonymised exports: anonymize=1 on the pcap, pcapng, CSV and session JSON routes (tshark finds
// no bad checksum and no original address is left), a user whose anonymisation is forced (set
// through `packrat user` and the users API) gets only anonymised output whatever they ask, and a
// viewer without a good anonymizeKey says so, naming the key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Config, ConfigError } from '../../db/config.js';
import { fields } from '../../db/fields/registry.js';
import '../../db/fields/core.js';
import '../../capture/parsers/index.js';
import { SqliteControl } from '../../db/store/sqlite-control-store.js';
import { pcapBytes } from '../../capture/synth/traffic.js';
import { CryptoPAn } from '../../db/anon/crypto-pan.js';
import { ipToBytes } from '../../db/fields/columns.js';
import { apiKeyHash } from '../../viewer/auth.js';
import { createViewer, type Viewer } from '../../viewer/server.js';
import { packrat } from '../support/json-capture.js';
import { addressesIn, anonTraffic, tsharkChecksums, V4, V6 } from '../support/anon-traffic.js';

const key = randomBytes(32).toString('hex');
const cp = new CryptoPAn(Buffer.from(key, 'hex'));
let dir: string, data: string, cfg: string;
let viewer: Viewer;
let base: string;
const admin = { authorization: 'Bearer prk_anon_admin' };
const forced = { authorization: 'Bearer prk_anon_forced' };
const ALL = [...V4, ...V6];

async function get(p: string, headers: Record<string, string>, status = 200): Promise<Buffer> {
  const r = await fetch(base + p, { headers });
  const b = Buffer.from(await r.arrayBuffer());
  assert.equal(r.status, status, `${p}: ${r.status} ${b.toString().slice(0, 300)}`);
  return b;
}

/** Original addresses in text (as text) or in packet bytes (hex). */
function originalsInText(s: string): string[] {
  const hex = (a: string) => Buffer.from(a.includes(':') ? ipToBytes(a)! : ipToBytes(a)!.subarray(12)).toString('hex');
  // an address followed by its port (ip:port, or ip6.port) counts too
  const after = (a: string) => (a.includes(':') ? '($|[^0-9a-f:])' : '($|[^0-9.])');
  return ALL.filter((a) => new RegExp(`(^|[^0-9a-f:.])${a.replace(/[.]/g, '\\.')}${after(a)}`).test(s) || s.includes(hex(a)));
}

function savePcap(b: Buffer, name: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, b);
  return f;
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-anon-export-'));
  data = path.join(dir, 'data');
  cfg = path.join(dir, 'config.ini');
  fs.writeFileSync(cfg, `[default]\ndataDir=${data}\nanonymizeKey=${key}\n`);
  const input = path.join(dir, 'in.pcap');
  fs.writeFileSync(input, pcapBytes(anonTraffic()));
  execFileSync(packrat, ['capture', '-c', cfg, '-n', 'test', '-q', '-r', input], { stdio: 'pipe' });
  const control = SqliteControl.open(data);
  control.createUser({ userId: 'admin', roles: ['superAdmin'], apiKey: apiKeyHash('prk_anon_admin') });
  control.createUser({ userId: 'forced', roles: ['arkimeUser'], apiKey: apiKeyHash('prk_anon_forced') });
  control.close();
  // the CLI sets the flag on a new user and on an existing one
  execFileSync(packrat, ['user', '-c', cfg, 'add', 'cliuser', '--anonymize', '--password', 'pw-for-test'], { stdio: 'pipe' });
  const list = execFileSync(packrat, ['user', '-c', cfg, 'list'], { encoding: 'utf8' });
  assert.match(list, /^cliuser\t.*\tanonymized$/m);
  assert.doesNotMatch(list, /^forced\t.*anonymized/m);
  viewer = await createViewer({ config: Config.fromText(`[default]\ndataDir=${data}\nanonymizeKey=${key}\n`, 'test'), registry: fields, uiDir: path.join(dir, 'no-ui') });
  base = `http://127.0.0.1:${await viewer.listen(0, '127.0.0.1')}`;
  // the users API forces it for 'forced'
  const r = await fetch(`${base}/api/user/forced`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ anonymize: true }) });
  assert.equal(r.status, 200, await r.text());
});

after(async () => {
  await viewer?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('without anonymize the exports hold the original addresses (the checks below can fail)', async () => {
  const pcap = await get('/api/sessions.pcap?date=-1', admin);
  assert.ok(addressesIn(pcap).length >= 6);
  const csv = (await get('/api/sessions.csv?date=-1', admin)).toString();
  assert.ok(originalsInText(csv).length >= 6, csv);
});

for (const format of ['pcap', 'pcapng'] as const) {
  test(`${format} with anonymize=1: tshark finds no bad checksum and no original address`, async () => {
    const b = await get(`/api/sessions.${format}?date=-1&anonymize=1`, admin);
    assert.deepEqual(addressesIn(b), []);
    const ck = tsharkChecksums(savePcap(b, `anon.${format}`));
    assert.deepEqual(ck.badFrames, []);
    assert.ok(ck.good > 20, `${ck.good} checksums verified`);
    // the same packets as the plain export, and the Crypto-PAn images of its addresses
    const plain = await get(`/api/sessions.${format}?date=-1`, admin);
    assert.equal(b.length, plain.length);
    assert.ok(b.includes(Buffer.from(ipToBytes(cp.anonymizeText(V4[0])!)!.subarray(12))));
  });
}

test('CSV and session JSON with anonymize=1 carry the anonymised addresses only', async () => {
  const csv = (await get('/api/sessions.csv?date=-1&anonymize=1', admin)).toString();
  assert.deepEqual(originalsInText(csv), []);
  assert.ok(csv.includes(cp.anonymizeText(V4[0])!), csv);
  const list = (await get('/api/sessions?date=-1&length=100&anonymize=1&fields=source.ip,destination.ip,network.community_id', admin)).toString();
  assert.deepEqual(originalsInText(list), []);
  assert.ok(list.includes(cp.anonymizeText(V4[3])!));
  assert.doesNotMatch(list, /community_id/);
  const ids = (JSON.parse(list).data as { id: string }[]).map((d) => d.id);
  assert.ok(ids.length >= 8);
  for (const id of ids) {
    const detail = (await get(`/api/session/test/${id}/detail?anonymize=1`, admin)).toString();
    assert.deepEqual(originalsInText(detail), [], detail);
    const packets = (await get(`/api/session/test/${id}/packets?anonymize=1`, admin)).toString();
    assert.deepEqual(originalsInText(packets), [], packets.slice(0, 400));
    const one = await get(`/api/session/test/${id}/pcap?anonymize=1`, admin);
    assert.deepEqual(addressesIn(one), []);
  }
  const plainDetail = (await get(`/api/session/test/${ids[0]}/detail`, admin)).toString();
  assert.ok(originalsInText(plainDetail).length > 0, 'the plain detail has them');
});

test('a user with forced anonymisation gets no original address from any export, asking or not', async () => {
  for (const q of ['', '&anonymize=0', '&anonymize=false']) {
    for (const format of ['pcap', 'pcapng']) {
      const b = await get(`/api/sessions.${format}?date=-1${q}`, forced);
      assert.deepEqual(addressesIn(b), [], `${format}${q}`);
      assert.deepEqual(tsharkChecksums(savePcap(b, `forced.${format}`)).badFrames, []);
    }
    const csv = (await get(`/api/sessions.csv?date=-1${q}&fields=source.ip,destination.ip,network.community_id`, forced)).toString();
    assert.deepEqual(originalsInText(csv), [], csv);
    const list = (await get(`/api/sessions?date=-1&length=100${q}`, forced)).toString();
    assert.deepEqual(originalsInText(list), []);
    const [first] = JSON.parse(list).data as { id: string }[];
    assert.deepEqual(originalsInText((await get(`/api/session/test/${first.id}/detail?x=1${q}`, forced)).toString()), []);
    assert.deepEqual(originalsInText((await get(`/api/session/test/${first.id}/packets?x=1${q}`, forced)).toString()), []);
    assert.deepEqual(addressesIn(await get(`/api/session/test/${first.id}/pcapng?x=1${q}`, forced)), []);
  }
  // and a forced user cannot lift it through the users API (that needs usersAdmin)
  const r = await fetch(`${base}/api/user/forced`, { method: 'POST', headers: { ...forced, 'content-type': 'application/json' }, body: JSON.stringify({ anonymize: false }) });
  assert.equal(r.status, 403);
});

test('SPI view, SPI graph, connections and unique values show anonymised addresses to a forced user and with anonymize=1', async () => {
  const routes = ['/api/spiview?date=-1&spi=source.ip:100,destination.ip:100', '/api/spigraph?date=-1&field=source.ip',
    '/api/connections?date=-1', '/api/connections?date=-1&dstField=ip.dst:port', '/api/unique?date=-1&field=destination.ip&counts=1',
    '/api/unique?date=-1&exp=ip.dst:port', '/api/unique?date=-1&field=source.ip&autocomplete=1'];
  for (const r of routes) {
    const plain = (await get(r, admin)).toString();
    assert.ok(originalsInText(plain).length > 0, `${r} shows the originals without anonymisation`);
    for (const [h, q] of [[forced, ''], [admin, '&anonymize=1']] as const) {
      const body = (await get(r + q, h)).toString();
      assert.deepEqual(originalsInText(body), [], `${r}${q}: ${body.slice(0, 300)}`);
    }
  }
  const spi = JSON.parse((await get(routes[0], forced)).toString());
  assert.ok(spi.spi['source.ip'].buckets.some((b: { key: string }) => b.key === cp.anonymizeText(V4[0])));
});

test('a forced user searches by the addresses they see: anonymised addresses, CIDRs, lists and ip:port find the real sessions', async () => {
  const count = async (expr: string, h: Record<string, string>) =>
    JSON.parse((await get(`/api/sessions?date=-1&length=1&expression=${encodeURIComponent(expr)}`, h)).toString()).recordsFiltered as number;
  const a = (x: string) => cp.anonymizeText(x)!;
  const cases: [string, string][] = [
    [`ip == ${V4[0]}`, `ip == ${a(V4[0])}`],
    [`ip.src == 192.0.2.0/24`, `ip.src == ${a('192.0.2.0')}/24`],
    [`ip.dst == [${V4[3]},${V4[4]}]`, `ip.dst == [${a(V4[3])},${a(V4[4])}]`],
    [`ip.dst == ${V4[3]}:80`, `ip.dst == ${a(V4[3])}:80`],
    [`ip == ${V6[2]}`, `ip == ${a(V6[2])}`],
    [`ip.src == 2001:db8::/32 && port.dst == 6000`, `ip.src == ${a('2001:db8::')}/32 && port.dst == 6000`],
  ];
  for (const [real, seen] of cases) {
    const want = await count(real, admin);
    assert.ok(want > 0, `${real} matches something`);
    assert.equal(await count(seen, forced), want, seen);
  }
  // the real address typed by a forced user is taken as an anonymised one: no oracle
  assert.equal(await count(`ip == ${V4[0]}`, forced), 0);
  const r = await fetch(`${base}/api/sessions?date=-1&expression=${encodeURIComponent('ip == 192.0')}`, { headers: forced });
  assert.equal(r.status, 400);
  assert.match(await r.text(), /full addresses or CIDRs/);
});

test('a viewer without anonymizeKey refuses anonymised output with a 400 naming the key; a bad key stops it starting', async () => {
  const plain = await createViewer({ config: Config.fromText(`[default]\ndataDir=${data}\n`, 'test'), registry: fields, uiDir: path.join(dir, 'no-ui') });
  try {
    const b = `http://127.0.0.1:${await plain.listen(0, '127.0.0.1')}`;
    for (const [p, h] of [['/api/sessions.pcap?date=-1&anonymize=1', admin], ['/api/sessions.csv?date=-1', forced], ['/api/sessions?date=-1', forced]] as const) {
      const r = await fetch(b + p, { headers: h });
      assert.equal(r.status, 400, p);
      assert.match(await r.text(), /anonymizeKey/);
    }
    assert.equal((await fetch(`${b}/api/sessions.pcap?date=-1`, { headers: admin })).status, 200);
  } finally { await plain.close(); }
  await assert.rejects(createViewer({ config: Config.fromText(`[default]\ndataDir=${data}\nanonymizeKey=abc\n`, 'test'), registry: fields, uiDir: path.join(dir, 'no-ui') }),
    (e: unknown) => e instanceof ConfigError && /anonymizeKey must be 64 hex digits/.test((e as Error).message));
});
