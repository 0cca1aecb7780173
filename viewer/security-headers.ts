// Response headers that limit what a value smuggled into a page can do. Session values are
// attacker-chosen (any Host, User-Agent, URI or DNS name on the wire ends up in a document), so
// besides escaping them, pages carry a Content-Security-Policy that runs only this viewer's own
// scripts: a payload that slipped past escaping still cannot run inline or load a script from
// elsewhere. Every response gets `nosniff` so a JSON or CSV answer is never sniffed into HTML.
import crypto from 'node:crypto';
import type { Context, Next } from 'koa';

/**
 * The policy for an HTML page whose inline scripts are `inline` (their exact text): those run by
 * hash, nothing else inline does. Styles may be inline (Vue style bindings, the login form's
 * <style>): CSS cannot run script, and the gain is not worth a nonce per response.
 */
export function contentSecurityPolicy(inline: readonly string[] = []): string {
  const hashes = inline.map((s) => `'sha256-${crypto.createHash('sha256').update(s, 'utf8').digest('base64')}'`);
  return [
    "default-src 'self'",
    `script-src 'self'${hashes.map((h) => ' ' + h).join('')}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}

/** The bodies of the inline `<script>` elements of an HTML page (those without `src`). */
export function inlineScripts(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) if (!/\bsrc\s*=/i.test(m[1])) out.push(m[2]);
  return out;
}

/**
 * Koa middleware: the headers every response carries, set before the route runs so that
 * streamed exports (which write their own head) carry them too. The CSP goes on every response:
 * it only matters for HTML, and a JSON body opened as a page is then inert as well.
 */
export function securityHeaders(policy: () => string) {
  return async (ctx: Context, next: Next): Promise<void> => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'same-origin');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Content-Security-Policy', policy());
    await next();
  };
}
