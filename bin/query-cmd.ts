// `packrat query -c CONFIG --count EXPRESSION [--start-time S --stop-time E --bounding B --date H]`
// prints how many sessions match (the queryscore.mjs contract).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs, one, UsageError } from './args.js';
import { defaultNode, loadConfig } from './cli.js';
import type { Config } from '../db/config.js';
import { fields } from '../db/fields/registry.js';
import '../db/fields/core.js';
import '../capture/parsers/index.js'; // every parser's field definitions
import { EmbeddedSessionStore, type Bounding, type TimeRange } from '../db/store/session-store.js';
import { compileToSql } from '../db/expr/compile-sql.js';
import { compileToEs, filesMatching, type PcapFileRef } from '../db/expr/compile-es.js';
import type { FileDoc } from '../db/backend/control-store.js';
import { openControlStore } from '../db/backend/open.js';
import { ExpressionError } from '../db/expr/errors.js';
import { esSettings, usesElasticsearch } from '../db/es/settings.js';
import { connectEs } from '../db/es/client.js';
import { countSessions } from '../db/es/search-request.js';

export async function queryCommand(argv: string[]): Promise<void> {
  const a = parseArgs(argv, {
    values: ['-c', '-n', '--count', '--es-dsl', '--start-time', '--stop-time', '--bounding', '--date'],
    flags: [],
    alias: { '--config': '-c', '--startTime': '--start-time', '--stopTime': '--stop-time' },
  });
  const config = loadConfig(one(a, '-c'), one(a, '-n') ?? defaultNode(), a.opts.has('--es-dsl') ? undefined : 'query');
  const dsl = one(a, '--es-dsl');
  if (dsl !== undefined) {
    try {
      process.stdout.write(JSON.stringify(compileToEs(dsl, { registry: fields, prefix: config.str('prefix', 'arkime_') }), null, 1) + '\n');
    } catch (e) { fail(e); }
    return;
  }
  const expr = one(a, '--count') ?? a.rest.join(' ');
  if (expr === undefined) throw new UsageError('query needs --count EXPRESSION');
  const range: TimeRange = {};
  const st = one(a, '--start-time'), et = one(a, '--stop-time'), date = one(a, '--date');
  if (st !== undefined) range.start = Number(st);
  if (et !== undefined) range.stop = Number(et);
  if (date !== undefined && Number(date) !== -1) { range.stop = Date.now() / 1000; range.start = range.stop - Number(date) * 3600; }
  const b = one(a, '--bounding');
  if (b !== undefined) {
    if (!['last', 'first', 'both', 'either', 'database'].includes(b)) throw new UsageError(`--bounding must be last, first, both, either or database, not '${b}'`);
    range.bounding = b as Bounding;
  }
  if (usesElasticsearch(config)) {
    const files = await listFiles(config);
    const resolveFile = (name: string): PcapFileRef[] => filesMatching(name, files).map((f) => ({ node: f.node, num: f.num }));
    let n = 0;
    try {
      n = await countSessions(await connectEs(esSettings(config)), { expression: expr, startTime: range.start, stopTime: range.stop, bounding: range.bounding }, { registry: fields, resolveFile });
    } catch (e) { fail(e); }
    process.stdout.write(`${n}\n`);
    return;
  }
  const dataDir = resolve(config.str('dataDir', './data'));
  if (!existsSync(dataDir)) { process.stdout.write('0\n'); return; }
  const store = await EmbeddedSessionStore.open(dataDir, { rotateIndex: config.str('rotateIndex', 'daily'), registry: fields, readOnly: true });
  try {
    const cols = store.columns();
    const files = await listFiles(config);
    // `file == name`: exact path, `*` wildcard or /regex/ over the registered pcap files.
    const resolveFile = (name: string): PcapFileRef[] => filesMatching(name, files).map((f: FileDoc) => ({ node: f.node, num: f.num }));
    let q;
    try {
      q = expr.trim() === '' ? { sql: 'TRUE', params: [] } : compileToSql(expr, { registry: fields, hasColumn: (c) => cols.has(c), resolveFile });
    } catch (e) { fail(e); }
    const n = await store.count(q!.sql, q!.params as never[], range);
    process.stdout.write(`${n}\n`);
  } finally {
    await store.close();
  }
}

function fail(e: unknown): never {
  if (e instanceof ExpressionError) { process.stderr.write(`packrat: ${e.message}\n`); process.exit(1); }
  throw e;
}

/** The registered pcap files, for `file ==` terms (the cluster's files index, or control.sqlite). */
async function listFiles(config: Config): Promise<FileDoc[]> {
  const control = await openControlStore(config);
  try { return await control.listFiles(); } finally { await control.close(); }
}
