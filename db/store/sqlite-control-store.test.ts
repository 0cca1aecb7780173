import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteControl, CONTROL_SCHEMA_VERSION } from './sqlite-control-store.js';

const here = fileURLToPath(import.meta.url);

// child mode: take `n` file numbers for node "shared" and print them
if (process.env.CONTROL_CHILD_DIR) {
  const cs = SqliteControl.open(process.env.CONTROL_CHILD_DIR);
  const nums: number[] = [];
  for (let i = 0; i < Number(process.env.CONTROL_CHILD_N); i++) {
    const num = cs.nextFileNum('shared');
    cs.registerFile({ node: 'shared', num, name: `/pcap/shared-${num}.pcap` });
    nums.push(num);
  }
  cs.close();
  process.stdout.write(JSON.stringify(nums));
} else {
  test('control store: files, sequence, stats, fields, users, views, history', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-control-'));
    try {
      let cs = SqliteControl.open(dir);
      assert.equal(cs.schemaVersion(), CONTROL_SCHEMA_VERSION);
      assert.equal(cs.nextFileNum('n1'), 1);
      assert.equal(cs.nextFileNum('n1'), 2);
      assert.equal(cs.nextFileNum('n2'), 1);
      const f = cs.registerFile({ node: 'n1', num: 2, name: '/data/n1-240131-2.pcap', first: 1706659200, locked: 1, filesize: 0, packetPosEncoding: 'gap0' });
      assert.equal(f.id, 'n1-2');
      cs.updateFile('n1-2', { filesize: 12345, packets: 10, finishTimestamp: 1706659300000 });
      assert.equal(cs.fileByNum('n1', 2)?.filesize, 12345);
      assert.equal(cs.fileByName('/data/n1-240131-2.pcap')?.packetPosEncoding, 'gap0');
      cs.registerFile({ node: 'n1', num: 3, name: '/data/other[1].pcap' });
      assert.deepEqual(cs.filesByName('/data/n1-*.pcap').map((x) => x.id), ['n1-2']);
      assert.deepEqual(cs.filesByName('/data/other[1].pcap').map((x) => x.id), ['n1-3']);
      assert.deepEqual(cs.filesByName('/data/*[1]*').map((x) => x.id), ['n1-3']);
      assert.throws(() => cs.updateFile('nope-1', {}), /no file with id nope-1/);
      assert.throws(() => cs.registerFile({ node: '', num: 1, name: 'x' }), /needs node, num and name/);

      cs.putStats('n1', { nodeName: 'n1', totalPackets: 5 });
      assert.equal(cs.getStats('n1')?.totalPackets, 5);
      const id = cs.putDStats('n1', 60, { currentTime: 1706659260, deltaPackets: 3 });
      assert.equal(id, `n1-${Math.floor(1706659260 / 60) % 1440}-60`);
      assert.equal(cs.dstats('n1', 60, 0, 2e9).length, 1);

      cs.publishFields([{ exp: 'host.http', dbField: 'http.host', type: 'lotermfield' }]);
      cs.publishFields([{ exp: 'host.http', dbField: 'http.host', type: 'termfield' }]);
      assert.deepEqual(cs.publishedFields().map((x) => x.type), ['termfield']);

      cs.createUser({ userId: 'admin', userName: 'Admin', passHash: '$2b$...', roles: ['superAdmin'], apiKey: 'k1', settings: { theme: 'dark' } });
      assert.throws(() => cs.createUser({ userId: 'admin' }), /already exists/);
      assert.deepEqual(cs.getUser('admin')?.roles, ['superAdmin']);
      assert.equal(cs.getUserByApiKey('k1')?.userId, 'admin');
      cs.updateUser('admin', { enabled: false, expression: 'port.dst == 80' });
      const u = cs.getUser('admin')!;
      assert.equal(u.enabled, false);
      assert.equal(u.expression, 'port.dst == 80');
      assert.deepEqual(u.settings, { theme: 'dark' });
      assert.equal(cs.listUsers().length, 1);

      const v = cs.createView({ user: 'admin', name: 'web', expression: 'port.dst == 80', shared: true });
      cs.updateView(v, { expression: 'port.dst == 443' });
      assert.equal(cs.getView(v)?.expression, 'port.dst == 443');
      assert.equal(cs.listViews('other').length, 1); // shared
      assert.ok(cs.deleteView(v));

      cs.addHistory({ timestamp: 100, userId: 'admin', api: '/api/sessions', query: 'x' });
      cs.addHistory({ timestamp: 200, userId: 'bob', api: '/api/spiview' });
      assert.deepEqual(cs.listHistory({ userId: 'admin' }).map((h) => h.api), ['/api/sessions']);
      assert.equal(cs.listHistory({ since: 150 }).length, 1);
      cs.close();

      // reopening runs no migration twice and keeps the data
      cs = SqliteControl.open(dir);
      assert.equal(cs.schemaVersion(), CONTROL_SCHEMA_VERSION);
      assert.equal(cs.nextFileNum('n1'), 3);
      assert.equal(cs.listFiles('n1').length, 2);
      cs.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('two processes share one control store without losing a sequence number', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-control2-'));
    try {
      SqliteControl.open(dir).close();
      const run = () => new Promise<number[]>((resolve, reject) => {
        execFile(process.execPath, [here], { env: { ...process.env, CONTROL_CHILD_DIR: dir, CONTROL_CHILD_N: '200' } },
          (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout) as number[])));
      });
      const [a, b] = await Promise.all([run(), run()]);
      const all = [...a, ...b].sort((x, y) => x - y);
      assert.deepEqual(all, Array.from({ length: 400 }, (_, i) => i + 1));
      const cs = SqliteControl.open(dir);
      assert.equal(cs.listFiles('shared').length, 400);
      cs.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}
