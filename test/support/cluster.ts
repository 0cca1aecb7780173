// Test support: the real OpenSearch cluster the test command starts (test/cluster/opensearch.sh).
// A suite that needs a cluster fails, naming what is missing, when none was started: never a
// silent skip.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import net from 'node:net';
import type { EsApi } from '../../db/es/client.js';
import { repoRoot } from './json-capture.js';

export const clusterScript = join(repoRoot, 'test/cluster/opensearch.sh');

/** The cluster's URL; throws when the test was not started under the cluster script. */
export function clusterUrl(): string {
  const url = process.env.ELASTICSEARCH_URL;
  if (!url) {
    throw new Error('ELASTICSEARCH_URL is not set: this suite needs the OpenSearch cluster that '
      + '`test/run-all.sh` (or `test/cluster/opensearch.sh run -- CMD`) starts');
  }
  return url;
}

/** An index prefix no other test or run uses (Arkime's `prefix=`, trailing `_` included). */
export function uniquePrefix(what: string): string {
  return `packrat_${what}_${process.pid}_${Date.now().toString(36)}_`;
}

/** Runs the cluster script with `args` against the cluster named by `state` (its state file). */
export function clusterCtl(state: string, env: Record<string, string>, ...args: string[]): string {
  const r = spawnSync(clusterScript, args, { encoding: 'utf8', env: { ...process.env, ...env, PACKRAT_OS_STATE: state } });
  if (r.status !== 0) throw new Error(`opensearch.sh ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** Every index and template of a prefix, deleted by name (clusters refuse wildcard deletes). */
export async function deletePrefix(api: EsApi, prefix: string): Promise<void> {
  const r = await api.request<Record<string, unknown>[]>({ method: 'GET', path: `/_cat/indices/${prefix}*`, query: { format: 'json', h: 'index' } }, [404]);
  const names = Array.isArray(r) ? r.map((x) => String(x.index)) : [];
  for (let i = 0; i < names.length; i += 50) await api.request({ method: 'DELETE', path: `/${names.slice(i, i + 50).join(',')}` }, [404]);
  for (const t of ['sessions3_template', 'history_v1_template']) await api.request({ method: 'DELETE', path: `/_index_template/${prefix}${t}` }, [404]);
}

/** One JSON request to a cluster; throws on a status outside 2xx unless listed in `ok`. */
export async function esJson<T = any>(url: string, method: string, path: string, body?: unknown, ok: number[] = []): Promise<T> {
  const r = await fetch(url + path, {
    method, headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok && !ok.includes(r.status)) throw new Error(`${method} ${path} answered ${r.status}: ${text.slice(0, 500)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Deletes every index and template a test made under `prefix`. */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const rows = await esJson<{ index: string }[]>(url, 'GET', `/_cat/indices/${prefix}*?format=json&h=index`, undefined, [404]);
  const names = Array.isArray(rows) ? rows.map((x) => x.index) : [];
  for (let i = 0; i < names.length; i += 50) await esJson(url, 'DELETE', `/${names.slice(i, i + 50).join(',')}`, undefined, [404]);
  for (const t of ['sessions3_template', 'history_v1_template']) await esJson(url, 'DELETE', `/_index_template/${prefix}${t}`, undefined, [404]);
}

export interface SessionCensus {
  /** Documents in `<prefix>sessions3-*` after a refresh. */
  count: number;
  /** Documents beyond the first that share a session's key (times, addresses, ports, protocol). */
  duplicates: number;
  /** Index operations the primaries took: above `count` when retries overwrote documents. */
  indexOps: number;
}

/**
 * Counts the sessions under `prefix` and looks for the same session stored twice under different
 * ids (one `_id` per document is the cluster's own rule; a resend without fixed ids would add
 * a copy): a composite aggregation over each session's key, paged through every bucket.
 */
export async function sessionCensus(url: string, prefix: string): Promise<SessionCensus> {
  const pat = `${prefix}sessions3-*`;
  await esJson(url, 'POST', `/${pat}/_refresh`);
  const count = (await esJson<{ count: number }>(url, 'GET', `/${pat}/_count`)).count;
  const stats = await esJson(url, 'GET', `/${pat}/_stats/indexing`);
  const indexOps = Number(stats?._all?.primaries?.indexing?.index_total ?? 0);
  const key = (name: string, field: string) => ({ [name]: { terms: { field, missing_bucket: true } } });
  let after: unknown, duplicates = 0;
  for (;;) {
    const r = await esJson(url, 'POST', `/${pat}/_search`, {
      size: 0,
      aggs: { k: { composite: { size: 5000, ...(after ? { after } : {}), sources: [
        key('f', 'firstPacket'), key('l', 'lastPacket'), key('si', 'source.ip'), key('sp', 'source.port'),
        key('di', 'destination.ip'), key('dp', 'destination.port'), key('p', 'ipProtocol')] } } },
    });
    const buckets = r.aggregations.k.buckets as { doc_count: number }[];
    for (const b of buckets) if (b.doc_count > 1) duplicates += b.doc_count - 1;
    if (!buckets.length || !r.aggregations.k.after_key) break;
    after = r.aggregations.k.after_key;
  }
  return { count, duplicates, indexOps };
}

export interface OwnCluster {
  url: string;
  /** Every node's URL, node 1 first. */
  nodes: string[];
  /** `opensearch.sh ARGS...` against this cluster (stop-node 2, pause, resume, ...). */
  ctl(...args: string[]): string;
  stop(): void;
}

/**
 * A two-node cluster of the test's own on `httpPort`/`transportPort` (and the next port of each),
 * with its own state file: for tests that kill nodes, never the shared one. `extraYml` lines
 * are appended to each node's settings. The version comes from PACKRAT_OS_VERSION.
 */
export function ownCluster(httpPort: number, transportPort: number, extraYml = ''): OwnCluster {
  const state = join(tmpdir(), `packrat-os-state-${process.pid}-${httpPort}`);
  const env: Record<string, string> = { PACKRAT_OS_HTTP_PORT: String(httpPort), PACKRAT_OS_TRANSPORT_PORT: String(transportPort), PACKRAT_OS_EXTRA_YML: extraYml };
  const ctl = (...args: string[]) => clusterCtl(state, env, ...args);
  ctl('start', process.env.PACKRAT_OS_VERSION ?? '');
  return {
    url: `http://127.0.0.1:${httpPort}`,
    nodes: [`http://127.0.0.1:${httpPort}`, `http://127.0.0.1:${httpPort + 1}`],
    ctl,
    stop: () => { try { ctl('stop'); } catch { /* already gone */ } },
  };
}

/**
 * A TCP relay in front of the real cluster that a test switches off and on: while off nothing
 * listens on its port (connection refused, as with a cluster that is down) and open
 * connections are cut; while on every byte goes to the cluster and back untouched.
 */
export interface Relay { url: string; port: number; on(): Promise<void>; off(): Promise<void> }

export async function relay(target: string): Promise<Relay> {
  const t = new URL(target);
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async on() {
      if (server) return;
      server = net.createServer((client) => {
        const up = net.connect(Number(t.port || 80), t.hostname);
        sockets.add(client); sockets.add(up);
        client.pipe(up); up.pipe(client);
        const end = () => { client.destroy(); up.destroy(); sockets.delete(client); sockets.delete(up); };
        client.on('error', end); up.on('error', end); client.on('close', end); up.on('close', end);
      });
      await new Promise<void>((r) => server!.listen(port, '127.0.0.1', () => r()));
    },
    async off() {
      const s = server;
      if (!s) return;
      server = undefined;
      for (const x of sockets) x.destroy();
      sockets.clear();
      await new Promise<void>((r) => s.close(() => r()));
    },
  };
}
