// A short coverage-guided run of every fuzz target (fuzz/cov): each starts from its corpus in
// fuzz/corpus/<target> and replays fuzz/regressions/<target> (inputs that once crashed it), so a
// regression fails here. Prints executions, exec/s and edges covered per target. The long run
// is `npm run fuzz:deep`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allTargetNames } from './targets/index.js';
import { buildAddon, formatReport, runTarget } from './cov/run.js';

// A fixed number of inputs from a fixed seed: a test gives the same verdict on the same code (new
// finds are the job of fuzz:cov and fuzz:deep, kept here once fixed). About 2.5 minutes in all.
const runsFor = (t: string): number => (t.startsWith('parser-') ? 20_000 : 40_000);

const names = await allTargetNames();
let work: string;

before(() => {
  buildAddon();
  work = mkdtempSync(join(tmpdir(), 'packrat-cov-test-'));
});
after(() => rmSync(work, { recursive: true, force: true }));

for (const t of names) {
  test(`coverage fuzz: ${t}`, () => {
    const r = runTarget(t, 60, { work: join(work, t), grow: false, runs: runsFor(t), seed: 1 });
    console.log(formatReport(r));
    assert.equal(r.crash, undefined, `${t} crashed: ${r.crash}`);
    assert.deepEqual(r.problems, []);
    assert.ok(r.execs > 0 && r.covered > 0, `${t} ran nothing`);
  });
}
