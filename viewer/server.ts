// The viewer: koa + @koa/router over a SessionSearchBackend and the control store. Every route is
// declared once in a table with the role it needs; one wrapper authenticates, checks the role
// and the CSRF token, and turns errors into Arkime's `{success:false, text}`. The built Vue app
// is served at / with an SPA fallback.
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import Koa, { type Context } from 'koa';
import { Router } from '@koa/router';
import { ConfigError, type Config } from '../db/config.js';
import { AnonymizeKeyError } from '../db/anon/crypto-pan.js';
import { ExportAnonymizer } from './anonymize.js';
import type { FieldRegistry } from '../db/fields/registry.js';
import type { ControlStore } from '../db/backend/control-store.js';
import { openSearchStores } from '../db/backend/open.js';
import { schedulePcapExpiry } from '../db/retention/pcap-expiry.js';
import { QueryError, QueryTimeoutError, type SessionSearchBackend } from '../db/backend/search-backend.js';
import { Authenticator, CSRF_HEADER, hasRole, passwordHashCost, sameToken, SESSION_COOKIE, type AuthOptions, type Role } from './auth.js';
import { answerClientErrors } from './client-errors.js';
import { bodyLimit, HttpError } from './http.js';
import { adminRoutes } from './routes-admin.js';
import { esRoutes } from './routes-es.js';
import { aggRoutes } from './routes-agg.js';
import { NodeLinks } from './multinode.js';
import type { ClusterAdmin } from '../db/backend/cluster-admin.js';
import { internalRouter } from './multinode-routes.js';
import { sessionRoutes } from './routes-sessions.js';
import { flowRoutes } from './routes-flow.js';
import { captureRequestRoutes, type CaptureRequestApi } from './routes-capture-requests.js';
import { contentSecurityPolicy, inlineScripts, securityHeaders } from './security-headers.js';

export interface ViewerLimits {
  /** Most sessions one request may return, export or tag (Arkime maxSessionsQueried). */
  maxSessionsQueried: number;
  /** Most buckets of one terms aggregation (Arkime maxAggSize). */
  maxAggSize: number;
  /** Most bytes one pcap, pcapng or CSV export writes (Packrat maxPcapBytes). */
  maxPcapBytes: number;
  /** Hours searched when a request names no time (Arkime defaultTimeRange). */
  defaultHours: number;
  /** An export whose client takes no bytes for this long is cut (Packrat exportIdleTimeout, seconds). */
  exportIdleMs: number;
}

export interface ViewerContext {
  backend: SessionSearchBackend;
  /** The store's indices, shards, tasks and health for Arkime's cluster pages. */
  clusterAdmin: ClusterAdmin;
  control: ControlStore;
  registry: FieldRegistry;
  auth: Authenticator;
  limits: ViewerLimits;
  /** Other nodes' viewers, for packets whose pcap files this viewer cannot read. */
  nodes?: NodeLinks;
  /** Exports still streaming; close() waits for them to let go of the store. */
  exports: Set<Promise<void>>;
  /** anonymize=1 and users with forced anonymisation (anonymizeKey=). */
  anonymizer: ExportAnonymizer;
  captureRequests: CaptureRequestApi;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
/** `public`: no login; `any`: any logged-in user; else the role needed (implied roles count). */
export type Access = Role | 'any' | 'public';

export interface RouteDef {
  methods: Method[];
  path: string;
  role: Access;
  handler: (ctx: Context, v: ViewerContext) => Promise<void>;
}

export const ROUTES: RouteDef[] = [...adminRoutes, ...sessionRoutes, ...flowRoutes, ...aggRoutes, ...esRoutes, ...captureRequestRoutes];

export function limitsFromConfig(config: Config): ViewerLimits {
  return {
    maxSessionsQueried: config.int('maxSessionsQueried', 2_000_000, 1),
    maxAggSize: config.int('maxAggSize', 10_000, 1),
    maxPcapBytes: config.int('maxPcapBytes', 16 * 1024 ** 3, 1024),
    defaultHours: config.int('defaultTimeRange', 1),
    exportIdleMs: config.int('exportIdleTimeout', 120, 1) * 1000,
  };
}

const isApi = (p: string) => p.startsWith('/api/');

function deny(ctx: Context, status: number, text: string): void {
  ctx.status = status;
  ctx.body = { success: false, text };
}

/** Authenticate, authorize and run one route; returns the koa middleware. */
function guarded(def: RouteDef, v: ViewerContext) {
  return async (ctx: Context): Promise<void> => {
    if (def.role !== 'public') {
      const r = await v.auth.authenticate({ authorization: ctx.get('authorization') || undefined }, ctx.cookies.get(SESSION_COOKIE), ctx.ip, ctx.req.socket.remoteAddress);
      if (!('user' in r)) {
        if (r.error === 'refused') return deny(ctx, 403, r.text ?? 'API key refused');
        if (r.error === 'limited') { ctx.set('Retry-After', String(Math.ceil((r.retryMs ?? 1000) / 1000))); return deny(ctx, 429, 'Too many failed logins; try again later'); }
        if (!isApi(ctx.path)) { ctx.redirect('/login'); return; }
        return deny(ctx, 401, r.error === 'bad' ? 'Bad credentials' : 'Not logged in');
      }
      if (def.role !== 'any' && !hasRole(r.user, def.role)) return deny(ctx, 403, `Need ${def.role} role assigned`);
      if (r.via === 'cookie' && ctx.method !== 'GET' && ctx.method !== 'HEAD' && !sameToken(ctx.get(CSRF_HEADER) || undefined, r.session!.csrfToken)) {
        return deny(ctx, 403, `Missing or bad ${CSRF_HEADER} token (GET /api/user gives it)`);
      }
      Object.assign(ctx.state, { user: r.user, via: r.via, session: r.session });
    }
    await def.handler(ctx, v);
  };
}

async function errors(ctx: Context, next: () => Promise<void>): Promise<void> {
  try {
    await next();
  } catch (e) {
    if (e instanceof HttpError) return deny(ctx, e.status, e.message);
    if (e instanceof QueryTimeoutError) return deny(ctx, 503, e.message);
    if (e instanceof QueryError) return deny(ctx, 400, e.message);
    ctx.app.emit('error', e, ctx);
    deny(ctx, 500, (e as Error).message ?? String(e));
  }
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.json': 'application/json', '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.map': 'application/json',
};

/**
 * The UI file a request path names, relative to the UI folder. A path that does not decode, holds
 * a NUL, a backslash or a `..` segment is refused with 400 before it reaches the file system:
 * no page of the app has one, so it can only be a probe for files outside the folder.
 */
export function uiRelPath(urlPath: string): string {
  let p: string;
  try { p = decodeURIComponent(urlPath); } catch { throw new HttpError(400, 'malformed percent-encoding in the path'); }
  if (p.includes('\0') || p.includes('\\') || p.split('/').includes('..')) throw new HttpError(400, 'path names a file outside the UI');
  return path.posix.normalize(p).replace(/^\/+/, '');
}

/** The built Vue app (dist/viewer-ui): files as they are, any other page → index.html. */
function uiMiddleware(uiDir: string, v: ViewerContext) {
  return async (ctx: Context, next: () => Promise<void>): Promise<void> => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || isApi(ctx.path)) return next();
    const r = await v.auth.authenticate({ authorization: ctx.get('authorization') || undefined }, ctx.cookies.get(SESSION_COOKIE), ctx.ip, ctx.req.socket.remoteAddress);
    const rel = uiRelPath(ctx.path);
    const file = path.join(uiDir, rel);
    const isAsset = rel !== '' && file.startsWith(uiDir + path.sep) && fs.existsSync(file) && fs.statSync(file).isFile() && !rel.endsWith('.html');
    if (!('user' in r) && !isAsset) { ctx.redirect('/login'); return; }
    const index = path.join(uiDir, 'index.html');
    if (!fs.existsSync(index)) {
      ctx.status = 503; ctx.type = 'text/plain';
      ctx.body = `The viewer UI is not built: run \`npx vite build\` in viewer/ui (it writes ${uiDir}). The API under /api/ works without it.\n`;
      return;
    }
    const target = isAsset ? file : index;
    ctx.type = MIME[path.extname(target)] ?? 'application/octet-stream';
    if (isAsset && rel.startsWith('assets/')) ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    ctx.body = fs.createReadStream(target);
  };
}

/** The CSP for the UI's pages: its index.html's inline scripts by hash, re-read when the build changes. */
function uiPolicy(uiDir: string): () => string {
  let seen = -1, policy = contentSecurityPolicy();
  return () => {
    let mtime = 0;
    try { mtime = fs.statSync(path.join(uiDir, 'index.html')).mtimeMs; } catch { /* not built: no inline scripts */ }
    if (mtime !== seen) {
      seen = mtime;
      policy = contentSecurityPolicy(mtime ? inlineScripts(fs.readFileSync(path.join(uiDir, 'index.html'), 'utf8')) : []);
    }
    return policy;
  };
}

export interface Viewer {
  app: Koa;
  router: Router;
  context: ViewerContext;
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

export interface ViewerOptions {
  config: Config;
  registry: FieldRegistry;
  /** Folder of the built UI (default `<repo>/dist/viewer-ui`). */
  uiDir?: string;
  /** Overrides for tests. */
  limits?: Partial<ViewerLimits>;
  auth?: AuthOptions;
  /** libpcap's compile of a capture request's BPF (bin/viewer-cmd.ts passes the capture addon's). */
  checkBpf?: (expr: string, snap: number) => void;
  checkTransforms?: (spec: Record<string, unknown>) => void;
}

export async function createViewer(o: ViewerOptions): Promise<Viewer> {
  let anonymizer: ExportAnonymizer;
  try { anonymizer = new ExportAnonymizer(o.config.str('anonymizeKey', '')); } catch (e) {
    if (e instanceof AnonymizeKeyError) throw new ConfigError(`${o.config.file}: ${e.message}`);
    throw e;
  }
  const { backend, control, clusterAdmin, close: closeStores } = await openSearchStores(o.config, o.registry);
  const v: ViewerContext = {
    backend, clusterAdmin, control, registry: o.registry, auth: new Authenticator(control, { hashCost: passwordHashCost(o.config), ...o.auth }),
    limits: { ...limitsFromConfig(o.config), ...o.limits },
    nodes: new NodeLinks(o.config),
    exports: new Set(),
    anonymizer,
    captureRequests: { config: o.config, checkBpf: o.checkBpf, checkTransforms: o.checkTransforms },
  };
  const app = new Koa();
  app.proxy = o.config.bool('trustProxy', false);
  app.on('error', (e: Error) => { if ((e as { code?: string }).code !== 'ECONNRESET' && (e as { code?: string }).code !== 'EPIPE') process.stderr.write(`packrat viewer: ${e.stack ?? e.message}\n`); });
  const router = new Router();
  for (const def of ROUTES) router.register(def.path, def.methods, guarded(def, v));
  const uiDir = path.resolve(o.uiDir ?? path.join(repoRoot(), 'dist', 'viewer-ui'));
  app.use(securityHeaders(uiPolicy(uiDir)));
  app.use(errors);
  app.use(bodyLimit);
  app.use(internalRouter(v).routes()); // signed viewer-to-viewer requests, no user login
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.use(uiMiddleware(uiDir, v));
  app.use(async (ctx) => { if (isApi(ctx.path)) deny(ctx, 404, `No API ${ctx.method} ${ctx.path}`); });
  let server: Server | undefined;
  let stopPcapExpiry: (() => void) | undefined;
  return {
    app, router, context: v,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server = app.listen(port, host);
        answerClientErrors(server);
        server.once('error', reject);
        server.once('listening', () => {
          // Arkime's viewer checks free space in pcapDir every 60 s (freeSpaceG).
          stopPcapExpiry = schedulePcapExpiry(o.config, o.config.node, control, (l) => process.stderr.write(`packrat viewer: ${l}\n`));
          resolve((server!.address() as AddressInfo).port);
        });
      });
    },
    async close() {
      stopPcapExpiry?.();
      if (server) await new Promise<void>((r) => { server!.closeAllConnections?.(); server!.close(() => r()); });
      await Promise.all(v.exports); // cut by closeAllConnections: they end at their next write
      await closeStores();
    },
  };
}

/** The folder holding package.json (the compiled file sits in dist/viewer/). */
export function repoRoot(): string {
  let dir = path.dirname(new URL(import.meta.url).pathname);
  for (let i = 0; i < 5; i++) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
}
