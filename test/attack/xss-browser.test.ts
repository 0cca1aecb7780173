// Stored XSS through session values, in Chromium (issue 18, attacker's pass part 2, item 1).
// Host, User-Agent, URI and DNS names on the wire are HTML/script payloads; the capture indexes
// them, and an analyst opens every page that shows session values. No payload may run (each would
// set window.__xss or open a dialog), none may even reach the DOM as markup (the CSP would block
// it and report a violation: we want escaping to hold on its own), and the payload text must
// show as text. A crafted link carrying a payload in its expression is tried too.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { launch, shot, uiBuilt, type Browser } from '../ui/browser.js';
import { login } from '../ui/scenario.js';
import { addUser, hostileFrames, importFrames, lab, startViewer, XSS, type Lab, type ViewerProc } from './hostile.js';

const COLUMNS = ['firstPacket', 'source.ip', 'destination.ip', 'destination.port', 'protocol', 'node', 'http.host', 'http.useragent', 'http.uri', 'dns.host'];

describe('stored XSS through session values, in the browser', () => {
  let l: Lab, v: ViewerProc, browser: Browser, page: Page;
  const dialogs: string[] = [];

  before(async () => {
    assert.ok(uiBuilt(), 'dist/viewer-ui is built (npx vite build --config viewer/ui/vite.config.ts)');
    l = lab();
    await importFrames(l, 'xss', hostileFrames());
    await addUser(l);
    v = await startViewer(l);
    browser = await launch();
    page = browser.page;
    page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    // CSP violations would mean markup got into the DOM and only the policy stopped it
    await browser.context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        const w = window as unknown as { __csp?: string[] };
        (w.__csp ??= []).push(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
  });

  after(async () => {
    await browser?.dispose();
    await v?.stop();
    if (l) rmSync(l.dir, { recursive: true, force: true });
  });

  /** Nothing ran, nothing was injected as markup; returns the page's visible text. */
  async function clean(where: string): Promise<string> {
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(200); // onerror of a broken <img> fires after the load
    const r = await page.evaluate(() => ({
      xss: (window as unknown as { __xss?: unknown }).__xss,
      csp: (window as unknown as { __csp?: string[] }).__csp ?? [],
      injected: [...document.querySelectorAll('[onerror], [onload], [onmouseover], img[src="x"], script:not([src])')]
        .filter((e) => !(e.tagName === 'SCRIPT' && e.textContent?.includes('packrat.theme'))).map((e) => e.outerHTML.slice(0, 120)),
      text: document.body.innerText,
      wide: document.documentElement.scrollWidth - window.innerWidth,
    }));
    assert.equal(r.xss, undefined, `${where}: a payload ran`);
    assert.deepEqual(dialogs, [], `${where}: a dialog opened`);
    assert.deepEqual(r.injected, [], `${where}: payload markup reached the DOM`);
    assert.deepEqual(r.csp, [], `${where}: CSP violations`);
    // a 3000-character URI wraps in its cell instead of stretching the page sideways
    assert.ok(r.wide <= 0, `${where}: the page is ${r.wide} px wider than the window`);
    return r.text;
  }

  it('1: every page that shows session values shows the payloads as text and runs none of them', async () => {
    await login(page, v.base, l.user, l.password);
    await page.evaluate((cols) => localStorage.setItem('packrat.columns', JSON.stringify(cols)), COLUMNS);

    // sessions list with the HTTP and DNS columns, every row opened: SPI fields and packets in each view
    await page.goto(`${v.base}/sessions?date=-1`);
    await page.waitForSelector('[data-test=session-row]');
    let text = await clean('sessions list');
    for (const p of [XSS.img, XSS.script, XSS.svg]) assert.ok(text.includes(p), `sessions list shows ${p} as text`);
    const rows = page.locator('[data-test=session-row]');
    const n = await rows.count();
    assert.ok(n >= 7, `${n} sessions listed`);
    for (let i = 0; i < n; i++) {
      await rows.nth(i).locator('[data-test=open-session]').click();
    }
    const details = page.locator('[data-test=session-detail]');
    await page.waitForFunction((k) => document.querySelectorAll('[data-test=session-detail] .group').length >= k, n);
    text = await clean('session details');
    for (const p of [XSS.img, XSS.script, XSS.svg]) assert.ok(text.includes(p), `session detail shows ${p} as text`);
    for (const view of ['reassembled', 'ascii', 'hex']) {
      for (let i = 0; i < n; i++) {
        const d = details.nth(i);
        await d.locator('[data-test=packet]').first().waitFor();
        await d.getByRole('button', { name: view, exact: true }).click();
      }
      text = await clean(`packets ${view}`);
      if (view !== 'hex') assert.ok(text.includes('window.__xss=1'), `packets ${view} shows the payload bytes as text`);
    }
    await shot(page, 'attack-xss-sessions');

    // SPI view, SPI graph, connections on the payload fields; the other pages
    const pages = [
      `/spiview?date=-1&spi=${encodeURIComponent('http.host,http.useragent,http.uri,dns.host')}`,
      '/spigraph?date=-1&field=http.host', '/spigraph?date=-1&field=dns.host', '/spigraph?date=-1&field=http.useragent',
      '/connections?date=-1&srcField=http.host&dstField=http.useragent', '/connections?date=-1&srcField=dns.host&dstField=destination.ip',
      '/files', '/stats', '/users', '/settings',
    ];
    for (const p of pages) {
      await page.goto(`${v.base}${p}`);
      text = await clean(p);
      if (/spiview|spigraph/.test(p)) assert.ok(text.includes(p.includes('dns.host') && !p.includes('spiview') ? XSS.script : XSS.img), `${p} shows a payload as text`);
      if (p.startsWith('/connections')) {
        // the node labels and the hover tip
        const labels = await page.locator('[data-test=connections-graph] text').allTextContents();
        assert.ok(labels.some((t) => t.includes('window.__xss')), `${p} labels nodes with the payload as text`);
        const nodes = page.locator('[data-test=connections-graph] g.node');
        for (let i = 0; i < Math.min(await nodes.count(), 12); i++) await nodes.nth(i).hover({ force: true }).catch(() => undefined);
        await clean(`${p} hovered`);
      }
      await shot(page, `attack-xss-${p.slice(1).replace(/[^a-z]+/g, '-').slice(0, 40)}`);
    }

    // a crafted link: payloads in the expression of the URL, valid and invalid
    for (const expr of [`http.host == "${XSS.script.replace(/"/g, '\\"')}"`, `http.host == ${XSS.img}`, `${XSS.svg} ==`]) {
      await page.goto(`${v.base}/sessions?date=-1&expression=${encodeURIComponent(expr)}`);
      await page.waitForSelector('[data-test=count], [data-test=expression-error]');
      await clean(`link with expression ${expr}`);
    }
    assert.deepEqual(browser.errors.filter((e) => !/the server responded with a status of (4|5)\d\d/.test(e)), []);
  });
});
