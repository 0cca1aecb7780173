// `packrat db -c CONFIG info|optimize|wipe|expire <daily|hourly|weekly|monthly> N` on the embedded store.
import { resolve } from 'node:path';
import { parseArgs, one, UsageError } from './args.js';
import { defaultNode, loadConfig } from './cli.js';
import { fields } from '../db/fields/registry.js';
import '../db/fields/core.js';
import '../capture/parsers/index.js';
import { EmbeddedSessionStore } from '../db/store/session-store.js';
import { partitionRange } from '../db/backend/partition-name.js';
import { formatPcapExpiry, runPcapExpiry } from '../db/retention/pcap-expiry.js';
import { checkExpireKind, expireSessions } from '../db/retention/session-expiry.js';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../db/config.js';
import type { ParsedArgs } from './args.js';
import { openControlStore } from '../db/backend/open.js';
import { SqliteControl } from '../db/store/sqlite-control-store.js';
import { esSettings, usesElasticsearch } from '../db/es/settings.js';
import { connectEs } from '../db/es/client.js';
import * as esAdmin from '../db/es/admin.js';
import { EsSessionSink } from '../db/es/session-sink.js';

export async function dbCommand(argv: string[]): Promise<void> {
  const a = parseArgs(argv, { values: ['-c', '-n', '--history', '--shards', '--replicas', '--refresh'], flags: ['--dry-run', '--nooptimize'], alias: { '--config': '-c' } });
  const config = loadConfig(one(a, '-c'), one(a, '-n') ?? defaultNode(), 'db');
  const [sub, ...args] = a.rest;
  // pcap files and their registry live on this box whatever stores the sessions
  if (sub === 'expire-pcap') { for (const l of formatPcapExpiry(await runPcapExpiry(config, config.node, { dryRun: a.flags.has('--dry-run') }))) process.stdout.write(l + '\n'); return; }
  if (usesElasticsearch(config)) { await esDbCommand(config, sub, args, a); return; }
  const dataDir = resolve(config.str('dataDir', './data'));
  if (sub === 'init' || sub === 'upgrade') { embeddedInitOrUpgrade(dataDir, sub); return; }
  const rotateIndex = config.str('rotateIndex', 'daily');
  const store = await EmbeddedSessionStore.open(dataDir, { rotateIndex, registry: fields });
  try {
    switch (sub) {
      case 'info': {
        let n = 0, bytes = 0;
        for (const p of store.partitions()) {
          process.stdout.write(`${p.name}\t${p.sessions} sessions\t${p.segments} segments\t${p.bytes} bytes\n`);
          n += p.sessions; bytes += p.bytes;
        }
        process.stdout.write(`total\t${n} sessions\t${bytes} bytes\t${dataDir}\n`);
        break;
      }
      case 'optimize': await store.optimize(); process.stdout.write('optimized\n'); break;
      case 'wipe': await store.wipe(); process.stdout.write(`wiped sessions in ${dataDir}\n`); break;
      case 'expire': {
        const [kindText, nText] = args;
        const kind = checkExpireKind(kindText ?? '');
        const n = Number(nText);
        if (!kind || !Number.isInteger(n) || n < 0) throw new UsageError('db expire needs <hourly|hourlyN|daily|weekly|monthly> <N>');
        const history = one(a, '--history');
        const historyWeeks = history === undefined ? 13 : Number(history);
        if (!Number.isInteger(historyWeeks) || historyWeeks < 0) throw new UsageError(`--history needs a whole number of weeks, not '${history}'`);
        const dryRun = a.flags.has('--dry-run');
        const control = await openControlStore(config);
        try {
          const r = await expireSessions(store, control, kind, n, { historyWeeks, dryRun });
          for (const name of r.partitions) process.stdout.write(`${dryRun ? 'would expire' : 'expired'} ${name}\n`);
          process.stdout.write(`${dryRun ? 'would delete' : 'deleted'} ${r.historyRows} history entries older than ${historyWeeks} weeks\n`);
        } finally { await control.close(); }
        break;
      }
      default: throw new UsageError(`unknown db command '${sub ?? ''}' (init, upgrade, info, optimize, wipe, expire, expire-pcap)`);
    }
  } finally {
    await store.close();
  }
}

// ------------------------------------------------------------------ Elasticsearch / OpenSearch

async function esDbCommand(config: Config, sub: string | undefined, args: string[], a: ParsedArgs): Promise<void> {
  const s = esSettings(config);
  const out = (l: string) => process.stdout.write(l + '\n');
  if (sub === 'replay-spool') {
    const sink = EsSessionSink.open(s);
    await sink.indexer.drain();
    out(`replayed ${sink.indexer.stats.replayedBatches} spooled batches from ${s.spoolDir}`);
    await sink.close();
    return;
  }
  const num = (k: string) => { const v = one(a, k); if (v === undefined) return undefined; const n = Number(v); if (!Number.isInteger(n) || n < 0) throw new UsageError(`${k} needs a whole number, not '${v}'`); return n; };
  const initOpts = { shards: num('--shards'), replicas: num('--replicas'), refresh: one(a, '--refresh') };
  const api = await connectEs(s);
  try {
    switch (sub) {
      case 'init': case 'upgrade': {
        const from = await esAdmin.schemaVersion(api);
        const steps = await esAdmin.upgrade(api, fields, initOpts);
        for (const st of steps) out(`applied ${st}`);
        out(`${api.info.distribution} ${api.info.version}: schema ${from} -> ${esAdmin.SCHEMA_VERSION}, prefix '${s.prefix}'`);
        break;
      }
      case 'info': {
        let n = 0, bytes = 0;
        for (const i of await esAdmin.sessionIndices(api)) { out(`${i.index}\t${i.docs} sessions\t${i.bytes} bytes`); n += i.docs; bytes += i.bytes; }
        out(`total\t${n} sessions\t${bytes} bytes\t${api.info.distribution} ${api.info.version} schema ${await esAdmin.schemaVersion(api)}`);
        break;
      }
      case 'expire': {
        const [kindText, nText] = args;
        const kind = esAdmin.checkExpireKind(kindText ?? '');
        const n = Number(nText);
        if (!kind || !Number.isInteger(n) || n < 0) throw new UsageError('db expire needs <hourly|hourlyN|daily|weekly|monthly> <N>');
        const r = await esAdmin.expire(api, kind, n, { historyWeeks: num('--history'), optimize: !a.flags.has('--nooptimize'), dryRun: a.flags.has('--dry-run') });
        for (const d of r.deleted) out(`${a.flags.has('--dry-run') ? 'would expire' : 'expired'} ${d}`);
        if (r.merged.length) out(`force-merged ${r.merged.length} indices`);
        break;
      }
      case 'optimize': out(`force-merged ${(await esAdmin.optimize(api)).length} session indices`); break;
      case 'wipe': out(`deleted ${(await esAdmin.wipe(api, fields, initOpts)).length} indices and re-created the schema`); break;
      default: throw new UsageError(`unknown db command '${sub ?? ''}' (init, upgrade, info, optimize, wipe, expire, expire-pcap, replay-spool)`);
    }
  } finally {
    await api.close();
  }
}

// ------------------------------------------------------------------ embedded init / upgrade

/** Embedded schema versions: 1 = dataDir with control database and sessions3-* partitions. */
const EMBEDDED_SCHEMA = 1;

function embeddedInitOrUpgrade(dataDir: string, sub: 'init' | 'upgrade'): void {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'schema.json');
  let from = 0;
  if (existsSync(file)) {
    try { from = Number(JSON.parse(readFileSync(file, 'utf8')).version) || 0; } catch (e) { throw new UsageError(`${file}: unreadable (${(e as Error).message})`); }
  }
  if (from > EMBEDDED_SCHEMA) throw new UsageError(`${dataDir} has schema ${from}, newer than this packrat (${EMBEDDED_SCHEMA})`);
  SqliteControl.open(dataDir).close(); // creates or migrates the control database
  if (from < EMBEDDED_SCHEMA) {
    const tmp = file + '.tmp';
    writeFileSync(tmp, JSON.stringify({ version: EMBEDDED_SCHEMA, updated: new Date().toISOString() }) + '\n');
    renameSync(tmp, file);
  }
  process.stdout.write(`${sub}: ${dataDir} schema ${from} -> ${EMBEDDED_SCHEMA}\n`);
}
