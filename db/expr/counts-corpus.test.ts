// Every expression of conformance/queries/counts.jsonl: rejected ones must be rejected with an
// ExpressionError, the others must compile for both stores (the counts themselves are checked by
// queryscore.mjs against a real ingest).
process.env.TZ = 'America/New_York';

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileToEs } from './compile-es.js';
import { compileToSql } from './compile-sql.js';
import { ExpressionError } from './errors.js';
import { testRegistry } from './test-fields.js';

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

interface Case { source: string; expression: string; error?: boolean; errorOk?: boolean; count?: number }
const cases: Case[] = fs.readFileSync(path.resolve(repoRoot(), '../shared/conformance/queries/counts.jsonl'), 'utf8')
  .split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

const ARKIME_ERRORS_TOO = /^Please use 'EXISTS!' instead of a '\*' in expression$/;

test('counts corpus: errors are rejected, the rest compiles for both stores', () => {
  const registry = testRegistry();
  const resolveFile = (name: string) => (name.includes('nofile') ? [] : [{ node: 'test', num: 1 }]);
  const ctx = { registry, resolveFile, hasColumn: () => true };
  const wrong: string[] = [];
  let errors = 0;
  for (const c of cases) {
    let err: unknown;
    try {
      compileToEs(c.expression, ctx);
      compileToSql(c.expression, ctx);
    } catch (e) { err = e; }
    if (err !== undefined && !(err instanceof ExpressionError)) throw err;
    if (c.error) {
      errors++;
      if (!err) wrong.push(`${c.source} ${c.expression}: accepted, Arkime rejects it`);
    } else if (err && c.count === 0 && ARKIME_ERRORS_TOO.test((err as ExpressionError).arkimeMessage)) {
      // Arkime rejects this too; its test passed because an error answer carries a count of 0.
    } else if (err && !c.errorOk) {
      wrong.push(`${c.source} ${c.expression}: ${(err as Error).message}`);
    }
  }
  assert.equal(cases.length, 358);
  assert.ok(errors > 20);
  assert.deepEqual(wrong, []);
});
