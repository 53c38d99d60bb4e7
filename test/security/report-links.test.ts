// Security (issue 18): sheet text never becomes a live non-web link in the report, its PDF or the
// xlsx export, and the report's Content-Security-Policy keeps it off the network while it still
// draws every chart and thumbnail. The ledger comes from the real ingest of a sheet with hostile
// URLs; the report is rendered by the real renderer and opened in real headless Chromium.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import ExcelJS from 'exceljs';
import sharp from 'sharp';
import { allowList } from '../../pipeline/lib/media/index.ts';
import { rankingWorkbook } from '../../pipeline/lib/report/exports.ts';
import { renderHtml } from '../../pipeline/lib/report/html.ts';
import { htmlLink, linkTarget } from '../../pipeline/lib/report/links.ts';
import { buildModel, type ReportModel } from '../../pipeline/lib/report/model.ts';
import { isLocalUrl, launchChromium, printPdf } from '../../pipeline/lib/report/pdf.ts';
import type { LedgerRow, ReportTables } from '../../pipeline/lib/report/tables.ts';
import { vendorScripts } from '../../pipeline/lib/report/vendor.ts';
import { readSheet } from '../../pipeline/lib/sheet/index.ts';
import { listenLocal } from '../helpers/http.ts';
import { fixture, ledger, mkdirp, scratch } from '../hardening/helpers.ts';
import { cspViolations, recordCspViolations } from '../helpers/csp.ts';

const HOSTILE = ['javascript:alert(document.domain)', ' JaVaScRiPt:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:msgbox(1)', 'file:///etc/passwd'];
const WEB = 'https://cdn.example.invalid/a/v1';
const dir = scratch('links');
const html = join(mkdirp(join(dir, 'reports')), 'index.html');
let model: ReportModel;

/** Three people with two scored videos each (one video's URL hostile too), a face each, a duplicate posting. */
function tables(rows: LedgerRow[]): ReportTables {
  const people = ['inf-0001', 'inf-0002', 'inf-0003'];
  const vids = people.flatMap((p, i) => [0, 1].map((k) => ({ p, i, id: `v${i}${k}`, score: 1 + 0.4 * i + 0.3 * k })));
  return {
    stats: people.map((p, i) => ({ influencer_id: p, n_videos: 2, n_postings: 2, mean: 1.15 + 0.4 * i, sd: 0.2, cv: 0.1, ci_low: 0.5 + 0.4 * i, ci_high: 1.8 + 0.4 * i, reliability: 0.4, shrunken_mean: 1.3 + 0.2 * i, rank: 3 - i })),
    reliability: [
      { measure: 'influencer_icc1', icc: 0.3, ci_low: -0.2, ci_high: 0.8, n_groups: 3, n_obs: 6, reading: 'People differ somewhat.' },
      { measure: 'metric_test_retest_icc1', icc: 0.6, ci_low: 0.1, ci_high: 0.9, n_groups: 1, n_obs: 2, reading: 'Fairly repeatable.' },
    ],
    influencers: people.map((p, i) => ({ influencer_id: p, exemplar_face_id: `v${i}0-f`, n_videos: 2, n_tracks: 2, n_faces: 2 })),
    appearances: vids.map((v) => ({ video_id: v.id, influencer_id: v.p, screen_share: 0.2, n_faces: 1, n_tracks: 1, credited: true })),
    faces: vids.map((v) => ({ face_id: `${v.id}-f`, video_id: v.id, t_s: 1, det_score: 0.9, size_px: 80, quality: 0.5, gate: 'ok', track_id: `${v.id}-t`, crop_path: `data/faces/${v.id}-f.jpg` })),
    tracks: vids.map((v) => ({ track_id: `${v.id}-t`, video_id: v.id, kind: 'live', kind_score: 1, n_faces: 1, first_t_s: 1, last_t_s: 1, screen_share: 0.2, exemplar_face_id: `${v.id}-f` })),
    trackPeople: vids.map((v) => ({ track_id: `${v.id}-t`, video_id: v.id, influencer_id: v.p })),
    videos: vids.map((v) => ({ video_id: v.id, canonical_url: v.id === 'v00' ? 'javascript:alert("video")' : `https://cdn.example.invalid/${v.id}`, duration_s: 5, n_postings: 1, n_scored: 1, score: v.score })),
    rows,
    duplicateGroups: [{ video_id: 'v10', row_number: 1, performance: 1.2, match: 'canonical' }, { video_id: 'v10', row_number: 2, performance: 1.6, match: 'exact' }],
    registryEvents: [],
  };
}

before(async () => {
  const csv = ['url,score', ...[...HOSTILE, WEB].map((u, i) => `"${u.replaceAll('"', '""')}",${i + 1}`)].join('\n');
  writeFileSync(join(dir, 'sheet.csv'), `${csv}\n`);
  const fx = fixture({ baseDir: dir, allowedRoots: [dir], download: { retries: 0, allow: allowList([]) } });
  const { rows } = await ledger(await readSheet(join(dir, 'sheet.csv')), fx);
  const ledgerRows = rows.map((r) => ({ row_number: Number(r.row_number), sheet_row: Number(r.sheet_row), url: String(r.url), performance: r.performance as number, status: String(r.status), reason: r.reason as string | null, video_id: null }));
  model = buildModel(tables(ledgerRows), { creditMinScreenShare: 0.001, creditKinds: ['live'], minTrackFaces: 1, galleryMaxFaces: 10, gateExamples: 1 });
  const jpeg = (i: number) => sharp({ create: { width: 96, height: 96, channels: 3, background: { r: 40 * i, g: 120, b: 200 - 30 * i } } }).jpeg().toBuffer();
  const thumbs = new Map(await Promise.all(model.people.flatMap((p) => p.faces).map(async (f, i) => [f.face_id, `data:image/jpeg;base64,${(await jpeg(i)).toString('base64')}`] as [string, string])));
  writeFileSync(html, renderHtml({
    title: 'Security check', model, thumbs, params: { input: { download: { allow_hosts: [] } } }, vendor: vendorScripts(),
    run: { generated_at: '2024-01-01T00:00:00Z', data_version: null, sheet: 'sheet.csv', code_version: null, node: process.version, tables: {} },
  }));
});

test('linkTarget: only http(s) URLs, judged as a browser parses them', () => {
  assert.equal(linkTarget('https://cdn.example/a b?x=1'), 'https://cdn.example/a%20b?x=1');
  assert.equal(linkTarget(' HTTP://CDN.example/v '), 'http://cdn.example/v');
  for (const u of [...HOSTILE, 'java\tscript:alert(1)', '\u0000javascript:alert(1)', 'ftp://x.example/v', '//evil.example/v', 'not a url', '', null, undefined]) {
    assert.equal(linkTarget(u), null, JSON.stringify(u));
  }
  assert.equal(htmlLink('javascript:alert("x")'), '<span class="not-a-link">javascript:alert(&quot;x&quot;)</span>');
  assert.equal(htmlLink('https://cdn.example/"><b>'), '<a href="https://cdn.example/%22%3E%3Cb%3E" title="https://cdn.example/&quot;&gt;&lt;b&gt;" rel="noreferrer">https://cdn.example/%22%3E%3Cb%3E</a>');
});

test('the ledger holds the hostile rows, and the HTML links none of them', () => {
  assert.deepEqual(model.ledger.map((r) => r.status), ['rejected', 'rejected', 'rejected', 'rejected', 'rejected', 'media_unavailable']);
  const text = readFileSync(html, 'utf8');
  assert.doesNotMatch(text, /href\s*=\s*["']?\s*(javascript|data|vbscript|file)\s*:/i);
  const hrefs = [...text.matchAll(/<a\s[^>]*href="([^"]*)"/g)].map((m) => m[1]);
  assert.ok(hrefs.includes(WEB), 'the web URL is a link');
  assert.deepEqual(hrefs.filter((h) => !h.startsWith('#') && !/^https?:\/\//.test(h)), []);
});

test('in Chromium: the CSP is in force, every chart and thumbnail renders offline, hostile URLs are inert text', async () => {
  const beacon: string[] = [];
  const server = createServer((req, res) => { beacon.push(req.url ?? ''); res.end(); });
  const { base } = await listenLocal(server);
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    await recordCspViolations(context);
    const requests: string[] = [], dialogs: string[] = [], popups: string[] = [], errors: string[] = [];
    context.on('request', (r) => { if (!isLocalUrl(r.url())) requests.push(r.url()); }); // nothing is routed or blocked by the test
    const page = await context.newPage();
    context.on('page', (p) => popups.push(p.url()));
    page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    const url = pathToFileURL(html).href;
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.charts !== 'pending', undefined, { timeout: 30_000 });

    const csp = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => (m as HTMLMetaElement).content);
    assert.match(csp, /^default-src 'none'; script-src ('sha256-[A-Za-z0-9+/]+=*' ?){4}; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'$/);
    assert.equal(await page.evaluate(() => document.body.dataset.charts), 'ready');
    const charts = await page.$$eval('.chart[data-chart]', (els) => els.map((el) => `${(el as HTMLElement).dataset.chart}:${el.querySelectorAll('svg .role-mark > *').length > 0}`));
    assert.deepEqual(charts.sort(), ['caterpillar:true', 'duplicates:true', 'funnel:true', 'reliability:true', 'spread:true']);
    const imgs = await page.$$eval('img', (is) => is.map((i) => (i as HTMLImageElement).naturalWidth));
    assert.ok(imgs.length >= 9 && imgs.every((w) => w > 0), `every thumbnail decoded (${imgs.join(', ')})`);
    assert.deepEqual(await cspViolations(page), [], 'the report needs nothing the CSP blocks');

    // Every link is an in-page anchor or a web URL; the hostile URLs are text, and clicking them does nothing.
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
    const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')!));
    assert.deepEqual(hrefs.filter((h) => !h.startsWith('#') && !/^https?:\/\//.test(h)), []);
    const inert = page.locator('.not-a-link');
    assert.deepEqual((await inert.allTextContents()).sort(), [...HOSTILE.map((u) => u.trim()), 'javascript:alert("video")'].sort());
    for (let i = 0; i < await inert.count(); i++) await inert.nth(i).click();
    await page.waitForTimeout(300);
    assert.equal(page.url(), url, 'no navigation');
    assert.deepEqual([dialogs, popups], [[], []], 'no script ran, no window opened');
    assert.deepEqual(requests, [], 'the report made no network request');

    // A future escaping bug: an injected javascript: link, inline handler, image and fetch achieve nothing.
    await page.evaluate((b) => {
      document.body.insertAdjacentHTML('beforeend', `<a id="bug" href="javascript:window.ran=1">bug</a><img src="${b}/img" onerror="window.ran=2">`);
      void fetch(`${b}/fetch`).catch(() => {});
    }, base);
    await page.click('#bug');
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => (window as unknown as { ran?: number }).ran), undefined, 'injected script did not run');
    const blocked = await cspViolations(page);
    for (const d of ['script-src-elem', 'img-src', 'connect-src']) assert.ok(blocked.some((v) => v.startsWith(d)), `${d} blocked: ${blocked.join(' | ')}`);
    assert.deepEqual(beacon, [], 'the local server saw no request');
    assert.deepEqual(errors.filter((e) => !/Content Security Policy/.test(e)), [], 'no errors besides the blocked injections');
  } finally {
    await browser.close();
    server.close();
  }
});

test('the PDF links only web URLs', async () => {
  const pdf = join(dir, 'reports/influencers.pdf');
  const r = await printPdf(html, pdf, { title: 'Security check' });
  assert.deepEqual([r.blocked, r.consoleErrors], [[], []]);
  const uris = [...readFileSync(pdf).toString('latin1').matchAll(/\/URI\s*\(([^)]*)\)/g)].map((m) => m[1]);
  assert.ok(uris.includes(WEB), `the web URL is a link in the PDF (${uris.length} links)`);
  assert.deepEqual(uris.filter((u) => !/^https?:\/\//.test(u)), []);
});

test('the xlsx export: web URLs are hyperlinks, every other URL is plain text', async () => {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(await (await rankingWorkbook(model, { thumbs: new Map() })).xlsx.writeBuffer());
  const links: string[] = [];
  wb.eachSheet((ws) => ws.eachRow((row) => row.eachCell((c) => { if (c.type === ExcelJS.ValueType.Hyperlink) links.push((c.value as ExcelJS.CellHyperlinkValue).hyperlink); })));
  assert.ok(links.includes(WEB));
  assert.deepEqual(links.filter((h) => !/^https?:\/\//.test(h)), []);
  const rows = wb.getWorksheet('Rows')!;
  const urlCol = (rows.getRow(1).values as string[]).indexOf('URL');
  const cells = HOSTILE.map((_, i) => rows.getRow(i + 2).getCell(urlCol));
  assert.deepEqual(cells.map((c) => [c.type, c.value]), HOSTILE.map((u) => [ExcelJS.ValueType.String, u.trim()]));
});
