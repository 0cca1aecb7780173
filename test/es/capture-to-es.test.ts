// `packrat capture` with `elasticsearch=` sends its sessions through the bulk sink into the real
// cluster (ELASTICSEARCH_URL): one document per session, in the index its lastPacket names,
// with the same count the embedded store gets from the same pcap; `packrat db init` / `info`
// work through the command line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, runPackrat as packrat } from '../support/json-capture.js';
import { clusterUrl, dropPrefix, esJson, uniquePrefix } from '../support/cluster.js';


test('capture -r into the cluster, db init and info through the command line', { timeout: 5 * 60e3 }, async () => {
  const url = clusterUrl();
  const prefix = uniquePrefix('capes');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-es-cap-'));
  const cfg = path.join(dir, 'config.ini');
  fs.writeFileSync(cfg, `[default]\nelasticsearch=${url}\nprefix=${prefix}\ndataDir=${dir}/data\nrotateIndex=monthly\n`);
  const embeddedCfg = path.join(dir, 'embedded.ini');
  fs.writeFileSync(embeddedCfg, `[default]\ndataDir=${dir}/embedded\nrotateIndex=monthly\n`);
  const pcap = path.resolve(repoRoot, '../shared/conformance/pcaps/dns-mx.pcap');
  try {
    const init = await packrat(['db', '-c', cfg, '-n', 'test', 'init']);
    assert.equal(init.code, 0, init.err);
    assert.match(init.out, new RegExp(`(opensearch|elasticsearch) \\d+\\.\\d+\\.\\d+: schema 0 -> \\d+, prefix '${prefix}'`));
    const cap = await packrat(['capture', '-c', cfg, '-n', 'test', '-r', pcap, '-q']);
    assert.equal(cap.code, 0, cap.err);
    assert.match(cap.err, /elasticsearch: (\d+) documents, \1 indexed, 0 refused/);
    const emb = await packrat(['capture', '-c', embeddedCfg, '-n', 'test', '-r', pcap, '-q']);
    assert.equal(emb.code, 0, emb.err);
    const expected = Number((await packrat(['query', '-c', embeddedCfg, '--count', ''])).out.trim());
    await esJson(url, 'POST', `/${prefix}sessions3-*/_refresh`);
    const r = await esJson(url, 'POST', `/${prefix}sessions3-*/_search`, { size: 1000 });
    const hits = r.hits.hits as { _index: string; _id: string; _source: Record<string, unknown> }[];
    assert.ok(hits.length >= 1, 'sessions arrived');
    assert.equal(hits.length, expected, 'as many sessions as the embedded store');
    for (const h of hits) {
      assert.match(h._index, new RegExp(`^${prefix}sessions3-\\d\\dm\\d\\d$`));
      assert.match(h._id, /^\d\dm\d\d-/);
      assert.equal(h._source.node, 'test');
      assert.equal(typeof h._source.lastPacket, 'number');
    }
    // the capture registered its file, numbered it and published its fields in the cluster's
    // admin indices (Arkime's ids), and made no control.sqlite
    await esJson(url, 'POST', `/${prefix}files,${prefix}fields/_refresh`);
    const file = await esJson(url, 'GET', `/${prefix}files/_doc/test-1`);
    assert.equal(file._source.name, pcap);
    assert.equal(file._source.node, 'test');
    assert.ok((await esJson(url, 'GET', `/${prefix}fields/_doc/ip.src`, undefined, [404])).found, 'fields published');
    assert.ok(!fs.existsSync(path.join(dir, 'data', 'control.sqlite')), 'no control.sqlite');
    const info = await packrat(['db', '-c', cfg, '-n', 'test', 'info']);
    assert.equal(info.code, 0, info.err);
    assert.match(info.out, new RegExp(`${hits[0]._index}\\t${hits.length} sessions`));
  } finally { await dropPrefix(url, prefix); }
});
