// A session whose pcap expired (file deleted, registry entry gone or not) keeps its SPI data: the
// detail and packets APIs say `spiOnly` with a reason, and exports skip it with a count in the
// X-Packrat-Skipped-Sessions header (404 only when nothing is left to export).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Config } from '../db/config.js';
import { fields } from '../db/fields/registry.js';
import '../db/fields/core.js';
import '../capture/parsers/index.js';
import { SqliteControl } from '../db/store/sqlite-control-store.js';
import { parsePcapHeader, u32, PCAP_RECORD_HEADER_LEN, PCAP_HEADER_LEN } from '../db/pcap/format.js';
import { apiKeyHash } from './auth.js';
import { createViewer, type Viewer } from './server.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = path.resolve(repoRoot, '../shared/conformance/pcaps');
// dns-mx: one session; http-simple-get: one session (the one that expires)
const KEEP = 'dns-mx', EXPIRE = 'http-simple-get', GONE_TOO = 'bt-udp';

let dir: string;
let viewer: Viewer;
let base: string;
const admin = { authorization: 'Bearer prk_spionly_key' };

async function json(p: string): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await fetch(base + p, { headers: admin });
  assert.equal(r.status, 200, `${p}: ${r.status} ${await r.clone().text()}`);
  return r.json() as Promise<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Ids of the sessions an expression matches. */
async function ids(expression: string): Promise<string[]> {
  const r = await json(`/api/sessions?date=-1&length=100&expression=${encodeURIComponent(expression)}`);
  return (r.data as { id: string }[]).map((d) => d.id);
}

/** Packets in a pcap byte stream. */
function packetCount(b: Buffer): number {
  const h = parsePcapHeader(b, 0);
  let n = 0;
  for (let off = PCAP_HEADER_LEN; off + PCAP_RECORD_HEADER_LEN <= b.length; n++) off += PCAP_RECORD_HEADER_LEN + u32(b, off + 8, h.littleEndian);
  return n;
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-spionly-'));
  const data = path.join(dir, 'data');
  const cfg = path.join(dir, 'config.ini');
  fs.writeFileSync(cfg, `[default]\ndataDir=${data}\n`);
  // copies of the corpus files: the test deletes them (the corpus is read in place elsewhere)
  for (const p of [KEEP, EXPIRE, GONE_TOO]) {
    const copy = path.join(dir, `${p}.pcap`);
    fs.copyFileSync(path.join(corpus, `${p}.pcap`), copy);
    execFileSync(path.join(repoRoot, 'bin/packrat'), ['capture', '-c', cfg, '-n', 'test', '-q', '-r', copy], { stdio: 'pipe' });
  }
  const control = SqliteControl.open(data);
  control.createUser({ userId: 'admin', roles: ['superAdmin'], apiKey: apiKeyHash('prk_spionly_key') });
  // expiry, both ways: EXPIRE loses file and registry entry, GONE_TOO only its file
  const doc = control.fileByName(path.join(dir, `${EXPIRE}.pcap`));
  assert.ok(doc, 'the capture registered the copied pcap');
  fs.rmSync(doc.name);
  assert.ok(control.deleteFile(`${doc.node}-${doc.num}`), 'registry entry removed');
  fs.rmSync(path.join(dir, `${GONE_TOO}.pcap`));
  control.close();
  viewer = await createViewer({ config: Config.fromText(`[default]\ndataDir=${data}\n`, 'test'), registry: fields, uiDir: path.join(dir, 'no-ui') });
  base = `http://127.0.0.1:${await viewer.listen(0, '127.0.0.1')}`;
});

after(async () => {
  await viewer?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('detail and packets of an expired session say spiOnly with a reason; a kept one has packets', async () => {
  const [gone] = await ids(`file == ${path.join(dir, `${GONE_TOO}.pcap`)}`);
  assert.ok(gone, 'the session whose file was deleted is still searchable');
  const [expired] = await ids('protocols == http');
  assert.ok(expired, 'the session whose registry entry was deleted is still searchable');
  const [kept] = await ids('protocols == dns');
  for (const [id, reason] of [[expired, /no longer in the file registry/], [gone, /is gone/]] as const) {
    const detail = await json(`/api/session/test/${id}/detail`);
    assert.equal(detail.spiOnly, true, `${id} detail`);
    assert.match(String(detail.spiOnlyReason), reason);
    assert.ok(detail.source, 'the SPI fields are all still there');
    const pk = await json(`/api/session/test/${id}/packets`);
    assert.equal(pk.spiOnly, true);
    assert.match(String(pk.reason), reason);
    assert.deepEqual(pk.packets, []);
    const one = await fetch(`${base}/api/session/test/${id}/pcap`, { headers: admin });
    assert.equal(one.status, 404);
    assert.match(await one.text(), /SPI data only/);
  }
  const detail = await json(`/api/session/test/${kept}/detail`);
  assert.equal(detail.spiOnly, undefined);
  const pk = await json(`/api/session/test/${kept}/packets`);
  assert.equal(pk.spiOnly, undefined);
  assert.ok(pk.packets.length > 0);
});

test('export skips expired sessions and says how many; 404 when none is exportable', async () => {
  const deadIds = [...await ids('protocols == http'), ...await ids(`file == ${path.join(dir, `${GONE_TOO}.pcap`)}`)];
  const dead = deadIds.length;
  let keptPackets = 0;
  for (const id of (await ids('')).filter((x) => !deadIds.includes(x))) keptPackets += (await json(`/api/session/test/${id}/packets`)).packets.length;
  assert.ok(keptPackets > 0);
  const r = await fetch(`${base}/api/sessions.pcap?date=-1`, { headers: admin });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('x-packrat-skipped-sessions'), String(dead));
  assert.equal(packetCount(Buffer.from(await r.arrayBuffer())), keptPackets, 'the kept sessions, every packet');
  const none = await fetch(`${base}/api/sessions.pcap?date=-1&expression=${encodeURIComponent('protocols == http')}`, { headers: admin });
  assert.equal(none.status, 404);
  assert.match(await none.text(), /SPI data only/);
  const ng = await fetch(`${base}/api/sessions.pcapng?date=-1`, { headers: admin });
  assert.equal(ng.status, 200);
  assert.equal(ng.headers.get('x-packrat-skipped-sessions'), String(dead));
  await ng.arrayBuffer(); // read it to the end: an unread body keeps the connection (and the export) open
});
