// Elasticsearch/OpenSearch connection and indexing settings, read once from the Arkime-style
// config. Key names are Arkime's where Arkime has them (elasticsearch, prefix, dbBulkSize,
// dbFlushTimeout, elasticsearchBasicAuth, elasticsearchAPIKey, caTrustFile, rotateIndex);
// esSpoolDir, esSpoolMaxMB, esDeadLetterFile, esBulkConcurrency, esMaxRetries are Packrat's.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, type Config } from '../config.js';
import { checkRotateIndex, type RotateIndex } from '../backend/partition-name.js';

export interface EsSettings {
  /** Base URLs without credentials, e.g. `http://es1:9200`. */
  nodes: string[];
  username?: string;
  password?: string;
  apiKey?: string;
  /** PEM text of the CA bundle from `caTrustFile`. */
  ca?: string;
  /** Skip certificate verification (`--insecure` / `insecure=true`). */
  insecure: boolean;
  /** Index name prefix with Arkime's trailing `_` rule applied (`arkime_`, `tests_`). */
  prefix: string;
  rotateIndex: RotateIndex;
  /** Bulk body size in bytes before a batch is sealed (uncompressed NDJSON). */
  bulkBytes: number;
  flushMs: number;
  concurrency: number;
  maxRetries: number;
  requestTimeoutMs: number;
  spoolDir: string;
  spoolMaxBytes: number;
  /** Documents the cluster refused for good, one JSON line each. */
  deadLetterFile: string;
  gzip: boolean;
}

/** True when the config names a cluster, i.e. the Elasticsearch backend is in use. */
export function usesElasticsearch(config: Config): boolean {
  return config.str('elasticsearch', '').trim() !== '';
}

/** Arkime: default `arkime_`, a non-empty prefix gets a trailing `_`, at most 50 characters. */
export function normalizePrefix(p: string | undefined): string {
  if (p === undefined) return 'arkime_';
  if (p === '') return '';
  if (p.length > 50) throw new ConfigError(`prefix '${p}' is longer than 50 characters`);
  return p.endsWith('_') ? p : p + '_';
}

/** Splits `elasticsearch=` (comma or semicolon separated) and lifts `user:pass@` out of the URLs. */
export function parseNodes(text: string): { nodes: string[]; username?: string; password?: string } {
  const out: { nodes: string[]; username?: string; password?: string } = { nodes: [] };
  for (const raw of text.split(/[,;]/).map((s) => s.trim()).filter(Boolean)) {
    const bare = !/^https?:\/\//i.test(raw);
    let u: URL;
    try { u = new URL(bare ? `http://${raw}` : raw); } catch { throw new ConfigError(`elasticsearch: '${raw}' is not a URL`); }
    if (bare && u.port === '') u.port = '9200'; // a bare host name means the default ES port
    if (u.username) {
      out.username = decodeURIComponent(u.username);
      out.password = decodeURIComponent(u.password);
      u.username = ''; u.password = '';
    }
    out.nodes.push(u.toString().replace(/\/$/, ''));
  }
  if (out.nodes.length === 0) throw new ConfigError('elasticsearch: no host given');
  return out;
}

export function esSettings(config: Config): EsSettings {
  const n = parseNodes(config.str('elasticsearch', ''));
  const basic = config.raw('elasticsearchBasicAuth');
  if (basic) {
    // Arkime accepts `user:pass` or its base64; a value without ':' is decoded.
    const plain = basic.includes(':') ? basic : Buffer.from(basic, 'base64').toString('utf8');
    const i = plain.indexOf(':');
    if (i < 0) throw new ConfigError('elasticsearchBasicAuth must be user:password (or its base64)');
    n.username = plain.slice(0, i); n.password = plain.slice(i + 1);
  }
  const caFile = config.raw('caTrustFile');
  let ca: string | undefined;
  if (caFile) {
    try { ca = readFileSync(caFile, 'utf8'); } catch (e) { throw new ConfigError(`caTrustFile ${caFile}: ${(e as Error).message}`); }
  }
  const dataDir = resolve(config.str('dataDir', './data'));
  let rotateIndex: RotateIndex;
  try { rotateIndex = checkRotateIndex(config.str('rotateIndex', 'daily')); } catch (e) { throw new ConfigError((e as Error).message); }
  return {
    nodes: n.nodes,
    username: n.username,
    password: n.password,
    apiKey: config.raw('elasticsearchAPIKey') || undefined,
    ca,
    insecure: config.bool('insecure', false) || config.bool('esInsecure', false),
    prefix: normalizePrefix(config.raw('prefix')),
    rotateIndex,
    bulkBytes: config.int('dbBulkSize', 1000000, 10000, 50000000),
    flushMs: config.int('dbFlushTimeout', 5, 1, 3600) * 1000,
    concurrency: config.int('esBulkConcurrency', 2, 1, 32),
    maxRetries: config.int('esMaxRetries', 5, 0, 100),
    requestTimeoutMs: config.int('elasticsearchTimeout', 300, 1) * 1000,
    spoolDir: resolve(config.raw('esSpoolDir') || join(dataDir, 'es-spool')),
    spoolMaxBytes: config.int('esSpoolMaxMB', 1024, 1) * 1024 * 1024,
    deadLetterFile: config.str('esDeadLetterFile', '') ? resolve(config.str('esDeadLetterFile', '')) : '',
    gzip: config.bool('compressES', true),
  };
}
