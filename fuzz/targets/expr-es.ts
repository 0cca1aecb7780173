// The expr target's cluster check: with $ELASTICSEARCH_URL set (the test command starts a
// cluster), a sample of the corpus's compiled queries goes through `_validate/query` against a
// scratch index laid out by our own sessions template, so a DSL the cluster would reject fails
// the run. The index is removed afterwards.
import type { FieldRegistry } from '../../db/fields/registry.js';
import { sessionsTemplate } from '../../db/es/templates.js';

const SAMPLE = 200;

async function call(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const r = await fetch(`${url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json: unknown;
  try { json = JSON.parse(text); } catch { json = text; }
  return { status: r.status, json };
}

/**
 * Problems found: one line per query the cluster answered `valid: false`. A cluster that cannot
 * be reached or will not make the scratch index is reported on stderr, not as a problem: the
 * check is about our queries, not the cluster.
 */
export async function validateOnCluster(url: string, registry: FieldRegistry, queries: { name: string; expr: string; dsl: unknown }[]): Promise<string[]> {
  const index = `packrat-fuzz-expr-${process.pid}-${Date.now()}`;
  const tpl = sessionsTemplate(registry, { prefix: 'fuzz_', schemaVersion: 1 }).template as { settings: unknown; mappings: unknown };
  try {
    const made = await call(url, 'PUT', `/${index}`, { settings: tpl.settings, mappings: tpl.mappings });
    if (made.status !== 200) throw new Error(`creating ${index} answered ${made.status}: ${JSON.stringify(made.json).slice(0, 500)}`);
  } catch (e) {
    console.error(`fuzz expr: cluster check skipped: ${(e as Error).message}`);
    return [];
  }
  const problems: string[] = [];
  // Shortcut terms lookups name a lookups index the scratch cluster does not have.
  const usable = queries.filter((q) => !JSON.stringify(q.dsl).includes('"path":'));
  let checked = 0;
  try {
    // Evenly spread over the corpus, so a long run still checks a bit of everything.
    const step = Math.max(1, Math.ceil(usable.length / SAMPLE));
    for (let i = 0; i < usable.length; i += step) {
      const q = usable[i];
      checked++;
      const r = await call(url, 'POST', `/${index}/_validate/query?explain=true`, { query: q.dsl });
      if (r.status !== 200 || r.json?.valid !== true) {
        const why = r.json?.explanations?.[0]?.error ?? r.json?.error?.reason ?? JSON.stringify(r.json).slice(0, 300);
        problems.push(`${q.name}: the cluster rejected the query of ${JSON.stringify(q.expr)}: ${why}\n  ${JSON.stringify(q.dsl).slice(0, 500)}`);
      }
    }
  } finally {
    await call(url, 'DELETE', `/${index}`).catch(() => undefined);
  }
  console.error(`fuzz expr: cluster validated ${checked} queries, ${problems.length} rejected`);
  return problems;
}
