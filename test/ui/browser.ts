// Launching Debian's chromium through playwright-core for the browser tests, with a fresh
// profile and no background traffic; screenshots go to test-artifacts/ui/.
import { mkdirSync, mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** The folder holding package.json (tests run from dist/test/ui). */
export const repoRoot = findRoot(dirname(fileURLToPath(import.meta.url)));
function findRoot(dir: string): string {
  for (let d = dir; ; d = resolve(d, '..')) {
    if (existsSync(join(d, 'package.json'))) return d;
    if (resolve(d, '..') === d) throw new Error(`no package.json above ${dir}`);
  }
}
export const artifactsDir = join(repoRoot, 'test-artifacts/ui');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

export function uiBuilt(): boolean { return existsSync(join(repoRoot, 'dist/viewer-ui/index.html')); }

export interface Browser { context: BrowserContext; page: Page; errors: string[]; dispose(): Promise<void> }

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
  mkdirSync(artifactsDir, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'packrat-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: ARGS, acceptDownloads: true,
    viewport: { width: 1400, height: 900 }, timeout: 60_000,
  });
  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(20_000);
  // Uncaught exceptions and console errors in the page fail a test at its end.
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) errors.push(`console: ${m.text()}`); });
  const dispose = async () => { await context.close(); rmSync(profile, { recursive: true, force: true }); };
  return { context, page, errors, dispose };
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(artifactsDir, `${name}.png`), fullPage: true });
}
