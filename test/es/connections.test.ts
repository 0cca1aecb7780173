// Connections on the real cluster (ELASTICSEARCH_URL): with `sample` (what /api/connections asks
// for) only the first `size` sessions in sort order that have both fields make the graph, as in
// Arkime and the embedded store; without it every match is aggregated.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fields } from '../../db/fields/registry.js';
import '../../db/fields/core.js';
import '../../capture/parsers/index.js';
import { Config } from '../../db/config.js';
import { connectEs } from '../../db/es/client.js';
import { esSettings } from '../../db/es/settings.js';
import { init } from '../../db/es/admin.js';
import { EsSearchBackend } from '../../db/es/search-backend.js';
import { BulkIndexer } from '../../db/es/bulk-indexer.js';
import { RawHttp } from '../../db/es/http.js';
import { clusterUrl, dropPrefix, uniquePrefix } from '../support/cluster.js';

const T = Date.UTC(2024, 0, 31, 12);
const doc = (i: number, src: string, port: number | undefined, node: string, bytes: number) => ({
  firstPacket: T + i, lastPacket: T + i + 1, node, network: { bytes },
  source: { ip: src, port: 1000 + i }, destination: { ip: '10.0.0.2', ...(port === undefined ? {} : { port }) },
});

test('connections: a sample is the first sessions in sort order having both fields; without one, every match', async () => {
  const url = clusterUrl();
  const prefix = uniquePrefix('conn');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-es-conn-'));
  const http = new RawHttp({ nodes: [url], insecure: false, requestTimeoutMs: 30000 });
  const ix = new BulkIndexer({ http, prefix, rotateIndex: 'daily', bulkBytes: 100000, flushMs: 50, concurrency: 1, maxRetries: 3, spoolDir: dir, spoolMaxBytes: 1 << 20, gzip: true });
  const api = await connectEs(esSettings(Config.fromText(`[default]\nelasticsearch=${url}\nprefix=${prefix}\ndataDir=${dir}\n`)));
  try {
    await init(api, fields); // the sessions template: ips as ip, strings as keyword
    ix.add(doc(1, '10.0.0.1', 80, 'a', 10));
    ix.add(doc(2, '10.0.0.1', 80, 'b', 20));
    ix.add(doc(3, '10.0.0.3', undefined, 'a', 1)); // no destination port: not part of a sample
    ix.add(doc(4, '10.0.0.3', 80, 'a', 5));
    ix.add(doc(5, '10.0.0.1', 80, 'a', 40)); // beyond the first three
    await ix.drain();
    await api.request({ method: 'POST', path: `/${prefix}sessions3-*/_refresh` });
    const b = new EsSearchBackend(api, fields, { listFiles: async () => [] });
    const req = { src: 'source.ip', dst: 'destination.ip:port', sums: ['network.bytes'], limit: 100 };
    const sampled = await b.pairs({ expressions: [] }, { ...req, sample: { sort: [], size: 3 } });
    assert.deepEqual(sampled, [
      { src: '10.0.0.1', dst: '10.0.0.2:80', count: 2, nodes: ['a', 'b'], sums: [30] },
      { src: '10.0.0.3', dst: '10.0.0.2:80', count: 1, nodes: ['a'], sums: [5] },
    ]);
    const newest = await b.pairs({ expressions: [] }, { ...req, sample: { sort: [{ field: 'firstPacket', order: 'desc' }], size: 2 } });
    assert.deepEqual(newest.map((x) => [x.src, x.count, x.sums[0]]), [['10.0.0.1', 1, 40], ['10.0.0.3', 1, 5]]);
    const all = await b.pairs({ expressions: [] }, req);
    assert.deepEqual(all.map((x) => [x.src, x.dst, x.count, x.sums[0]]), [['10.0.0.1', '10.0.0.2:80', 3, 70], ['10.0.0.3', '10.0.0.2:80', 1, 5]]);
  } finally {
    await ix.close(); http.close(); await api.close();
    await dropPrefix(url, prefix);
  }
});
