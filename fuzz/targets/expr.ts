// The expression language (db/expr): text → parseExpression → compileToSql and compileToEs.
// Contract: only ExpressionError is thrown, and it names a position inside the text; the SQL
// has one parameter per `?`; the DSL is plain JSON (no undefined, NaN or functions). check()
// then runs every corpus expression's SQL against an empty sessions table in DuckDB (what the
// compiler emits the embedded store must accept) and, with $ELASTICSEARCH_URL set, a sample of
// the DSL through the cluster's _validate/query (expr-es.ts).
import { columnType, ipShadowColumn, q } from '../../db/fields/columns.js';
import { FieldRegistry } from '../../db/fields/registry.js';
import { compileToEs, filesMatching } from '../../db/expr/compile-es.js';
import { compileToSql, type SqlContext, type SqlQuery } from '../../db/expr/compile-sql.js';
import { ExpressionError } from '../../db/expr/errors.js';
import { parseExpression } from '../../db/expr/parser.js';
import { testRegistry } from '../../db/expr/test-fields.js';
import { ContractError, type FuzzTarget } from './target.js';

const registry = testRegistry();
const NOW = Date.UTC(2024, 0, 15, 12, 0, 0);
const FILES = [{ name: '/data/a.pcap', node: 'test', num: 1 }, { name: '/data/b.pcap', node: 'other', num: 2 }];

/** The embedded store's columns for every field of the registry (the layout compile-sql.test uses). */
function columnDefs(): [string, string][] {
  const defs: [string, string][] = [['_id', 'VARCHAR'], ['fileId', 'BIGINT[]']];
  const seen = new Set(defs.map(([n]) => n));
  const add = (n: string, t: string) => { if (!seen.has(n)) { seen.add(n); defs.push([n, t]); } };
  for (const f of registry.all()) {
    if (f.viewerOnly) continue;
    add(f.db, columnType(f));
    if (f.kind === 'ip') add(ipShadowColumn(f), columnType(f).endsWith('[]') ? 'VARCHAR[]' : 'VARCHAR');
    const cnt = FieldRegistry.cntPath(f);
    if (cnt) add(cnt, 'BIGINT');
  }
  return defs;
}
const columns = columnDefs();
const columnNames = new Set(columns.map(([n]) => n));

const ctx: SqlContext = {
  registry,
  now: NOW,
  hasColumn: (n) => columnNames.has(n),
  resolveFile: (name) => filesMatching(name, FILES),
  views: { mine: 'ip.src == 10.0.0.2 || tags == [a\\,b]', broken: 'tags == a\\,b', loop: 'view == loop' },
  shortcuts: {
    nets: { id: 'sc-1', type: 'ip', values: ['192.168.0.0/16'] },
    names: { id: 'sc-2', type: 'string', values: ['cdn.example.net'] },
    ports: { id: 'sc-3', type: 'number', values: ['80', '443'] },
  } as SqlContext['shortcuts'],
};

const text = (data: Uint8Array): string => new TextDecoder().decode(data);

function checkError(e: unknown, src: string): void {
  if (!(e instanceof ExpressionError)) throw e;
  const p = e.position;
  if (!Number.isInteger(p) || p < 0 || p > src.length) throw new ContractError(`error position ${p} outside the ${src.length}-char expression: ${e.message}`);
  if (!e.message.endsWith(`at position ${p}`)) throw new ContractError(`error names no position: ${e.message}`);
}

function checkJson(v: unknown, path: string): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') { if (!Number.isFinite(v)) throw new ContractError(`DSL ${path} is ${v}`); return; }
  if (Array.isArray(v)) { v.forEach((x, i) => checkJson(x, `${path}[${i}]`)); return; }
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, x] of Object.entries(v as object)) checkJson(x, `${path}.${k}`);
    return;
  }
  throw new ContractError(`DSL ${path} is not JSON (${typeof v})`);
}

/** One expression through all three; the SQL and DSL that compiled. */
export function compileAll(src: string): { sql?: SqlQuery; dsl?: unknown } {
  try { parseExpression(src, registry); } catch (e) { checkError(e, src); return {}; }
  let sql: SqlQuery | undefined, dsl: unknown;
  try {
    sql = compileToSql(src, ctx);
    const marks = (sql.sql.match(/\?/g) ?? []).length;
    if (marks !== sql.params.length) throw new ContractError(`SQL has ${marks} placeholders for ${sql.params.length} params: ${sql.sql}`);
  } catch (e) { checkError(e, src); }
  try {
    dsl = compileToEs(src, ctx);
    if (typeof dsl !== 'object' || dsl === null) throw new ContractError(`DSL is ${typeof dsl}`);
    checkJson(dsl, 'query');
  } catch (e) { dsl = undefined; checkError(e, src); }
  return { sql, dsl };
}

// Our own expressions (shapes from db/expr's tests), each a different corner of the grammar.
const SEEDS = [
  'ip.src == 10.0.0.2', 'ip.src != 10.0.0.0/8', 'ip.dst == 2001:db8::/32', 'ip.src == 10.0.0.2:80', 'ip == ipv6',
  'port.dst == 80 && port.src > 1024', 'port.src >= 1 || port.dst <= 65535', 'port == [80,443,8080-8090]',
  'host.http == *.example.com', 'host.http == /.*example.*/', 'host.http == "quoted \\" value"', 'host.http != EXISTS!',
  'protocols == http && !(tags == a || tags == b)', 'tags == [a\\,b]', 'country.src == CA', 'tls.ja4 == t13d*',
  'starttime >= "2024/01/01 00:00:00" && stoptime < "2024/01/02"', 'starttime == -1d', 'packets > 10 && packets < 1e3',
  'file == /data/*.pcap', 'view == mine', 'view == loop', 'ip.src == $nets', 'host.http == $names', 'port.dst == $ports',
  'payload8.src.hex == 474554*', 'ip.dns == 1.2.3.4', 'host.dns == [a.example.com, "b.example.com"]',
  'node == test', 'ip.protocol == tcp', 'ip.protocol == [udp, 132]', '((((ip.src == 1.2.3.4))))', 'a ==', '== b',
  'ip.src == 300.1.2.3', 'port.src == -5', 'unknown.field == 1', 'host.http == /unterminated', 'tags == ]',
];

export function names(): string[] { return ['expr']; }

export function target(name: string): FuzzTarget | undefined {
  if (name !== 'expr') return undefined;
  return {
    name,
    maxLen: 512,
    dict: ['==', '!=', '>=', '<=', '&&', '||', '!', '(', ')', '[', ']', 'EXISTS!', '$', '"', '/', '*', '\\',
      'ip.src', 'port.dst', 'host.http', 'starttime', 'view', 'file', 'ipv4', 'ipv6', 'tags', 'protocols'],
    run(data) { compileAll(text(data)); },
    async seeds() { return SEEDS.map((s) => new TextEncoder().encode(s)); },
    async check(inputs) {
      const { DuckDBInstance } = await import('@duckdb/node-api');
      const inst = await DuckDBInstance.create(':memory:');
      const conn = await inst.connect();
      const problems: string[] = [];
      const dsls: { name: string; expr: string; dsl: unknown }[] = [];
      try {
        await conn.run(`CREATE TABLE sessions (${columns.map(([n, t]) => `${q(n)} ${t}`).join(', ')})`);
        for (const { name: file, data } of inputs) {
          let sql: SqlQuery | undefined;
          try {
            const out = compileAll(text(data));
            sql = out.sql;
            if (out.dsl !== undefined) dsls.push({ name: file, expr: text(data), dsl: out.dsl });
          } catch (e) { problems.push(`${file}: ${(e as Error).message}`); continue; }
          if (!sql) continue;
          try {
            await conn.runAndReadAll(`SELECT count(*) FROM sessions WHERE ${sql.sql}`, sql.params);
          } catch (e) {
            problems.push(`${file}: DuckDB rejected the SQL of ${JSON.stringify(text(data))}: ${(e as Error).message.split('\n')[0]}\n  ${sql.sql}`);
          }
        }
      } finally {
        conn.closeSync();
      }
      const url = process.env.ELASTICSEARCH_URL;
      if (url) {
        const { validateOnCluster } = await import('./expr-es.js');
        problems.push(...await validateOnCluster(url.replace(/\/$/, ''), registry, dsls));
      }
      return problems;
    },
  };
}
