// A written report opened in real headless Chromium, offline: every non-file request blocked, charts
// awaited, then the page must have logged no error or warning, requested nothing and hit no CSP rule.
import assert from 'node:assert/strict';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { isLocalUrl, launchChromium } from '../../pipeline/lib/report/pdf.ts';
import { cspViolations, recordCspViolations } from './csp.ts';

/** Opens `html` from disk, waits for its charts, runs `check` on the page, then asserts a clean page. */
export async function inChromium(html: string, check: (page: Page) => Promise<void>): Promise<void> {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    await recordCspViolations(context);
    const attempted: string[] = [];
    context.on('request', (r) => { if (!isLocalUrl(r.url())) attempted.push(r.url()); });
    await context.route('**/*', (route) => (isLocalUrl(route.request().url()) ? route.continue() : route.abort()));
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(html).href);
    await page.waitForFunction(() => document.body.dataset.charts !== 'pending', undefined, { timeout: 30_000 });
    assert.equal(await page.evaluate(() => document.body.dataset.charts), 'ready');
    await check(page);
    assert.deepEqual(errors, [], 'no console errors or warnings');
    assert.deepEqual(attempted, [], 'no network requests');
    assert.deepEqual(await cspViolations(page), [], 'nothing the report needs is blocked by its CSP');
  } finally {
    await browser.close();
  }
}
