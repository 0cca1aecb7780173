// Aggregation routes: SPI view, SPI graph, connections, unique values, and tag edits. Every
// terms size is capped by maxAggSize; a capped response says so.
import type { Context } from 'koa';
import type { UserDoc } from '../db/backend/control-store.js';
import type { TermsResult } from '../db/backend/search-backend.js';
import { aggKeys } from './anonymize.js';
import { boolParam, HttpError, intParam, params, setBound, type Bound } from './http.js';
import { ipProtocolName } from './export.js';
import { graphOf, mapOf, sessionQuery, visibleTotal } from './routes-sessions.js';
import { parseOrder } from './session-params.js';
import type { RouteDef, ViewerContext } from './server.js';

/** Resolve `field` (document path) or `exp` (expression name) to a document path. */
function fieldParam(p: Record<string, string>, v: ViewerContext, def?: string): string {
  let field: string | undefined = p.field;
  if (!field && p.exp) {
    if (p.exp === 'ip.dst:port') return 'destination.ip:port';
    const f = v.registry.byExp(p.exp);
    if (!f) throw new HttpError(400, `Unknown expression ${p.exp}`);
    field = f.db;
  }
  const chosen = field || def;
  if (!chosen) throw new HttpError(400, 'Missing field or exp parameter');
  if (chosen !== 'destination.ip:port' && !v.backend.hasField(chosen)) throw new HttpError(400, `Unknown field ${chosen}`);
  return chosen;
}

function capSize(ctx: Context, v: ViewerContext, want: number, bounds: Bound[]): number {
  if (want <= v.limits.maxAggSize) return want;
  const b = { name: 'maxAggSize', value: v.limits.maxAggSize };
  if (!bounds.length) { setBound(ctx, b); bounds.push(b); }
  return v.limits.maxAggSize;
}

const keyOf = (field: string, k: string | number) => (field === 'ipProtocol' ? ipProtocolName(k) : k);

/** keyOf for this request: address keys anonymised when the request (or its user) wants it. */
function keysFor(ctx: Context, v: ViewerContext, p: Record<string, string>) {
  return aggKeys(v.registry, v.anonymizer.forRequest(p, (ctx.state as { user: UserDoc }).user), keyOf);
}

async function spiview(ctx: Context, v: ViewerContext): Promise<void> {
  const { p, pq } = await sessionQuery(ctx, v);
  const q = pq.query;
  const key = keysFor(ctx, v, p);
  const bounds: Bound[] = [];
  const spi: Record<string, unknown> = {};
  const wanted: { field: string; size: number }[] = [];
  for (const part of (p.spi ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [field, cnt] = part.split(':');
    if (!v.backend.hasField(field)) { spi[field] = { error: `Unknown field ${field}` }; continue; }
    wanted.push({ field, size: capSize(ctx, v, cnt === undefined ? 10 : intParam({ c: cnt }, 'c', 10, 0), bounds) });
  }
  // one call for every field where the store shares the work (and the count) between them
  let filtered: number | undefined;
  let results: TermsResult[];
  let sample: { sessions: number } | undefined;
  const facets = boolParam(p, 'facets');
  let protocolTerms: TermsResult | undefined;
  if (v.backend.termsMany && wanted.length) {
    // the protocols facet rides along in the same (possibly sampled) pass
    const r = await v.backend.termsMany(q, facets ? [...wanted, { field: 'protocol', size: 1000 }] : wanted, { exact: boolParam(p, 'exact') });
    results = r.fields; filtered = r.count; sample = r.sample;
    if (facets) protocolTerms = results.pop();
  } else {
    results = [];
    for (const w of wanted) results.push(await v.backend.terms(q, w.field, w.size));
  }
  wanted.forEach(({ field }, i) => {
    spi[field] = { doc_count_error_upper_bound: 0, sum_other_doc_count: results[i].sum_other_doc_count,
      buckets: results[i].buckets.map((b) => ({ key: key(field, b.key), doc_count: b.doc_count })) };
  });
  const body: Record<string, unknown> = { spi, recordsTotal: await visibleTotal(ctx, v), recordsFiltered: filtered ?? await v.backend.count(q) };
  // estimated counts: say from how many sessions (exact=1 asks for a full count)
  if (sample) { body.sampled = sample.sessions; ctx.set('X-Packrat-Sampled-Sessions', String(sample.sessions)); }
  if (facets) {
    const protocols: Record<string, number> = {};
    for (const b of (protocolTerms ?? await v.backend.terms(q, 'protocol', 1000)).buckets) protocols[String(b.key)] = b.doc_count;
    body.protocols = protocols;
    body.graph = await graphOf(v, q, pq);
    body.map = await mapOf(v, q);
  }
  if (bounds.length) body.bounded = bounds[0];
  ctx.body = body;
}

async function spigraph(ctx: Context, v: ViewerContext): Promise<void> {
  const { p, pq } = await sessionQuery(ctx, v);
  const q = pq.query;
  const field = fieldParam(p, v, 'node');
  const key = keysFor(ctx, v, p);
  if (field === 'destination.ip:port') throw new HttpError(400, 'spigraph on ip.dst:port is not supported; use field=destination.ip');
  const bounds: Bound[] = [];
  const size = capSize(ctx, v, intParam(p, 'size', 20, 1), bounds);
  const top = await v.backend.terms(q, field, size);
  const items: Record<string, unknown>[] = [];
  for (const b of top.buckets) {
    const sub = { ...q, terms: [...(q.terms ?? []), { field, value: b.key }] };
    const graph = await graphOf(v, sub, pq);
    items.push({ name: key(field, b.key), count: b.doc_count, graph, map: {}, ...graph });
  }
  const sort = p.sort ?? 'sessionsHisto';
  if (sort === 'name') items.sort((a, b) => String(a.name).localeCompare(String(b.name)));
  else if (sort !== 'sessionsHisto') items.sort((a, b) => Number(b[sort.replace(/Histo$/, 'Total')] ?? 0) - Number(a[sort.replace(/Histo$/, 'Total')] ?? 0));
  const body: Record<string, unknown> = { items, graph: await graphOf(v, q, pq), map: boolParam(p, 'map') ? await mapOf(v, q) : {},
    recordsTotal: await visibleTotal(ctx, v), recordsFiltered: await v.backend.count(q) };
  if (bounds.length) body.bounded = bounds[0];
  ctx.body = body;
}

/**
 * Arkime's /api/connections: the first `length` sessions of the query (sorted by `order`, else
 * firstPacket ascending) that have both fields are examined, and every (src, dst) value pair of
 * those is a link. Nodes with fewer than `minConn` links are dropped with their links. When the
 * query matches more sessions than were examined the response says so (`bounded`).
 */
async function connections(ctx: Context, v: ViewerContext): Promise<void> {
  const { p, pq } = await sessionQuery(ctx, v);
  const q = pq.query;
  const src = fieldParam({ field: p.srcField ?? 'source.ip' }, v);
  const dst = p.dstField === 'ip.dst:port' || p.dstField === 'destination.ip:port' ? 'destination.ip:port' : fieldParam({ field: p.dstField ?? 'destination.ip' }, v);
  const sumFields = (p.fields ? p.fields.split(',') : ['network.bytes', 'totDataBytes', 'network.packets'])
    .map((s) => s.trim()).filter((f) => f && f !== 'node' && v.backend.hasField(f));
  const bounds: Bound[] = [];
  const size = capSize(ctx, v, intParam(p, 'length', 100, 1), bounds);
  const minConn = intParam(p, 'minConn', 1, 1);
  const key = keysFor(ctx, v, p);
  const [pairs, filtered] = [await v.backend.pairs(q, { src, dst, sums: sumFields, limit: size * 100, sample: { sort: parseOrder(p) ?? [], size } }),
    await v.backend.count(q)];
  if (filtered > size && !bounds.length) { const b = { name: 'length', value: size }; setBound(ctx, b); bounds.push(b); }
  // node degree first: minConn applies to a node's number of distinct links (Arkime's cnt)
  const degree = new Map<string, number>();
  for (const pr of pairs) {
    degree.set(pr.src, (degree.get(pr.src) ?? 0) + 1);
    if (pr.dst !== pr.src) degree.set(pr.dst, (degree.get(pr.dst) ?? 0) + 1);
  }
  const kept = pairs.filter((pr) => degree.get(pr.src)! >= minConn && degree.get(pr.dst)! >= minConn);
  const index = new Map<string, number>();
  const nodes: Record<string, unknown>[] = [];
  const nodeOf = (real: string, type: 1 | 2, pr: typeof pairs[number]) => {
    const id = String(key(type === 1 ? src : dst, real));
    let i = index.get(id);
    if (i === undefined) {
      i = nodes.length; index.set(id, i);
      nodes.push({ id, cnt: 0, sessions: 0, type, inresult: 1, pos: i, node: [] as string[], ...Object.fromEntries(sumFields.map((f) => [f, 0])) });
    }
    const n = nodes[i] as Record<string, unknown> & { cnt: number; sessions: number; type: number; node: string[] };
    n.cnt++; n.sessions += pr.count;
    if (n.type !== type) n.type = 3;
    for (const x of pr.nodes) if (!n.node.includes(x)) n.node.push(x);
    sumFields.forEach((f, k) => { n[f] = (n[f] as number) + pr.sums[k]; });
    return i;
  };
  const links = kept.map((pr) => ({
    source: nodeOf(pr.src, 1, pr), target: nodeOf(pr.dst, 2, pr), value: pr.count, node: pr.nodes,
    ...Object.fromEntries(sumFields.map((f, k) => [f, pr.sums[k]])),
  }));
  const body: Record<string, unknown> = { nodes, links, recordsFiltered: filtered };
  if (bounds.length) body.bounded = bounds[0];
  ctx.body = body;
}

async function unique(ctx: Context, v: ViewerContext): Promise<void> {
  const { p, pq } = await sessionQuery(ctx, v);
  const q = pq.query;
  const field = fieldParam(p, v);
  const key = keysFor(ctx, v, p);
  if (p.autocomplete !== undefined) {
    const f = v.registry.byDb(field);
    const stringy = f && !['integer', 'ip', 'date', 'seconds', 'float'].includes(f.kind);
    const auto = stringy ? { ...q, expressions: [...q.expressions, `${f!.exp} == ${JSON.stringify(p.autocomplete + '*')}`] } : q;
    const r = await v.backend.terms(auto, field, Math.min(1000, v.limits.maxAggSize));
    ctx.body = r.buckets.map((b) => key(field, b.key)).filter((k) => String(k).startsWith(p.autocomplete));
    return;
  }
  if (field === 'destination.ip:port') {
    const pairs = await v.backend.pairs(q, { src: 'destination.ip', dst: 'destination.ip:port', sums: [], limit: v.limits.maxAggSize + 1 });
    if (pairs.length > v.limits.maxAggSize) { pairs.length = v.limits.maxAggSize; setBound(ctx, { name: 'maxAggSize', value: v.limits.maxAggSize }); }
    ctx.type = 'text/plain';
    ctx.body = pairs.map((x) => (boolParam(p, 'counts') ? `${key(field, x.dst)}, ${x.count}` : key(field, x.dst))).join('\n') + (pairs.length ? '\n' : '');
    return;
  }
  const r = await v.backend.terms(q, field, v.limits.maxAggSize);
  if (r.sum_other_doc_count > 0) setBound(ctx, { name: 'maxAggSize', value: v.limits.maxAggSize });
  ctx.type = 'text/plain';
  ctx.body = r.buckets.map((b) => (boolParam(p, 'counts') ? `${key(field, b.key)}, ${b.doc_count}` : String(key(field, b.key)))).join('\n') +
    (r.buckets.length ? '\n' : '');
}

function tagsRoute(add: boolean) {
  return async (ctx: Context, v: ViewerContext): Promise<void> => {
    const { p, pq } = await sessionQuery(ctx, v);
    const tags = (p.tags ?? '').replace(/[^-a-zA-Z0-9_:,]/g, '').split(',').filter(Boolean);
    if (tags.length === 0) { ctx.body = { success: false, text: 'No tags specified' }; return; }
    if (!p.ids && p.expression === undefined && p.date === undefined && p.startTime === undefined) {
      throw new HttpError(400, 'Tag edits need ids or a query (expression, date or startTime/stopTime)');
    }
    const n = await v.backend.updateTags(pq.query, add ? tags : [], add ? [] : tags, v.limits.maxSessionsQueried);
    ctx.body = { success: true, text: add ? 'Tags added successfully' : 'Tags removed successfully', sessions: n };
  };
}

export const aggRoutes: RouteDef[] = [
  { methods: ['GET', 'POST'], path: '/api/spiview', role: 'arkimeUser', handler: spiview },
  { methods: ['GET', 'POST'], path: '/api/spigraph', role: 'arkimeUser', handler: spigraph },
  { methods: ['GET', 'POST'], path: '/api/connections', role: 'arkimeUser', handler: connections },
  { methods: ['GET', 'POST'], path: '/api/unique', role: 'arkimeUser', handler: unique },
  { methods: ['POST'], path: '/api/sessions/addtags', role: 'arkimeUser', handler: tagsRoute(true) },
  { methods: ['POST'], path: '/api/sessions/removetags', role: 'arkimeAdmin', handler: tagsRoute(false) },
];
