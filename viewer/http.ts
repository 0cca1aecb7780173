// Small koa helpers shared by the routes: request parameters (query string, with a POST body's
// keys winning as in Arkime), errors with a status, and the bound header.
import type { Context } from 'koa';

export class HttpError extends Error {
  constructor(readonly status: number, message: string) { super(message); }
}

export const MAX_BODY = 1 << 20;

/**
 * 413 for a body over the limit. The connection closes after the answer: otherwise Node reads and
 * discards the rest of the body, however large, to keep the connection for the next request.
 */
function tooLarge(ctx: Context, what: string): HttpError {
  ctx.set('Connection', 'close');
  return new HttpError(413, `request body ${what} exceeds the limit of ${MAX_BODY} bytes`);
}

/**
 * Bounds every request's body, read or not: a declared size over the limit is refused before any
 * route (or login check) runs, and a body no route read ends the connection. Node would otherwise
 * read and drop an unread body to the end, however long a client keeps sending.
 */
export async function bodyLimit(ctx: Context, next: () => Promise<void>): Promise<void> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > MAX_BODY) throw tooLarge(ctx, `of ${declared} bytes (Content-Length)`);
  await next();
  if (!ctx.req.complete && !ctx.headerSent) ctx.set('Connection', 'close');
}

/** Parse a JSON or form body (at most 1 MiB); other content types give an empty object. */
export async function readBody(ctx: Context): Promise<Record<string, unknown>> {
  const st = ctx.state as { body?: Record<string, unknown> };
  if (st.body) return st.body;
  if (ctx.method === 'GET' || ctx.method === 'HEAD') return (st.body = {});
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > MAX_BODY) throw tooLarge(ctx, `of ${declared} bytes (Content-Length)`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of ctx.req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw tooLarge(ctx, `of more than ${MAX_BODY} bytes`);
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const type = ctx.get('content-type');
  let body: Record<string, unknown> = {};
  if (text.trim() === '') body = {};
  else if (type.includes('application/json')) {
    try { body = JSON.parse(text) as Record<string, unknown>; } catch (e) { throw new HttpError(400, `request body is not valid JSON: ${(e as Error).message}`); }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'request body must be a JSON object');
  } else if (type.includes('application/x-www-form-urlencoded')) {
    body = Object.fromEntries(new URLSearchParams(text));
  }
  return (st.body = body);
}

/** Query-string parameters overridden by body keys; values are strings (arrays joined by ','). */
export async function params(ctx: Context): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.query)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(',') : v;
  for (const [k, v] of Object.entries(await readBody(ctx))) {
    if (v === undefined || v === null) continue;
    out[k] = Array.isArray(v) ? v.join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return out;
}

export interface Bound { name: string; value: number }

/** Say that a response was cut by a named bound (header; JSON bodies also carry `bounded`). */
export function setBound(ctx: Context, b: Bound): void {
  ctx.set('X-Packrat-Bound', `${b.name}=${b.value}`);
}

export function intParam(p: Record<string, string>, key: string, def: number, min = -Infinity, max = Infinity): number {
  const v = p[key];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new HttpError(400, `parameter ${key}=${v} is not a number`);
  return Math.min(max, Math.max(min, Math.floor(n)));
}

export function boolParam(p: Record<string, string>, key: string): boolean {
  const v = p[key];
  return v === '1' || v === 'true';
}
