// Every translation of Arkime's api-buildquery.t (conformance/queries/buildquery.jsonl) through
// compileToEs, compared with the query Arkime's viewer produced.
process.env.TZ = 'America/New_York';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileToEs } from './compile-es.js';
import { ExpressionError } from './errors.js';
import { testRegistry } from './test-fields.js';
import type { Shortcut } from './build-dsl.js';

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

interface Case {
  source: string;
  expression: string;
  es?: unknown;
  error?: string;
  shortcuts?: Record<string, { id: string; type: string; value: string }>;
  lookupsIndex?: string;
}

/**
 * Canonical text of a query. Scalars compare as text, as Perl's test does (80 and "80" are
 * equal); object keys are sorted; with `ordered` false the clauses of bool arrays and the values
 * of terms arrays are sorted too.
 */
export function canonical(q: unknown, ordered: boolean): string {
  if (Array.isArray(q)) {
    const items = q.map((x) => canonical(x, ordered));
    if (!ordered) items.sort();
    return `[${items.join(',')}]`;
  }
  if (q !== null && typeof q === 'object') {
    const o = q as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k], ordered)}`).join(',')}}`;
  }
  return JSON.stringify(String(q));
}

const cases: Case[] = fs.readFileSync(path.resolve(repoRoot(), '../shared/conformance/queries/buildquery.jsonl'), 'utf8')
  .split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

test('canonical form ignores clause order and number/string spelling only', () => {
  assert.equal(canonical({ a: [1, { b: '2' }] }, false), canonical({ a: [{ b: 2 }, '1'] }, false));
  assert.notEqual(canonical({ a: [1, { b: '2' }] }, true), canonical({ a: [{ b: 2 }, '1'] }, true));
  assert.notEqual(canonical({ bool: { should: [1] } }, false), canonical({ bool: { filter: [1] } }, false));
});

test('buildquery corpus: compileToEs matches Arkime', () => {
  const registry = testRegistry();
  let equal = 0;
  let ordered = 0;
  const diffs: string[] = [];
  for (const c of cases) {
    const shortcuts: Record<string, Shortcut> = {};
    for (const [name, s] of Object.entries(c.shortcuts ?? {})) {
      shortcuts[name] = { id: s.id, type: s.type as Shortcut['type'], values: [s.value] };
    }
    const prefix = c.lookupsIndex ? c.lookupsIndex.replace(/lookups$/, '') : 'tests_';
    let got: unknown;
    let err: string | undefined;
    try {
      got = compileToEs(c.expression, { registry, shortcuts, prefix });
    } catch (e) {
      if (!(e instanceof ExpressionError)) throw e;
      err = e.arkimeMessage;
    }
    if (c.error !== undefined) {
      if (err === c.error) { equal++; ordered++; } else diffs.push(`${c.source} ${c.expression}\n  want error ${c.error}\n  got ${err ?? JSON.stringify(got)}`);
      continue;
    }
    if (err !== undefined) { diffs.push(`${c.source} ${c.expression}\n  want ${JSON.stringify(c.es)}\n  got error ${err}`); continue; }
    if (canonical(got, true) === canonical(c.es, true)) ordered++;
    if (canonical(got, false) === canonical(c.es, false)) equal++;
    else diffs.push(`${c.source} ${c.expression}\n  want ${JSON.stringify(c.es)}\n  got  ${JSON.stringify(got)}`);
  }
  for (const d of diffs) console.log(d);
  console.log(`buildquery: ${equal}/${cases.length} equal up to clause order, ${ordered}/${cases.length} equal in order`);
  assert.equal(cases.length, 191);
  assert.ok(equal / cases.length >= 0.95, `only ${equal}/${cases.length} equal`);
});
