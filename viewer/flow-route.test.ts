// The flow route on one viewer over a real TCP capture (a conformance pcap): sub-second windows cut
// exactly as tshark cuts them, the byte bound stops the file before the record that would cross it
// and a trailer says so, and the user's forced expression applies as in every other route.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Config } from '../db/config.js';
import { fields } from '../db/fields/registry.js';
import '../db/fields/core.js';
import '../capture/parsers/index.js';
import { SqliteControl } from '../db/store/sqlite-control-store.js';
import { CryptoPAn } from '../db/anon/crypto-pan.js';
import { apiKeyHash, hashPassword } from './auth.js';
import { parseFlowRequest } from './routes-flow.js';
import { createViewer, type Viewer } from './server.js';
import { packrat, repoRoot } from '../test/support/two-viewers.js';

const PCAP = path.resolve(repoRoot, '../shared/conformance/pcaps/http-simple-get.pcap');
const MAX_BYTES = 6200; // the whole session is 6745 bytes of pcap, the sub-second window below 5999
const KEY = 'prk_flow_admin', DNS_KEY = 'prk_flow_dnsonly', ANON_KEY = 'prk_flow_anon';
const ANONYMIZE_KEY = '21221f8d33a4cf80130a5b1649907d10d8988f837979652762574c2d2a842202';
let dir: string;
let viewer: Viewer;
let base: string;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-flow-'));
  const cfg = path.join(dir, 'config.ini');
  fs.writeFileSync(cfg, `[default]\ndataDir=${path.join(dir, 'data')}\n`);
  execFileSync(packrat, ['capture', '-c', cfg, '-n', 'test', '-q', '-r', PCAP], { stdio: 'pipe' });
  const control = SqliteControl.open(path.join(dir, 'data'));
  control.createUser({ userId: 'admin', passHash: await hashPassword('pw', 4), roles: ['superAdmin'], apiKey: apiKeyHash(KEY) });
  control.createUser({ userId: 'anon', passHash: await hashPassword('pw', 4), roles: ['arkimeUser'], apiKey: apiKeyHash(ANON_KEY), anonymize: true });
  control.createUser({ userId: 'dnsonly', passHash: await hashPassword('pw', 4), roles: ['arkimeUser'], apiKey: apiKeyHash(DNS_KEY), expression: 'protocols == dns' });
  control.close();
  viewer = await createViewer({ config: Config.fromText(`[default]\ndataDir=${path.join(dir, 'data')}\nanonymizeKey=${ANONYMIZE_KEY}\n`, 'test'), registry: fields,
    uiDir: path.join(dir, 'no-ui'), limits: { maxPcapBytes: MAX_BYTES } });
  base = `http://127.0.0.1:${await viewer.listen(0, '127.0.0.1')}`;
});

after(async () => {
  await viewer?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const rows = (file: string, filter?: string) => execFileSync('tshark', ['-r', file, ...(filter ? ['-Y', filter] : []), '-T', 'fields', '-e', 'frame.time_epoch',
  '-e', 'ip.src', '-e', 'tcp.srcport', '-e', 'ip.dst', '-e', 'tcp.dstport', '-e', 'tcp.seq_raw', '-e', 'frame.len'], { encoding: 'utf8' }).split('\n').filter(Boolean);

/** GET the flow route; `bound` is the X-Packrat-Bound trailer (fetch does not show trailers). */
function flow(q: string, key = KEY): Promise<{ status: number; bound: string | undefined; file: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http.get(`${base}/api/pcap?${q}`, { headers: { authorization: `Bearer ${key}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks), file = path.join(dir, 'flow.pcap');
        fs.writeFileSync(file, body);
        resolve({ status: res.statusCode!, bound: res.trailers['x-packrat-bound'], file, body });
      });
    }).on('error', reject);
  });
}

test('a sub-second window of a TCP flow holds exactly the packets tshark finds in it, either direction', async () => {
  const start = '1385391358.385', end = '1385391358.3855';
  const want = rows(PCAP, `frame.time_epoch >= ${start} && frame.time_epoch <= ${end}`);
  assert.equal(want.length, 9);
  for (const q of ['src=10.180.156.141&dst=10.180.156.249&dport=80&proto=tcp', 'src=10.180.156.249&sport=80&proto=6', 'dst=10.180.156.141&dport=61450']) {
    const r = await flow(`${q}&start=${start}&end=${end}`);
    assert.equal(r.status, 200, `${q}: ${r.body.toString()}`);
    assert.equal(r.bound, undefined, 'not cut');
    assert.deepEqual(rows(r.file), want, q);
  }
  for (const q of ['src=10.180.156.141&dport=81', 'src=10.180.156.141&proto=udp', 'src=10.180.156.140']) {
    assert.equal((await flow(`${q}&start=${start}&end=${end}`)).status, 404, q);
  }
});

test('the byte bound cuts the flow before the record that would cross it, and a trailer says so', async () => {
  const r = await flow('src=10.180.156.141&start=1385391358&end=1385391359');
  assert.equal(r.status, 200);
  assert.equal(r.bound, `maxPcapBytes=${MAX_BYTES}`);
  assert.ok(r.body.length <= MAX_BYTES, `${r.body.length} bytes`);
  const all = rows(PCAP);
  const got = rows(r.file);
  assert.ok(got.length > 0 && got.length < all.length);
  assert.deepEqual(got, all.slice(0, got.length), 'a prefix of the flow in time order');
  const next = Number(all[got.length].split('\t').at(-1));
  assert.ok(r.body.length + 16 + next > MAX_BYTES, 'the next record would have crossed the bound');
});

test("the user's forced expression applies to the flow route", async () => {
  assert.equal((await flow('src=10.180.156.141&start=1385391358&end=1385391359', DNS_KEY)).status, 404);
});

test('flow parameters: times as epoch seconds or ISO 8601, protocols by name or number, the tuple either way round', () => {
  const f = parseFlowRequest({ src: '10.0.0.1', dst: '::ffff:10.0.0.2', sport: '1', dport: '2', proto: 'SCTP', start: '2024-05-01T10:00:00.5Z', end: '1714557601.25' });
  assert.equal(f.expression, '((ip.src == 10.0.0.1 && ip.dst == 10.0.0.2 && port.src == 1 && port.dst == 2) || '
    + '(ip.src == 10.0.0.2 && ip.dst == 10.0.0.1 && port.src == 2 && port.dst == 1)) && ip.protocol == 132');
  assert.deepEqual([f.startUs, f.endUs], [1714557600_500000, 1714557601_250000]);
  assert.equal(parseFlowRequest({ dst: '2001:db8::1', start: '0', end: '1', node: 'a,b' }).expression,
    '((ip.dst == 2001:db8::1) || (ip.src == 2001:db8::1)) && node == ["a","b"]');
});

test('anonymize=1, and a user whose anonymisation is forced, get the flow with every address Crypto-PAn\'d; the forced user names the addresses they see', async () => {
  const cp = CryptoPAn.fromHex(ANONYMIZE_KEY);
  const a = (ip: string) => cp.anonymizeText(ip)!;
  const start = '1385391358.385', end = '1385391358.3855';
  const want = rows(PCAP, `frame.time_epoch >= ${start} && frame.time_epoch <= ${end}`)
    .map((r) => r.split('\t')).map((c) => { c[1] = a(c[1]); c[3] = a(c[3]); return c.join('\t'); });
  assert.equal(want.length, 9);
  const asked = await flow(`src=10.180.156.141&dst=10.180.156.249&dport=80&proto=tcp&start=${start}&end=${end}&anonymize=1`);
  assert.equal(asked.status, 200, asked.body.toString());
  assert.deepEqual(rows(asked.file), want);
  assert.equal(asked.body.includes(Buffer.from([10, 180, 156, 141])), false, 'no original address left');
  const forced = await flow(`src=${a('10.180.156.141')}&dst=${a('10.180.156.249')}&dport=80&proto=tcp&start=${start}&end=${end}&anonymize=0`, ANON_KEY);
  assert.equal(forced.status, 200, forced.body.toString());
  assert.deepEqual(rows(forced.file), want, 'forced: anonymised whatever anonymize= says');
  assert.equal((await flow(`src=10.180.156.141&dst=10.180.156.249&start=${start}&end=${end}`, ANON_KEY)).status, 404, 'a real address finds nothing for a forced user');
});
