// Routes other viewers call for packets of this node's sessions. They take no user login: a
// request must carry a valid `serverSecret` signature instead (multinode-auth.ts). The calling
// viewer has already applied its user's forced expression when it picked the sessions. These
// routes read only files this viewer can open and never forward a request further.
import { Readable } from 'node:stream';
import type { Context, Next } from 'koa';
import { Router } from '@koa/router';
import type { SessionQuery } from '../db/backend/search-backend.js';
import { packetExport } from './export.js';
import { HttpError, intParam, params } from './http.js';
import { INTERNAL_PREFIX } from './multinode.js';
import { ReplayGuard, SIGNATURE_HEADER, verifyRequest } from './multinode-auth.js';
import { sessionPackets } from './packet-view.js';
import { PcapFiles } from './pcap-source.js';
import type { ViewerContext } from './server.js';

/** Most sessions one internal pcap request may name. */
const MAX_IDS = 1000;

/** Internal requests carry no body today; one is read (this much at most) only to check its digest. */
const MAX_INTERNAL_BODY = 64 * 1024;

async function rawBody(ctx: Context): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of ctx.req) {
    size += (c as Buffer).length;
    if (size > MAX_INTERNAL_BODY) throw new HttpError(413, `internal request body exceeds ${MAX_INTERNAL_BODY} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

function signed(v: ViewerContext) {
  const replay = new ReplayGuard();
  return async (ctx: Context, next: Next): Promise<void> => {
    const r = verifyRequest(v.nodes?.secret, ctx.method, ctx.originalUrl, ctx.get(SIGNATURE_HEADER) || undefined, { body: await rawBody(ctx), replay });
    if (!r.ok) throw new HttpError(r.status, r.text);
    await next();
  };
}

async function packets(ctx: Context, v: ViewerContext): Promise<void> {
  const p = await params(ctx);
  const node = String(ctx.params.node), id = String(ctx.params.id);
  const d = await v.backend.get(id);
  if (!d || String(d.doc.node ?? '') !== node) throw new HttpError(404, `session ${id} of node ${node} not found`);
  const files = new PcapFiles(v.control);
  try {
    const r = await sessionPackets(files, d.doc, intParam(p, 'packets', 200, 1, 10000));
    ctx.body = { success: r.error === undefined, id: d.id, node: d.doc.node, source: d.doc.source, destination: d.doc.destination, ...r };
  } finally { await files.close(); }
}

/** One pcap of the named sessions of this node, in the store's export order (lastPacket). */
async function pcap(ctx: Context, v: ViewerContext): Promise<void> {
  const node = String(ctx.params.node);
  const ids = ctx.params.id !== undefined ? [String(ctx.params.id)] : String(ctx.query.ids ?? '').split(',').filter(Boolean);
  if (ids.length === 0) throw new HttpError(400, 'ids is empty');
  if (ids.length > MAX_IDS) throw new HttpError(400, `at most ${MAX_IDS} ids per request, got ${ids.length}`);
  const q: SessionQuery = { expressions: [], ids, terms: [{ field: 'node', value: node }] };
  const files = new PcapFiles(v.control);
  const gen = packetExport(v.backend, files, q, 'pcap', { maxSessions: ids.length, maxBytes: v.limits.maxPcapBytes });
  ctx.type = 'application/vnd.tcpdump.pcap';
  ctx.body = Readable.from((async function* () { try { yield* gen; } finally { await files.close(); } })(), { objectMode: false });
}

/** The signed-request router, mounted before the user routes. */
export function internalRouter(v: ViewerContext): Router {
  const r = new Router({ prefix: INTERNAL_PREFIX });
  const guard = signed(v);
  r.get('/session/:node/:id/packets', guard, (ctx) => packets(ctx, v));
  r.get('/session/:node/:id/pcap', guard, (ctx) => pcap(ctx, v));
  r.get('/sessions/:node/pcap', guard, (ctx) => pcap(ctx, v));
  return r;
}
