// The report stage on a warehouse made by the real stages from the demo sample (as `./run demo` makes it):
// the HTML opens from disk in headless Chromium with the network blocked, draws every chart under its
// Content-Security-Policy (nothing it needs is blocked), has one ranking row per person and content in
// every section; the PDF has a page per section and a non-blank first page; the contact sheet has a row
// per person. With the credit cut raised above one person's screen share (derived from the run's own
// appearances), that person is listed unranked after the ranked ones and their appearances as not credited.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { parse, stringify } from 'yaml';
import { SECTIONS } from '../../pipeline/lib/report/html.ts';
import { readTable } from '../../pipeline/lib/warehouse/index.ts';
import { ROOT, runStage, scratchProject } from '../helpers/project.ts';
import { copyProject, demoWarehouse, unrankOne } from './fixture.ts';
import { inChromium } from '../helpers/report-page.ts';

let dir = '';
let log = '';
let stageSeconds = 0;
const CHARTS = ['caterpillar', 'spread', 'funnel', 'reliability', 'duplicates'];

before(async () => {
  dir = demoWarehouse();
  const t0 = performance.now();
  log = runStage('report', dir);
  stageSeconds = (performance.now() - t0) / 1000;
  process.stderr.write(`report stage on the demo sample: ${stageSeconds.toFixed(1)} s\n${log}`);
}, { timeout: 600_000 });

after(() => { if (dir) process.stderr.write(`report test folder: ${dir}\n`); });

test('the report stage writes the HTML, the PDF and the contact sheet, and says so in one line', () => {
  for (const f of ['reports/index.html', 'reports/influencers.pdf', 'reports/contact-sheet.jpg']) assert.ok(existsSync(join(dir, f)), `${f} written`);
  assert.match(log, /^report: \d+ people \(\d+ ranked\).*reports\/influencers\.pdf \d+ pages/m);
  const counters = JSON.parse(readFileSync(join(dir, 'data/logs/report.json'), 'utf8'));
  assert.equal(counters.blocked_requests, 0);
  assert.equal(counters.console_errors, 0);
  assert.equal(counters.missing_crops, 0);
});

test('the HTML is self-contained: no external scripts, styles or images; libraries and specs inline', () => {
  const html = readFileSync(join(dir, 'reports/index.html'), 'utf8');
  assert.doesNotMatch(html, /<script[^>]*\ssrc=/i, 'no script src');
  assert.doesNotMatch(html, /<link[^>]*stylesheet/i, 'no external stylesheet');
  const body = html.slice(0, html.indexOf('<script data-lib=')); // the document before the inlined libraries
  const imgs = [...body.matchAll(/<img[^>]*\ssrc="([^"]*)"/g)].map((m) => m[1]);
  assert.ok(imgs.length > 0 && imgs.every((src) => src.startsWith('data:image/')), 'images are data URIs');
  for (const lib of ['vega', 'vega-lite', 'vega-embed']) assert.match(html, new RegExp(`<script data-lib="${lib}@`), `${lib} inlined`);
  for (const [id] of SECTIONS) assert.match(html, new RegExp(`<section id="${id}">`), `section ${id}`);
  assert.match(html, /data version<\/td><td><code title="sha256 of the sheet">[0-9a-f]{64}<\/code>/);
  // No network at all, even through a future escaping bug: only the report's own scripts (by hash) run.
  assert.match(html, /<head><meta charset="utf-8">\n<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src ('sha256-[^']+' ?){4}; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">/);
});

/** Rows of the table of people seen but not credited (absent when there are none). */
const uncreditedRows = (page: Page) => page.$$eval('#not-credited table', (ts) => ts
  .filter((t) => [...t.querySelectorAll('thead th')].map((th) => th.textContent).join('|').startsWith('face|person|video'))
  .reduce((n, t) => n + t.querySelectorAll('tbody tr').length, 0));

test('in Chromium, offline: every section has content, one ranking row per person, every chart drawn, no errors, no requests', async () => {
  const people = await readTable<{ influencer_id: string }>(join(dir, 'data/processed/influencers.parquet'));
  const stats = await readTable<{ influencer_id: string; rank: number | null; ci_low: number | null }>(join(dir, 'data/processed/influencer_stats.parquet'));
  const appearances = await readTable<{ credited: boolean }>(join(dir, 'data/processed/appearances.parquet'));
  await inChromium(join(dir, 'reports/index.html'), async (page) => {
    // Every section shows data (table rows, charts, images or the params), not only a heading and "none" notes.
    const sections = await page.$$eval('section', (ss) => ss.map((s) => ({
      id: s.id, text: (s as HTMLElement).innerText.length,
      data: s.querySelectorAll('tbody tr, svg, img, pre').length,
      rows: s.querySelectorAll('tbody tr').length,
    })));
    assert.deepEqual(sections.map((x) => x.id), SECTIONS.map(([id]) => id));
    for (const x of sections) assert.ok(x.data > 0 && x.text > 80, `section ${x.id} has content (${x.data} rows/charts/images, ${x.text} characters)`);
    // What each section is for: ranked people with intervals; the quality gates' examples; reposts; rejected rows; registry events.
    const ranked = stats.filter((s) => s.rank !== null).sort((a, b) => a.rank! - b.rank!).map((s) => s.influencer_id);
    assert.ok(ranked.length >= 5 && stats.every((s) => s.rank !== null && s.ci_low !== null), 'five or more people, every one ranked with an interval');
    assert.equal(await page.$$eval('#ranking table.ranking td .ci:not(.muted)', (els) => els.length), ranked.length, 'an interval in every ranking row');
    const callout = await page.$eval('header .callout', (el) => (el as HTMLElement).innerText);
    assert.equal(callout.match(/ICC\(1\) -?\d\.\d\d \(95% interval/g)?.length, 2, `both reliabilities with their intervals: ${callout}`);
    assert.ok(await page.$$eval('#not-credited table img.face', (els) => els.length) > 0, 'quality-gate examples');
    assert.ok(await page.$$eval('#duplicates table tbody tr', (els) => els.length) >= 3, 'reposted videos');
    const ledger = await page.$eval('#ledger', (el) => (el as HTMLElement).innerText);
    for (const status of ['rejected', 'no_face', 'duplicate']) assert.match(ledger, new RegExp(`\\b${status}\\b`), `ledger shows ${status} rows`);

    const rows = await page.$$eval('#ranking table.ranking tbody tr', (trs) => trs.map((tr) => tr.id.replace(/^rank-/, '')));
    assert.deepEqual([...rows].sort(), people.map((p) => p.influencer_id).sort(), 'one ranking row per person');
    assert.deepEqual(rows.slice(0, ranked.length), ranked, 'ranked people first, in rank order');

    const charts = await page.$$eval('.chart[data-chart]', (els) => els.map((el) => ({
      id: (el as HTMLElement).dataset.chart, rendered: (el as HTMLElement).dataset.rendered,
      svg: el.querySelectorAll('svg').length, marks: el.querySelectorAll('svg .role-mark > *').length,
    })));
    assert.deepEqual(charts.map((c) => c.id).sort(), [...CHARTS].sort());
    for (const c of charts) {
      assert.equal(c.rendered, 'true', `${c.id} rendered`);
      assert.ok(c.svg === 1 && c.marks > 0, `${c.id}: an SVG with marks (${c.marks})`);
    }
    // Every person has a gallery with face images that decoded.
    const gallery = await page.$$eval('#gallery article.person', (as) => as.map((a) => ({ id: a.id, faces: a.querySelectorAll('img.face').length })));
    assert.equal(gallery.length, people.length);
    assert.ok(gallery.every((g) => g.faces > 0), 'every person shows faces');
    const broken = await page.$$eval('img', (imgs) => imgs.filter((i) => !(i as HTMLImageElement).complete || (i as HTMLImageElement).naturalWidth === 0).length);
    assert.equal(broken, 0, 'every image decoded');
    assert.equal(await uncreditedRows(page), appearances.filter((a) => !a.credited).length);
    // The link from a ranking row leads to that person's videos.
    const target = await page.$eval('#ranking tbody tr td:last-child a', (a) => (a as HTMLAnchorElement).hash);
    assert.equal(await page.$$eval(`${target} table.videos tbody tr`, (trs) => trs.length) > 0, true);
    await page.screenshot({ path: join(dir, 'reports/screenshot.png'), fullPage: true });
  });
  assert.ok(existsSync(join(dir, 'reports/screenshot.png')));
});

test('a person seen under the credit cut: listed unranked after the ranked people, their appearances as not credited', { timeout: 300_000 }, async () => {
  const copy = copyProject(dir);
  try {
    const { cut, person } = await unrankOne(copy);
    const params = parse(readFileSync(join(copy, 'params.yaml'), 'utf8'));
    params.report.pdf = false;
    writeFileSync(join(copy, 'params.yaml'), stringify(params));
    runStage('report', copy);
    const stats = await readTable<{ influencer_id: string; rank: number | null }>(join(copy, 'data/processed/influencer_stats.parquet'));
    const appearances = await readTable<{ influencer_id: string; credited: boolean; screen_share: number }>(join(copy, 'data/processed/appearances.parquet'));
    assert.equal(stats.find((s) => s.influencer_id === person)?.rank, null, `${person} (largest screen share under ${cut.toFixed(4)}) is not ranked`);
    assert.ok(appearances.filter((a) => a.influencer_id === person).every((a) => !a.credited && a.screen_share < cut));
    const ranked = stats.filter((s) => s.rank !== null).sort((a, b) => a.rank! - b.rank!).map((s) => s.influencer_id);
    assert.ok(ranked.length >= 1 && ranked.length < stats.length, 'ranked and unranked people');
    await inChromium(join(copy, 'reports/index.html'), async (page) => {
      const rows = await page.$$eval('#ranking table.ranking tbody tr', (trs) => trs.map((tr) => ({ id: tr.id.replace(/^rank-/, ''), unranked: tr.classList.contains('unranked') })));
      assert.deepEqual(rows.slice(0, ranked.length).map((r) => r.id), ranked, 'ranked people first, in rank order');
      assert.deepEqual(rows.filter((r) => r.unranked).map((r) => r.id), stats.filter((s) => s.rank === null).map((s) => s.influencer_id).sort(), 'then the unranked');
      assert.equal(await uncreditedRows(page), appearances.filter((a) => !a.credited).length, 'every appearance under the cut is listed');
      assert.match(await page.$eval('#not-credited', (el) => (el as HTMLElement).innerText), /below the credit cut/);
      assert.equal(await page.$$eval(`#person-${person} img.face`, (els) => els.length) > 0, true, 'the unranked person still has a gallery');
    });
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
});

test('the PDF has at least one page per section and a first page that is not blank', async () => {
  const pdf = join(dir, 'reports/influencers.pdf');
  const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }))?.[1]);
  assert.ok(pages >= SECTIONS.length, `${pages} pages for ${SECTIONS.length} sections`);
  execFileSync('pdftoppm', ['-f', '1', '-l', '1', '-r', '50', '-png', '-singlefile', pdf, join(dir, 'reports/page1')]);
  const { channels } = await sharp(join(dir, 'reports/page1.png')).stats();
  const sd = Math.max(...channels.slice(0, 3).map((c) => c.stdev));
  assert.ok(sd > 10, `page 1 has content (pixel SD ${sd.toFixed(1)})`);
  // The thumbnails made it into the print: page 1 holds the ranking table, with coloured faces on it.
  const { data, info } = await sharp(join(dir, 'reports/page1.png')).raw().toBuffer({ resolveWithObject: true });
  let coloured = 0;
  for (let i = 0; i < data.length; i += info.channels) if (Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]) > 40) coloured++;
  assert.ok(coloured > 200, `page 1 shows colour images (${coloured} px)`);
});

test('the contact sheet has one row of faces per person', async () => {
  const people = await readTable<{ influencer_id: string }>(join(dir, 'data/processed/influencers.parquet'));
  const meta = await sharp(join(dir, 'reports/contact-sheet.jpg')).metadata();
  const counters = JSON.parse(readFileSync(join(dir, 'data/logs/report.json'), 'utf8'));
  assert.equal(meta.height, people.length * (96 + 8), 'rows of 96 px faces with 4 px gaps');
  assert.equal(counters.contact_sheet.height, meta.height);
  assert.ok(counters.contact_sheet.faces >= people.length);
  const { channels } = await sharp(join(dir, 'reports/contact-sheet.jpg')).stats();
  assert.ok(channels[0].stdev > 20, 'not blank');
});

test('dvc repro runs the report stage as dvc.yaml declares it and writes its three outputs', { skip: !existsSync(join(ROOT, '.venv/bin/dvc')) && 'no DVC venv (./run setup)' }, () => {
  const s = scratchProject('report-dvc-');
  cpSync(join(dir, 'data'), join(s.dir, 'data'), { recursive: true });
  cpSync(join(dir, 'params.yaml'), join(s.dir, 'params.yaml'));
  const out = s.run('dvc', ['repro', '--single-item', 'report']);
  assert.match(out, /Running stage 'report'/);
  for (const f of ['reports/index.html', 'reports/influencers.pdf', 'reports/contact-sheet.jpg']) assert.ok(existsSync(join(s.dir, f)), `${f} written by dvc repro`);
  assert.match(s.run('dvc', ['status', 'report']), /up to date/);
  const lock = readFileSync(join(s.dir, 'dvc.lock'), 'utf8');
  for (const p of ['report:', 'people:', 'reports/influencers.pdf']) assert.ok(lock.includes(p), `dvc.lock records ${p}`);
});
