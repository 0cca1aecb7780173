// Viewer-to-viewer requests signed with the shared `serverSecret`: an HMAC-SHA256 over the
// method, the path with its query, the sender's clock, a random nonce and the SHA-256 of the body.
// The receiver accepts a request only when the signature matches, the clock is within two minutes
// of its own, and it has not seen the nonce before: a captured request can be neither altered nor
// replayed, and the nonces to remember are only those of the last few minutes.
import crypto from 'node:crypto';

export const SIGNATURE_HEADER = 'x-packrat-auth';
/** Clock difference a signed request may have (ms). */
export const MAX_SKEW_MS = 2 * 60 * 1000;
const VERSION = 'v2';
const EMPTY_SHA256 = crypto.createHash('sha256').digest('hex');

function hmac(secret: string, method: string, pathAndQuery: string, timeMs: number, nonce: string, bodySha256: string): string {
  return crypto.createHmac('sha256', secret).update(`${method.toUpperCase()}\n${pathAndQuery}\n${timeMs}\n${nonce}\n${bodySha256}`).digest('hex');
}

const bodyDigest = (body: Uint8Array | undefined) => (body && body.length > 0 ? crypto.createHash('sha256').update(body).digest('hex') : EMPTY_SHA256);

export interface SignOptions { timeMs?: number; nonce?: string; body?: Uint8Array }

/** The header value that signs `METHOD pathAndQuery` (and its body) now, with a fresh nonce. */
export function signRequest(secret: string, method: string, pathAndQuery: string, o: SignOptions = {}): string {
  const timeMs = o.timeMs ?? Date.now(), nonce = o.nonce ?? crypto.randomBytes(16).toString('hex');
  return `${VERSION} ${timeMs} ${nonce} ${hmac(secret, method, pathAndQuery, timeMs, nonce, bodyDigest(o.body))}`;
}

/** Nonces of accepted requests, each kept until its timestamp leaves the allowed window. */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();

  /** False when the nonce was used already; otherwise remembers it until `forgetAt`. */
  claim(nonce: string, forgetAt: number, now: number): boolean {
    if (this.seen.size > 10_000) for (const [n, t] of this.seen) if (t < now) this.seen.delete(n);
    const t = this.seen.get(nonce);
    if (t !== undefined && t >= now) return false;
    this.seen.set(nonce, forgetAt);
    return true;
  }
}

export interface VerifyOptions {
  now?: number;
  /** The request body as received (none: empty). */
  body?: Uint8Array;
  /** Where accepted nonces are remembered; without one, replays are not detected. */
  replay?: ReplayGuard;
}

export type Verdict = { ok: true } | { ok: false; status: 401 | 403; text: string };

/** 401 when unsigned, the signature is wrong or the nonce was used; 403 when its time is off. */
export function verifyRequest(secret: string | undefined, method: string, pathAndQuery: string, header: string | undefined, o: VerifyOptions = {}): Verdict {
  const now = o.now ?? Date.now();
  if (!secret) return { ok: false, status: 403, text: 'serverSecret is not set on this viewer: it accepts no viewer-to-viewer requests' };
  if (!header) return { ok: false, status: 401, text: `missing ${SIGNATURE_HEADER} header` };
  const m = /^v2 (\d{1,16}) ([0-9a-f]{32}) ([0-9a-f]{64})$/.exec(header.trim());
  if (!m) return { ok: false, status: 401, text: `malformed ${SIGNATURE_HEADER} header (want 'v2 <ms> <32 hex nonce> <hex sha256>'; a viewer sending v1 needs upgrading)` };
  const t = Number(m[1]), nonce = m[2];
  const want = Buffer.from(hmac(secret, method, pathAndQuery, t, nonce, bodyDigest(o.body)), 'hex');
  if (!crypto.timingSafeEqual(want, Buffer.from(m[3], 'hex'))) return { ok: false, status: 401, text: `bad ${SIGNATURE_HEADER} signature (is serverSecret the same on both viewers?)` };
  const skew = Math.abs(now - t);
  if (skew > MAX_SKEW_MS) return { ok: false, status: 403, text: `signed request time is off by ${Math.round(skew / 1000)} s (at most ${MAX_SKEW_MS / 1000} s allowed)` };
  if (o.replay && !o.replay.claim(nonce, t + MAX_SKEW_MS, now)) return { ok: false, status: 401, text: `replayed ${SIGNATURE_HEADER} signature (its nonce was used already)` };
  return { ok: true };
}
