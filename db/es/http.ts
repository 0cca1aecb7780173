// The few raw HTTP requests the ES backend makes itself: `GET /` to tell Elasticsearch from
// OpenSearch before picking a client, and `_bulk` with a body that is already gzipped (the same
// bytes the disk spool keeps). Round-robin over the configured nodes, keep-alive, TLS options.
import http from 'node:http';
import https from 'node:https';
import type { EsSettings } from './settings.js';

export interface RawResponse { status: number; body: Buffer; node: string }

/** The request never reached a server (refused, reset, DNS, timeout): the cluster is unreachable. */
export class UnreachableError extends Error {
  constructor(readonly node: string, readonly code: string, message: string) { super(message); }
}

export class RawHttp {
  private next = 0;
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  private readonly httpsAgent: https.Agent;
  private readonly auth?: string;

  get nodeCount(): number { return this.s.nodes.length; }

  constructor(private readonly s: Pick<EsSettings, 'nodes' | 'username' | 'password' | 'apiKey' | 'ca' | 'insecure' | 'requestTimeoutMs'>) {
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 16, ca: s.ca, rejectUnauthorized: !s.insecure });
    if (s.apiKey) this.auth = `ApiKey ${s.apiKey}`;
    else if (s.username !== undefined) this.auth = 'Basic ' + Buffer.from(`${s.username}:${s.password ?? ''}`).toString('base64');
  }

  /** One request to the next node in turn, skipping the nodes in `avoid` while another is left. */
  request(method: string, path: string, body?: Buffer, headers: Record<string, string> = {}, avoid?: ReadonlySet<string>): Promise<RawResponse> {
    let node = this.s.nodes[this.next++ % this.s.nodes.length];
    for (let i = 1; avoid?.has(node) && i < this.s.nodes.length; i++) node = this.s.nodes[this.next++ % this.s.nodes.length];
    const url = new URL(path, node + '/');
    const isHttps = url.protocol === 'https:';
    const h: Record<string, string | number> = { ...headers };
    if (this.auth) h.authorization = this.auth;
    if (body) h['content-length'] = body.length;
    return new Promise((resolve, reject) => {
      const req = (isHttps ? https : http).request(url, {
        method, headers: h, agent: isHttps ? this.httpsAgent : this.httpAgent, timeout: this.s.requestTimeoutMs,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), node }));
        res.on('error', (e) => reject(new UnreachableError(node, 'ERESPONSE', `${node}: response broken: ${e.message}`)));
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })));
      req.on('error', (e: NodeJS.ErrnoException) => reject(new UnreachableError(node, e.code ?? 'EIO', `${node}: ${e.message}`)));
      req.end(body);
    });
  }

  close(): void { this.httpAgent.destroy(); this.httpsAgent.destroy(); }
}

export type Distribution = 'elasticsearch' | 'opensearch';

export interface ClusterInfo { distribution: Distribution; version: string; clusterName?: string }

/** `GET /`: OpenSearch answers with `version.distribution: "opensearch"`, Elasticsearch without it. */
export async function detectCluster(raw: RawHttp): Promise<ClusterInfo> {
  let r = await raw.request('GET', '/', undefined, { accept: 'application/json' });
  let j: { version?: { number?: string; distribution?: string }; cluster_name?: string };
  if (r.status === 405) {
    // Elasticsearch without its rest-root module (the integ-test distribution) has no `GET /`;
    // the local node's info says the same. OpenSearch always answers `GET /`.
    r = await raw.request('GET', '/_nodes/_local', undefined, { accept: 'application/json' });
    if (r.status !== 200) throw new Error(`GET /_nodes/_local on ${r.node} answered ${r.status}: ${r.body.toString('utf8', 0, 200)}`);
    let n: { cluster_name?: string; nodes?: Record<string, { version?: string }> };
    try { n = JSON.parse(r.body.toString('utf8')); } catch { throw new Error(`GET /_nodes/_local on ${r.node}: answer is not JSON`); }
    j = { version: { number: Object.values(n.nodes ?? {})[0]?.version }, cluster_name: n.cluster_name };
  } else {
    if (r.status !== 200) throw new Error(`GET / on ${r.node} answered ${r.status}: ${r.body.toString('utf8', 0, 200)}`);
    try { j = JSON.parse(r.body.toString('utf8')); } catch { throw new Error(`GET / on ${r.node}: answer is not JSON`); }
  }
  const distribution: Distribution = j.version?.distribution === 'opensearch' ? 'opensearch' : 'elasticsearch';
  return { distribution, version: j.version?.number ?? 'unknown', clusterName: j.cluster_name };
}
