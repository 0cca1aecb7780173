// The analyst's path through the UI, shared by the stub-backed and the end-to-end browser
// tests: log in, search, open a session, see its packets, pivot on a value, export pcap and
// read the download back with Packrat's own pcap reader.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { parsePcapHeader, readRecordHeader, newRecordHeader, PCAP_HEADER_LEN, PCAP_RECORD_HEADER_LEN } from '../../db/pcap/format.js';
import { shot } from './browser.js';

export interface PcapRecords { linktype: number; packets: Uint8Array[] }

/** Every record of a classic pcap file, read with db/pcap/format.ts. */
export function readPcapFile(path: string): PcapRecords {
  const b = new Uint8Array(readFileSync(path));
  const h = parsePcapHeader(b, 0);
  const rh = newRecordHeader();
  const packets: Uint8Array[] = [];
  let off = PCAP_HEADER_LEN;
  while (off + PCAP_RECORD_HEADER_LEN <= b.length) {
    readRecordHeader(b, off, h.littleEndian, rh);
    const start = off + PCAP_RECORD_HEADER_LEN;
    assert.ok(start + rh.caplen <= b.length, `record at ${off} runs past the end of ${path}`);
    packets.push(b.subarray(start, start + rh.caplen));
    off = start + rh.caplen;
  }
  assert.equal(off, b.length, `trailing bytes after the last record of ${path}`);
  return { linktype: h.linktype, packets };
}

export async function login(page: Page, base: string, user: string, password: string): Promise<void> {
  await page.goto(`${base}/sessions`);
  // Without a session the server sends the browser to its login form; with one, we are done.
  if (!new URL(page.url()).pathname.startsWith('/login')) { await page.waitForSelector('[data-test=current-user]'); return; }
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.press('input[name=password]', 'Enter')]);
  if (!/\/sessions/.test(page.url())) await page.goto(`${base}/sessions`);
  await page.waitForSelector('[data-test=current-user]');
}

/** Type an expression and press Enter; wait for the table to show the result. */
export async function search(page: Page, expression: string): Promise<number> {
  const input = page.locator('[data-test=expression]');
  await input.fill(expression);
  await input.press('Escape'); // close autocomplete so Enter runs the search
  await input.press('Enter');
  await page.waitForFunction((e) => new URLSearchParams(location.search).get('expression') === (e || null) || (!e && !new URLSearchParams(location.search).get('expression')), expression);
  return waitForCount(page);
}

/** The count once the result on screen is the one for the URL's expression (not the previous search's). */
export async function waitForCount(page: Page): Promise<number> {
  await page.waitForSelector('[data-test=count]');
  await page.waitForFunction(() => {
    const shown = document.querySelector('[data-test=count]')?.getAttribute('data-expression');
    const wanted = new URLSearchParams(location.search).get('expression') || '';
    return shown === wanted && !document.querySelector('[data-test=search]')?.hasAttribute('disabled');
  });
  const text = await page.locator('[data-test=count] strong').innerText();
  return Number(text.replace(/[^0-9]/g, ''));
}

export interface ScenarioOptions {
  base: string; user: string; password: string;
  /** An expression that matches some sessions. */
  expression: string;
  /** Column (document path) whose value in the first row we pivot on, and its expression name. */
  pivotDb: string; pivotExp: string;
  prefix: string;
  downloadDir: string;
}

export async function analystScenario(page: Page, o: ScenarioOptions): Promise<void> {
  await login(page, o.base, o.user, o.password);

  // Search with Enter; the URL keeps the expression.
  const all = await search(page, '');
  assert.ok(all > 0, 'the store has sessions');
  const matched = await search(page, o.expression);
  assert.ok(matched > 0 && matched <= all, `"${o.expression}" matches some sessions (${matched} of ${all})`);
  assert.match(page.url(), /expression=/);
  await page.waitForSelector('[data-test=session-row]');
  await shot(page, `${o.prefix}-sessions`);

  // A bad expression shows the API's error inline.
  await page.locator('[data-test=expression]').fill('ip.src == ');
  await page.locator('[data-test=expression]').press('Enter');
  const err = await page.waitForSelector('[data-test=expression-error]');
  assert.ok((await err.innerText()).length > 0, 'bad expression shows an error');
  await shot(page, `${o.prefix}-expression-error`);
  await search(page, o.expression);

  // Open the first session: SPI fields and its packets.
  const first = page.locator('[data-test=session-row]').first();
  await first.locator('[data-test=open-session]').click();
  const detail = page.locator('[data-test=session-detail]').first();
  await detail.locator('.group').first().waitFor();
  await detail.locator('[data-test=packet]').first().waitFor();
  const shown = await detail.locator('[data-test=packet]').count();
  assert.ok(shown > 0, 'the packets pane lists packets');
  await shot(page, `${o.prefix}-session-detail`);
  await detail.getByRole('button', { name: 'hex' }).click();
  await page.waitForFunction(() => /^0000 /m.test(document.querySelector('[data-test=packet] pre')?.textContent || '') || /^00000 /m.test(document.querySelector('[data-test=packet] pre')?.textContent || ''));

  // Export the selected session as pcap and read it back.
  await first.locator('input[type=checkbox]').check();
  await page.click('[data-test=export]');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('[data-test=export-selected-pcap]')]);
  const file = `${o.downloadDir}/${o.prefix}-selected.pcap`;
  await dl.saveAs(file);
  const pcap = readPcapFile(file);
  assert.ok(pcap.packets.length > 0, 'exported pcap has packets');
  const expected = Number((await first.locator('td[data-col="network.packets"]').innerText()).replace(/[^0-9]/g, ''));
  assert.equal(pcap.packets.length, expected, 'the pcap of one session holds its packet count');
  // Byte for byte, the export holds the packets the packets pane shows (same session, same order).
  const id = await first.getAttribute('data-id'), node = await first.getAttribute('data-node');
  const res = await page.request.get(`${o.base}/api/session/${encodeURIComponent(node!)}/${encodeURIComponent(id!)}/packets?packets=10000`);
  assert.equal(res.status(), 200);
  const shownPackets = ((await res.json()) as { packets: { hex: string }[] }).packets;
  assert.deepEqual(pcap.packets.map((p) => Buffer.from(p).toString('hex')).sort(), shownPackets.map((p) => p.hex).sort(), 'exported packets equal the session\'s packets');
  await page.waitForSelector('[data-test=export-done], [data-test=export-bound]');

  // Pivot: click a value in the first row; the expression gains `exp == value`, results narrow.
  const cell = first.locator(`.value[data-field="${o.pivotExp}"]`).first();
  const value = (await cell.innerText()).trim();
  await cell.click();
  await page.waitForFunction((exp) => (new URLSearchParams(location.search).get('expression') || '').includes(`${exp} == `), o.pivotExp);
  const pivoted = await waitForCount(page);
  const expr = await page.locator('[data-test=expression]').inputValue();
  assert.ok(expr.includes(`${o.pivotExp} == `) && expr.includes(value.replace(/"/g, '')), `pivot added ${o.pivotExp} == ${value}: ${expr}`);
  assert.ok(pivoted > 0 && pivoted <= matched, `pivot narrows (${pivoted} of ${matched})`);
  await shot(page, `${o.prefix}-pivot`);

  // The URL holds the state: reloading shows the same search.
  await page.reload();
  assert.equal(await page.locator('[data-test=expression]').inputValue(), expr);
  assert.equal(await waitForCount(page), pivoted);
}

/** Visit every page and screenshot it, in the given theme. */
export async function tourPages(page: Page, base: string, prefix: string, theme: 'light' | 'dark'): Promise<void> {
  await page.goto(`${base}/settings`);
  await page.selectOption('[data-test=theme]', theme);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), theme);
  for (const p of ['sessions', 'spiview', 'spigraph', 'connections', 'files', 'stats', 'users', 'settings']) {
    await page.goto(`${base}/${p}`);
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(150);
    await shot(page, `${prefix}-${p}-${theme}`);
  }
}
