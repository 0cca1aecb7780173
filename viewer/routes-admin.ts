// Everything that is not a session query: login and logout, the current user, user admin,
// pcap files, capture stats, the field registry, health.
import type { Context } from 'koa';
import type { UserDoc } from '../db/backend/control-store.js';
import { checkRoles, checkUserId, SESSION_COOKIE } from './auth.js';
import { checkKeyAllow, checkKeyNodes, scopeNodes } from './key-scope.js';
import { HttpError, intParam, params, readBody } from './http.js';
import { visibleTotal } from './routes-sessions.js';
import type { RouteDef, ViewerContext } from './server.js';

const current = (ctx: Context) => (ctx.state as { user: UserDoc }).user;

/** A user as the API shows it: never the password hash or the API key hash. */
export function publicUser(u: UserDoc): Record<string, unknown> {
  const { passHash: _p, apiKey, ...rest } = u;
  return { ...rest, roles: u.roles ?? [], hasApiKey: apiKey !== undefined };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function loginPage(message = ''): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Packrat login</title>
<style>body{font-family:sans-serif;display:flex;justify-content:center;margin-top:10%}form{display:flex;flex-direction:column;gap:.5em;width:16em}
.err{color:#b00}</style></head><body><form method="post" action="/api/login"><h2>Packrat</h2>
${message ? `<div class="err">${escapeHtml(message)}</div>` : ''}
<label>User <input name="username" autocomplete="username" autofocus required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Log in</button></form></body></html>`;
}

async function login(ctx: Context, v: ViewerContext): Promise<void> {
  const body = await readBody(ctx);
  const form = !ctx.get('content-type').includes('application/json');
  const userId = String(body.username ?? body.userId ?? ''), password = String(body.password ?? '');
  const r = await v.auth.login(userId, password, ctx.ip);
  if (!('user' in r)) {
    const limited = r.error === 'limited';
    if (limited) ctx.set('Retry-After', String(Math.ceil((r.retryMs ?? 1000) / 1000)));
    const text = limited ? 'Too many failed logins; try again later' : 'Bad user name or password';
    ctx.status = limited ? 429 : 401;
    if (form) { ctx.type = 'html'; ctx.body = loginPage(text); } else ctx.body = { success: false, text };
    return;
  }
  const s = v.auth.sessions.create(r.user.userId);
  ctx.cookies.set(SESSION_COOKIE, s.sid, { httpOnly: true, sameSite: 'strict', path: '/', secure: ctx.secure, overwrite: true });
  if (form) ctx.redirect('/');
  else ctx.body = { success: true, text: 'Logged in', userId: r.user.userId, csrfToken: s.csrfToken };
}

async function logout(ctx: Context, v: ViewerContext): Promise<void> {
  const sid = ctx.cookies.get(SESSION_COOKIE);
  if (sid) v.auth.sessions.delete(sid);
  ctx.cookies.set(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'strict', path: '/', expires: new Date(0), overwrite: true });
  ctx.body = { success: true, text: 'Logged out' };
}

async function me(ctx: Context): Promise<void> {
  const st = ctx.state as { user: UserDoc; via: string; session?: { csrfToken: string } };
  ctx.body = { ...publicUser(st.user), authVia: st.via, csrfToken: st.session?.csrfToken ?? null };
}

async function listUsers(ctx: Context, v: ViewerContext): Promise<void> {
  const p = await params(ctx);
  let users = (await v.control.listUsers()).map(publicUser);
  const total = users.length;
  if (p.filter) users = users.filter((u) => String(u.userId).includes(p.filter) || String(u.userName ?? '').includes(p.filter));
  const filtered = users.length;
  const start = intParam(p, 'start', 0, 0), length = intParam(p, 'length', 1000, 0);
  ctx.body = { data: users.slice(start, start + length), recordsTotal: total, recordsFiltered: filtered };
}

async function userFields(body: Record<string, unknown>, v: ViewerContext): Promise<Partial<UserDoc>> {
  const out: Partial<UserDoc> = {};
  if (body.userName !== undefined) out.userName = String(body.userName);
  if (body.roles !== undefined) {
    const roles = Array.isArray(body.roles) ? body.roles.map(String) : String(body.roles).split(',').filter(Boolean);
    checkRoles(roles);
    out.roles = roles;
  }
  if (body.expression !== undefined) out.expression = String(body.expression) || undefined;
  if (body.enabled !== undefined) out.enabled = body.enabled === true || body.enabled === 'true';
  if (body.anonymize !== undefined) out.anonymize = body.anonymize === true || body.anonymize === 'true' || body.anonymize === 1 || body.anonymize === '1';
  if (body.password !== undefined) out.passHash = await v.auth.hashPassword(String(body.password));
  // the API key's scope (Packets-at-REST): a list or a comma-separated string; empty clears it
  const list = (x: unknown) => (Array.isArray(x) ? x.map(String) : String(x).split(','));
  if (body.apiKeyNodes !== undefined) out.apiKeyNodes = checkKeyNodes(list(body.apiKeyNodes));
  if (body.apiKeyAllow !== undefined) out.apiKeyAllow = checkKeyAllow(list(body.apiKeyAllow));
  return out;
}

async function createUser(ctx: Context, v: ViewerContext): Promise<void> {
  const body = await readBody(ctx);
  const userId = String(body.userId ?? '');
  try {
    checkUserId(userId);
    if (body.password === undefined) throw new Error('a new user needs a password');
    await v.control.createUser({ userId, roles: ['arkimeUser'], ...await userFields(body, v) });
  } catch (e) { throw new HttpError(400, (e as Error).message); }
  ctx.body = { success: true, text: 'User created' };
}

async function updateUser(ctx: Context, v: ViewerContext): Promise<void> {
  const id = String(ctx.params.id);
  if (!await v.control.getUser(id)) throw new HttpError(404, `no user ${id}`);
  try { await v.control.updateUser(id, await userFields(await readBody(ctx), v)); } catch (e) { throw new HttpError(400, (e as Error).message); }
  ctx.body = { success: true, text: 'User updated' };
}

async function deleteUser(ctx: Context, v: ViewerContext): Promise<void> {
  const id = String(ctx.params.id);
  if (id === current(ctx).userId) throw new HttpError(400, 'you cannot delete yourself');
  if (!await v.control.deleteUser(id)) throw new HttpError(404, `no user ${id}`);
  ctx.body = { success: true, text: 'User deleted' };
}

async function files(ctx: Context, v: ViewerContext): Promise<void> {
  const p = await params(ctx);
  let list = await v.control.listFiles();
  const nodes = scopeNodes(ctx.state);
  if (nodes) list = list.filter((f) => nodes.includes(f.node));
  const total = list.length;
  if (p.filter) { const f = p.filter.replace(/\*/g, ''); list = list.filter((x) => x.name.includes(f)); }
  const key = p.sortField ?? 'num';
  const desc = p.desc === 'true';
  list.sort((a, b) => {
    const x = a[key] as string | number | undefined, y = b[key] as string | number | undefined;
    const c = x === y ? 0 : x === undefined ? 1 : y === undefined ? -1 : x < y ? -1 : 1;
    return desc ? -c : c;
  });
  const start = intParam(p, 'start', 0, 0), length = intParam(p, 'length', 10, 0);
  ctx.body = { data: list.slice(start, start + length), recordsTotal: total, recordsFiltered: list.length };
}

async function stats(ctx: Context, v: ViewerContext): Promise<void> {
  const nodes = scopeNodes(ctx.state);
  const inScope = (node: string) => !nodes || nodes.includes(node);
  const docs = (await v.control.allStats()).filter((d) => inScope(String(d.nodeName ?? '')));
  const have = new Set(docs.map((d) => String(d.nodeName ?? '')));
  // nodes that only imported files (no live capture stats): a summary from the file registry
  const byNode = new Map<string, { files: number; bytes: number; packets: number; last: number }>();
  for (const f of await v.control.listFiles()) {
    if (have.has(f.node) || !inScope(f.node)) continue;
    const s = byNode.get(f.node) ?? { files: 0, bytes: 0, packets: 0, last: 0 };
    s.files++; s.bytes += f.filesize ?? 0; s.packets += f.packets ?? 0; s.last = Math.max(s.last, f.finishTimestamp ?? 0);
    byNode.set(f.node, s);
  }
  for (const [node, s] of byNode) docs.push({ nodeName: node, currentTime: s.last, totalK: Math.round(s.bytes / 1024), totalPackets: s.packets, files: s.files });
  const sessions = await visibleTotal(ctx, v);
  ctx.body = { data: docs, recordsTotal: docs.length, recordsFiltered: docs.length, totalSessions: sessions };
}

async function fieldsRoute(ctx: Context, v: ViewerContext): Promise<void> {
  const p = await params(ctx);
  const list = v.registry.all().filter((f) => !f.nodb).map((f) => ({
    exp: f.exp, dbField: f.db, type: f.kind, friendlyName: f.friendly, help: f.help, group: f.group,
    ...(f.aliases ? { aliases: f.aliases } : {}), ...(f.category ? { category: f.category } : {}), ...(f.noFacet ? { noFacet: true } : {}),
    ...(f.regex ? { regex: f.regex } : {}),
  }));
  ctx.body = p.array === 'true' ? list : Object.fromEntries(list.map((f) => [f.exp, f]));
}

export const adminRoutes: RouteDef[] = [
  { methods: ['GET'], path: '/health', role: 'public', handler: async (ctx) => { ctx.body = { success: true, text: 'ok' }; } },
  { methods: ['GET'], path: '/login', role: 'public', handler: async (ctx) => { ctx.type = 'html'; ctx.body = loginPage(); } },
  { methods: ['POST'], path: '/api/login', role: 'public', handler: login },
  { methods: ['POST'], path: '/api/logout', role: 'any', handler: logout },
  { methods: ['GET'], path: '/api/user', role: 'any', handler: me },
  { methods: ['GET'], path: '/api/fields', role: 'any', handler: fieldsRoute },
  { methods: ['GET', 'POST'], path: '/api/users', role: 'usersAdmin', handler: listUsers },
  { methods: ['POST'], path: '/api/user', role: 'usersAdmin', handler: createUser },
  { methods: ['POST', 'PUT'], path: '/api/user/:id', role: 'usersAdmin', handler: updateUser },
  { methods: ['DELETE'], path: '/api/user/:id', role: 'usersAdmin', handler: deleteUser },
  { methods: ['GET'], path: '/api/files', role: 'arkimeUser', handler: files },
  { methods: ['GET'], path: '/api/stats', role: 'arkimeUser', handler: stats },
];
