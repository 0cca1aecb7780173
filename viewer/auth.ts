// Users and access: bcrypt passwords, Arkime's roles, browser sessions (HttpOnly cookie plus a
// CSRF token for writes), HTTP basic and API keys for scripts, and a login rate limit.
import crypto from 'node:crypto';
import bcrypt from 'bcryptjs';
import type { ControlStore, UserDoc } from '../db/backend/control-store.js';

export const ROLES = ['superAdmin', 'usersAdmin', 'arkimeAdmin', 'arkimeUser'] as const;
export type Role = typeof ROLES[number];

export const SESSION_COOKIE = 'PACKRAT-SESSION';
export const CSRF_HEADER = 'x-packrat-csrf';
const BCRYPT_ROUNDS = 10;
const USER_ID_RE = /^[@\w.-]+$/;

/** Roles a user holds once implied ones are added (superAdmin → all, arkimeAdmin → arkimeUser). */
export function effectiveRoles(roles: readonly string[] | undefined): Set<string> {
  const out = new Set(roles ?? []);
  if (out.has('superAdmin')) for (const r of ROLES) out.add(r);
  if (out.has('arkimeAdmin')) out.add('arkimeUser');
  return out;
}

export function hasRole(user: UserDoc, role: Role): boolean {
  return effectiveRoles(user.roles).has(role);
}

export function checkUserId(id: string): void {
  if (!USER_ID_RE.test(id)) throw new Error(`user id '${id}' may contain only letters, digits, _ . @ -`);
}

export function checkRoles(roles: string[]): void {
  for (const r of roles) if (!(ROLES as readonly string[]).includes(r)) throw new Error(`unknown role '${r}' (roles: ${ROLES.join(', ')})`);
}

export function hashPassword(password: string): string {
  if (password.length === 0) throw new Error('password must not be empty');
  return bcrypt.hashSync(password, BCRYPT_ROUNDS);
}

export function checkPassword(user: UserDoc | undefined, password: string): boolean {
  if (!user || !user.passHash || user.enabled === false) {
    bcrypt.compareSync(password, DUMMY_HASH); // same cost whether or not the user exists
    return false;
  }
  return bcrypt.compareSync(password, user.passHash);
}
const DUMMY_HASH = bcrypt.hashSync('packrat-dummy', BCRYPT_ROUNDS);

/** API keys are stored as their SHA-256; the key itself is shown once. */
export function apiKeyHash(key: string): string {
  return crypto.createHash('sha256').update(key).digest('hex');
}

export function newApiKey(): string {
  return 'prk_' + crypto.randomBytes(24).toString('base64url');
}

export interface BrowserSession { sid: string; userId: string; csrfToken: string; expires: number }

/** Browser sessions in memory; a viewer restart logs everyone out. */
export class SessionTable {
  private readonly byId = new Map<string, BrowserSession>();
  constructor(private readonly idleMs = 12 * 3600 * 1000) {}

  create(userId: string): BrowserSession {
    const s = { sid: crypto.randomBytes(32).toString('base64url'), userId, csrfToken: crypto.randomBytes(24).toString('base64url'), expires: Date.now() + this.idleMs };
    this.byId.set(s.sid, s);
    if (this.byId.size > 10000) this.sweep();
    return s;
  }

  get(sid: string | undefined): BrowserSession | undefined {
    if (!sid) return undefined;
    const s = this.byId.get(sid);
    if (!s) return undefined;
    if (s.expires < Date.now()) { this.byId.delete(sid); return undefined; }
    s.expires = Date.now() + this.idleMs;
    return s;
  }

  delete(sid: string): void { this.byId.delete(sid); }

  private sweep(): void {
    const now = Date.now();
    for (const [k, s] of this.byId) if (s.expires < now) this.byId.delete(k);
  }
}

/** At most `maxFailures` failed logins per key (client address, user) in `windowMs`. */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  constructor(private readonly maxFailures = 5, private readonly windowMs = 60_000) {}

  /** Milliseconds until the key may try again; 0 when it may try now. */
  retryAfter(key: string): number {
    const list = this.recent(key);
    if (list.length < this.maxFailures) return 0;
    return list[0] + this.windowMs - Date.now();
  }

  fail(key: string): void {
    const list = this.recent(key);
    list.push(Date.now());
    this.failures.set(key, list);
  }

  succeed(key: string): void { this.failures.delete(key); }

  private recent(key: string): number[] {
    const now = Date.now();
    const list = (this.failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (list.length === 0) this.failures.delete(key);
    return list;
  }
}

export type AuthVia = 'cookie' | 'basic' | 'apikey';
export interface AuthResult { user: UserDoc; via: AuthVia; session?: BrowserSession }

/** The outcome of looking at a request's credentials. */
export type AuthOutcome = AuthResult | { error: 'none' | 'bad' | 'limited'; retryMs?: number };

export class Authenticator {
  readonly sessions = new SessionTable();
  readonly limiter: LoginLimiter;
  /** Basic credentials already checked (bcrypt is slow by design); key covers the stored hash. */
  private readonly basicOk = new Map<string, number>();

  constructor(private readonly control: ControlStore, opts: { maxLoginFailures?: number; loginWindowMs?: number } = {}) {
    this.limiter = new LoginLimiter(opts.maxLoginFailures ?? 5, opts.loginWindowMs ?? 60_000);
  }

  async user(userId: string): Promise<UserDoc | undefined> {
    const u = await this.control.getUser(userId);
    return u && u.enabled !== false ? u : undefined;
  }

  /** Check a password login; rate limited per client and per user. */
  async login(userId: string, password: string, client: string): Promise<AuthOutcome> {
    const keys = [`ip:${client}`, `user:${userId}`];
    const wait = Math.max(...keys.map((k) => this.limiter.retryAfter(k)));
    if (wait > 0) return { error: 'limited', retryMs: wait };
    const user = await this.control.getUser(userId);
    if (!checkPassword(user, password)) {
      for (const k of keys) this.limiter.fail(k);
      return { error: 'bad' };
    }
    for (const k of keys) this.limiter.succeed(k);
    return { user: user!, via: 'basic' };
  }

  async authenticate(headers: { authorization?: string }, sid: string | undefined, client: string): Promise<AuthOutcome> {
    const auth = headers.authorization;
    if (auth && /^bearer /i.test(auth)) {
      const key = auth.slice(7).trim();
      const user = key ? await this.control.getUserByApiKey(apiKeyHash(key)) : undefined;
      if (!user || user.enabled === false) return { error: 'bad' };
      return { user, via: 'apikey' };
    }
    if (auth && /^basic /i.test(auth)) {
      const text = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
      const colon = text.indexOf(':');
      if (colon < 0) return { error: 'bad' };
      const userId = text.slice(0, colon), password = text.slice(colon + 1);
      const stored = await this.control.getUser(userId);
      const cacheKey = crypto.createHash('sha256').update(`${userId}\0${password}\0${stored?.passHash ?? ''}`).digest('hex');
      const okUntil = this.basicOk.get(cacheKey);
      if (stored && stored.enabled !== false && okUntil !== undefined && okUntil > Date.now()) return { user: stored, via: 'basic' };
      const r = await this.login(userId, password, client);
      if ('user' in r) {
        if (this.basicOk.size > 1000) this.basicOk.clear();
        this.basicOk.set(cacheKey, Date.now() + 5 * 60_000);
      }
      return r;
    }
    const session = this.sessions.get(sid);
    if (session) {
      const user = await this.user(session.userId);
      if (!user) { this.sessions.delete(session.sid); return { error: 'bad' }; }
      return { user, via: 'cookie', session };
    }
    return { error: 'none' };
  }
}

/** Constant-time comparison of two tokens. */
export function sameToken(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
