// A tiny stand-in for the parts of the Elasticsearch/OpenSearch REST API that `packrat db` and
// the bulk indexer use. It proves what Packrat sends, not what a real cluster does with it.
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';

export interface BulkLine { index: string; id: string; doc: Record<string, unknown> }

export interface MockEs {
  url: string;
  port: number;
  requests: { method: string; path: string; query: Record<string, string>; body?: any }[];
  /** Answers a request before the built-in routes when it returns something. */
  onRequest?: (method: string, path: string, body: any) => { status: number; body: unknown } | undefined;
  indices: Map<string, { docs: number; body: unknown }>;
  templates: Map<string, unknown>;
  bulk: BulkLine[];
  /** Control documents (`<index or alias>/<id>` → source) written through `_doc` / `_create`. */
  docs: Map<string, { source: unknown; version: number }>;
  /** Per bulk item: answer this status instead of 201 (e.g. 429 to force a retry). */
  itemStatus?: (line: BulkLine, seen: number) => number;
  close(): Promise<void>;
}

const globMatch = (pattern: string, name: string) =>
  pattern.split(',').some((p) => new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(name));

export function parseBulk(body: Buffer, gz: boolean): BulkLine[] {
  const text = (gz ? gunzipSync(body) : body).toString('utf8');
  const lines = text.split('\n');
  if (lines[lines.length - 1] !== '') throw new Error('bulk body must end with a newline');
  const out: BulkLine[] = [];
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const action = JSON.parse(lines[i]).index;
    out.push({ index: action._index, id: action._id, doc: JSON.parse(lines[i + 1]) });
  }
  return out;
}

export async function startMockEs(opts: { distribution?: 'opensearch'; port?: number } = {}): Promise<MockEs> {
  const m: MockEs = { url: '', port: 0, requests: [], indices: new Map(), templates: new Map(), bulk: [], docs: new Map(), close: async () => undefined };
  const seen = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url!, 'http://x');
      const path = decodeURIComponent(u.pathname);
      const method = req.method!;
      let raw = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip' && path !== '/_bulk') raw = gunzipSync(raw);
      let parsed: any;
      if (path !== '/_bulk' && raw.length) { try { parsed = JSON.parse(raw.toString()); } catch { parsed = undefined; } }
      m.requests.push({ method, path, query: Object.fromEntries(u.searchParams), body: parsed });
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
        res.end(method === 'HEAD' ? undefined : JSON.stringify(body));
      };
      const custom = m.onRequest?.(method, path, parsed);
      if (custom) return json(custom.status, custom.body);
      const parts = path.split('/').filter(Boolean);
      if (method === 'GET' && parts.length === 0) {
        return json(200, { cluster_name: 'mock', version: opts.distribution ? { number: '2.17.0', distribution: 'opensearch' } : { number: '8.15.0' } });
      }
      if (path === '/_bulk' && method === 'POST') {
        const lines = parseBulk(raw, req.headers['content-encoding'] === 'gzip');
        let errors = false;
        const items = lines.map((l) => {
          const n = (seen.get(l.id) ?? 0) + 1; seen.set(l.id, n);
          const status = m.itemStatus?.(l, n) ?? 201;
          if (status < 300) m.bulk.push(l); else errors = true;
          return { index: { _index: l.index, _id: l.id, status, ...(status >= 300 ? { error: { type: 'es_rejected_execution_exception', reason: 'queue full' } } : {}) } };
        });
        return json(200, { took: 1, errors, items });
      }
      if (parts[0] === '_cat' && parts[1] === 'indices') {
        const pattern = parts[2] ?? '*';
        const rows = [...m.indices].filter(([n]) => globMatch(pattern, n)).map(([index, v]) => ({ index, 'docs.count': String(v.docs), 'store.size': String(v.docs * 100) }));
        if (rows.length === 0 && !pattern.includes('*')) return json(404, { error: { type: 'index_not_found_exception' }, status: 404 });
        return json(200, rows);
      }
      if (parts[0] === '_index_template') {
        if (method === 'PUT') { m.templates.set(parts[1], JSON.parse(raw.toString())); return json(200, { acknowledged: true }); }
        const t = m.templates.get(parts[1]);
        return t ? json(200, { index_templates: [{ name: parts[1], index_template: t }] }) : json(404, { error: { type: 'resource_not_found_exception' }, status: 404 });
      }
      if (parts[1] === '_mapping' && method === 'PUT') return json(200, { acknowledged: true });
      // the control store's single-document calls: a version per id, no search
      if ((parts[1] === '_doc' || parts[1] === '_create') && parts.length === 3) {
        const key = `${parts[0]}/${parts[2]}`;
        const cur = m.docs.get(key);
        if (method === 'GET') return cur ? json(200, { _id: parts[2], found: true, _source: cur.source, _version: cur.version, _seq_no: cur.version, _primary_term: 1 }) : json(404, { _id: parts[2], found: false });
        if (method === 'DELETE') { m.docs.delete(key); return json(cur ? 200 : 404, { result: cur ? 'deleted' : 'not_found' }); }
        if (parts[1] === '_create' && cur) return json(409, { error: { type: 'version_conflict_engine_exception' }, status: 409 });
        const version = (cur?.version ?? 0) + 1;
        m.docs.set(key, { source: parsed ?? {}, version });
        return json(cur ? 200 : 201, { _id: parts[2], _version: version, result: cur ? 'updated' : 'created' });
      }
      if (parts[1] === '_forcemerge' && method === 'POST') return json(200, { _shards: { total: 1, successful: 1, failed: 0 } });
      if (parts.length === 1 && method === 'PUT') {
        if (m.indices.has(parts[0])) return json(400, { error: { type: 'resource_already_exists_exception' }, status: 400 });
        m.indices.set(parts[0], { docs: 0, body: JSON.parse(raw.toString() || '{}') });
        return json(200, { acknowledged: true, index: parts[0] });
      }
      if (parts.length === 1 && method === 'DELETE') {
        for (const n of parts[0].split(',')) m.indices.delete(n);
        return json(200, { acknowledged: true });
      }
      json(400, { error: { type: 'mock_unsupported', reason: `${method} ${path}` }, status: 400 });
    });
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', () => r()));
  m.port = (server.address() as AddressInfo).port;
  m.url = `http://127.0.0.1:${m.port}`;
  m.close = () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
  return m;
}

/** A port nothing listens on right now (connections to it are refused). */
export async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
