// The UI in chromium against a stub of the viewer API (stub-api.ts): the analyst's path, the
// autocomplete, the export bound, every page in both themes. Needs `npx vite build --config
// viewer/ui/vite.config.ts` first (dist/viewer-ui).
import { test, before, beforeEach, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launch, repoRoot, shot, uiBuilt, type Browser } from './browser.js';
import { analystScenario, login, search, tourPages, readPcapFile, waitForCount } from './scenario.js';
import { startStub, stubData, type StubServer } from './stub-api.js';

let stub: StubServer;
let browser: Browser;
let page: Page;
let errors: string[];
const downloads = mkdtempSync(join(tmpdir(), 'packrat-ui-dl-'));

before(async () => {
  assert.ok(uiBuilt(), 'dist/viewer-ui is built (npx vite build --config viewer/ui/vite.config.ts)');
  stub = await startStub(join(repoRoot, 'dist/viewer-ui'), { alice: 'secret-pw' });
  browser = await launch();
  ({ page, errors } = browser);
});

// Each test may run alone (--test-name-pattern): log in when the browser has no session yet.
beforeEach(async () => { await login(page, stub.url, 'alice', 'secret-pw'); });
after(async () => { await browser?.dispose(); await stub?.close(); rmSync(downloads, { recursive: true, force: true }); });

test('analyst path on the stub API: login, search, detail, packets, export, pivot', async () => {
  await analystScenario(page, { base: stub.url, user: 'alice', password: 'secret-pw', expression: 'port.dst == 80', pivotDb: 'destination.ip', pivotExp: 'ip.dst', prefix: 'stub', downloadDir: downloads });
  // Writes the UI sends carry the CSRF token; the export asked for the selected id only.
  assert.ok(stub.requests.some((r) => /^GET \/api\/sessions\.pcap\?ids=/.test(r)), 'selected export sends ids');
  assert.deepEqual(errors, []);
});

test('field autocomplete offers fields by prefix and Tab accepts', async () => {
  await page.goto(`${stub.url}/sessions`);
  const input = page.locator('[data-test=expression]');
  await input.fill('');
  await input.pressSequentially('host.h');
  await page.waitForSelector('[data-test=suggestions] li');
  const first = await page.locator('[data-test=suggestions] li').first().innerText();
  assert.match(first, /^host\.http/);
  await input.press('Tab');
  assert.equal(await input.inputValue(), 'host.http ');
  await input.pressSequentially('== host1.example');
  await input.press('Enter');
  await page.waitForFunction(() => new URLSearchParams(location.search).get('expression') === 'host.http == host1.example');
  const n = await waitForCount(page);
  assert.ok(n > 0 && n < 40, `host filter narrows (${n})`);
  await shot(page, 'stub-autocomplete');
});

test('exporting the whole query shows the bound the server reported', async () => {
  await page.goto(`${stub.url}/sessions`);
  await search(page, '');
  await page.click('[data-test=export]');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-test=export-query-pcap]')]);
  const file = join(downloads, 'all.pcap');
  await dl.saveAs(file);
  const bound = await page.waitForSelector('[data-test=export-bound]');
  assert.match(await bound.innerText(), /maxSessionsQueried = 30/);
  assert.ok(readPcapFile(file).packets.length > 30, 'bounded export still holds the first sessions');
  await shot(page, 'stub-export-bound');
});

test('SPI view values pivot into sessions; connections draws a node per host', async () => {
  await page.goto(`${stub.url}/spiview?spi=destination.ip,http.host`);
  // a sampled answer says so and offers an exact count, which asks again with exact=1
  await page.waitForSelector('[data-test=spi-sampled]');
  await page.click('[data-test=spi-exact]');
  await page.waitForSelector('[data-test=spi-sampled]', { state: 'detached' });
  const v = page.locator('[data-spi="http.host"] .value').first();
  await v.waitFor();
  const value = await v.innerText();
  await v.click();
  await page.waitForURL(/\/sessions\?/);
  assert.equal(await page.locator('[data-test=expression]').inputValue(), `host.http == ${value}`);
  await page.goto(`${stub.url}/connections`);
  await page.waitForSelector('[data-test=connections-graph] circle');
  assert.equal(await page.locator('[data-test=connections-graph] circle').count(), 8, '5 clients + 3 servers');
  await shot(page, 'stub-connections');
});

test('every page renders in light and dark without errors', async () => {
  await tourPages(page, stub.url, 'stub', 'light');
  await tourPages(page, stub.url, 'stub', 'dark');
  assert.deepEqual(errors, []);
});

test('an empty store shows the first-run page with the import command', async () => {
  const empty = await startStub(join(repoRoot, 'dist/viewer-ui'), { alice: 'secret-pw' }, stubData(0));
  try {
    const b2 = await launch();
    const { page: p2, errors: e2 } = b2;
    try {
      await login(p2, empty.url, 'alice', 'secret-pw');
      const welcome = await p2.waitForSelector('[data-test=welcome]');
      assert.match(await welcome.innerText(), /bin\/packrat capture -c etc\/config\.ini -r FILE/);
      await shot(p2, 'stub-first-run');
      assert.deepEqual(e2, []);
    } finally { await b2.dispose(); }
  } finally { await empty.close(); }
});

test('sorting, paging and the column chooser drive the sessions table through the URL', async () => {
  await page.goto(`${stub.url}/sessions?length=25`);
  await search(page, '');
  await page.locator('th', { hasText: 'Src Port' }).click();
  await page.waitForFunction(() => new URLSearchParams(location.search).get('order') === 'source.port:desc');
  await page.waitForFunction(() => document.querySelector('td[data-col="source.port"]')?.textContent?.trim() === '40039');
  assert.equal(await page.locator('[data-test=session-row]').count(), 25);
  await page.click('[data-test=next-page]');
  await page.waitForFunction(() => new URLSearchParams(location.search).get('start') === '25');
  await page.waitForFunction(() => document.querySelectorAll('[data-test=session-row]').length === 15);
  await page.click('[data-test=columns]');
  await page.locator('.chooser label', { hasText: 'Hostname' }).locator('input').check();
  await page.waitForSelector('td[data-col="http.host"] .value');
  assert.match(await page.locator('td[data-col="http.host"]').first().innerText(), /^host\d\.example$/);
  assert.ok(stub.requests.some((r) => /GET \/api\/sessions\?.*fields=[^&]*http\.host/.test(r)), 'the chosen column is requested');
});
