// `packrat capture` with `elasticsearch=` sends its sessions through the bulk sink: the mock
// server must receive one document per session, in the index its lastPacket names. And
// `packrat db init` / `info` work through the command line. (What we send, not what ES does.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startMockEs } from './mock-es.js';

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}
const root = repoRoot();

function packrat(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(root, 'bin/packrat'), ...args]);
    let out = '', err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

test('capture -r into the ES sink, db init and info through the command line', async () => {
  const es = await startMockEs();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-es-cap-'));
  const cfg = path.join(dir, 'config.ini');
  fs.writeFileSync(cfg, `[default]\nelasticsearch=${es.url}\nprefix=tests\ndataDir=${dir}/data\nrotateIndex=monthly\n`);
  try {
    const init = await packrat(['db', '-c', cfg, '-n', 'test', 'init']);
    assert.equal(init.code, 0, init.err);
    assert.match(init.out, /elasticsearch 8\.15\.0: schema 0 -> \d+, prefix 'tests_'/);
    const pcap = path.resolve(root, '../shared/conformance/pcaps/dns-mx.pcap');
    const cap = await packrat(['capture', '-c', cfg, '-n', 'test', '-r', pcap, '-q']);
    assert.equal(cap.code, 0, cap.err);
    // the capture registered its file and published its fields in the cluster, not in dataDir
    assert.ok(es.docs.has('tests_files/test-1'), [...es.docs.keys()].join(' '));
    assert.equal(es.docs.get('tests_sequence/fn-test')?.version, 1);
    assert.ok(es.bulk.some((l) => l.index === 'tests_fields' && l.id === 'ip.src'), 'fields published');
    assert.ok(!fs.existsSync(path.join(dir, 'data', 'control.sqlite')), 'no control.sqlite');
    const fieldLines = es.bulk.filter((l) => l.index === 'tests_fields').length;
    es.bulk.splice(0, es.bulk.length, ...es.bulk.filter((l) => l.index !== 'tests_fields'));
    assert.ok(fieldLines > 100 && es.bulk.length >= 1, 'sessions arrived');
    for (const l of es.bulk) {
      assert.match(l.index, /^tests_sessions3-\d\dm\d\d$/);
      assert.match(l.id, /^\d\dm\d\d-/);
      assert.equal(l.doc.node, 'test');
      assert.equal(typeof l.doc.lastPacket, 'number');
    }
    assert.equal(new Set(es.bulk.map((l) => l.id)).size, es.bulk.length);
    es.indices.set(es.bulk[0].index, { docs: es.bulk.length, body: {} });
    const info = await packrat(['db', '-c', cfg, '-n', 'test', 'info']);
    assert.equal(info.code, 0, info.err);
    assert.match(info.out, new RegExp(`${es.bulk[0].index}\\t${es.bulk.length} sessions`));
  } finally { await es.close(); }
});
