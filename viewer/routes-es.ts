// Arkime's cluster pages for arkimeAdmin users: /api/eshealth, /api/esindices, /api/esshards,
// /api/estasks, /api/esstats, and deleting or merging one index. The store answers through its
// ClusterAdmin (a real cluster, or the embedded store's partitions in the same shapes).
import type { Context } from 'koa';
import { ClusterAdminError } from '../db/backend/cluster-admin.js';
import { HttpError, intParam, params } from './http.js';
import type { RouteDef, ViewerContext } from './server.js';

async function admin<T>(work: () => Promise<T>): Promise<T> {
  try { return await work(); } catch (e) {
    if (e instanceof ClusterAdminError) throw new HttpError(e.status, e.message);
    throw e;
  }
}

/** Arkime's table answer: filter on a name, sort by any column, page. */
async function table<T extends Record<string, unknown>>(ctx: Context, rows: T[], nameKey: keyof T): Promise<void> {
  const p = await params(ctx);
  const total = rows.length;
  let list = rows;
  if (p.filter) { const f = p.filter.toLowerCase(); list = list.filter((r) => String(r[nameKey]).toLowerCase().includes(f)); }
  if (p.sortField) {
    const k = p.sortField, dir = p.desc === 'true' ? -1 : 1;
    list = [...list].sort((a, b) => {
      const x = a[k] as string | number | undefined, y = b[k] as string | number | undefined;
      return dir * (x === y ? 0 : x === undefined ? 1 : y === undefined ? -1 : x < y ? -1 : 1);
    });
  }
  const start = intParam(p, 'start', 0, 0), length = intParam(p, 'length', 500, 0);
  ctx.body = { recordsTotal: total, recordsFiltered: list.length, data: list.slice(start, start + length) };
}

export const esRoutes: RouteDef[] = [
  { methods: ['GET'], path: '/api/eshealth', role: 'arkimeAdmin', handler: async (ctx, v: ViewerContext) => { ctx.body = await admin(() => v.clusterAdmin.health()); } },
  { methods: ['GET'], path: '/api/esindices', role: 'arkimeAdmin', handler: async (ctx, v) => table(ctx, await admin(() => v.clusterAdmin.indices()) as never[], 'index' as never) },
  { methods: ['GET'], path: '/api/estasks', role: 'arkimeAdmin', handler: async (ctx, v) => table(ctx, await admin(() => v.clusterAdmin.tasks()) as never[], 'action' as never) },
  { methods: ['GET'], path: '/api/esstats', role: 'arkimeAdmin', handler: async (ctx, v) => table(ctx, await admin(() => v.clusterAdmin.nodeStats()) as never[], 'name' as never) },
  {
    methods: ['GET'], path: '/api/esshards', role: 'arkimeAdmin',
    handler: async (ctx, v) => {
      // Arkime's shape: shards grouped by index then shard number, and the nodes seen
      const indices: Record<string, Record<number, unknown[]>> = {};
      const nodes: Record<string, string | undefined> = {};
      for (const s of await admin(() => v.clusterAdmin.shards())) {
        ((indices[s.index] ??= {})[s.shard] ??= []).push(s);
        if (s.node) nodes[s.node] = s.ip;
      }
      ctx.body = { indices, nodes };
    },
  },
  {
    methods: ['DELETE'], path: '/api/esindices/:index', role: 'arkimeAdmin',
    handler: async (ctx, v) => {
      const name = String(ctx.params.index);
      await admin(() => v.clusterAdmin.deleteIndex(name));
      ctx.body = { success: true, text: `Deleted ${name}` };
    },
  },
  {
    methods: ['POST'], path: '/api/esindices/:index/optimize', role: 'arkimeAdmin',
    handler: async (ctx, v) => {
      const name = String(ctx.params.index);
      await admin(() => v.clusterAdmin.optimizeIndex(name));
      ctx.body = { success: true, text: `Optimizing ${name}` };
    },
  },
];
