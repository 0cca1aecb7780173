// Session routes: the sessions list with its histogram and map, one session's document, its
// packets, and the pcap / pcapng / CSV exports (by ids or by query, bounded, streamed).
import { Readable } from 'node:stream';
import type { Context } from 'koa';
import type { UserDoc } from '../db/backend/control-store.js';
import type { FileGroup, SessionDoc, SessionQuery } from '../db/backend/search-backend.js';
import { anonymizeDoc } from './anonymize.js';
import { ChunkPool, csvExport, CSV_DEFAULT_FIELDS, getPath, packetExport, packetExportBatches, type ExportStats } from './export.js';
import { boolParam, HttpError, intParam, params, setBound, type Bound } from './http.js';
import { sessionPackets } from './packet-view.js';
import { checkNodeInScope, forcedExpressions, scopeNodes } from './key-scope.js';
import { PcapFiles } from './pcap-source.js';
import { pageParams, parseOrder, parseSessionQuery, type ParsedQuery } from './session-params.js';
import type { RouteDef, ViewerContext } from './server.js';

/** Arkime's default field list for /api/sessions. */
export const SESSION_DEFAULT_FIELDS = ['ipProtocol', 'rootId', 'totDataBytes', 'client.bytes', 'server.bytes', 'firstPacket', 'lastPacket',
  'source.ip', 'source.port', 'destination.ip', 'destination.port', 'network.packets', 'source.packets', 'destination.packets',
  'network.bytes', 'source.bytes', 'destination.bytes', 'node', 'http.uri', 'source.geo.country_iso_code',
  'destination.geo.country_iso_code', 'email.subject', 'email.src', 'email.dst', 'email.filename', 'dns.host', 'cert', 'irc.channel', 'http.xffGEO'];
const IDENTITY_FIELDS = ['node', 'source.ip', 'source.port', 'destination.ip', 'destination.port'];

/** Histogram series Arkime's UI draws (timelineDataFilters defaults), by the field summed. */
export const HISTO_FIELDS = ['source.packets', 'destination.packets', 'source.bytes', 'destination.bytes', 'client.bytes', 'server.bytes'];

const user = (ctx: Context) => (ctx.state as { user: UserDoc }).user;

/** recordsTotal: every session, or for an API key scoped to nodes, its nodes' sessions. */
export async function visibleTotal(ctx: Context, v: ViewerContext): Promise<number> {
  return scopeNodes(ctx.state) ? v.backend.count({ expressions: forcedExpressions(ctx.state) }) : v.backend.total();
}

/** Other nodes' viewers as this request may use them: only for its API key's nodes. */
export const linksFor = (ctx: Context, v: ViewerContext) => v.nodes?.scoped(scopeNodes(ctx.state));

export async function sessionQuery(ctx: Context, v: ViewerContext): Promise<{ p: Record<string, string>; pq: ParsedQuery }> {
  const p = await params(ctx);
  const u = user(ctx);
  return { p, pq: await parseSessionQuery(p, u, v.control, v.limits.defaultHours, scopeNodes(ctx.state), v.anonymizer.expressionsOf(u, v.registry)) };
}

function setPath(o: Record<string, unknown>, field: string, val: unknown): void {
  const keys = field.split('.');
  let cur = o;
  for (let i = 0; i < keys.length - 1; i++) {
    if (typeof cur[keys[i]] !== 'object' || cur[keys[i]] === null) cur[keys[i]] = {};
    cur = cur[keys[i]] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]] = val;
}

/** One row of /api/sessions: the requested fields, nested unless flatten=1. */
export function pickFields(d: SessionDoc, fields: string[], flatten: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { id: d.id };
  for (const f of fields) {
    const val = getPath(d.doc, f);
    if (val === undefined) continue;
    if (flatten) out[f] = val; else setPath(out, f, val);
  }
  return out;
}

/** Arkime's `graph` object for a query. */
export async function graphOf(v: ViewerContext, q: SessionQuery, pq: ParsedQuery, timeField = 'lastPacket'): Promise<Record<string, unknown>> {
  const buckets = await v.backend.histogram(q, { intervalSec: pq.interval, timeField, sums: HISTO_FIELDS });
  const g: Record<string, unknown> = {
    xmin: pq.startSec !== undefined ? pq.startSec * 1000 : buckets[0]?.key ?? null,
    xmax: pq.stopSec !== undefined ? pq.stopSec * 1000 : buckets.length ? buckets[buckets.length - 1].key + pq.interval * 1000 : null,
    interval: pq.interval,
    sessionsHisto: buckets.map((b) => [b.key, b.count]),
    sessionsTotal: buckets.reduce((n, b) => n + b.count, 0),
  };
  HISTO_FIELDS.forEach((f, i) => {
    g[`${f}Histo`] = buckets.map((b) => [b.key, b.sums[i]]);
    g[`${f}Total`] = buckets.reduce((n, b) => n + b.sums[i], 0);
  });
  g['network.packetsHisto'] = buckets.map((b) => [b.key, b.sums[0] + b.sums[1]]);
  g['network.bytesHisto'] = buckets.map((b) => [b.key, b.sums[2] + b.sums[3]]);
  g['totDataBytesHisto'] = buckets.map((b) => [b.key, b.sums[4] + b.sums[5]]);
  return g;
}

export async function mapOf(v: ViewerContext, q: SessionQuery): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [name, field] of [['src', 'source.geo.country_iso_code'], ['dst', 'destination.geo.country_iso_code'], ['xffGeo', 'http.xffGEO']]) {
    out[name] = {};
    if (!v.backend.hasField(field)) continue;
    for (const b of (await v.backend.terms(q, field, 1000)).buckets) out[name][String(b.key)] = b.doc_count;
  }
  return out;
}

async function sessionsList(ctx: Context, v: ViewerContext): Promise<void> {
  const { p, pq } = await sessionQuery(ctx, v);
  const page = pageParams(p, v.limits.maxSessionsQueried);
  let fields = SESSION_DEFAULT_FIELDS;
  if (p.fields) fields = [...new Set([...IDENTITY_FIELDS, ...p.fields.split(',').map((s) => s.trim()).filter(Boolean)])];
  const q = pq.query;
  const anon = v.anonymizer.forRequest(p, user(ctx));
  const [hits, filtered, total] = [await v.backend.search(q, { sort: parseOrder(p), start: page.start, length: page.length }),
    await v.backend.count(q), await visibleTotal(ctx, v)];
  const body: Record<string, unknown> = {
    data: hits.map((h) => pickFields(anon ? { ...h, doc: anonymizeDoc(h.doc, v.registry, anon) } : h, fields, boolParam(p, 'flatten'))),
    recordsTotal: total, recordsFiltered: filtered,
    graph: boolParam(p, 'facets') ? await graphOf(v, q, pq) : {},
    map: boolParam(p, 'map') ? await mapOf(v, q) : {},
  };
  if (page.clipped) {
    const b: Bound = { name: 'maxSessionsQueried', value: v.limits.maxSessionsQueried };
    setBound(ctx, b);
    body.bounded = b;
  }
  ctx.body = body;
}

async function visibleSession(ctx: Context, v: ViewerContext): Promise<SessionDoc> {
  const u = user(ctx);
  const id = String(ctx.params.id);
  // an API key scoped to other nodes is refused the route itself, and then the session
  if (ctx.params.node !== undefined) checkNodeInScope(ctx.state, String(ctx.params.node), 'named in the path');
  const d = await v.backend.get(id, { expressions: u.expression ? [u.expression] : [] });
  // the node in the path must be the session's own: it never picks where packets come from
  // (that is the document's node and the config's viewUrl), and a mismatch is a wrong link
  if (!d || (ctx.params.node !== undefined && String(d.doc.node ?? '') !== String(ctx.params.node))) throw new HttpError(404, `session ${id} not found`);
  checkNodeInScope(ctx.state, String(d.doc.node ?? ''), `session ${id}`);
  return d;
}

/** Why a local session's packets are gone (its pcap expired), or undefined (there, remote, or none recorded). */
async function spiOnlyReason(v: ViewerContext, files: PcapFiles, doc: Record<string, unknown>): Promise<string | undefined> {
  const node = String(doc.node ?? '');
  const packetPos = (doc.packetPos as number[] | undefined) ?? [];
  await files.prime([{ node, packetPos }]);
  if (v.nodes?.remoteFor(node, packetPos, files) !== undefined) return undefined;
  return files.spiOnlyReason(node, packetPos);
}

async function sessionDoc(ctx: Context, v: ViewerContext): Promise<void> {
  const anon = v.anonymizer.forRequest(await params(ctx), user(ctx));
  const d = await visibleSession(ctx, v);
  const why = await spiOnlyReason(v, new PcapFiles(v.control), d.doc);
  const doc = anon ? anonymizeDoc(d.doc, v.registry, anon) : d.doc;
  ctx.body = { id: d.id, index: d.index, ...doc, ...(why ? { spiOnly: true, spiOnlyReason: why } : {}) };
}

async function sessionPacketsRoute(ctx: Context, v: ViewerContext): Promise<void> {
  const p = await params(ctx);
  const anon = v.anonymizer.packets(p, user(ctx));
  const found = await visibleSession(ctx, v);
  // the packets' addresses are rewritten as they are read; the document's with them
  const d = anon ? { ...found, doc: anonymizeDoc(found.doc, v.registry, anon.cp) } : found;
  const node = String(d.doc.node ?? '');
  const packetPos = (d.doc.packetPos as number[] | undefined) ?? [];
  const files = new PcapFiles(v.control);
  await files.prime([{ node, packetPos }]);
  const remote = v.nodes?.remoteFor(node, packetPos, files);
  if (remote !== undefined && anon) throw new HttpError(400, 'anonymised packets of a session another node holds: export its pcap with anonymize=1 instead');
  if (remote !== undefined) { ctx.body = await linksFor(ctx, v)!.packetsJson(remote, node, d.id, intParam(p, 'packets', 200, 1, 10000)); return; }
  const why = files.spiOnlyReason(node, packetPos);
  if (why) {
    ctx.body = { success: true, spiOnly: true, reason: why, id: d.id, node: d.doc.node, source: d.doc.source, destination: d.doc.destination,
      packets: [], reassembled: [] };
    return;
  }
  try {
    const r = await sessionPackets(files, found.doc, intParam(p, 'packets', 200, 1, 10000), anon);
    ctx.body = { success: r.error === undefined, id: d.id, node: d.doc.node, source: d.doc.source, destination: d.doc.destination, ...r };
  } finally { await files.close(); }
}

/**
 * Shared front half of every export: the query and the bounds it hits. With `lazy`, the count
 * runs only when maxSessionsQueried can cut the export (the caller finds out emptiness itself).
 */
async function exportPlan(ctx: Context, v: ViewerContext, lazy = false): Promise<{ p: Record<string, string>; q: SessionQuery; maxSessions: number }> {
  const { p, pq } = await sessionQuery(ctx, v);
  const q = pq.query;
  const wanted = p.ids ? q.ids!.length : intParam(p, 'length', 1_000_000, 0);
  const maxSessions = Math.min(wanted, v.limits.maxSessionsQueried);
  if (lazy && wanted <= v.limits.maxSessionsQueried) return { p, q, maxSessions };
  const n = await v.backend.count(q);
  if (n === 0) throw new HttpError(404, 'no sessions found');
  if (n > maxSessions && wanted > v.limits.maxSessionsQueried) setBound(ctx, { name: 'maxSessionsQueried', value: v.limits.maxSessionsQueried });
  return { p, q, maxSessions };
}

/** Whether an export of these files' packets could reach `maxBytes` (pcapng at most doubles a record). */
async function mayReach(v: ViewerContext, maxBytes: number): Promise<boolean> {
  let total = 0;
  for (const f of await v.control.listFiles()) {
    if (typeof f.filesize !== 'number' || f.filesize < 0) return true;
    total += f.filesize;
  }
  return 2 * total + (1 << 20) > maxBytes;
}

function packetExportRoute(format: 'pcap' | 'pcapng') {
  return async (ctx: Context, v: ViewerContext): Promise<void> => {
    const { p, q, maxSessions } = await exportPlan(ctx, v, true);
    const anon = v.anonymizer.packets(p, user(ctx));
    // one pass over the store finds the matches for the survey, the size check and the export
    const snap = v.backend.exportSnapshot
      ? await v.backend.exportSnapshot(q, maxSessions, { ids: v.nodes !== undefined, sums: ['network.bytes', 'network.packets'] }) : undefined;
    const files = new PcapFiles(v.control);
    try {
      // wire bytes + 16 per packet ≈ pcap bytes: say up front whether the byte bound will cut the
      // file; without a snapshot a pass over the matches is only made when the files could reach it
      let bytes = 0, packets = 0;
      if (snap) for (const g of snap.groups) { bytes += g.sums![0]; packets += g.sums![1]; }
      else if (await mayReach(v, v.limits.maxPcapBytes)) [bytes, packets] = await v.backend.sums(q, ['network.bytes', 'network.packets']);
      if (bytes + 16 * packets > v.limits.maxPcapBytes) setBound(ctx, { name: 'maxPcapBytes', value: v.limits.maxPcapBytes });
    } catch (e) { await snap?.close(); throw e; }
    // sessions whose pcap expired are left out; pcap has no room to say so, the header does
    let survey: { gone: number; remote: boolean };
    try { survey = await exportSurvey(v, files, q, snap?.groups); } catch (e) { await snap?.close(); throw e; }
    const { gone, remote } = survey;
    const stats: ExportStats = { skipped: 0 };
    // the files' blocks go out as views, lent until the socket has taken them
    const pool = new ChunkPool(files.leases);
    // no node of the matches has a viewUrl: every packet is read here (and no ids are needed)
    const gen = packetExportBatches(v.backend, files, q, format, { maxSessions, maxBytes: v.limits.maxPcapBytes }, remote ? linksFor(ctx, v) : undefined, stats,
      pool, snap?.refs(), anon);
    const done = async () => {
      await files.close();
      await snap?.close();
      if (stats.skipped) console.log(`${ctx.path}: skipped ${stats.skipped} sessions with SPI data only (pcap expired)`);
    };
    // the first chunk before the response starts: an empty export is a 404
    let first: IteratorResult<Buffer[]>;
    try { first = await gen.next(); } catch (e) { await done(); throw e; }
    if (first.done) {
      await done();
      if (gone > 0 || stats.skipped > 0) {
        throw new HttpError(404, `no sessions with pcap found: ${Math.max(gone, stats.skipped)} matching sessions have SPI data only (pcap expired)`);
      }
      throw new HttpError(404, 'no sessions found');
    }
    if (gone > 0) ctx.set('X-Packrat-Skipped-Sessions', String(gone));
    ctx.type = format === 'pcap' ? 'application/vnd.tcpdump.pcap' : 'application/x-pcapng';
    ctx.attachment(`sessions.${format}`);
    await tracked(v, pump(ctx, v.limits.exportIdleMs, first.value, gen, pool, done));
  };
}

/** Keeps a streaming export in v.exports until it ends, so closing the viewer waits for it. */
async function tracked(v: ViewerContext, p: Promise<void>): Promise<void> {
  v.exports.add(p);
  try { await p; } finally { v.exports.delete(p); }
}

/**
 * Cuts a streamed response whose client takes no bytes for `ms`: a download left open but
 * never read would otherwise hold its snapshot and pcap file blocks for as long as the socket lives.
 */
export function cutWhenIdle(ctx: Context, ms: number): void {
  ctx.res.setTimeout(ms, () => {
    console.error(`${ctx.path}: export cut: the client took no bytes for ${ms / 1000} s`);
    ctx.res.destroy();
  });
}

/** Output queued in the response beyond what the socket took before the export waits for 'drain'. */
const QUEUED_MAX = 8 << 20;

/**
 * Writes an export straight to the response, each batch corked into one HTTP chunk and one
 * writev; a piece goes back to the pool once the socket has taken it (its write callback), and
 * producing waits for 'drain' while more than QUEUED_MAX is queued.
 */
async function pump(ctx: Context, idleMs: number, head: Buffer[], gen: AsyncGenerator<Buffer[]>, pool: ChunkPool, done: () => Promise<void>): Promise<void> {
  const res = ctx.res;
  ctx.status = 200;
  ctx.respond = false;
  res.socket?.setNoDelay(true);
  cutWhenIdle(ctx, idleMs);
  const write = async (batch: Buffer[]): Promise<void> => {
    res.cork();
    for (const c of batch) res.write(c, () => pool.give(c));
    res.uncork();
    if (res.writableLength < QUEUED_MAX || res.destroyed) return;
    await new Promise<void>((resolve) => {
      const go = () => { res.off('drain', go); res.off('close', go); resolve(); };
      res.on('drain', go); res.on('close', go);
    });
  };
  try {
    await write(head);
    for (;;) {
      if (res.destroyed) break; // the client went away
      const n = await gen.next();
      if (n.done) break;
      await write(n.value);
    }
    res.end();
  } catch (e) {
    // the status line is gone already: cut the response so the client sees it incomplete
    console.error(`${ctx.path}: export failed: ${(e as Error).message}`);
    res.destroy(e as Error);
  } finally {
    await gen.return(undefined);
    await done();
  }
}

/**
 * How many matches have every pcap file gone, and whether any match belongs to a node with a
 * viewUrl (only then can packets come from another viewer). Counted per node and file list: few groups.
 */
async function exportSurvey(v: ViewerContext, files: PcapFiles, q: SessionQuery, known?: FileGroup[]): Promise<{ gone: number; remote: boolean }> {
  if (!known && !v.backend.fileGroups) return { gone: 0, remote: v.nodes !== undefined };
  let gone = 0, remote = false;
  const groups = known ?? await v.backend.fileGroups!(q);
  await files.prime(groups.map((g) => ({ node: g.node, packetPos: g.fileIds.map((f) => -f) })));
  for (const g of groups) {
    if (v.nodes?.viewUrl(g.node) !== undefined) remote = true;
    if (g.fileIds.length === 0 || v.nodes?.remoteFor(g.node, g.fileIds.map((f) => -f), files) !== undefined) continue;
    if (g.fileIds.every((f) => files.gone(g.node, f) !== undefined)) gone += g.count;
  }
  return { gone, remote };
}

/** One session's packets as pcap or pcapng (Arkime /api/session/:node/:id.pcap), from whichever node holds them. */
function sessionPcapRoute(format: 'pcap' | 'pcapng') {
  return async (ctx: Context, v: ViewerContext): Promise<void> => {
    const anon = v.anonymizer.packets(await params(ctx), user(ctx));
    const d = await visibleSession(ctx, v);
    const files = new PcapFiles(v.control);
    const why = await spiOnlyReason(v, files, d.doc);
    if (why) throw new HttpError(404, `SPI data only: ${why}`);
    const gen = packetExport(v.backend, files, { expressions: [], ids: [d.id] }, format, { maxSessions: 1, maxBytes: v.limits.maxPcapBytes }, linksFor(ctx, v),
      undefined, undefined, undefined, anon);
    ctx.type = format === 'pcap' ? 'application/vnd.tcpdump.pcap' : 'application/x-pcapng';
    ctx.attachment(`${d.id}.${format}`);
    cutWhenIdle(ctx, v.limits.exportIdleMs);
    ctx.body = Readable.from((async function* () { try { yield* gen; } finally { await files.close(); } })(), { objectMode: false });
  };
}

async function csvRoute(ctx: Context, v: ViewerContext): Promise<void> {
  const { p, q, maxSessions } = await exportPlan(ctx, v);
  const fields = p.fields ? p.fields.split(',').map((s) => s.trim()).filter(Boolean) : CSV_DEFAULT_FIELDS;
  const anon = v.anonymizer.forRequest(p, user(ctx));
  ctx.type = 'text/csv';
  ctx.attachment('sessions.csv');
  cutWhenIdle(ctx, v.limits.exportIdleMs);
  ctx.body = Readable.from(csvExport(v.backend, v.registry, q, fields, { maxSessions, maxBytes: v.limits.maxPcapBytes }, anon));
}

export const sessionRoutes: RouteDef[] = [
  { methods: ['GET', 'POST'], path: '/api/sessions', role: 'arkimeUser', handler: sessionsList },
  { methods: ['GET'], path: '/api/session/:node/:id', role: 'arkimeUser', handler: sessionDoc },
  { methods: ['GET'], path: '/api/session/:node/:id/detail', role: 'arkimeUser', handler: sessionDoc },
  { methods: ['GET'], path: '/api/session/:node/:id/packets', role: 'arkimeUser', handler: sessionPacketsRoute },
  { methods: ['GET'], path: '/api/session/:node/:id/pcap', role: 'arkimeUser', handler: sessionPcapRoute('pcap') },
  { methods: ['GET'], path: '/api/session/:node/:id/pcapng', role: 'arkimeUser', handler: sessionPcapRoute('pcapng') },
  { methods: ['GET', 'POST'], path: '/api/sessions.pcap', role: 'arkimeUser', handler: packetExportRoute('pcap') },
  { methods: ['GET', 'POST'], path: '/api/sessions/pcap', role: 'arkimeUser', handler: packetExportRoute('pcap') },
  { methods: ['GET', 'POST'], path: '/api/sessions.pcapng', role: 'arkimeUser', handler: packetExportRoute('pcapng') },
  { methods: ['GET', 'POST'], path: '/api/sessions/pcapng', role: 'arkimeUser', handler: packetExportRoute('pcapng') },
  { methods: ['GET', 'POST'], path: '/api/sessions.csv', role: 'arkimeUser', handler: csvRoute },
  { methods: ['GET', 'POST'], path: '/api/sessions/csv', role: 'arkimeUser', handler: csvRoute },
];
