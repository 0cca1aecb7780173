// Users and access: bcrypt passwords, Arkime's roles, browser sessions (HttpOnly cookie plus a
// CSRF token for writes), HTTP basic and API keys for scripts, and a login rate limit that the
// login form and HTTP basic share.
import crypto from 'node:crypto';
// The native binding hashes on libuv's thread pool: a login never stalls the event loop. It reads
// the $2a$/$2b$/$2y$ hashes that bcryptjs wrote before.
import bcrypt from 'bcrypt';
import type { Config } from '../db/config.js';
import type { ControlStore, UserDoc } from '../db/backend/control-store.js';
import { keyRefusal } from './key-scope.js';

/** Arkime's roles, and Packrat's `captureRequester` (may submit and manage capture requests; arkimeAdmin implies it). */
export const ROLES = ['superAdmin', 'usersAdmin', 'arkimeAdmin', 'arkimeUser', 'captureRequester'] as const;
export type Role = typeof ROLES[number];

export const SESSION_COOKIE = 'PACKRAT-SESSION';
export const CSRF_HEADER = 'x-packrat-csrf';
/** bcrypt cost (log2 rounds) of new hashes unless `passwordHashCost` says otherwise. */
export const DEFAULT_HASH_COST = 10;
const MIN_HASH_COST = 4, MAX_HASH_COST = 15;
const USER_ID_RE = /^[@\w.-]+$/;

/** Roles a user holds once implied ones are added (superAdmin → all, arkimeAdmin → arkimeUser and captureRequester). */
export function effectiveRoles(roles: readonly string[] | undefined): Set<string> {
  const out = new Set(roles ?? []);
  if (out.has('superAdmin')) for (const r of ROLES) out.add(r);
  if (out.has('arkimeAdmin')) { out.add('arkimeUser'); out.add('captureRequester'); }
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

/** `passwordHashCost` from the config, held to 4..15 (15 already takes seconds per login). */
export function passwordHashCost(config: Config): number {
  return Math.round(config.int('passwordHashCost', DEFAULT_HASH_COST, MIN_HASH_COST, MAX_HASH_COST));
}

export async function hashPassword(password: string, cost = DEFAULT_HASH_COST): Promise<string> {
  if (password.length === 0) throw new Error('password must not be empty');
  return bcrypt.hash(password, Math.min(MAX_HASH_COST, Math.max(MIN_HASH_COST, Math.round(cost))));
}

/** One hash per cost to compare against when the user is unknown or disabled. */
const dummyHashes = new Map<number, Promise<string>>();

/** True when the password matches an enabled user's hash; takes as long when there is no such user. */
export async function checkPassword(user: UserDoc | undefined, password: string, cost = DEFAULT_HASH_COST): Promise<boolean> {
  if (!user || !user.passHash || user.enabled === false) {
    let dummy = dummyHashes.get(cost);
    if (!dummy) dummyHashes.set(cost, dummy = hashPassword('packrat-dummy', cost));
    await bcrypt.compare(password, await dummy); // same cost whether or not the user exists
    return false;
  }
  try {
    // $2y$ (crypt_blowfish's name for the fixed algorithm, which bcryptjs also wrote) is $2b$;
    // the native binding knows only $2a$ and $2b$ and would answer false
    return await bcrypt.compare(password, user.passHash.replace(/^\$2y\$/, '$2b$'));
  } catch {
    return false; // a stored hash bcrypt cannot read matches nothing
  }
}

/** API keys are stored as their SHA-256; the key itself is shown once. */
export function apiKeyHash(key: string): string {
  return crypto.createHash('sha256').update(key).digest('hex');
}

export function newApiKey(): string {
  return 'prk_' + crypto.randomBytes(24).toString('base64url');
}

export interface BrowserSession { sid: string; userId: string; csrfToken: string; expires: number }

/** A clock in ms; tests pass their own to expire sessions and lockouts without waiting. */
export type Clock = () => number;

/** Browser sessions in memory; a viewer restart logs everyone out. */
export class SessionTable {
  private readonly byId = new Map<string, BrowserSession>();
  constructor(private readonly idleMs = 12 * 3600 * 1000, private readonly now: Clock = Date.now) {}

  create(userId: string): BrowserSession {
    const s = { sid: crypto.randomBytes(32).toString('base64url'), userId, csrfToken: crypto.randomBytes(24).toString('base64url'), expires: this.now() + this.idleMs };
    this.byId.set(s.sid, s);
    if (this.byId.size > 10000) this.sweep();
    return s;
  }

  get(sid: string | undefined): BrowserSession | undefined {
    if (!sid) return undefined;
    const s = this.byId.get(sid);
    if (!s) return undefined;
    if (s.expires < this.now()) { this.byId.delete(sid); return undefined; }
    s.expires = this.now() + this.idleMs;
    return s;
  }

  delete(sid: string): void { this.byId.delete(sid); }

  private sweep(): void {
    const now = this.now();
    for (const [k, s] of this.byId) if (s.expires < now) this.byId.delete(k);
  }
}

/** At most `maxFailures` failed logins per key (client address, user) in `windowMs`. */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  constructor(private readonly maxFailures = 5, private readonly windowMs = 60_000, private readonly now: Clock = Date.now) {}

  /** Milliseconds until the key may try again; 0 when it may try now. */
  retryAfter(key: string): number {
    const list = this.recent(key);
    if (list.length < this.maxFailures) return 0;
    return list[0] + this.windowMs - this.now();
  }

  /** Count a failure; true when it locks the key out. */
  fail(key: string): boolean {
    const list = this.recent(key);
    list.push(this.now());
    this.failures.set(key, list);
    return list.length >= this.maxFailures;
  }

  succeed(key: string): void { this.failures.delete(key); }

  private recent(key: string): number[] {
    const now = this.now();
    const list = (this.failures.get(key) ?? []).filter((t) => t > now - this.windowMs);
    if (list.length === 0) this.failures.delete(key);
    return list;
  }
}

export type AuthVia = 'cookie' | 'basic' | 'apikey';
export interface AuthResult { user: UserDoc; via: AuthVia; session?: BrowserSession }

/** The outcome of looking at a request's credentials. */
/** `refused`: a good API key from an address its allowlist leaves out (`text` says why). */
export type AuthOutcome = AuthResult | { error: 'none' | 'bad' | 'limited' | 'refused'; retryMs?: number; text?: string };

export interface AuthOptions {
  maxLoginFailures?: number;
  loginWindowMs?: number;
  /** bcrypt cost of new hashes (config `passwordHashCost`). */
  hashCost?: number;
  /** Idle time after which a browser session ends (ms). */
  sessionIdleMs?: number;
  now?: Clock;
}

/** How long a checked basic credential is trusted without bcrypt (bcrypt is slow by design). */
const BASIC_CACHE_MS = 5 * 60_000;

const limiterKeys = (userId: string, client: string) => [`ip:${client}`, `user:${userId}`];

export class Authenticator {
  readonly sessions: SessionTable;
  readonly limiter: LoginLimiter;
  readonly hashCost: number;
  private readonly now: Clock;
  /**
   * Basic credentials already checked. The key covers the stored hash, so a password change
   * misses; a lockout of the user or the address drops that user's or address's entries.
   */
  private readonly basicOk = new Map<string, { until: number; userId: string; client: string }>();

  constructor(private readonly control: ControlStore, opts: AuthOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.limiter = new LoginLimiter(opts.maxLoginFailures ?? 5, opts.loginWindowMs ?? 60_000, this.now);
    this.sessions = new SessionTable(opts.sessionIdleMs, this.now);
    this.hashCost = opts.hashCost ?? DEFAULT_HASH_COST;
  }

  hashPassword(password: string): Promise<string> { return hashPassword(password, this.hashCost); }

  async user(userId: string): Promise<UserDoc | undefined> {
    const u = await this.control.getUser(userId);
    return u && u.enabled !== false ? u : undefined;
  }

  /** Milliseconds until this user or client may try a password again (0: now). */
  private lockedFor(userId: string, client: string): number {
    return Math.max(...limiterKeys(userId, client).map((k) => this.limiter.retryAfter(k)));
  }

  /** Check a password login, from the form or HTTP basic; rate limited per client and per user. */
  async login(userId: string, password: string, client: string): Promise<AuthOutcome> {
    const wait = this.lockedFor(userId, client);
    if (wait > 0) return { error: 'limited', retryMs: wait };
    const user = await this.control.getUser(userId);
    if (!await checkPassword(user, password, this.hashCost)) {
      let locked = false;
      for (const k of limiterKeys(userId, client)) locked = this.limiter.fail(k) || locked;
      if (locked) this.forgetBasic(userId, client);
      return { error: 'bad' };
    }
    for (const k of limiterKeys(userId, client)) this.limiter.succeed(k);
    return { user: user!, via: 'basic' };
  }

  /** Drop cached basic successes of this user or from this client (a lockout ends their trust). */
  private forgetBasic(userId: string, client: string): void {
    for (const [k, e] of this.basicOk) if (e.userId === userId || e.client === client) this.basicOk.delete(k);
  }

  private async basic(auth: string, client: string): Promise<AuthOutcome> {
    const text = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0) return { error: 'bad' };
    const userId = text.slice(0, colon), password = text.slice(colon + 1);
    // the limiter first: a cached success must not let a locked-out user or address through
    const wait = this.lockedFor(userId, client);
    if (wait > 0) return { error: 'limited', retryMs: wait };
    const stored = await this.control.getUser(userId);
    const cacheKey = crypto.createHash('sha256').update(`${userId}\0${password}\0${stored?.passHash ?? ''}\0${client}`).digest('hex');
    const hit = this.basicOk.get(cacheKey);
    if (hit && stored && stored.enabled !== false && hit.until > this.now()) return { user: stored, via: 'basic' };
    if (hit) this.basicOk.delete(cacheKey);
    const r = await this.login(userId, password, client);
    if ('user' in r) {
      if (this.basicOk.size > 1000) this.basicOk.clear();
      this.basicOk.set(cacheKey, { until: this.now() + BASIC_CACHE_MS, userId, client });
    }
    return r;
  }

  /**
   * `client` is the address the rate limits key on (behind a trusted proxy, the forwarded one);
   * `peer` the socket's own address, which an API key's allowlist is checked against.
   */
  async authenticate(headers: { authorization?: string }, sid: string | undefined, client: string, peer: string | undefined = client): Promise<AuthOutcome> {
    const auth = headers.authorization;
    if (auth && /^bearer /i.test(auth)) {
      const key = auth.slice(7).trim();
      const user = key ? await this.control.getUserByApiKey(apiKeyHash(key)) : undefined;
      if (!user || user.enabled === false) return { error: 'bad' };
      const why = keyRefusal(user, peer);
      if (why) return { error: 'refused', text: why };
      return { user, via: 'apikey' };
    }
    if (auth && /^basic /i.test(auth)) return this.basic(auth, client);
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
