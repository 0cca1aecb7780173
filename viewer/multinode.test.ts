// Signed viewer-to-viewer requests, the chunked pcap stream reader, and which node serves a session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Config } from '../db/config.js';
import { SqliteControl, SqliteControlStore } from '../db/store/sqlite-control-store.js';
import { PcapFiles } from './pcap-source.js';
import { PCAP_RECORD_HEADER_LEN, pcapHeaderBytes, u32, writeRecordHeader } from '../db/pcap/format.js';
import { MAX_SKEW_MS, ReplayGuard, signRequest, verifyRequest } from './multinode-auth.js';
import { firstFileNum, NodeLinks, PcapStreamReader, RemoteNodeError } from './multinode.js';

const PATH = '/api/internal/sessions/b/pcap?ids=x,y';

test('a signature verifies for the same method, path, body and secret within two minutes, once', () => {
  const now = 1_700_000_000_000;
  const h = signRequest('s3cret', 'GET', PATH, { timeMs: now });
  assert.deepEqual(verifyRequest('s3cret', 'GET', PATH, h, { now }), { ok: true });
  assert.deepEqual(verifyRequest('s3cret', 'get', PATH, h, { now: now + MAX_SKEW_MS }), { ok: true });
  const v = (r: ReturnType<typeof verifyRequest>) => (r.ok ? 200 : r.status);
  assert.equal(v(verifyRequest('other', 'GET', PATH, h, { now })), 401, 'wrong secret');
  assert.equal(v(verifyRequest('s3cret', 'POST', PATH, h, { now })), 401, 'other method');
  assert.equal(v(verifyRequest('s3cret', 'GET', PATH.replace('x,y', 'x,z'), h, { now })), 401, 'other query');
  assert.equal(v(verifyRequest('s3cret', 'GET', PATH, h, { now, body: Buffer.from('x') })), 401, 'a body added');
  const withBody = signRequest('s3cret', 'POST', PATH, { timeMs: now, body: Buffer.from('{"a":1}') });
  assert.equal(v(verifyRequest('s3cret', 'POST', PATH, withBody, { now, body: Buffer.from('{"a":1}') })), 200, 'body as signed');
  assert.equal(v(verifyRequest('s3cret', 'POST', PATH, withBody, { now, body: Buffer.from('{"a":2}') })), 401, 'other body');
  assert.equal(v(verifyRequest('s3cret', 'GET', PATH, h, { now: now + MAX_SKEW_MS + 1 })), 403, 'stale');
  assert.equal(v(verifyRequest('s3cret', 'GET', PATH, h, { now: now - MAX_SKEW_MS - 1 })), 403, 'from the future');
  assert.equal(v(verifyRequest('s3cret', 'GET', PATH, undefined, { now })), 401, 'unsigned');
  assert.equal(v(verifyRequest('s3cret', 'GET', PATH, 'v1 12 zz', { now })), 401, 'malformed');
  assert.equal(v(verifyRequest(undefined, 'GET', PATH, h, { now })), 403, 'no secret configured here');
  // a stale request signed with the wrong secret says 401: nothing is learned about the time check
  assert.equal(v(verifyRequest('s3cret', 'GET', PATH, signRequest('other', 'GET', PATH, { timeMs: now - 10 * MAX_SKEW_MS }), { now })), 401);
  const replay = new ReplayGuard();
  assert.equal(v(verifyRequest('s3cret', 'GET', PATH, h, { now, replay })), 200);
  assert.equal(v(verifyRequest('s3cret', 'GET', PATH, h, { now: now + 1000, replay })), 401, 'replayed');
  assert.equal(v(verifyRequest('s3cret', 'GET', PATH, signRequest('s3cret', 'GET', PATH, { timeMs: now }), { now, replay })), 200, 'a fresh nonce');
  assert.notEqual(signRequest('s3cret', 'GET', PATH, { timeMs: now }), signRequest('s3cret', 'GET', PATH, { timeMs: now }), 'every signature has its own nonce');
});

/** A pcap of `n` records with caplens 1..n*37 and distinct bytes. */
function samplePcap(n: number): { bytes: Buffer; records: Buffer[] } {
  const parts: Buffer[] = [Buffer.from(pcapHeaderBytes({ snaplen: 65535 }))];
  const records: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const len = 1 + ((i * 37) % 1600);
    const r = Buffer.alloc(PCAP_RECORD_HEADER_LEN + len);
    writeRecordHeader(r, 0, 1000 + i, i, len, len);
    for (let k = 0; k < len; k++) r[PCAP_RECORD_HEADER_LEN + k] = (i + k) & 0xff;
    records.push(r);
    parts.push(r);
  }
  return { bytes: Buffer.concat(parts), records };
}

test('the stream reader hands out every record whatever the chunk sizes', () => {
  const { bytes, records } = samplePcap(300);
  for (const size of [1, 7, 16, 24, 1000, 65536, bytes.length]) {
    const rd = new PcapStreamReader('test');
    const got: Buffer[] = [];
    for (let p = 0; p < bytes.length; p += size) {
      rd.push(bytes.subarray(p, p + size));
      for (let off = rd.next(); off >= 0; off = rd.next()) {
        got.push(Buffer.from(rd.buffer.subarray(off, off + PCAP_RECORD_HEADER_LEN + u32(rd.buffer, off + 8, true))));
      }
    }
    rd.finish();
    assert.equal(got.length, records.length, `chunk size ${size}`);
    assert.ok(got.every((g, i) => g.equals(records[i])), `chunk size ${size}: records differ`);
    assert.deepEqual(Buffer.from(rd.headerBytes), bytes.subarray(0, 24));
  }
});

test('the stream reader names a cut stream and a bad record with their offsets', () => {
  const { bytes } = samplePcap(3);
  const cut = new PcapStreamReader('viewer X');
  cut.push(bytes.subarray(0, bytes.length - 5));
  while (cut.next() >= 0) { /* take what is whole */ }
  assert.throws(() => cut.finish(), (e: Error) => e instanceof RemoteNodeError && /viewer X: pcap stream ends inside a record at byte offset \d+/.test(e.message));
  const bad = Buffer.from(bytes);
  bad.writeUInt32LE(0x7fffffff, 24 + 8); // first record's caplen
  const rd = new PcapStreamReader('viewer Y');
  rd.push(bad);
  assert.throws(() => rd.next(), /viewer Y: .* at byte offset 24 of the pcap stream/);
  const notPcap = new PcapStreamReader('viewer Z');
  notPcap.push(Buffer.from('{"success":false,"text":"nope"}'));
  assert.throws(() => notPcap.next(), /viewer Z: not a pcap stream/);
});

test('a session is read here unless another node owns a file this viewer cannot read', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-multinode-'));
  try {
    const control = SqliteControl.open(dir);
    const here = path.join(dir, 'here.pcap');
    fs.writeFileSync(here, pcapHeaderBytes());
    control.registerFile({ node: 'b', num: 1, name: here, first: 0, locked: 1, filesize: 24 });
    control.registerFile({ node: 'b', num: 2, name: path.join(dir, 'elsewhere.pcap'), first: 0, locked: 1, filesize: 24 });
    const config = Config.fromText('[default]\nserverSecret=x\n[b]\nviewUrl=http://b.example:8005/\n[c]\nnodeClass=remote\n[remote]\nviewUrl=http://c.example:8005\n', 'a');
    const links = new NodeLinks(config);
    const files = new PcapFiles(new SqliteControlStore(control));
    await files.prime(['a', 'b', 'c', 'd'].map((node) => ({ node, packetPos: [-1, -2, -7] })));
    assert.equal(links.secret, 'x');
    assert.equal(links.viewUrl('b'), 'http://b.example:8005');
    assert.equal(links.viewUrl('c'), 'http://c.example:8005', 'from the nodeClass section');
    assert.equal(links.viewUrl('d'), undefined);
    assert.equal(links.remoteFor('a', [-1, 24], files), undefined, 'own node');
    assert.equal(links.remoteFor('b', [-1, 24], files), undefined, 'readable here (shared host)');
    assert.equal(links.remoteFor('b', [-2, 24], files), 'http://b.example:8005', 'file registered but not readable here');
    assert.equal(links.remoteFor('c', [-7, 24], files), 'http://c.example:8005', 'file not registered here (another host)');
    assert.equal(links.remoteFor('d', [-7, 24], files), undefined, 'no viewUrl: read here, which reports the file gone');
    assert.equal(links.remoteFor('b', [], files), undefined, 'no packets');
    assert.equal(firstFileNum([5, -3, 24, -4]), 3);
    control.close();
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('asking another viewer without a serverSecret fails with a clear error', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-multinode-'));
  try {
    const control = SqliteControl.open(dir);
    const links = new NodeLinks(Config.fromText('[default]\n', 'a'));
    await assert.rejects(links.packetsJson('http://127.0.0.1:1', 'b', 'id', 10), (e: Error) => e instanceof RemoteNodeError && /serverSecret is not set/.test(e.message));
    const signed = new NodeLinks(Config.fromText('[default]\nserverSecret=x\n', 'a'), () => undefined);
    await assert.rejects(signed.packetsJson('http://127.0.0.1:1', 'b', 'id', 10), /viewer http:\/\/127.0.0.1:1 is unreachable/);
    control.close();
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('links scoped to an API key\'s nodes refuse to ask for another node\'s packets before any connection', async () => {
  const links = new NodeLinks(Config.fromText('[default]\nserverSecret=x\n', 'a'), () => undefined);
  assert.equal(links.scoped(undefined), links, 'no scope: the links themselves');
  const scoped = links.scoped(['a', 'c']);
  const refused = (e: Error & { status?: number }) => e.status === 403 && /API key is scoped to a, c: no packets of node b are fetched for it/.test(e.message);
  await assert.rejects(scoped.packetsJson('http://127.0.0.1:1', 'b', 'id', 10), refused);
  await assert.rejects(scoped.pcap('http://127.0.0.1:1', 'b', ['id']).next(), refused);
  // a node in scope goes on to the request (here: nobody listens)
  await assert.rejects(scoped.packetsJson('http://127.0.0.1:1', 'c', 'id', 10), /viewer http:\/\/127.0.0.1:1 is unreachable/);
  await assert.rejects(links.packetsJson('http://127.0.0.1:1', 'b', 'id', 10), /is unreachable/, 'the unscoped links are unchanged');
  assert.equal(scoped.node, 'a');
});
