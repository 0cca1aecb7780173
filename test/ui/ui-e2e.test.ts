// End to end in chromium: conformance pcaps imported with `packrat capture`, a user added with
// `packrat user add`, `packrat viewer --port 0` started; then the analyst's path through the UI
// (scenario.ts) and every page in both themes. Needs the UI built into dist/viewer-ui.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { launch, repoRoot, shot, uiBuilt, type Browser } from './browser.js';
import { analystScenario, login, search, tourPages } from './scenario.js';

const PCAPS = ['http-simple-get', 'http-content-gzip', 'http-301-get', 'http-basicauth', 'dns-tcp', 'dns-mx', 'https-generalizedtime']
  .map((n) => resolve(repoRoot, `../shared/conformance/pcaps/${n}.pcap`));
const packrat = join(repoRoot, 'bin/packrat');
const dir = mkdtempSync(join(tmpdir(), 'packrat-ui-e2e-'));
const cfg = join(dir, 'config.ini');

let viewer: ChildProcess | undefined;
let base = '';
let browser: Browser;
let page: Page;
let errors: string[];

/** Start the viewer on a free port; resolves with its URL from the `listening on` line. */
function startViewer(): Promise<string> {
  return new Promise((ok, fail) => {
    const p = spawn(process.execPath, [packrat, 'viewer', '-c', cfg, '-n', 'uitest', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    viewer = p;
    let out = '', err = '';
    const timer = setTimeout(() => fail(new Error(`viewer did not start in 30 s: ${out}${err}`)), 30_000);
    p.stdout!.on('data', (c) => {
      out += c;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
    p.stderr!.on('data', (c) => { err += c; });
    p.on('exit', (code) => { clearTimeout(timer); fail(new Error(`viewer exited with ${code}: ${err}`)); });
  });
}

before(async () => {
  assert.ok(uiBuilt(), 'dist/viewer-ui is built (npx vite build --config viewer/ui/vite.config.ts)');
  writeFileSync(cfg, `[default]\ndataDir=${join(dir, 'data')}\npcapDir=${join(dir, 'pcap')}\n`);
  execFileSync(process.execPath, [packrat, 'capture', '-c', cfg, '-n', 'uitest', '--flush', ...PCAPS.flatMap((f) => ['-r', f])], { stdio: 'pipe' });
  execFileSync(process.execPath, [packrat, 'user', 'add', 'alice', '-c', cfg, '--admin', '--password', 'alice-pw-123'], { stdio: 'pipe' });
  base = await startViewer();
  browser = await launch();
  ({ page, errors } = browser);
});

after(async () => {
  await browser?.dispose();
  if (viewer && viewer.exitCode === null) {
    const exited = new Promise((ok) => viewer!.once('exit', ok));
    viewer.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

test('analyst path on the real viewer: login, search, detail, packets, export pcap, pivot', async () => {
  await analystScenario(page, {
    base, user: 'alice', password: 'alice-pw-123', expression: 'protocols == http', pivotDb: 'destination.ip', pivotExp: 'ip.dst',
    prefix: 'e2e', downloadDir: dir,
  });
  assert.deepEqual(errors, []);
});

test('every page renders on the real viewer in light and dark without errors', async () => {
  await tourPages(page, base, 'e2e', 'light');
  await tourPages(page, base, 'e2e', 'dark');
  assert.deepEqual(errors, []);
});

test('an admin adds a user with a forced expression in the UI; that user sees only what it allows', async () => {
  await page.goto(`${base}/users`);
  await page.fill('[data-test=new-user-id]', 'bob');
  await page.fill('[data-test=new-user-password]', 'bob-pw-456');
  await page.fill('[data-test=new-user-expression]', 'port.dst == 53');
  await page.click('[data-test=add-user]'); // a browser write: the UI sends the CSRF token
  await page.waitForSelector('[data-test=users-message]');
  await page.locator('[data-test=users-table] td', { hasText: /^bob$/ }).first().waitFor();
  const adminAll = await (async () => { await page.goto(`${base}/sessions`); return search(page, ''); })();

  await page.click('[data-test=logout]');
  await page.waitForURL(/\/login/);
  await login(page, base, 'bob', 'bob-pw-456');
  const bobAll = await search(page, '');
  assert.ok(bobAll > 0 && bobAll < adminAll, `bob sees ${bobAll} of ${adminAll} sessions`);
  const ports = await page.locator('td[data-col="destination.port"]').allInnerTexts();
  assert.ok(ports.every((p) => p.trim() === '53'), `every session bob sees is port 53: ${ports.join(' ')}`);
  assert.equal(await page.locator('[data-nav=users]').count(), 0, 'no Users page for a plain arkimeUser');
  await shot(page, 'e2e-forced-expression');
  assert.deepEqual(errors, []);
});
