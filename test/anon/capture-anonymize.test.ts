// Capture-time anonymisation (anonymize=true): `capture -r` without --copy writes an anonymised
// copy into pcapDir and points the sessions at it; neither the store nor pcapDir holds an original
// address; the sessions are the same as a plain import's, with every address the Crypto-PAn image.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { fields } from '../../db/fields/registry.js';
import { EmbeddedSessionStore } from '../../db/store/session-store.js';
import { pcapBytes } from '../../capture/synth/traffic.js';
import { CryptoPAn } from '../../db/anon/crypto-pan.js';
import { packrat } from '../support/json-capture.js';
import { addressesIn, anonTraffic, tsharkChecksums, V4, V6 } from '../support/anon-traffic.js';
import '../../capture/pipeline/setup.js';

const run = promisify(execFile);
const key = randomBytes(32).toString('hex');

function lab(extra: string) {
  const dir = mkdtempSync(join(tmpdir(), 'packrat-anon-'));
  const l = { dir, dataDir: join(dir, 'data'), rawDir: join(dir, 'raw'), config: join(dir, 'config.ini'), input: join(dir, 'in.pcap') };
  mkdirSync(l.rawDir);
  writeFileSync(l.config, `[default]\ndataDir=${l.dataDir}\npcapDir=${l.rawDir}\npacketThreads=2\n${extra}`);
  writeFileSync(l.input, pcapBytes(anonTraffic()));
  return l;
}

async function docs(dataDir: string): Promise<Record<string, any>[]> {
  const store = await EmbeddedSessionStore.open(dataDir, { rotateIndex: 'daily', registry: fields, readOnly: true });
  try { return (await store.search({ sort: '"firstPacket"' })).map((h) => h.doc); } finally { await store.close(); }
}

function filesUnder(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) { const p = join(dir, n); if (statSync(p).isDirectory()) filesUnder(p, out); else out.push(p); }
  return out;
}

test('anonymize=true: capture -r stores and writes no original address, same sessions as a plain import', async () => {
  const plain = lab('');
  const anon = lab(`anonymize=true\nanonymizeKey=${key}\n`);
  await run(packrat, ['capture', '-c', plain.config, '-n', 't', '-r', plain.input, '-q']);
  const r = await run(packrat, ['capture', '-c', anon.config, '-n', 't', '-r', anon.input], { encoding: 'utf8' });
  assert.match(r.stderr, /anonymize=true: importing as --copy/);
  const want = await docs(plain.dataDir), got = await docs(anon.dataDir);
  assert.ok(want.length >= 8, `${want.length} sessions`);
  assert.equal(got.length, want.length);
  const sum = (ds: Record<string, any>[], f: string) => ds.reduce((n, d) => n + (d.network?.[f] ?? 0), 0);
  assert.equal(sum(got, 'packets'), sum(want, 'packets'));
  assert.equal(sum(got, 'bytes'), sum(want, 'bytes'));
  const cp = new CryptoPAn(Buffer.from(key, 'hex'));
  const pairs = (ds: Record<string, any>[], map: (a: string) => string) =>
    ds.map((d) => `${map(d.source?.ip)} ${d.source?.port ?? ''} > ${map(d.destination?.ip)} ${d.destination?.port ?? ''} ${d.network.packets}`).sort();
  assert.deepEqual(pairs(got, (a) => a), pairs(want, (a) => (a === undefined ? a : cp.anonymizeText(a)!)));
  // no original address in any document
  const text = JSON.stringify(got);
  assert.deepEqual([...V4, ...V6].filter((a) => text.includes(`"${a}"`)), []);
  assert.ok([...V4, ...V6].some((a) => JSON.stringify(want).includes(`"${a}"`)), 'the plain import holds them (the check can fail)');
  // pcapDir holds the anonymised copy, sound for tshark, with none of the original addresses
  const pcaps = filesUnder(anon.rawDir);
  assert.equal(pcaps.length, 1);
  assert.deepEqual(addressesIn(readFileSync(pcaps[0])), []);
  assert.ok(addressesIn(readFileSync(anon.input)).length >= 6);
  const ck = tsharkChecksums(pcaps[0]);
  assert.deepEqual(ck.badFrames, []);
  assert.ok(ck.good > 20);
  // nor any file of the store (Parquet segments, SQLite control data), as raw bytes
  for (const f of filesUnder(anon.dataDir)) {
    const b = readFileSync(f);
    assert.deepEqual(addressesIn(b), [], f);
    assert.deepEqual([...V4, ...V6].filter((a) => b.includes(a)), [], f);
  }
  // sessions point at the copy, not the original
  assert.ok(got.every((d) => Array.isArray(d.packetPos) && d.packetPos[0] < 0));
  assert.equal(filesUnder(plain.rawDir).length, 0, 'a plain -r references its input in place');
});

test('anonymize=true with --json: the printed documents hold the anonymised addresses only', async () => {
  const plain = lab(''), anon = lab(`anonymize=true\nanonymizeKey=${key}\n`);
  const want = (await run(packrat, ['capture', '-c', plain.config, '-n', 't', '-r', plain.input, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 })).stdout;
  const got = (await run(packrat, ['capture', '-c', anon.config, '-n', 't', '-r', anon.input, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 })).stdout;
  assert.equal(got.trim().split('\n').length, want.trim().split('\n').length);
  assert.ok([...V4, ...V6].filter((a) => want.includes(`"${a}"`)).length >= 6);
  assert.deepEqual([...V4, ...V6].filter((a) => got.includes(`"${a}"`)), []);
  const cp = new CryptoPAn(Buffer.from(key, 'hex'));
  assert.ok(got.includes(`"${cp.anonymizeText(V4[3])}"`));
});

test('anonymize=true with a bad or missing anonymizeKey: capture refuses, naming the key', async () => {
  for (const extra of ['anonymize=true\n', 'anonymize=true\nanonymizeKey=0123\n']) {
    const l = lab(extra);
    const e = await run(packrat, ['capture', '-c', l.config, '-n', 't', '-r', l.input]).then(() => undefined, (x) => x as { code: number; stderr: string });
    assert.ok(e, 'capture failed');
    assert.equal(e.code, 1);
    assert.match(e.stderr, /anonymizeKey/);
    assert.doesNotMatch(e.stderr, /\n\s+at /, 'a message, not a stack trace');
  }
  // -r as --copy needs a pcapDir to copy into
  const l = lab('');
  writeFileSync(l.config, `[default]\ndataDir=${l.dataDir}\nanonymize=true\nanonymizeKey=${key}\n`);
  const e = await run(packrat, ['capture', '-c', l.config, '-n', 't', '-r', l.input]).then(() => undefined, (x) => x as { code: number; stderr: string });
  assert.equal(e?.code, 1);
  assert.match(e!.stderr, /anonymize=true imports -r files as --copy .* needs pcapDir=/);
});
