// An attacker's pass over the viewer's front door: CSRF on every write route, expired browser
// sessions, forged, tampered and replayed viewer-to-viewer requests, oversized requests, and
// routes reachable without logging in. Routes are taken from the routers the app has mounted, so
// a route added later is walked too. The viewer runs over an empty store: every attack here is
// refused before a route's handler would touch the data.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Config } from '../../db/config.js';
import { fields } from '../../db/fields/registry.js';
import '../../db/fields/core.js';
import { SqliteControlStore } from '../../db/store/sqlite-control-store.js';
import { apiKeyHash, CSRF_HEADER, hashPassword, SESSION_COOKIE } from '../../viewer/auth.js';
import { MAX_BODY } from '../../viewer/http.js';
import { MAX_SKEW_MS, SIGNATURE_HEADER, signRequest } from '../../viewer/multinode-auth.js';
import { INTERNAL_PREFIX } from '../../viewer/multinode.js';
import { createViewer, ROUTES, type Viewer } from '../../viewer/server.js';

const KEY = 'prk_attack_admin_key';
const SECRET = 'attack-test-server-secret';
const BROWSER_IDLE_MS = 12 * 3600 * 1000; // SessionTable's default idle time
/** The only routes anyone may call without logging in. */
const PUBLIC = new Set(['GET /health', 'GET /login', 'POST /api/login']);

let dir: string;
let viewer: Viewer;
let base: string;
let port: number;
/** The viewer's clock for sessions and the login limiter (signatures use the real one). */
let clock = Date.now();

const bearer = { authorization: `Bearer ${KEY}` };
const basic = { authorization: `Basic ${Buffer.from('admin:pw-admin').toString('base64')}` };

interface RouteLayer { path: string; methods: string[] }

/** Every route of every router mounted in the app (user routes and signed internal routes). */
function mountedRoutes(v: Viewer): RouteLayer[] {
  const out: RouteLayer[] = [];
  for (const mw of v.app.middleware as { router?: { stack: RouteLayer[] } }[]) {
    for (const layer of mw.router?.stack ?? []) out.push({ path: String(layer.path), methods: layer.methods.filter((m) => m !== 'HEAD') });
  }
  return out;
}

const concrete = (p: string) => p.replace(/:(\w+)/g, 'x-$1');

async function browserLogin(): Promise<{ cookie: string; csrf: string }> {
  const r = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'pw-admin' }) });
  assert.equal(r.status, 200, await r.clone().text());
  const m = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(r.headers.get('set-cookie') ?? '');
  assert.ok(m, 'login sets the session cookie');
  const body = await r.json() as { csrfToken: string };
  return { cookie: `${SESSION_COOKIE}=${m[1]}`, csrf: body.csrfToken };
}

/** A raw request over one socket; resolves with what came back once the server closes. */
function rawExchange(request: string | Buffer, timeoutMs = 10_000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    let text = '';
    const t = setTimeout(() => { c.destroy(); resolve({ text, closed: false }); }, timeoutMs);
    c.on('data', (b) => { text += b.toString('latin1'); });
    c.on('error', () => { /* a reset after the answer still leaves the answer in `text` */ });
    c.on('close', () => { clearTimeout(t); resolve({ text, closed: true }); });
    c.write(request);
  });
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-attack-'));
  const dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir);
  const control = SqliteControlStore.open(dataDir);
  await control.createUser({ userId: 'admin', passHash: await hashPassword('pw-admin', 4), roles: ['superAdmin'], apiKey: apiKeyHash(KEY) });
  await control.close();
  const uiDir = path.join(dir, 'ui');
  fs.mkdirSync(path.join(uiDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(uiDir, 'index.html'), '<!doctype html><title>app</title>');
  fs.writeFileSync(path.join(uiDir, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'outside the UI folder');
  viewer = await createViewer({
    config: Config.fromText(`[default]\ndataDir=${dataDir}\nserverSecret=${SECRET}\n`, 'test'), registry: fields, uiDir,
    auth: { now: () => clock },
  });
  port = await viewer.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${port}`;
});

after(async () => {
  await viewer?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('attacks on authentication', () => {
  // The rule (Arkime's): a request authenticated by the browser session cookie must carry the
  // session's CSRF token in x-packrat-csrf for every method but GET and HEAD. A browser attaches
  // the cookie to a forged cross-site request on its own; it never attaches an API key or basic
  // credentials the page does not know (the viewer sends no WWW-Authenticate challenge, so the
  // browser holds no basic credentials for it), so those need no token.
  it('every write route refuses a browser session with a missing or a wrong CSRF token (403)', async () => {
    const a = await browserLogin(), b = await browserLogin();
    const writes = mountedRoutes(viewer).filter((l) => !l.path.startsWith(INTERNAL_PREFIX))
      .flatMap((l) => l.methods.filter((m) => m !== 'GET').map((m) => ({ method: m, path: l.path })))
      .filter((w) => !PUBLIC.has(`${w.method} ${w.path}`)); // login: there is no session yet
    assert.ok(writes.length >= 15, `only ${writes.length} write routes found`);
    const wrong: [string, Record<string, string>][] = [
      ['no token', {}],
      ['a wrong token of the same length', { [CSRF_HEADER]: a.csrf.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) }],
      ['a wrong token of another length', { [CSRF_HEADER]: 'x' }],
      ["another session's token", { [CSRF_HEADER]: b.csrf }],
    ];
    for (const w of writes) {
      for (const [what, h] of wrong) {
        const r = await fetch(base + concrete(w.path), { method: w.method, headers: { cookie: a.cookie, 'content-type': 'application/json', ...h }, body: '{}', redirect: 'manual' });
        assert.equal(r.status, 403, `${w.method} ${w.path} with ${what}`);
        assert.match((await r.json() as { text: string }).text, /x-packrat-csrf/, `${w.method} ${w.path} with ${what}`);
      }
    }
    // the same write succeeds with the session's token, and with an API key or basic auth alone
    const search = (h: Record<string, string>) => fetch(`${base}/api/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', ...h }, body: '{"date":-1}' });
    assert.equal((await search({ cookie: a.cookie, [CSRF_HEADER]: a.csrf })).status, 200, 'cookie with its token');
    assert.equal((await search(bearer)).status, 200, 'API key, no token');
    assert.equal((await search(basic)).status, 200, 'basic auth, no token');
  });

  it('an expired browser session is refused (401 for the API, the login page for pages)', async () => {
    const s = await browserLogin();
    const me = () => fetch(`${base}/api/user`, { headers: { cookie: s.cookie } });
    assert.equal((await me()).status, 200);
    clock += BROWSER_IDLE_MS - 1000;
    assert.equal((await me()).status, 200, 'use within the idle time keeps it alive');
    clock += BROWSER_IDLE_MS + 1000;
    const r = await me();
    assert.equal(r.status, 401, 'idle longer than the idle time');
    assert.equal((await r.json() as { success: boolean }).success, false);
    const write = await fetch(`${base}/api/sessions/addtags`, { method: 'POST', headers: { cookie: s.cookie, [CSRF_HEADER]: s.csrf }, redirect: 'manual' });
    assert.equal(write.status, 401, 'its CSRF token dies with it');
    const page = await fetch(`${base}/sessions`, { headers: { cookie: s.cookie }, redirect: 'manual' });
    assert.equal(page.status, 302);
    assert.equal(page.headers.get('location'), '/login');
  });

  it('viewer-to-viewer requests: a forged signature, a tampered path or body, a replay and a stale one are refused', async () => {
    const p = `${INTERNAL_PREFIX}/session/test/nope/packets`;
    const call = (pathAndQuery: string, header: string) => fetch(base + pathAndQuery, { headers: { [SIGNATURE_HEADER]: header } });
    const status = async (r: Promise<Response>) => (await r).status;
    // accepted: signature fine, the session just does not exist
    const once = signRequest(SECRET, 'GET', p);
    assert.equal(await status(call(p, once)), 404, 'a good signature is accepted');
    assert.equal(await status(call(p, once)), 401, 'the same signature again (replay)');
    assert.equal(await status(call(p, signRequest('not-the-secret', 'GET', p))), 401, 'forged: wrong secret');
    assert.equal(await status(call(p, signRequest(SECRET, 'GET', p).replace(/[0-9a-f]$/, (c) => (c === '0' ? '1' : '0')))), 401, 'forged: altered signature');
    assert.equal(await status(call(p.replace('/nope/', '/other/'), signRequest(SECRET, 'GET', p))), 401, 'tampered path');
    assert.equal(await status(call(`${p}?packets=1`, signRequest(SECRET, 'GET', p))), 401, 'tampered query');
    assert.equal(await status(call(p, signRequest(SECRET, 'GET', p, { timeMs: Date.now() - MAX_SKEW_MS - 60_000 }))), 403, 'older than the window');
    assert.equal(await status(call(p, `v1 ${Date.now()} ${'0'.repeat(64)}`)), 401, 'the old nonce-less format');
    // tampered body: signed without one, sent with one
    const withBody = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: p, method: 'GET', headers: { [SIGNATURE_HEADER]: signRequest(SECRET, 'GET', p), 'content-type': 'application/json', 'content-length': 9 } },
        (res) => { res.resume(); resolve(res.statusCode ?? 0); });
      req.on('error', reject);
      req.end('{"a":"b"}');
    });
    assert.equal(withBody, 401, 'tampered body');
  });

  it('oversized requests get 413, 414 or 431 with a reason, and the viewer keeps serving', async () => {
    const big = await fetch(`${base}/api/sessions`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: JSON.stringify({ expression: 'a'.repeat(MAX_BODY) }) });
    assert.equal(big.status, 413);
    assert.match((await big.json() as { text: string }).text, /exceeds the limit of 1048576 bytes/);
    // a declared gigabyte is refused at once and the connection closed, not read to its end
    const declared = await rawExchange(`POST /api/sessions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n{"a":`);
    assert.match(declared.text, /^HTTP\/1\.1 413 /);
    assert.match(declared.text, /Content-Length\) exceeds the limit/);
    assert.ok(declared.closed, 'the viewer closes the connection instead of waiting for the rest of the body');
    // before any login check too, and a body nobody reads is not read to its end either
    const unauth = await rawExchange('POST /api/logout HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\nxx');
    assert.match(unauth.text, /^HTTP\/1\.1 413 /, 'declared gigabyte, not logged in');
    assert.ok(unauth.closed);
    const endless = await rawExchange(`POST /api/sessions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${'1000\r\n' + 'a'.repeat(0x1000) + '\r\n'}`, 5000);
    assert.match(endless.text, /^HTTP\/1\.1 401 /, 'unending chunked body, not logged in');
    assert.ok(endless.closed, 'the viewer closes the connection instead of reading the unread body on');
    // no Content-Length (chunked): cut once the limit is passed
    const chunked = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: '/api/sessions', method: 'POST', headers: { ...bearer, 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (d) => { text += d; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', () => { /* the viewer may close while we still write */ });
      const chunk = Buffer.alloc(64 * 1024, 0x61);
      let sent = 0;
      const pump = (): void => { while (sent <= MAX_BODY + chunk.length) { sent += chunk.length; if (!req.write(chunk)) { req.once('drain', pump); return; } } req.end(); };
      pump();
      setTimeout(() => reject(new Error('no answer to a chunked oversized body')), 10_000).unref();
    });
    assert.equal(chunked.status, 413);
    assert.match(chunked.text, /exceeds the limit/);
    const longUrl = await fetch(`${base}/api/sessions?expression=${'a'.repeat(20_000)}`, { headers: bearer });
    assert.equal(longUrl.status, 414);
    assert.match((await longUrl.json() as { text: string }).text, /URL exceeds/);
    const bigHeader = await fetch(`${base}/api/sessions`, { headers: { ...bearer, 'x-filler': 'a'.repeat(20_000) } });
    assert.equal(bigHeader.status, 431);
    assert.match((await bigHeader.json() as { text: string }).text, /headers exceed/);
    const manyHeaders = await rawExchange(`GET /health HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 3000 }, (_, i) => `x-h${i}: vvvvvvvv`).join('\r\n')}\r\n\r\n`);
    assert.match(manyHeaders.text, /^HTTP\/1\.1 431 /);
    const garbage = await rawExchange('NOT HTTP AT ALL\r\n\r\n');
    assert.match(garbage.text, /^HTTP\/1\.1 400 /);
    assert.equal((await fetch(`${base}/health`)).status, 200, 'still serving');
    assert.equal((await fetch(`${base}/api/sessions?date=-1`, { headers: bearer })).status, 200, 'still serving the API');
  });

  it('every route but login, health and static assets needs authentication', async () => {
    let walked = 0;
    for (const l of mountedRoutes(viewer)) {
      for (const method of l.methods) {
        const url = concrete(l.path);
        const r = await fetch(base + url, { method, redirect: 'manual' });
        walked++;
        if (l.path.startsWith(INTERNAL_PREFIX)) { assert.equal(r.status, 401, `${method} ${l.path} (signed routes)`); continue; }
        if (PUBLIC.has(`${method} ${l.path}`)) continue;
        const def = ROUTES.find((d) => d.path === l.path);
        assert.notEqual(def?.role, 'public', `${method} ${l.path} is public but not login or health`);
        if (l.path.startsWith('/api/')) {
          assert.equal(r.status, 401, `${method} ${l.path}`);
          assert.equal((await r.json() as { success: boolean }).success, false);
        } else {
          assert.equal(r.status, 302, `${method} ${l.path}`);
          assert.equal(r.headers.get('location'), '/login');
        }
      }
    }
    assert.ok(walked >= 30, `only ${walked} route/method pairs walked`);
    assert.ok(ROUTES.filter((d) => d.role === 'public').every((d) => d.methods.every((m) => PUBLIC.has(`${m} ${d.path}`))), 'the route table has no other public route');
    // the UI: pages redirect to the login page; built assets are served to anyone
    for (const page of ['/', '/sessions', '/index.html', '/assets/missing.js']) {
      const r = await fetch(base + page, { redirect: 'manual' });
      assert.equal(r.status, 302, page);
      assert.equal(r.headers.get('location'), '/login', page);
    }
    // a traversal path is refused before it reaches login or the file server
    const traversal = await fetch(`${base}/x%2f..%2f..%2fsecret.txt`, { redirect: 'manual' });
    assert.equal(traversal.status, 400);
    assert.doesNotMatch(await traversal.text(), /outside the UI folder/);
    const asset = await fetch(`${base}/assets/app.js`, { redirect: 'manual' });
    assert.equal(asset.status, 200);
    assert.equal(await asset.text(), 'console.log(1)');
    assert.equal((await fetch(`${base}/api/no-such-route`, { method: 'POST' })).status, 404);
    assert.equal((await fetch(`${base}/health`)).status, 200);
    assert.equal((await fetch(`${base}/login`)).status, 200);
  });
});
