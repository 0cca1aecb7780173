// The attacker's pass over what captured content and request input can do to the viewer (issue 18,
// part 2). One `it` per weakness class: exported values, path traversal, SSRF through viewUrl,
// decompression bombs, catastrophic regexes. Pcaps are built with capture/synth, imported with
// `packrat capture`, served by `packrat viewer`. The browser half of item 1 (stored XSS on every
// page) is xss-browser.test.ts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { pcapBytes } from '../../capture/synth/traffic.js';
import { packrat } from '../support/json-capture.js';
import { csvValue } from '../../viewer/export.js';
import { checkOutboundUrl, resolveOutboundUrl, OutboundUrlError } from '../../viewer/outbound-url.js';
import { globMatch } from '../../db/expr/safe-match.js';
import { EmbeddedSessionStore } from '../../db/store/session-store.js';
import { QueryTimeoutError } from '../../db/backend/search-backend.js';
import { FieldRegistry } from '../../db/fields/registry.js';
import { MAX_DECODED_BODY } from '../../viewer/packet-view.js';
import { addUser, bombFrames, FORMULAS, hostileFrames, importFrames, lab, startViewer, XSS, type Lab, type ViewerProc } from './hostile.js';

/** Peak resident memory (MB) of a process so far, from Linux's /proc (VmHWM). */
function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  // an exited process not yet reaped (a zombie) has no memory lines: no sample, not NaN
  if (!m) throw new Error(`process ${pid} has no VmHWM (exited)`);
  return Number(m[1]) / 1024;
}

/** A GET with the path sent exactly as written (fetch would resolve `..` before sending). */
function rawGet(base: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  const u = new URL(base);
  return new Promise((ok, fail) => {
    const req = http.request({ host: u.hostname, port: u.port, path, method, headers }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c) => { body += c; });
      res.on('end', () => ok({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', fail);
    req.setTimeout(30_000, () => req.destroy(new Error(`${path}: no answer in 30 s`)));
    req.end();
  });
}

/** Rows of a CSV text, quoted cells unquoted (RFC 4180). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [], cell = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; }
    else cell += c;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

// A long run of `a`s in the imported file's name: what a backtracking /(.*a){12}/ chokes on.
const LONG_A_NAME = `hostile-${'a'.repeat(40)}`;
const SECRET_MARK = 'root:x:0:0';

describe('attacker-controlled content and request input', () => {
  let l: Lab, v: ViewerProc;
  let hostileFile: string;
  const auth = () => ({ authorization: l.auth });
  const api = async (path: string, init: RequestInit = {}) => fetch(v.base + path, { ...init, headers: { ...auth(), ...(init.headers ?? {}) }, signal: AbortSignal.timeout(20_000) });
  const json = async (path: string) => { const r = await api(path); assert.equal(r.status, 200, `${path}: ${r.status}`); return r.json() as Promise<any>; };
  // A third-party "metadata service" and a redirect target on loopback: any hit is an SSRF.
  let trap: http.Server, trapHits: string[] = [], trapBase = '';

  before(async () => {
    trap = http.createServer((req, res) => {
      trapHits.push(req.url ?? '');
      if (req.url?.startsWith('/redirect')) { res.writeHead(302, { location: `${trapBase}/latest/meta-data/iam` }); res.end(); return; }
      res.writeHead(200, { 'content-type': 'text/plain' }); res.end('secret-credentials');
    });
    await new Promise<void>((r) => trap.listen(0, '127.0.0.1', () => r()));
    trapBase = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`;
    l = lab([
      'serverSecret=attack-lab-secret',
      'queryTimeout=20',
      '[remote-meta]\nviewUrl=http://169.254.169.254/latest',
      '[remote-redir]\nviewUrl=' + trapBase + '/redirect',
      '[remote-creds]\nviewUrl=http://admin:hunter2@127.0.0.1:1/',
    ].join('\n') + '\n');
    hostileFile = await importFrames(l, LONG_A_NAME, hostileFrames());
    await importFrames(l, 'bomb', bombFrames().frames);
    // sessions of three other nodes whose pcap this viewer cannot read: their packets would come from viewUrl
    for (const [k, node] of ['remote-meta', 'remote-redir', 'remote-creds'].entries()) {
      const f = join(l.dir, `${node}.pcap`);
      writeFileSync(f, pcapBytes(hostileFrames().slice(0, 10).map((x) => ({ ...x, tsUs: x.tsUs + (k + 1) * 3_600_000_000 }))));
      const r = await new Promise<number>((ok) => spawn(process.execPath, [packrat, 'capture', '-c', l.cfg, '-n', node, '--flush', '-r', f]).on('exit', (c) => ok(c ?? -1)));
      assert.equal(r, 0);
      renameSync(f, `${f}.gone`);
    }
    await addUser(l);
    v = await startViewer(l);
  });

  after(async () => {
    if (v) {
      const t = setTimeout(() => v.proc.kill('SIGKILL'), 5000); // a viewer stuck in a regex ignores SIGTERM's handler
      await v.stop();
      clearTimeout(t);
    }
    await new Promise<void>((r) => trap?.close(() => r()));
    if (l) rmSync(l.dir, { recursive: true, force: true });
  });

  it('1: exports and responses: CSV formula cells neutralised, JSON typed and nosniff, pages carry a CSP', async () => {
    // the CSV of every HTTP and DNS value: no cell may start with = + - @ (OWASP: prefix ' and quote)
    const r = await api('/api/sessions.csv?date=-1&fields=http.host,http.useragent,http.uri,dns.host&length=100');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/csv/);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    const csv = await r.text();
    for (const f of ['HYPERLINK', 'SUM(1+1)', 'cmd|', '-2+3']) assert.ok(csv.includes(f), `the CSV holds the payload ${f}`);
    const cells = parseCsv(csv).slice(1).flat().filter(Boolean);
    const dangerous = cells.filter((c) => /^[=+\-@\t\r]/.test(c));
    assert.deepEqual(dangerous, [], 'no CSV cell starts with a formula character');
    assert.ok(cells.some((c) => c.startsWith(`'=HYPERLINK`)), 'the = cell is kept, prefixed with a quote');
    assert.ok(cells.some((c) => c.startsWith(`'@SUM`)) && cells.some((c) => c.startsWith(`'+1+cmd`)) && cells.some((c) => c.startsWith(`'-2+3`)));
    assert.equal(csvValue(-2), '-2', 'numbers are ours: a negative number stays a number');
    assert.equal(csvValue('@SUM(1+1)'), `"'@SUM(1+1)"`);

    // JSON answers are JSON and never sniffed into HTML, even when they carry markup
    for (const path of ['/api/sessions?date=-1&fields=http.host,http.uri', '/api/spiview?date=-1&spi=http.host', '/api/fields', '/api/nope']) {
      const j = await api(path);
      assert.match(j.headers.get('content-type') ?? '', /^application\/json/, path);
      assert.equal(j.headers.get('x-content-type-options'), 'nosniff', path);
    }
    const list = await json('/api/sessions?date=-1&fields=http.host&length=100');
    assert.ok(JSON.stringify(list).includes(XSS.img.slice(0, 10)), 'the payload is in the JSON as data');

    // every HTML page has a CSP that runs only our own scripts (inline only by hash)
    for (const path of ['/login', '/sessions', '/']) {
      const p = await api(path, { redirect: 'manual' });
      const csp = p.headers.get('content-security-policy') ?? '';
      const scriptSrc = csp.split(';').map((x) => x.trim()).find((x) => x.startsWith('script-src')) ?? '';
      assert.match(scriptSrc, /^script-src 'self'( 'sha256-[A-Za-z0-9+/=]+')*$/, `${path} CSP: ${csp}`);
      assert.match(csp, /object-src 'none'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(p.headers.get('x-content-type-options'), 'nosniff');
    }
  });

  it('2: path traversal: file, node, index and UI paths with ../, %2e%2e%2f, absolute paths and NUL get 4xx, never a file outside', async () => {
    const ids = (await json('/api/sessions?date=-1&length=1')).data;
    const id = ids[0].id as string;
    const evil = ['../../../../etc/passwd', '..%2f..%2f..%2f..%2fetc%2fpasswd', '%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd', '%2Fetc%2Fpasswd',
      '..%5c..%5cetc%5cpasswd', 'attack%00', '%00', '....%2f%2f....%2f%2fetc%2fpasswd'];
    const probes: { path: string; method?: string }[] = [];
    for (const e of evil) {
      probes.push({ path: `/api/session/${e}/${id}` }, { path: `/api/session/attack/${e}` }, { path: `/api/session/${e}/${id}/packets` },
        { path: `/api/session/attack/${e}/pcap` }, { path: `/api/session/${e}/${id}/pcapng` },
        { path: `/api/sessions.pcap?date=-1&ids=${e}` }, { path: `/api/sessions.csv?date=-1&ids=${e}` },
        { path: `/api/internal/session/${e}/${id}/packets` }, { path: `/api/internal/sessions/${e}/pcap?ids=${id}` },
        { path: `/api/esindices/${e}`, method: 'DELETE' }, { path: `/api/esindices/${e}/optimize`, method: 'POST' },
        { path: `/api/user/${e}`, method: 'DELETE' },
        { path: `/api/sessions?date=-1&expression=${encodeURIComponent(`file == "${decodeURIComponent(e.replace(/%00/g, ''))}"`)}` });
    }
    // the UI's static files: raw `..`, encoded forms, NUL, backslashes, absolute paths
    for (const p of ['/../../../../etc/passwd', '/assets/../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/assets/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd', '/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fpackage.json', '/index.html%00.js', '/assets/%00',
      '/..%5c..%5c..%5cetc%5cpasswd', '/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd', '/%E0%A4%A']) probes.push({ path: p });
    const bad: string[] = [];
    for (const pr of probes) {
      for (const headers of [auth(), {}]) {
        const r = await rawGet(v.base, pr.path, headers, pr.method);
        if (r.body.includes(SECRET_MARK) || r.body.includes('"name": "packrat"') || r.body.includes('[remote-meta]')) bad.push(`${pr.method ?? 'GET'} ${pr.path}: served a file outside (${r.status})`);
        const redirectToLogin = !('authorization' in headers) && r.status === 302 && r.headers.location === '/login';
        if (!(r.status >= 400 && r.status < 500) && !redirectToLogin) bad.push(`${pr.method ?? 'GET'} ${pr.path}${'authorization' in headers ? '' : ' (no login)'}: ${r.status} ${r.body.slice(0, 80)}`);
      }
    }
    assert.deepEqual(bad, []);
    // an absolute path after the UI's root is a UI path (the SPA), never the file system's file
    const abs = await rawGet(v.base, '//etc/passwd', auth());
    assert.ok(!abs.body.includes(SECRET_MARK), '//etc/passwd is not read');
    // the real assets still load
    const index = await rawGet(v.base, '/sessions', auth());
    assert.equal(index.status, 200);
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(index.body)?.[1];
    assert.ok(asset, 'index.html names its script');
    assert.equal((await rawGet(v.base, asset!)).status, 200, 'an asset loads without login');
  });

  it('3: SSRF: viewUrl relaying reaches only configured nodes, through the outbound-URL guard', async () => {
    // the guard on its own
    const refused = ['file:///etc/passwd', 'gopher://127.0.0.1:25/', 'ftp://x/', 'javascript:alert(1)', 'http://user:pw@viewer.example/',
      'http://169.254.169.254/latest/meta-data/', 'http://2852039166/', 'http://0xa9.0xfe.0xa9.0xfe/', 'http://[::ffff:169.254.169.254]/',
      'http://[fe80::1]/', 'http://metadata.google.internal/', 'http://0.0.0.0:8005/', 'not a url'];
    for (const u of refused) assert.throws(() => checkOutboundUrl(u, { allowLoopback: true, allowPrivate: true }), OutboundUrlError, u);
    for (const u of ['http://127.0.0.1:8005/', 'http://localhost/', 'http://[::1]/', 'http://x.localhost/']) {
      assert.throws(() => checkOutboundUrl(u), OutboundUrlError, `${u} without allowLoopback`);
      assert.doesNotThrow(() => checkOutboundUrl(u, { allowLoopback: true }), u);
    }
    assert.throws(() => checkOutboundUrl('http://10.1.2.3/'), OutboundUrlError);
    assert.doesNotThrow(() => checkOutboundUrl('http://10.1.2.3/', { allowPrivate: true }));
    assert.doesNotThrow(() => checkOutboundUrl('http://169.254.169.254/', { allowLinkLocal: true }), 'allowed when configured');
    assert.doesNotThrow(() => checkOutboundUrl('https://viewer.example.org:8005/'));
    await assert.rejects(resolveOutboundUrl('http://innocent.example/', { allowPrivate: true }, async () => [{ address: '169.254.169.254' }]), OutboundUrlError,
      'a name resolving to the metadata address is refused');
    await assert.rejects(resolveOutboundUrl('http://innocent.example/', {}, async () => [{ address: '93.184.216.34' }, { address: '127.0.0.1' }]), OutboundUrlError);
    assert.equal((await resolveOutboundUrl('http://innocent.example/', {}, async () => [{ address: '93.184.216.34' }])).hostname, 'innocent.example');

    // through the viewer: sessions of nodes whose viewUrl is the metadata service, a redirector, a URL with credentials
    const list = (await json('/api/sessions?date=-1&length=100&fields=node')).data as { id: string; node: string }[];
    for (const node of ['remote-meta', 'remote-redir', 'remote-creds']) {
      const s = list.find((x) => x.node === node);
      assert.ok(s, `a session of ${node}`);
      const r = await api(`/api/session/${node}/${s!.id}/packets`);
      const body = await r.json() as { text?: string };
      assert.equal(r.status, 502, `${node}: the relay is refused or fails (${r.status} ${JSON.stringify(body).slice(0, 200)})`);
      assert.doesNotMatch(JSON.stringify(body), /secret-credentials/);
      // a node name from the request never picks the relay: another node's name gets 404
      for (const other of ['attack', 'remote-meta', 'default', `${trapBase}`, 'evil.example']) {
        if (other === node) continue;
        const o = await api(`/api/session/${encodeURIComponent(other)}/${s!.id}/packets`);
        assert.equal(o.status, 404, `session of ${node} asked for as node ${other}`);
      }
    }
    const meta = await api(`/api/session/remote-meta/${list.find((x) => x.node === 'remote-meta')!.id}/packets`);
    assert.match(((await meta.json()) as { text: string }).text, /refused: .*link-local/);
    const creds = await api(`/api/session/remote-creds/${list.find((x) => x.node === 'remote-creds')!.id}/packets`);
    assert.match(((await creds.json()) as { text: string }).text, /credentials/);
    // the redirector was asked (it is a configured, allowed viewUrl) but its redirect was not followed
    assert.ok(trapHits.some((h) => h.startsWith('/redirect')), 'the configured viewUrl was asked');
    assert.deepEqual(trapHits.filter((h) => h.startsWith('/latest')), [], 'the redirect to the metadata path was not followed');
    // an export with those sessions leaves them out rather than fetching elsewhere
    const ex = await api('/api/sessions.pcap?date=-1&expression=' + encodeURIComponent('node == remote-redir || node == remote-meta'));
    await ex.arrayBuffer();
    assert.deepEqual(trapHits.filter((h) => h.startsWith('/latest')), []);
  });

  it('4: a gzip body expanding to 1 GiB: capture bounded and fast, md5 of the raw body, packets view cut at a bound', async () => {
    const bomb = bombFrames();
    // capture on its own, measuring its peak memory (nothing in capture inflates bodies: Arkime hashes the bytes as sent)
    const l2 = lab();
    try {
      const file = join(l2.dir, 'bomb.pcap');
      writeFileSync(file, pcapBytes(bomb.frames));
      const t0 = Date.now();
      const p = spawn(process.execPath, [packrat, 'capture', '-c', l2.cfg, '-n', 'attack', '-r', file, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '', peak = 0;
      p.stdout!.on('data', (c) => { out += c; });
      const poll = setInterval(() => { try { peak = Math.max(peak, peakRssMb(p.pid!)); } catch { /* exited */ } }, 10);
      const code = await new Promise<number>((ok) => p.on('exit', (c) => ok(c ?? -1)));
      clearInterval(poll);
      assert.equal(code, 0);
      assert.ok(Date.now() - t0 < 60_000, `capture took ${Date.now() - t0} ms`);
      assert.ok(peak > 0 && peak < 500, `capture peak RSS ${peak.toFixed(0)} MB (a 1 GiB inflate would exceed 1000)`);
      const docs = out.split('\n').filter(Boolean).map((x) => JSON.parse(x));
      const d = docs.find((x) => x.http?.host?.includes('bomb.example'));
      assert.ok(d, 'the bomb session is indexed');
      assert.deepEqual(d.http.statuscode, [200]);
      assert.deepEqual(d.http.md5, [bomb.bodyMd5], 'http.md5 is over the body as sent, not inflated');
      assert.ok(d.server.bytes >= bomb.bodyLen && d.server.bytes < bomb.bodyLen + 4096, `server.bytes ${d.server.bytes} is the compressed size`);
    } finally { rmSync(l2.dir, { recursive: true, force: true }); }

    // the viewer's packets pane inflates bodies: bounded, and it says so
    const s = (await json(`/api/sessions?date=-1&length=10&expression=${encodeURIComponent('host.http == bomb.example')}`)).data[0];
    assert.ok(s, 'the bomb session is in the viewer');
    const before = peakRssMb(v.proc.pid!);
    const t1 = Date.now();
    const pk = await json(`/api/session/attack/${s.id}/packets?packets=10000`);
    const took = Date.now() - t1;
    const grew = peakRssMb(v.proc.pid!) - before;
    assert.ok(took < 20_000, `packets view took ${took} ms`);
    assert.ok(grew < 400, `viewer peak RSS grew by ${grew.toFixed(0)} MB`);
    const res = (pk.reassembled as { bodyEncoding?: string; bodyCut?: number; body?: string }[]).find((m) => m.bodyEncoding);
    assert.ok(res, 'the response body is decoded');
    assert.equal(res!.bodyEncoding, 'gzip');
    assert.equal(res!.bodyCut, MAX_DECODED_BODY, 'the body says where it was cut');
    assert.ok(res!.body!.length <= MAX_DECODED_BODY, `decoded body ${res!.body!.length} chars`);
    const health = await fetch(`${v.base}/health`);
    assert.equal(health.status, 200, 'the viewer still serves');
  });

  it('5: catastrophic regexes: bounded time, a clear answer, the viewer keeps serving', async () => {
    const timed = async (path: string) => {
      const t = Date.now();
      const r = await api(path);
      return { status: r.status, body: await r.json() as { text?: string; recordsFiltered?: number }, ms: Date.now() - t };
    };
    // against long field values: DuckDB's regexp (RE2) is linear
    const uri = await timed(`/api/sessions?date=-1&expression=${encodeURIComponent('http.uri == /(a+)+$/ || http.uri == /(.*a){20}x/ || http.uri == /.*(a|aa)+b.*/')}`);
    assert.equal(uri.status, 200, JSON.stringify(uri.body));
    assert.ok(uri.ms < 5000, `uri regex took ${uri.ms} ms`);
    assert.ok((uri.body.recordsFiltered ?? 0) >= 1, 'the long a-run URI matches /.*(a|aa)+b.*/');
    // against pcap file names: matched in JavaScript, so time-bound; the viewer answers meanwhile
    const slow = timed(`/api/sessions?date=-1&expression=${encodeURIComponent('file == /(.*a){12}/')}`);
    await new Promise((r) => setTimeout(r, 50));
    const h0 = Date.now();
    const health = await fetch(`${v.base}/health`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(health.status, 200);
    assert.ok(Date.now() - h0 < 3000, `health answered in ${Date.now() - h0} ms while the regex ran`);
    const file = await slow;
    assert.ok(file.ms < 5000, `file regex took ${file.ms} ms`);
    assert.equal(file.status, 400, JSON.stringify(file.body));
    assert.match(file.body.text ?? '', /took longer than/);
    // a benign file regex still works
    const good = await timed(`/api/sessions?date=-1&expression=${encodeURIComponent('file == /.*hostile-a*[.]pcap/')}`);
    assert.equal(good.status, 200, JSON.stringify(good.body));
    assert.ok((good.body.recordsFiltered ?? 0) > 0);
    assert.ok(hostileFile.endsWith(`${LONG_A_NAME}.pcap`));
    // wildcards (file names, shortcut names) never backtrack: many stars against a long text
    const t = Date.now();
    assert.equal(globMatch(`${'*a'.repeat(40)}b`, 'a'.repeat(20_000)), false);
    assert.equal(globMatch('*a?c*', 'xxabcyy'), true);
    assert.equal(globMatch('a?c', 'a?c', false), true);
    assert.equal(globMatch('a?c', 'abc', false), false);
    assert.ok(Date.now() - t < 1000, `glob took ${Date.now() - t} ms`);
    // queryTimeout: a store query past its bound is interrupted, and the store keeps answering
    const store = await EmbeddedSessionStore.open(join(l.dir, 'data'), { rotateIndex: 'daily', registry: new FieldRegistry(), readOnly: true, queryTimeoutMs: 300 });
    try {
      const t2 = Date.now();
      await assert.rejects(store.query('SELECT count(*) AS n FROM range(100000000000) t(x) WHERE x % 7 = 3'), QueryTimeoutError);
      assert.ok(Date.now() - t2 < 5000, `interrupted after ${Date.now() - t2} ms`);
      assert.deepEqual(await store.query('SELECT 42 AS n'), [{ n: 42 }]);
    } finally { await store.close(); }
  });
});
