import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fields, FieldRegistry } from '../fields/registry.js';
import '../fields/core.js';
import { EmbeddedSessionStore } from './session-store.js';
import { partitionName, partitionRange, newSessionId } from '../backend/partition-name.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const pcapDir = path.resolve(repoRoot, '../shared/conformance/pcaps');

function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `packrat-${tag}-`));
}

/** Core fields plus a few protocol fields, including object-array and dotted-key ones. */
function testRegistry(): FieldRegistry {
  const r = new FieldRegistry();
  for (const f of fields.all()) r.define({ ...f });
  const d = (exp: string, db: string, kind: 'termfield' | 'ip' | 'integer' | 'lotermfield', extra: object = {}) =>
    r.define({ exp, db, kind, group: db.split('.')[0], friendly: exp, help: exp, ...extra });
  d('host.http', 'http.host', 'lotermfield', { cnt: true });
  d('http.method', 'http.method', 'termfield', { cnt: true });
  d('http.statuscode', 'http.statuscode', 'integer', { cnt: true });
  d('ip.xff', 'http.xffIp', 'ip', { cnt: true });
  d('host.dns', 'dns.host', 'lotermfield', { cnt: true, object: 'dns' });
  d('ip.dns', 'dns.ip', 'ip', { cnt: true, object: 'dns' });
  d('dns.answer.name', 'dns.answers.name', 'termfield', { object: 'dns' });
  d('cert.alt', 'cert.alt', 'lotermfield', { cnt: true, object: 'cert' });
  d('tls.ja4', 'tls.ja4', 'termfield', { cnt: true });
  d('adb.sync.operation', 'adb.sync.operation', 'termfield', { cnt: true });
  return r;
}

function corpusBodies(): { file: string; body: Record<string, unknown> }[] {
  const out: { file: string; body: Record<string, unknown> }[] = [];
  for (const f of fs.readdirSync(pcapDir).filter((n) => n.endsWith('.test')).sort()) {
    const j = JSON.parse(fs.readFileSync(path.join(pcapDir, f), 'utf8')) as { sessions3: { body: Record<string, unknown> }[] };
    for (const s of j.sessions3) out.push({ file: f, body: s.body });
  }
  return out;
}

test('partition names for every rotateIndex (Arkime examples)', () => {
  const t = Date.UTC(2024, 0, 31, 7, 30);
  assert.equal(partitionName(t, 'daily'), 'sessions3-240131');
  assert.equal(partitionName(t, 'hourly'), 'sessions3-240131h07');
  assert.equal(partitionName(t, 'hourly2'), 'sessions3-240131h06');
  assert.equal(partitionName(t, 'hourly6'), 'sessions3-240131h06');
  assert.equal(partitionName(t, 'hourly12'), 'sessions3-240131h00');
  assert.equal(partitionName(t, 'weekly'), 'sessions3-24w04');
  assert.equal(partitionName(t, 'monthly'), 'sessions3-24m01');
  assert.equal(partitionName(Date.UTC(2013, 10, 5), 'monthly'), 'sessions3-13m11');
  assert.equal(partitionName(Date.UTC(2024, 0, 7), 'weekly'), 'sessions3-24w00');
  assert.equal(partitionName(Date.UTC(2024, 0, 8), 'weekly'), 'sessions3-24w01');
  assert.deepEqual(partitionRange('sessions3-240131'), { start: Date.UTC(2024, 0, 31), end: Date.UTC(2024, 1, 1) });
  assert.deepEqual(partitionRange('sessions3-24m12'), { start: Date.UTC(2024, 11, 1), end: Date.UTC(2025, 0, 1) });
  const id = newSessionId('240131');
  assert.match(id, /^240131-[A-Za-z0-9_-]{24}$/);
  assert.equal(id.length, 31);
  assert.notEqual(newSessionId('240131'), id);
});

test('every corpus session body round-trips exactly', async () => {
  const bodies = corpusBodies();
  assert.ok(bodies.length > 500, `corpus has ${bodies.length} sessions`);
  const dir = tmpDir('roundtrip');
  const store = await EmbeddedSessionStore.open(dir, { rotateIndex: 'monthly', registry: testRegistry() });
  try {
    // ids given, so each hit can be matched to its source document
    store.append(bodies.map((b, i) => ({ ...b.body, _id: `doc-${i}` })));
    await store.flush();
    assert.equal(await store.count(), bodies.length);
    const hits = await store.search({});
    assert.equal(hits.length, bodies.length);
    for (const h of hits) {
      const i = Number(h.id.slice(4));
      assert.deepStrictEqual(h.doc, bodies[i].body, `${bodies[i].file} session ${i}`);
      assert.equal(h.index, partitionName(bodies[i].body.lastPacket as number, 'monthly'));
    }
    // registry fields became columns and are queryable, object fields flattened across objects
    const cols = store.columns();
    for (const c of ['source.ip', 'source.ip#n', 'http.host', 'http.hostCnt', 'dns.host', 'dns.ip#n', 'packetPos', '_extra', 'dns', 'cert'])
      assert.ok(cols.has(c), `column ${c}`);
    const dnsMx = await store.count(`list_contains("dns.host", 'mx.com')`);
    assert.ok(dnsMx >= 1);
    const adb = bodies.filter((b) => (b.body.adb as Record<string, unknown> | undefined)?.['sync.operation']).length;
    assert.equal(await store.count(`len("adb.sync.operation") > 0`), adb);
  } finally {
    await store.close();
  }
  // a second process-like reader with the plain core registry still rebuilds every document
  const reader = await EmbeddedSessionStore.open(dir, { rotateIndex: 'monthly', registry: fields, readOnly: true });
  try {
    const hits = await reader.search({ sort: '"_id"' });
    for (const h of hits) assert.deepStrictEqual(h.doc, bodies[Number(h.id.slice(4))].body);
  } finally {
    await reader.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('ids are generated per Arkime 1.2 and partitions follow lastPacket', async () => {
  const dir = tmpDir('ids');
  const store = await EmbeddedSessionStore.open(dir, { rotateIndex: 'daily', registry: fields });
  try {
    const t1 = Date.UTC(2024, 0, 31, 23, 59, 59);
    const t2 = Date.UTC(2024, 1, 1, 0, 0, 1);
    store.append([
      { firstPacket: t1 - 5000, lastPacket: t1, source: { ip: '10.0.0.1', port: 1 }, node: 'n1' },
      { firstPacket: t1 - 5000, lastPacket: t2, source: { ip: '10.0.0.2', port: 2 }, node: 'n1' },
    ]);
    await store.flush();
    const parts = store.partitions();
    assert.deepEqual(parts.map((p) => [p.name, p.sessions]), [['sessions3-240131', 1], ['sessions3-240201', 1]]);
    const hits = await store.search({ sort: '"lastPacket"' });
    assert.match(hits[0].id, /^240131-[A-Za-z0-9_-]{24}$/);
    assert.match(hits[1].id, /^240201-[A-Za-z0-9_-]{24}$/);
    // bounding: last within Jan 31 only finds the first; either finds both
    const s = Date.UTC(2024, 0, 31) / 1000; const e = Date.UTC(2024, 0, 31, 23, 59, 59, 999) / 1000;
    assert.equal(await store.count('', [], { start: s, stop: e }), 1);
    assert.equal(await store.count('', [], { start: s, stop: e, bounding: 'either' }), 2);
    assert.equal(await store.count('', [], { start: s, stop: e, bounding: 'both' }), 1);
    assert.equal(await store.count('', [], { start: e + 1, stop: e + 3600, bounding: 'first' }), 0);
    assert.equal(await store.count(`"source.ip#n" = $1`, ['00000000000000000000ffff0a000002']), 1);
    // flush with nothing pending is a no-op
    const before = fs.readFileSync(path.join(dir, 'sessions3-240131', 'manifest.json'), 'utf8');
    await store.flush();
    assert.equal(fs.readFileSync(path.join(dir, 'sessions3-240131', 'manifest.json'), 'utf8'), before);
    await store.deletePartition('sessions3-240131');
    assert.equal(await store.count(), 1);
    await store.wipe();
    assert.equal(await store.count(), 0);
    assert.equal(await store.count(`"tags" IS NOT NULL`), 0); // registry columns no segment has are typed NULLs
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
