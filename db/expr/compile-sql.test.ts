// compileToSql against a real in-memory DuckDB table laid out with the embedded store's column
// scheme: list columns, ip shadow columns (`<db>#n`), Cnt columns and NULLs.
process.env.TZ = 'America/New_York';

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { columnType, ipShadowColumn, ipSortKey, q } from '../fields/columns.js';
import { compileToSql, ipKeyRange, wildcardToLike, type SqlContext } from './compile-sql.js';
import { filesMatching } from './compile-es.js';
import { ExpressionError } from './errors.js';
import { testRegistry } from './test-fields.js';

const registry = testRegistry();

// Fields given a column; everything else (quic.host, email.*, …) is absent from the store.
const STORED = [
  'ip.src', 'port.src', 'ip.dst', 'port.dst', 'protocols', 'host.http', 'tags', 'node', 'starttime', 'stoptime',
  'packets', 'ip.protocol', 'payload8.src.hex', 'payload8.dst.hex', 'country.src', 'country.dst', 'ip.dns', 'host.dns',
  'ip.socks', 'port.socks', 'tls.ja4',
];

type Row = Record<string, unknown>;
const t = (y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number) => new Date(y, mo - 1, d, h, mi, s, ms).getTime();

const ROWS: Row[] = [
  {
    id: 's1', 'ip.src': '10.0.0.2', 'port.src': 50759, 'ip.dst': '10.0.0.1', 'port.dst': 80, protocols: ['tcp', 'http'],
    'host.http': ['www.example.com', 'cdn.example.net'], 'http.hostCnt': 2, tags: ['srcip'], node: 'test', fileId: [1],
    starttime: t(2014, 2, 26, 10, 27, 57, 123), stoptime: t(2014, 2, 26, 10, 28, 2, 0), packets: 10, 'ip.protocol': '6',
    'payload8.src.hex': '474554202f204854', 'country.src': 'CA',
  },
  {
    id: 's2', 'ip.src': '2001:db8::1', 'port.src': 1234, 'ip.dst': '10.0.0.1', 'port.dst': 53, protocols: ['udp', 'dns'],
    'host.dns': ['a.example.com'], 'dns.hostCnt': 1, 'ip.dns': ['1.2.3.4', '5.6.7.8'], node: 'test', fileId: [2],
    starttime: t(2014, 6, 10, 11, 10, 10, 0), stoptime: t(2014, 6, 10, 11, 10, 11, 0), packets: 2, 'ip.protocol': '17',
  },
  {
    id: 's3', 'ip.src': '192.168.1.5', 'port.src': 1500, 'ip.dst': '8.8.8.8', 'port.dst': 443, protocols: ['tls'],
    'host.http': [], 'http.hostCnt': 0, tags: ['a,b'], node: 'other', fileId: [1], 'tls.ja4': ['t13d1516h2_8daaf6152771'],
    starttime: t(2014, 6, 10, 12, 0, 0, 0), stoptime: t(2014, 6, 10, 12, 0, 1, 0), packets: 30, 'ip.protocol': '6',
    'ip.socks': '1.2.3.4', 'port.socks': 1080, 'country.dst': 'US',
  },
];

const FILES = [{ name: '/data/a.pcap', node: 'test', num: 1 }, { name: '/data/b.pcap', node: 'test', num: 2 }, { name: '/data/a.pcap', node: 'other', num: 1 }];

let conn: DuckDBConnection;
const columns = new Set<string>();

function lit(v: unknown): string {
  if (v === undefined || v === null) return 'NULL';
  if (Array.isArray(v)) return `[${v.map(lit).join(', ')}]`;
  if (typeof v === 'number') return String(v);
  return `'${String(v).replace(/'/g, "''")}'`;
}

before(async () => {
  const inst = await DuckDBInstance.create(':memory:');
  conn = await inst.connect();
  const defs: Array<[string, string, (r: Row) => unknown]> = [['_id', 'VARCHAR', (r) => r.id], ['fileId', 'BIGINT[]', (r) => r.fileId]];
  for (const exp of STORED) {
    const f = registry.byExp(exp)!;
    defs.push([f.db, columnType(f), (r) => r[exp]]);
    if (f.kind === 'ip') {
      const list = columnType(f).endsWith('[]');
      defs.push([ipShadowColumn(f), list ? 'VARCHAR[]' : 'VARCHAR', (r) => {
        const v = r[exp];
        return v === undefined ? undefined : Array.isArray(v) ? v.map((x) => ipSortKey(x)) : ipSortKey(String(v));
      }]);
    }
    const cnt = f.cnt ? (f.cnt === 'ecs' ? `${f.db}-cnt` : `${f.db}Cnt`) : undefined;
    if (cnt) defs.push([cnt, 'BIGINT', (r) => r[cnt]]);
  }
  for (const [name] of defs) columns.add(name);
  await conn.run(`CREATE TABLE sessions (${defs.map(([n, ty]) => `${q(n)} ${ty}`).join(', ')})`);
  for (const r of ROWS) await conn.run(`INSERT INTO sessions VALUES (${defs.map(([, , get]) => lit(get(r))).join(', ')})`);
});

after(() => conn?.closeSync());

function ctx(extra: Partial<SqlContext> = {}): SqlContext {
  return {
    registry,
    hasColumn: (n) => columns.has(n),
    resolveFile: (name) => filesMatching(name, FILES),
    views: { mine: 'ip.src == 10.0.0.2 || tags == [a\\,b]', broken: 'tags == a\\,b' },
    shortcuts: { nets: { id: 'sc-1', type: 'ip', values: ['192.168.0.0/16'] }, names: { id: 'sc-2', type: 'string', values: ['cdn.example.net'] } },
    ...extra,
  };
}

async function ids(expr: string): Promise<string[]> {
  const { sql, params } = compileToSql(expr, ctx());
  const r = await conn.runAndReadAll(`SELECT "_id" FROM sessions WHERE ${sql} ORDER BY "_id"`, params);
  return r.getRows().map((row) => String(row[0]));
}

const CASES: Array<[string, string[]]> = [
  ['ip.src == 10.0.0.2', ['s1']],
  ['ip.src != 10.0.0.2', ['s2', 's3']],
  ['ip.src == 10.0.0.0/8', ['s1']],
  ['ip.src == 10', ['s1']],
  ['ip.src == 192.168.1', ['s3']],
  ['ip.src == ipv4', ['s1', 's3']],
  ['ip.src == ipv6', ['s2']],
  ['ip.src == 2001:db8::/32', ['s2']],
  ['ip.src == 2001:db8::1', ['s2']],
  ['ip.src == 10.0.0.2:50759', ['s1']],
  ['ip.src == 10.0.0.2:80', []],
  ['ip.src == [10.0.0.2,192.168.1.5]', ['s1', 's3']],
  ['ip.src == ]10.0.0.2,10.0.0.0/8[', ['s1']],
  ['ip.src >= 11.0.0.0', ['s2', 's3']],
  ['ip.src < 11.0.0.0', ['s1']],
  ['ip == 1.2.3.4', ['s2', 's3']],
  ['ip == 1.2.3.4:1080', ['s3']],
  ['ip == :80', ['s1']],
  ['ip.dst == :80', ['s1']],
  ['ip.dns == 1.2.3.0/24', ['s2']],
  ['ip.dns != 1.2.3.4', ['s1', 's3']],
  ['ip.dns == EXISTS!', ['s2']],
  ['host.http == www.example.com', ['s1']],
  ['host.http == WWW.Example.COM', ['s1']],
  ['host.http == *.example.*', ['s1']],
  ['host.http == www?example.com', []],
  ['host.http == "www.example.co*"', ['s1']],
  ['host.http == /.*example\\.net/', ['s1']],
  ['host.http != www.example.com', ['s2', 's3']],
  ['host.http == EXISTS!', ['s1']],
  ['host.http != EXISTS!', ['s2', 's3']],
  ['host.http == [nope, cdn.example.net]', ['s1']],
  ['host.http == ]www.example.com,cdn.example.net[', ['s1']],
  ['host.http == ]www.example.com,nope[', []],
  ['host.http == $names', ['s1']],
  ['host.http.cnt == 2', ['s1']],
  ['host.http.cnt >= 0', ['s1', 's3']],
  ['host.http.cnt != 2', ['s2', 's3']],
  ['host == a.example.com', ['s2']],
  ['host == http://www.example.com/path', ['s1']],
  ['host.quic == x', []],
  ['host.quic != x', ['s1', 's2', 's3']],
  ['protocols == tcp && protocols == http', ['s1']],
  ['protocols == [dns, tls]', ['s2', 's3']],
  ['!(protocols == tcp)', ['s2', 's3']],
  ['!(host.http == www.example.com || tags == srcip)', ['s2', 's3']],
  ['protocols == tls || protocols == dns && ip.dst == 10.0.0.1', ['s2', 's3']],
  ['port.src == 1000-2000', ['s2', 's3']],
  ['port.src > 50000', ['s1']],
  ['port == 1080', ['s3']],
  ['port.dst != [80,53]', ['s3']],
  ['tags == "a,b"', ['s3']],
  ['tags == [a\\,b]', ['s3']],
  ['ip.protocol == udp', ['s2']],
  ['ip.protocol == [tcp,udp]', ['s1', 's2', 's3']],
  ['starttime == "2014/02/26 10:27:57"', ['s1']],
  ['starttime == "2014/02/26 10:27:58"', []],
  ['starttime <= "2014/02/26 10:27:57"', ['s1']],
  ['starttime > "2014/02/26 10:27:57"', ['s2', 's3']],
  ['starttime > 1393428477', ['s2', 's3']],
  ['starttime >= "2014-06-10T11:10:10-04:00"', ['s2', 's3']],
  ['stoptime < "2014-06-10T16:00:00Z"', ['s1', 's2']],
  ['file == /data/a.pcap', ['s1', 's3']],
  ['file == */b.pcap', ['s2']],
  ['file == /.*a\\.pcap/ && node == test', ['s1']],
  ['file != */a.pcap', ['s2']],
  ['file == EXISTS!', ['s1', 's2', 's3']],
  ['payload8.src.utf8 == "GET / HT"', ['s1']],
  ['payload8.utf8 == GET*', ['s1']],
  ['payload8.hex == 474554202F204854', ['s1']],
  ['country.src == ca', ['s1']],
  ['country == US', ['s3']],
  ['country != US', ['s1', 's2']],
  ['view == mine', ['s1', 's3']],
  ['view != mine', ['s2']],
  ['ip.src == $nets', ['s3']],
  ['ip.src != [$nets, 10.0.0.2]', ['s2']],
  ['tls.ja4 == T13D*', ['s3']],
  ['id == s2', ['s2']],
  ['packets == ]2,2[', ['s2']],
  ['host.http == "x\' OR 1=1 --"', []],
];

test('compileToSql gives the sessions Arkime would match', async () => {
  const wrong: string[] = [];
  for (const [expr, want] of CASES) {
    const got = await ids(expr);
    if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`${expr}: want ${want.join(',')} got ${got.join(',')}`);
  }
  assert.deepEqual(wrong, []);
});

test('values travel as parameters, never inside the SQL text', () => {
  const { sql, params } = compileToSql('host.http == "x\' OR 1=1 --"', ctx());
  assert.ok(!sql.includes('1=1'), sql);
  assert.deepEqual(params, ["x' or 1=1 --"]);
});

test('a field without a column is false, its negation true', () => {
  assert.equal(compileToSql('host.quic == x', ctx()).sql, 'FALSE');
  assert.equal(compileToSql('host.quic != x', ctx()).sql, 'TRUE');
  assert.equal(compileToSql('host.quic == x || ip.src == 1.2.3.4', ctx()).sql.includes('quic'), false);
});

test('bad values and unknown files are errors with positions', () => {
  const err = (expr: string) => { try { compileToSql(expr, ctx()); } catch (e) { assert.ok(e instanceof ExpressionError); return e; } assert.fail(`no error for ${expr}`); };
  assert.equal(err('ip.src == 1.2.3.4:8a').message, '8a not a valid port at position 10');
  assert.equal(err('tags == x && file == nofile.pcap').message, "File 'nofile.pcap' not found at position 21");
  assert.equal(err('htp.host == x').message, "Unknown field 'htp.host' at position 0");
  assert.equal(err('port.src == abc').arkimeMessage, 'abc is not a number');
  assert.equal(err('tags > a').arkimeMessage, "Invalid operator 'gt' for tags");
  assert.equal(err('view == nope').arkimeMessage, 'nope - View not found for user');
  assert.equal(err('view == broken').message, "View 'broken': Unexpected '\\' (position 9 of the view) at position 8");
  assert.equal(err('ip.src < [1.2.3.4]').arkimeMessage, '[1.2.3.4] - List queries not supported for gt/lt queries - [1.2.3.4]');
});

test('helpers: wildcard to LIKE and CIDR key ranges', () => {
  assert.equal(wildcardToLike('a*b?c%d_e\\*'), 'a%b_c\\%d\\_e*');
  assert.deepEqual(ipKeyRange('10.0.0.0/8'), ['00000000000000000000ffff0a000000', '00000000000000000000ffff0affffff']);
  assert.deepEqual(ipKeyRange('::/0'), ['0'.repeat(32), 'f'.repeat(32)]);
  assert.equal(ipKeyRange('1.2.3.4/33'), undefined);
});
