// The PDF: the HTML report printed by headless Chromium (the Debian package, driven by
// playwright-core), kept off the network: only file: and data: URLs load, anything else is refused.
import { mkdir, readFile, rename } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

/** Flags that keep Chromium headless, sandbox-free in containers, and off the network. */
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run',
];

export function launchChromium(executablePath = '/usr/bin/chromium'): Promise<Browser> {
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}

export const isLocalUrl = (u: string) => u.startsWith('file:') || u.startsWith('data:') || u.startsWith('about:') || u.startsWith('blob:');

export interface PrintResult { pages: number; blocked: string[]; consoleErrors: string[] }

/** Page objects in a PDF as Chromium (Skia) writes it: one uncompressed "/Type /Page" dictionary each. */
export const countPages = (pdf: Buffer) => (pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-zA-Z])/g) ?? []).length;

/**
 * Opens the report from disk, waits until every chart is drawn, opens collapsed sections, and prints
 * A4 with page numbers in the footer. Chart failures or console errors do not stop the print; they are returned.
 * `browser`: one the caller started launching earlier (launchChromium); it is closed here as well.
 */
export async function printPdf(htmlPath: string, pdfPath: string, opts: { chromium?: string; title?: string; timeoutMs?: number; browser?: Promise<Browser> } = {}): Promise<PrintResult> {
  const browser = await (opts.browser ?? launchChromium(opts.chromium));
  const blocked: string[] = [];
  const consoleErrors: string[] = [];
  try {
    const context = await browser.newContext({ offline: true });
    await context.route('**/*', (route) => (isLocalUrl(route.request().url()) ? route.continue() : (blocked.push(route.request().url()), route.abort('blockedbyclient'))));
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    await page.goto(pathToFileURL(resolve(htmlPath)).href, { waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.charts !== 'pending', undefined, { timeout: opts.timeoutMs ?? 60_000 });
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
    await mkdir(dirname(pdfPath) || '.', { recursive: true });
    const tmp = `${pdfPath}.tmp-${process.pid}.pdf`;
    await page.pdf({
      path: tmp, format: 'A4', printBackground: true, preferCSSPageSize: true,
      displayHeaderFooter: true, headerTemplate: '<span></span>',
      footerTemplate: `<div style="font-size:8px;width:100%;text-align:center;color:#777;font-family:'DejaVu Sans',sans-serif">${(opts.title ?? '').replace(/[<>&]/g, '')} \u00b7 page <span class="pageNumber"></span> of <span class="totalPages"></span></div>`,
    });
    await rename(tmp, pdfPath);
    await context.close();
  } finally {
    await browser.close();
  }
  return { pages: countPages(await readFile(pdfPath)), blocked, consoleErrors };
}
