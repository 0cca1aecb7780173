// Arkime's ES admin pages over a real cluster: _cluster/health, _cat/indices, _cat/shards,
// _tasks and _nodes/stats, limited to this installation's prefix.
import { ClusterAdminError, type ClusterAdmin, type IndexRow, type NodeStatsRow, type ShardRow, type TaskRow } from '../backend/cluster-admin.js';
import type { EsApi } from './client.js';

const num = (v: unknown): number => (v === null || v === undefined || v === '' ? 0 : Number(v));

export class EsClusterAdmin implements ClusterAdmin {
  constructor(private readonly api: EsApi) {}

  private get prefix(): string { return this.api.settings.prefix; }

  async health(): Promise<Record<string, unknown>> {
    return this.api.request({ method: 'GET', path: '/_cluster/health' });
  }

  async indices(): Promise<IndexRow[]> {
    const r = await this.api.request({ method: 'GET', path: `/_cat/indices/${this.prefix}*`, query: { format: 'json', bytes: 'b', h: 'health,status,index,pri,rep,docs.count,store.size,pri.store.size,creation.date' } }, [404]);
    return (Array.isArray(r) ? r : []).map((x: Record<string, string>) => ({
      index: x.index, health: x.health, status: x.status, pri: num(x.pri), rep: num(x.rep),
      'docs.count': num(x['docs.count']), 'store.size': num(x['store.size']), 'pri.store.size': num(x['pri.store.size']),
      'creation.date': num(x['creation.date']),
    })).sort((a, b) => a.index.localeCompare(b.index));
  }

  async shards(): Promise<ShardRow[]> {
    const r = await this.api.request({ method: 'GET', path: `/_cat/shards/${this.prefix}*`, query: { format: 'json', bytes: 'b', h: 'index,shard,prirep,state,docs,store,ip,node,unassigned.reason' } }, [404]);
    return (Array.isArray(r) ? r : []).map((x: Record<string, string>) => ({
      index: x.index, shard: num(x.shard), prirep: x.prirep === 'r' ? 'r' as const : 'p' as const, state: x.state,
      docs: num(x.docs), store: num(x.store), node: x.node ?? undefined, ip: x.ip ?? undefined, 'unassigned.reason': x['unassigned.reason'] ?? undefined,
    }));
  }

  async tasks(): Promise<TaskRow[]> {
    const r = await this.api.request({ method: 'GET', path: '/_tasks', query: { detailed: true, group_by: 'none' } });
    return ((r?.tasks ?? []) as Record<string, unknown>[]).map((t) => ({
      id: `${t.node}:${t.id}`, action: String(t.action), node: String(t.node), running_time_in_nanos: num(t.running_time_in_nanos),
      cancellable: Boolean(t.cancellable), description: t.description === undefined ? undefined : String(t.description),
    }));
  }

  async nodeStats(): Promise<NodeStatsRow[]> {
    const r = await this.api.request({ method: 'GET', path: '/_nodes/stats/jvm,fs,indices,os' });
    return Object.values((r?.nodes ?? {}) as Record<string, any>).map((n) => ({
      name: String(n.name), ip: n.ip ? String(n.ip).replace(/:\d+$/, '') : undefined, roles: n.roles ?? [],
      docs: num(n.indices?.docs?.count), storeSize: num(n.indices?.store?.size_in_bytes),
      freeSize: n.fs?.total?.available_in_bytes === undefined ? undefined : num(n.fs.total.available_in_bytes),
      heapUsed: num(n.jvm?.mem?.heap_used_in_bytes), heapMax: num(n.jvm?.mem?.heap_max_in_bytes),
      load: n.os?.cpu?.load_average?.['1m'],
    })).sort((a, b) => a.name.localeCompare(b.name));
  }

  private async known(name: string): Promise<void> {
    if (!name.startsWith(this.prefix) || /[*,\s]/.test(name)) throw new ClusterAdminError(400, `index '${name}' is not one of this installation's (prefix '${this.prefix}'); give one exact name`);
    if (!(await this.indices()).some((i) => i.index === name)) throw new ClusterAdminError(404, `no index ${name}`);
  }

  async deleteIndex(name: string): Promise<void> {
    await this.known(name);
    await this.api.request({ method: 'DELETE', path: `/${name}` });
  }

  async optimizeIndex(name: string): Promise<void> {
    await this.known(name);
    await this.api.request({ method: 'POST', path: `/${name}/_forcemerge`, query: { max_num_segments: 1 } });
  }
}
