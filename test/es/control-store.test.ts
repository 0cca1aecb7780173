// One contract, two control stores: the same calls give the same answers from control.sqlite
// and from Arkime's admin indices on the real cluster (ELASTICSEARCH_URL; a fresh prefix,
// deleted afterwards). Every method of ControlStore is exercised.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ControlStore } from '../../db/backend/control-store.js';
import { Config } from '../../db/config.js';
import * as esAdmin from '../../db/es/admin.js';
import { connectEs } from '../../db/es/client.js';
import { EsControlStore } from '../../db/es/es-control-store.js';
import { esSettings } from '../../db/es/settings.js';
import { fields } from '../../db/fields/registry.js';
import '../../db/fields/core.js';
import { SqliteControlStore } from '../../db/store/sqlite-control-store.js';
import { clusterUrl, deletePrefix, uniquePrefix } from '../support/cluster.js';
import { captureRequestContract } from '../support/capture-request-contract.js';

interface Opened { store: ControlStore; done(): Promise<void> }

async function contract(open: () => Promise<Opened>): Promise<void> {
  const { store: cs, done } = await open();
  try {
    // sequences: per name, from 1
    assert.equal(await cs.nextFileNum('n1'), 1);
    assert.equal(await cs.nextFileNum('n1'), 2);
    assert.equal(await cs.nextFileNum('n2'), 1);
    assert.equal(await cs.nextSequence('other'), 1);

    // files
    const f1 = await cs.registerFile({ node: 'n1', num: 1, name: '/data/n1-240131-1.pcap', first: 1706659200, locked: 0, filesize: 0, packetPosEncoding: 'gap0' });
    assert.equal(f1.id, 'n1-1');
    await cs.registerFile({ node: 'n1', num: 2, name: '/data/n1-240131-2.pcap', first: 1706659300, locked: 1 });
    await cs.registerFile({ node: 'n2', num: 1, name: '/other/n2[1].pcap', first: 1706659400, locked: 1 });
    await assert.rejects(cs.registerFile({ node: '', num: 1, name: 'x' }), /needs node, num and name/);
    const up = await cs.updateFile('n1-1', { filesize: 1234, packets: 7, finishTimestamp: 1706659500 });
    assert.equal(up.filesize, 1234); assert.equal(up.name, '/data/n1-240131-1.pcap'); assert.equal(up.id, 'n1-1');
    await assert.rejects(cs.updateFile('n9-9', { filesize: 1 }), /no file with id n9-9/);
    assert.equal((await cs.fileById('n1-1'))?.packets, 7);
    assert.equal((await cs.fileByNum('n1', 2))?.locked, 1);
    assert.equal(await cs.fileByNum('n1', 3), undefined);
    assert.equal((await cs.fileByName('/data/n1-240131-1.pcap'))?.packetPosEncoding, 'gap0');
    assert.equal(await cs.fileByName('/nope.pcap'), undefined);
    assert.deepEqual((await cs.filesByName('/data/n1-*.pcap')).map((x) => x.id), ['n1-1', 'n1-2']);
    assert.deepEqual((await cs.filesByName('/other/n2[1].pcap')).map((x) => x.id), ['n2-1']);
    assert.deepEqual((await cs.filesByName('/other/*[1]*')).map((x) => x.id), ['n2-1']);
    assert.deepEqual((await cs.filesByName('/data/n1-240131-?.pcap')).map((x) => x.id), ['n1-1', 'n1-2']);
    assert.deepEqual((await cs.listFiles()).map((x) => x.id), ['n1-1', 'n1-2', 'n2-1']);
    assert.deepEqual((await cs.listFiles('n1')).map((x) => x.num), [1, 2]);
    assert.equal(await cs.deleteFile('n1-2'), true);
    assert.equal(await cs.deleteFile('n1-2'), false);
    assert.deepEqual((await cs.listFiles('n1')).map((x) => x.id), ['n1-1']);

    // stats and dstats
    await cs.putStats('n2', { nodeName: 'n2', hostname: 'h2', currentTime: 1706659260, totalPackets: 5 });
    await cs.putStats('n1', { nodeName: 'n1', hostname: 'h1', currentTime: 1706659260, totalPackets: 3 });
    await cs.putStats('n1', { nodeName: 'n1', hostname: 'h1', currentTime: 1706659262, totalPackets: 4 });
    assert.equal((await cs.getStats('n1'))?.totalPackets, 4);
    assert.equal(await cs.getStats('n3'), undefined);
    assert.deepEqual((await cs.allStats()).map((s) => s.nodeName), ['n1', 'n2']);
    const id = await cs.putDStats('n1', 60, { currentTime: 1706659260, deltaPackets: 3 });
    assert.equal(id, `n1-${Math.floor(1706659260 / 60) % 1440}-60`);
    await cs.putDStats('n1', 60, { currentTime: 1706659320, deltaPackets: 4 });
    await cs.putDStats('n1', 5, { currentTime: 1706659320, deltaPackets: 9 });
    await cs.putDStats('n2', 60, { currentTime: 1706659320, deltaPackets: 1 });
    const d = await cs.dstats('n1', 60, 0, 2e9);
    assert.deepEqual(d.map((x) => x.deltaPackets), [3, 4]);
    assert.equal(d[0].nodeName, 'n1'); assert.equal(d[0].interval, 60);
    assert.deepEqual((await cs.dstats('n1', 60, 1706659300, 2e9)).map((x) => x.deltaPackets), [4]);
    await cs.deleteStats('n1');
    assert.equal(await cs.getStats('n1'), undefined);
    assert.deepEqual(await cs.dstats('n1', 60, 0, 2e9), []);
    assert.equal((await cs.dstats('n2', 60, 0, 2e9)).length, 1, 'other nodes keep theirs');

    // fields
    await cs.publishFields([{ exp: 'ip.src', dbField: 'source.ip', type: 'ip', friendlyName: 'Src IP' }, { expression: 'host.http', dbField: 'http.host', type: 'termfield' }]);
    await cs.publishFields([{ exp: 'ip.src', dbField: 'source.ip', type: 'ip', friendlyName: 'Source IP' }]);
    const pub = await cs.publishedFields();
    assert.deepEqual(pub.map((x) => x.dbField), ['http.host', 'source.ip']);
    assert.equal(pub[1].friendlyName, 'Source IP');
    await assert.rejects(cs.publishFields([{ dbField: 'x' }]), /without expression/);

    // users
    await cs.createUser({ userId: 'admin', userName: 'Admin', passHash: '$2b$hash', roles: ['superAdmin'], apiKey: 'k1' });
    await cs.createUser({ userId: 'bob', roles: ['arkimeUser'], expression: 'port.dst == 80', settings: { theme: 'dark' } });
    await assert.rejects(cs.createUser({ userId: 'bob' }), /user bob already exists/);
    const admin = await cs.getUser('admin');
    assert.equal(admin?.passHash, '$2b$hash'); assert.deepEqual(admin?.roles, ['superAdmin']); assert.equal(admin?.enabled, true);
    assert.deepEqual(admin?.settings, {});
    assert.equal((await cs.getUserByApiKey('k1'))?.userId, 'admin');
    assert.equal(await cs.getUserByApiKey('nope'), undefined);
    assert.equal(await cs.getUser('nobody'), undefined);
    assert.deepEqual((await cs.listUsers()).map((u) => u.userId), ['admin', 'bob']);
    const bob = await cs.updateUser('bob', { enabled: false, settings: { tz: 'utc' }, expression: undefined, apiKey: 'k2' });
    assert.equal(bob.enabled, false); assert.deepEqual(bob.settings, { tz: 'utc' }, 'objects replaced, not merged');
    assert.equal(bob.expression, undefined); assert.deepEqual(bob.roles, ['arkimeUser']);
    assert.equal((await cs.getUserByApiKey('k2'))?.userId, 'bob');
    // an API key's Packets-at-REST scope: lists survive the round trip, a new scope replaces the old
    await cs.updateUser('bob', { apiKey: 'k3', apiKeyNodes: ['node-a', 'node-b'], apiKeyAllow: ['10.0.0.0/8', '127.0.0.1'] });
    const scoped = await cs.getUserByApiKey('k3');
    assert.deepEqual([scoped?.userId, scoped?.apiKeyNodes, scoped?.apiKeyAllow], ['bob', ['node-a', 'node-b'], ['10.0.0.0/8', '127.0.0.1']]);
    assert.equal(await cs.getUserByApiKey('k2'), undefined, 'the old key is gone');
    await cs.updateUser('bob', { apiKey: 'k2', apiKeyNodes: ['node-c'], apiKeyAllow: [] });
    const narrowed = await cs.getUser('bob');
    assert.deepEqual([narrowed?.apiKeyNodes, narrowed?.apiKeyAllow], [['node-c'], []]);
    await assert.rejects(cs.updateUser('nobody', { enabled: true }), /no user nobody/);
    assert.equal(await cs.deleteUser('bob'), true);
    assert.equal(await cs.deleteUser('bob'), false);
    assert.deepEqual((await cs.listUsers()).map((u) => u.userId), ['admin']);

    // views
    const v1 = await cs.createView({ user: 'admin', name: 'web', expression: 'port.dst == 80', shared: true });
    const v2 = await cs.createView({ user: 'admin', name: 'dns', expression: 'port.dst == 53' });
    assert.equal(typeof v1, 'string');
    const upv = await cs.updateView(v1, { expression: 'port.dst == 443' });
    assert.equal(upv.expression, 'port.dst == 443'); assert.equal(upv.id, v1); assert.equal(upv.name, 'web');
    assert.equal((await cs.getView(v1))?.expression, 'port.dst == 443');
    assert.equal(await cs.getView('999999'), undefined);
    assert.deepEqual((await cs.listViews()).map((v) => v.name), ['dns', 'web']);
    assert.deepEqual((await cs.listViews('admin')).map((v) => v.id), [v2, v1]);
    assert.deepEqual((await cs.listViews('other')).map((v) => v.name), ['web'], 'shared views only');
    await assert.rejects(cs.updateView('999999', { name: 'x' }), /no view 999999/);
    assert.equal(await cs.deleteView(v1), true);
    assert.equal(await cs.deleteView(v1), false);

    // history (seconds, as Arkime writes it)
    const now = Math.floor(Date.now() / 1000);
    const old = now - 20 * 7 * 86400;
    const h1 = await cs.addHistory({ timestamp: now - 100, userId: 'admin', api: '/api/sessions', query: 'x' });
    await cs.addHistory({ timestamp: now - 50, userId: 'bob', api: '/api/spiview' });
    await cs.addHistory({ timestamp: old, userId: 'admin', api: '/api/old' });
    assert.deepEqual((await cs.listHistory({ userId: 'admin' })).map((h) => h.api), ['/api/sessions', '/api/old']);
    assert.deepEqual((await cs.listHistory({ since: now - 60 })).map((h) => h.userId), ['bob']);
    assert.deepEqual((await cs.listHistory({ limit: 2 })).map((h) => h.api), ['/api/spiview', '/api/sessions']);
    assert.equal((await cs.listHistory({ userId: 'admin' }))[0].query, 'x');
    const cutoff = (now - 13 * 7 * 86400) * 1000;
    assert.equal(await cs.expireHistory(cutoff, { dryRun: true }), 1);
    assert.equal((await cs.listHistory()).length, 3, 'dry run deletes nothing');
    assert.equal(await cs.expireHistory(cutoff), 1);
    assert.deepEqual((await cs.listHistory()).map((h) => h.api), ['/api/spiview', '/api/sessions']);
    assert.equal(await cs.deleteHistory(h1), true);
    assert.equal(await cs.deleteHistory(h1), false);
    assert.deepEqual((await cs.listHistory()).map((h) => h.api), ['/api/spiview']);
    assert.ok(cs.where.length > 0);

    await captureRequestContract(cs);
  } finally {
    await cs.close();
    await done();
  }
}

test('control store contract: SQLite in dataDir', async () => {
  await contract(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-control-contract-'));
    return { store: SqliteControlStore.open(dir), done: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  });
});

test('control store contract: Arkime admin indices on the cluster', { timeout: 120e3 }, async () => {
  const prefix = uniquePrefix('ctl');
  const config = Config.fromText(`[default]\nelasticsearch=${clusterUrl()}\nprefix=${prefix}\n`, 'n1');
  const api = await connectEs(esSettings(config));
  try {
    await esAdmin.upgrade(api, fields);
    // the admin indices as Arkime names them: versioned, used through the unversioned alias
    const aliases = await api.request<Record<string, { aliases: Record<string, unknown> }>>({ method: 'GET', path: `/${prefix}*/_alias` });
    for (const [real, alias] of [['files_v30', 'files'], ['sequence_v30', 'sequence'], ['stats_v30', 'stats'], ['dstats_v30', 'dstats'],
      ['fields_v30', 'fields'], ['users_v30', 'users'], ['views_v40', 'views'], ['queries_v30', 'queries'], ['lookups_v30', 'lookups'],
      ['hunts_v30', 'hunts'], ['notifiers_v40', 'notifiers']]) {
      assert.ok(aliases[prefix + real]?.aliases[prefix + alias], `${prefix}${real} aliased ${prefix}${alias}`);
    }
    assert.deepEqual(await esAdmin.upgrade(api, fields), [], 'upgrade is idempotent');
    await contract(async () => ({ store: new EsControlStore(api), done: async () => undefined }));
    // Arkime's shapes where its viewer and db.pl look: ids and sources
    const seq = await api.request({ method: 'GET', path: `/${prefix}sequence/_doc/fn-n1` });
    assert.equal(seq._version, 2);
    const file = await api.request({ method: 'GET', path: `/${prefix}files/_doc/n1-1` });
    assert.equal(file._index, `${prefix}files_v30`);
    assert.deepEqual(Object.keys(file._source).sort(), ['filesize', 'finishTimestamp', 'first', 'locked', 'name', 'node', 'num', 'packetPosEncoding', 'packets']);
    const user = await api.request({ method: 'GET', path: `/${prefix}users/_doc/admin` });
    assert.equal(user._source.userId, 'admin');
    const hist = await api.request({ method: 'GET', path: `/_cat/indices/${prefix}history_v1-*`, query: { format: 'json', h: 'index' } });
    assert.ok((hist as { index: string }[]).every((h) => /history_v1-\d\dw\d\d$/.test(h.index)), JSON.stringify(hist));
    // a cluster never initialised: a clear error, and no index created under the alias's name
    const bare = new EsControlStore(await connectEs(esSettings(Config.fromText(`[default]\nelasticsearch=${clusterUrl()}\nprefix=${prefix}none\n`, 'n1'))), true);
    await assert.rejects(bare.registerFile({ node: 'x', num: 1, name: '/x.pcap' }), /admin indices are missing.*packrat db init/);
    await bare.close();
    const none = await api.request({ method: 'GET', path: `/_cat/indices/${prefix}none*`, query: { format: 'json', h: 'index' } }, [404]);
    assert.deepEqual(Array.isArray(none) ? none : [], []);
  } finally {
    await deletePrefix(api, prefix);
    await api.close();
  }
});
