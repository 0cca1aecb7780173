// Capture requests through the API (issue 16: pcapdaemon's requests, and with pause/resume the
// GIMS "experiments"): POST stores one queued request per matching capture node, which claims it
// from the control store (capture/live/capture-requests.ts runs it); GET lists them with state
// and counts; DELETE (or POST .../cancel), POST .../pause and .../resume change their state.
// Role arkimeAdmin or captureRequester; writes need the CSRF token or an API key like any other.
import type { Context } from 'koa';
import type { CaptureRequestDoc, CaptureRequestState, UserDoc } from '../db/backend/control-store.js';
import { CaptureRequestError, captureRequestLimits, newCaptureRequestId, parseCaptureRequest, requestMatchesNode } from '../db/capture-request.js';
import type { Config } from '../db/config.js';
import { HttpError, params, readBody } from './http.js';
import type { RouteDef, ViewerContext } from './server.js';

/** What the capture-request routes need beyond the viewer context. */
export interface CaptureRequestApi {
  config: Config;
  /** libpcap's compile of a BPF (the capture addon, given by bin/viewer-cmd.ts); without it the node checks. */
  checkBpf?: (expr: string, snap: number) => void;
  /** The transforms' check (capture/transform, given by bin/viewer-cmd.ts); without it the node checks. */
  checkTransforms?: (spec: Record<string, unknown>) => void;
}

const STATES: readonly CaptureRequestState[] = ['queued', 'running', 'paused', 'done', 'cancelled', 'failed'];

function badRequest(ctx: Context, field: string, text: string): void {
  ctx.status = 400;
  ctx.body = { success: false, field, text };
}

async function submit(ctx: Context, v: ViewerContext): Promise<void> {
  const api = v.captureRequests;
  if (!ctx.get('content-type').includes('application/json')) return badRequest(ctx, 'request', 'send the request as application/json');
  let body;
  try {
    body = await readBody(ctx);
  } catch (e) {
    if (e instanceof HttpError && e.status === 400) return badRequest(ctx, 'request', `request: ${e.message}`);
    throw e;
  }
  let req;
  try {
    req = parseCaptureRequest(body, captureRequestLimits(api.config), api.checkBpf, api.checkTransforms);
  } catch (e) {
    if (e instanceof CaptureRequestError) return badRequest(ctx, e.field, e.message);
    throw e;
  }
  const known = (await v.control.allStats()).map((s) => String(s.nodeName ?? '')).filter(Boolean);
  const targets = known.filter((n) => requestMatchesNode(req, n));
  if (targets.length === 0) {
    const field = req.node !== undefined ? 'node' : 'nodere';
    return badRequest(ctx, field, `${field}: matches no capture node (nodes: ${known.join(', ') || 'none'})`);
  }
  const user = (ctx.state as { user: UserDoc }).user.userId;
  const docs: CaptureRequestDoc[] = [];
  for (const node of targets) {
    const doc: CaptureRequestDoc = { id: newCaptureRequestId(), node, state: 'queued', request: { ...req }, created: Date.now(), packets: 0, bytes: 0, via: 'api', user };
    await v.control.addCaptureRequest(doc);
    docs.push(doc);
  }
  ctx.body = { success: true, text: `Capture request queued on ${targets.join(', ')}`, requests: docs };
}

async function list(ctx: Context, v: ViewerContext): Promise<void> {
  const p = await params(ctx);
  const states = p.state ? p.state.split(',') as CaptureRequestState[] : undefined;
  for (const s of states ?? []) if (!STATES.includes(s)) throw new HttpError(400, `state: unknown state '${s}' (${STATES.join(', ')})`);
  const data = await v.control.listCaptureRequests({ node: p.node || undefined, states });
  ctx.body = { data, recordsTotal: data.length };
}

async function one(ctx: Context, v: ViewerContext): Promise<void> {
  const doc = await v.control.getCaptureRequest(String(ctx.params.id));
  if (!doc) throw new HttpError(404, `no capture request ${ctx.params.id}`);
  ctx.body = doc;
}

/** A state change allowed only from `from`; 404 for no such request, 409 naming its state otherwise. */
function change(to: CaptureRequestState, from: readonly CaptureRequestState[], patch: (d: Partial<CaptureRequestDoc>) => void = () => {}) {
  return async (ctx: Context, v: ViewerContext): Promise<void> => {
    const id = String(ctx.params.id);
    const p: Partial<CaptureRequestDoc> = { state: to };
    patch(p);
    const doc = await v.control.updateCaptureRequest(id, p, from);
    if (!doc) {
      const cur = await v.control.getCaptureRequest(id);
      if (!cur) throw new HttpError(404, `no capture request ${id}`);
      throw new HttpError(409, `capture request ${id} is ${cur.state}; ${to} needs it ${from.join(' or ')}`);
    }
    ctx.body = { success: true, text: `Capture request ${id} ${to}`, request: doc };
  };
}

const cancel = change('cancelled', ['queued', 'running', 'paused'], (p) => { p.stopReason = 'cancel'; });

export const captureRequestRoutes: RouteDef[] = [
  { methods: ['POST'], path: '/api/capture-requests', role: 'captureRequester', handler: submit },
  { methods: ['GET'], path: '/api/capture-requests', role: 'captureRequester', handler: list },
  { methods: ['GET'], path: '/api/capture-requests/:id', role: 'captureRequester', handler: one },
  { methods: ['DELETE'], path: '/api/capture-requests/:id', role: 'captureRequester', handler: cancel },
  { methods: ['POST'], path: '/api/capture-requests/:id/cancel', role: 'captureRequester', handler: cancel },
  { methods: ['POST'], path: '/api/capture-requests/:id/pause', role: 'captureRequester', handler: change('paused', ['running']) },
  { methods: ['POST'], path: '/api/capture-requests/:id/resume', role: 'captureRequester', handler: change('running', ['paused']) },
];
