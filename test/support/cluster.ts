// Test support: the real OpenSearch cluster the test command starts (test/cluster/opensearch.sh).
// A suite that needs a cluster fails, naming what is missing, when none was started: never a
// silent skip.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
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
