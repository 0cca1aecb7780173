// The parts of Arkime's search request assembly (reference 3.7) shared by counts, searches and
// aggregations: the time filter by bounding, the compiled expression, the forced expression,
// and the index list (all session indices of the prefix).
import type { FieldRegistry } from '../fields/registry.js';
import { compileToEs, type PcapFileRef } from '../expr/compile-es.js';
import { sessionsIndexPattern } from './templates.js';
import type { EsApi } from './client.js';

export type Bounding = 'last' | 'first' | 'both' | 'either' | 'database';

export interface EsQueryInput {
  expression?: string;
  /** A user's forced expression, AND-ed in. */
  forced?: string;
  /** Seconds; both absent (or date=-1) means all time. */
  startTime?: number;
  stopTime?: number;
  bounding?: Bounding;
}

export interface EsQueryContext { registry: FieldRegistry; prefix: string; resolveFile?: (name: string) => PcapFileRef[] }

/** `{bool: {filter: [...]}}` for one request. */
export function buildSessionQuery(q: EsQueryInput, ctx: EsQueryContext): Record<string, unknown> {
  const filter: unknown[] = [];
  const s = q.startTime, e = q.stopTime;
  if (s !== undefined || e !== undefined) {
    const gte = s !== undefined ? s * 1000 : undefined, lte = e !== undefined ? e * 1000 : undefined;
    const r = (f: string, o: Record<string, number | undefined>) => ({ range: { [f]: Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } });
    switch (q.bounding ?? 'last') {
      case 'first': filter.push(r('firstPacket', { gte, lte })); break;
      case 'both': filter.push(r('firstPacket', { gte }), r('lastPacket', { lte })); break;
      case 'either': filter.push(r('firstPacket', { lte }), r('lastPacket', { gte })); break;
      case 'database': filter.push(r('@timestamp', { gte, lte })); break;
      default: filter.push(r('lastPacket', { gte, lte }));
    }
  }
  const opts = { registry: ctx.registry, prefix: ctx.prefix, resolveFile: ctx.resolveFile };
  if (q.expression && q.expression.trim() !== '') filter.push(compileToEs(q.expression, opts));
  if (q.forced && q.forced.trim() !== '') filter.push(compileToEs(q.forced, opts));
  return { bool: { filter } };
}

export function sessionIndexTarget(prefix: string): string { return sessionsIndexPattern(prefix); }

/** Number of sessions matching, over every session index of the prefix. */
export async function countSessions(api: EsApi, q: EsQueryInput, ctx: Omit<EsQueryContext, 'prefix'>): Promise<number> {
  const query = buildSessionQuery(q, { ...ctx, prefix: api.settings.prefix });
  const r = await api.request<{ count: number }>({
    method: 'POST', path: `/${sessionIndexTarget(api.settings.prefix)}/_count`, body: { query }, query: { ignore_unavailable: true, allow_no_indices: true },
  });
  return r.count;
}
