// Viewer-to-viewer requests signed with the shared `serverSecret`: an HMAC-SHA256 over the
// method, the path with its query, and the sender's clock. The receiver accepts it only when the
// signature matches and the clock is within two minutes of its own, so a captured request can be
// replayed for at most that long and cannot be altered.
import crypto from 'node:crypto';

export const SIGNATURE_HEADER = 'x-packrat-auth';
/** Clock difference a signed request may have (ms). */
export const MAX_SKEW_MS = 2 * 60 * 1000;
const VERSION = 'v1';

function hmac(secret: string, method: string, pathAndQuery: string, timeMs: number): string {
  return crypto.createHmac('sha256', secret).update(`${method.toUpperCase()}\n${pathAndQuery}\n${timeMs}`).digest('hex');
}

/** The header value that signs `METHOD pathAndQuery` at `timeMs`. */
export function signRequest(secret: string, method: string, pathAndQuery: string, timeMs = Date.now()): string {
  return `${VERSION} ${timeMs} ${hmac(secret, method, pathAndQuery, timeMs)}`;
}

export type Verdict = { ok: true } | { ok: false; status: 401 | 403; text: string };

/** Checks a signed request; 401 when unsigned or the signature is wrong, 403 when its time is off. */
export function verifyRequest(secret: string | undefined, method: string, pathAndQuery: string, header: string | undefined, now = Date.now()): Verdict {
  if (!secret) return { ok: false, status: 403, text: 'serverSecret is not set on this viewer: it accepts no viewer-to-viewer requests' };
  if (!header) return { ok: false, status: 401, text: `missing ${SIGNATURE_HEADER} header` };
  const m = /^v1 (\d{1,16}) ([0-9a-f]{64})$/.exec(header.trim());
  if (!m) return { ok: false, status: 401, text: `malformed ${SIGNATURE_HEADER} header (want 'v1 <ms> <hex sha256>')` };
  const t = Number(m[1]);
  const want = Buffer.from(hmac(secret, method, pathAndQuery, t), 'hex');
  if (!crypto.timingSafeEqual(want, Buffer.from(m[2], 'hex'))) return { ok: false, status: 401, text: `bad ${SIGNATURE_HEADER} signature (is serverSecret the same on both viewers?)` };
  const skew = Math.abs(now - t);
  if (skew > MAX_SKEW_MS) return { ok: false, status: 403, text: `signed request time is off by ${Math.round(skew / 1000)} s (at most ${MAX_SKEW_MS / 1000} s allowed)` };
  return { ok: true };
}
