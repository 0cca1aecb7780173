// Exit status of `packrat` for cron and scripts: 0 only when every input went through, non-zero
// with a per-input summary (file, what, byte offset, sessions kept) otherwise; the rest of a batch
// still runs. Commands that read or write a store refuse to run without -c.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pcapBytes, sampleTraffic } from '../../capture/synth/traffic.js';
import { packrat } from '../support/json-capture.js';

interface Run { code: number; out: string; err: string }

function run(args: string[], cwd?: string): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [packrat, ...args], { cwd });
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

function lab() {
  const dir = mkdtempSync(join(tmpdir(), 'packrat-exit-'));
  const config = join(dir, 'config.ini');
  writeFileSync(config, `[default]\ndataDir=${join(dir, 'data')}\npacketThreads=1\n`);
  const good = join(dir, 'good.pcap');
  const bytes = pcapBytes(sampleTraffic(20));
  writeFileSync(good, bytes);
  // Cut 7 bytes into the last record: what a capture killed mid-write leaves.
  const truncated = join(dir, 'truncated.pcap');
  writeFileSync(truncated, bytes.subarray(0, bytes.length - 7));
  const notCapture = join(dir, 'notes.pcap');
  writeFileSync(notCapture, 'these are meeting notes, not packets\n');
  return { dir, config, good, truncated, notCapture, missing: join(dir, 'missing.pcap') };
}

async function count(config: string): Promise<number> {
  const r = await run(['query', '-c', config, '--count', 'packets >= 1']);
  assert.equal(r.code, 0, r.err);
  return Number(r.out.trim());
}

test('a clean import exits 0 and prints no failure summary', async () => {
  const l = lab();
  const r = await run(['capture', '-c', l.config, '-n', 't', '-r', l.good]);
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.err, /failed/);
  assert.equal(await count(l.config), 20);
});

test('a missing file exits 1 and names the file and why', async () => {
  const l = lab();
  const r = await run(['capture', '-c', l.config, '-n', 't', '-r', l.missing]);
  assert.equal(r.code, 1);
  assert.match(r.err, /1 of 1 input\(s\) failed; 0 session\(s\) kept/);
  assert.match(r.err, new RegExp(`${l.missing}: cannot open: no such file \\(ENOENT\\)`));
});

test('a file that is not a capture exits 1, naming its magic and offset 0', async () => {
  const l = lab();
  const r = await run(['capture', '-c', l.config, '-n', 't', '-r', l.notCapture]);
  assert.equal(r.code, 1);
  assert.match(r.err, new RegExp(`${l.notCapture}: unknown capture file format \\(magic 0x[0-9a-f]{8};.*at byte offset 0`));
});

test('a truncated capture exits 1 with the offset of the cut, and keeps the sessions before it', async () => {
  const l = lab();
  const r = await run(['capture', '-c', l.config, '-n', 't', '-r', l.truncated]);
  assert.equal(r.code, 1);
  assert.match(r.err, new RegExp(`${l.truncated}: truncated record: .* at byte offset \\d+`));
  assert.match(r.err, /1 of 1 input\(s\) failed; 20 session\(s\) kept/);
  assert.equal(await count(l.config), 20);
});

test('one bad input in a batch: the others are imported, the summary lists only the bad one, exit 1', async () => {
  const l = lab();
  const r = await run(['capture', '-c', l.config, '-n', 't', '-r', l.missing, l.good, l.notCapture]);
  assert.equal(r.code, 1);
  const summary = r.err.slice(r.err.indexOf('input(s) failed'));
  assert.match(summary, /^input\(s\) failed; 20 session\(s\) kept:/);
  assert.match(summary, /missing\.pcap/);
  assert.match(summary, /notes\.pcap/);
  assert.doesNotMatch(summary, /good\.pcap/);
  assert.match(r.err, /2 of 3 input\(s\) failed/);
  assert.equal(await count(l.config), 20);
});

test('--json on a truncated capture prints the documents before the cut and exits 1', async () => {
  const l = lab();
  const r = await run(['capture', '-n', 't', '--json', '-r', l.truncated, l.missing]);
  assert.equal(r.code, 1);
  assert.equal(r.out.trim().split('\n').length, 20);
  assert.match(r.err, /2 of 2 input\(s\) failed; 20 session\(s\) kept/);
});

test('-R with a folder holding a truncated file exits 1 (the folder import is a batch like -r)', async () => {
  const l = lab();
  const r = await run(['capture', '-c', l.config, '-n', 't', '-R', l.dir]);
  assert.equal(r.code, 1);
  assert.match(r.err, /truncated\.pcap: truncated record/);
  assert.match(r.err, /notes\.pcap: unknown capture file format/);
});

test('store commands without -c refuse, name the folder they would have used, and write nothing', async () => {
  const l = lab();
  const cwd = mkdtempSync(join(tmpdir(), 'packrat-noconf-'));
  for (const args of [['capture', '-r', l.good], ['db', 'info'], ['db', 'init'], ['query', '--count', '*'],
    ['user', 'add', 'eve', '--password', 'pw'], ['user', 'list'], ['viewer']]) {
    const r = await run(args, cwd);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, new RegExp(`${args[0]} needs -c CONFIG: it would otherwise use the store in ${cwd}/data`), args.join(' '));
  }
  assert.deepEqual(readdirSync(cwd), [], 'nothing written into the current folder');
  assert.equal(existsSync(join(cwd, 'data')), false);
});

test('commands that touch no store still run without -c (--json, --es-dsl)', async () => {
  const l = lab();
  const j = await run(['capture', '-n', 't', '--json', '-r', l.good]);
  assert.equal(j.code, 0, j.err);
  assert.equal(j.out.trim().split('\n').length, 20);
  const d = await run(['query', '--es-dsl', 'port == 80']);
  assert.equal(d.code, 0, d.err);
  assert.match(d.out, /"term"|"terms"|"bool"/);
});

test('demo names the folder, config and data directory it uses', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'packrat-demo-')), 'd');
  const r = await run(['demo', '--dir', dir, '--sessions', '5', '--no-viewer']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, new RegExp(`demo folder ${dir} \\(config ${dir}/config.ini, data ${dir}/data\\)`));
});
