// One small interface over the two official clients. Everything but `_bulk` goes through it:
// the admin commands, templates and the viewer's searches. Which client serves a cluster is
// decided by `GET /` (OpenSearch says so in version.distribution).
import { Client as ElasticClient } from '@elastic/elasticsearch';
import { Client as OpenSearchClient } from '@opensearch-project/opensearch';
import { detectCluster, RawHttp, type ClusterInfo } from './http.js';
import type { EsSettings } from './settings.js';

export interface EsRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD'; path: string; body?: unknown; query?: Record<string, string | number | boolean>;
  /** Lines of an NDJSON body (`_bulk`), instead of `body`. */
  bulkBody?: unknown[];
}

export interface EsApi {
  readonly info: ClusterInfo;
  readonly settings: EsSettings;
  /** Body of a 2xx answer; throws EsResponseError otherwise unless the status is in `ignore`. */
  request<T = any>(r: EsRequest, ignore?: number[]): Promise<T>;
  close(): Promise<void>;
}

export class EsResponseError extends Error {
  constructor(readonly status: number, readonly body: unknown, what: string) {
    super(`${what} failed with ${status}: ${JSON.stringify(body)?.slice(0, 300)}`);
  }
}

export async function connectEs(s: EsSettings): Promise<EsApi> {
  const raw = new RawHttp(s);
  let info: ClusterInfo;
  try { info = await detectCluster(raw); } finally { raw.close(); }
  const headers: Record<string, string> = s.apiKey ? { authorization: `ApiKey ${s.apiKey}` } : {};
  const auth = s.username !== undefined && !s.apiKey ? { username: s.username, password: s.password ?? '' } : undefined;
  const tls = { ca: s.ca, rejectUnauthorized: !s.insecure };
  if (info.distribution === 'opensearch') {
    const c = new OpenSearchClient({ nodes: s.nodes, auth, ssl: tls, headers, maxRetries: 2, requestTimeout: s.requestTimeoutMs, compression: s.gzip ? 'gzip' : undefined });
    return {
      info, settings: s,
      async request(r, ignore = []) {
        const res = await c.transport.request({ method: r.method, path: r.path, body: r.body as never, bulkBody: r.bulkBody as never, querystring: r.query }, { ignore }).catch((e: any) => {
          throw new EsResponseError(e?.meta?.statusCode ?? 0, e?.meta?.body ?? e?.message, `${r.method} ${r.path}`);
        });
        return res.body as any;
      },
      async close() { await c.close(); },
    };
  }
  const c = new ElasticClient({ nodes: s.nodes, auth, tls, headers, maxRetries: 2, requestTimeout: s.requestTimeoutMs, compression: s.gzip });
  return {
    info, settings: s,
    async request(r, ignore = []) {
      try {
        return await c.transport.request({ method: r.method, path: r.path, body: r.body as never, bulkBody: r.bulkBody as never, querystring: r.query }, { ignore });
      } catch (e: any) {
        throw new EsResponseError(e?.meta?.statusCode ?? 0, e?.meta?.body ?? e?.message, `${r.method} ${r.path}`);
      }
    },
    async close() { await c.close(); },
  };
}
