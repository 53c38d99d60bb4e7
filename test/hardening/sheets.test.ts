// Hardening, sheets (issue 8, item 1): messy sheets give a complete ledger or a clear file-level
// error; every row ends in exactly one status and the counts add up to the input.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import ExcelJS from 'exceljs';
import type { JsonCache } from '../../pipeline/lib/cache/index.ts';
import { ingest } from '../../pipeline/lib/ledger/ingest.ts';
import { allowList, canonicalUrl, MediaResolver, probeCacheKey, type MediaProbe, type Resolved } from '../../pipeline/lib/media/index.ts';
import { parseScore, readSheet, SheetError } from '../../pipeline/lib/sheet/index.ts';
import { fixture, ledger, make, scratch, sheetOf, statusCounts } from './helpers.ts';
import { listenLocal } from '../helpers/http.ts';

const dir = scratch('sheets');
const clip = make.video(join(dir, 'clip.mp4'));
const other = make.video(join(dir, 'other.mp4'), { source: 'smptebars', seconds: 1 });

async function xlsx(name: string, build: (wb: ExcelJS.Workbook) => void): Promise<string> {
  const wb = new ExcelJS.Workbook();
  build(wb);
  const f = join(dir, name);
  await wb.xlsx.writeFile(f);
  return f;
}
const csv = (name: string, text: string | Buffer) => { const f = join(dir, name); writeFileSync(f, text); return f; };
const missingColumns = (file: string, what: RegExp) => (e: Error) =>
  e instanceof SheetError && e.message.includes(file.split('/').pop()!) && what.test(e.message) && /one of: video url, url/.test(e.message) && /one of: performance, score/.test(e.message);

test('empty files: an error naming the file and the expected columns, not a crash', async () => {
  for (const f of [csv('empty.csv', ''), csv('bom.csv', '\uFEFF'), csv('blank-lines.csv', '\n\n \n'), await xlsx('empty.xlsx', (wb) => wb.addWorksheet('S'))]) {
    await assert.rejects(readSheet(f), missingColumns(f, /missing a URL column .* and a score column .*empty file/), f);
  }
  await assert.rejects(readSheet(join(dir, 'nope.csv')), /nope\.csv/);
  await assert.rejects(readSheet(csv('sheet.xls', 'x')), /sheet\.xls: unsupported sheet type "\.xls"; expected \.xlsx or \.csv/);
  await assert.rejects(readSheet(csv('garbage.xlsx', 'not a zip')), /garbage\.xlsx: not a readable xlsx file/);
});

test('header only: zero rows, zero statuses', async () => {
  for (const f of [csv('header.csv', 'Video URL,Performance\n'), await xlsx('header.xlsx', (wb) => wb.addWorksheet('S').addRow(['url', 'score']))]) {
    const s = await readSheet(f);
    assert.equal(s.rows.length, 0);
    const { rows } = await ledger(s, fixture());
    assert.equal(rows.length, 0);
  }
});

test('a missing URL or score column names the file, the expected names and the columns found', async () => {
  const a = csv('no-url.csv', 'Link to video,Performance\nx,1\n');
  await assert.rejects(readSheet(a), (e: Error) => e instanceof SheetError && /^no-url\.csv: missing a URL column \(one of: video url, url, /.test(e.message)
    && !/score column/.test(e.message) && /found columns: "Link to video", "Performance"/.test(e.message) && e.message.includes(a));
  const b = await xlsx('no-score.xlsx', (wb) => wb.addWorksheet('S').addRows([['Video URL', 'Views'], ['https://x.test/a', 3]]));
  await assert.rejects(readSheet(b), (e: Error) => e instanceof SheetError && /no-score\.xlsx: missing a score column \(one of: performance, score/.test(e.message) && /"Views"/.test(e.message));
});

test('extra sheets: the first sheet with a URL and a score header is the data, wherever it is', async () => {
  const f = await xlsx('extra-sheets.xlsx', (wb) => {
    wb.addWorksheet('Read me').addRows([['This workbook holds the spring campaign'], ['Owner', 'Ana']]);
    wb.addWorksheet('Pivot').addRows([['Campaign', 'Total'], ['Spring', 10]]);
    wb.addWorksheet('Data').addRows([['video url', 'performance'], ['https://x.test/a', 1], ['https://x.test/b', 2]]);
    wb.addWorksheet('Old data').addRows([['video url', 'performance'], ['https://x.test/old', 9]]);
  });
  const s = await readSheet(f);
  assert.deepEqual(s.rows.map((r) => r.url), ['https://x.test/a', 'https://x.test/b']);
});

test('merged cells: a merged title banner above the header, merged group labels, a merged score', async () => {
  const f = await xlsx('merged.xlsx', (wb) => {
    const ws = wb.addWorksheet('Report');
    ws.addRow(['Spring campaign — results']);
    ws.mergeCells('A1:D1');
    ws.addRow([]);
    ws.addRow(['Campaign', 'Video URL', 'Performance', 'Note']);
    ws.addRow(['Spring', 'https://x.test/a', 1.5, 'same ad posted twice']);
    ws.addRow([null, 'https://x.test/b', null, null]);
    ws.addRow(['Summer', 'https://x.test/c', 3, null]);
    ws.mergeCells('A4:A5'); // group label over two rows
    ws.mergeCells('C4:C5'); // one score typed once for both postings
    ws.mergeCells('D4:D6');
  });
  const s = await readSheet(f);
  assert.deepEqual(s.rows.map((r) => [r.sheetRow, r.url, r.scoreText, r.cells.Campaign]), [
    [4, 'https://x.test/a', '1.5', 'Spring'],
    [5, 'https://x.test/b', '1.5', 'Spring'], // a merged cell reads as its value in every row it covers
    [6, 'https://x.test/c', '3', 'Summer'],
  ]);
  assert.equal(s.rows[2].cells.Note, 'same ad posted twice');
});

test('formulas: results are read; a formula with no saved result or an error value is a rejected row with the reason', async () => {
  const f = await xlsx('formulas.xlsx', (wb) => {
    const ws = wb.addWorksheet('S');
    ws.addRow(['Video URL', 'Performance', 'Clicks']);
    ws.addRow(['clip.mp4', { formula: 'C2/100', result: 0.42 }, 42]);
    ws.addRow(['other.mp4', { formula: 'C3/100' }, 7]); // written by a library, never opened in Excel: no cached value
    ws.addRow(['clip.mp4', { formula: 'C4/0', result: { error: '#DIV/0!' } }, 0]);
    ws.addRow([{ formula: 'HYPERLINK("other.mp4","watch")', result: 'watch' }, { sharedFormula: 'B2', result: 0.5 }, 50]);
    ws.addRow([{ formula: 'VLOOKUP(A1,Z:Z,1,0)', result: { error: '#N/A' } }, 1, 1]);
  });
  const s = await readSheet(f);
  assert.deepEqual(s.rows.map((r) => r.scoreText), ['0.42', '=C3/100', '#DIV/0!', '0.5', '1']);
  assert.equal(s.rows[3].url, 'other.mp4', 'HYPERLINK("…", "label") gives its target, not its label');
  const { rows } = await ledger(s, fixture({ baseDir: dir, allowedRoots: [dir] }));
  assert.deepEqual(rows.map((r) => [r.status, r.reason]), [
    ['ok', null],
    ['rejected', 'formula "=C3/100" has no saved result (open and save the sheet in a spreadsheet app)'],
    ['rejected', 'non-numeric score "#DIV/0!"'],
    ['ok', null],
    ['rejected', 'malformed URL: spreadsheet error "#N/A"'],
  ]);
});

test('scores with thousands separators, decimal commas, percent and currency signs, and text', async () => {
  const cases: [string, number | null][] = [
    ['1,234.5', 1234.5], ['1.234,5', 1234.5], ['1.234.567', 1234567], ['12%', 0.12], ['12,5 %', 0.125], ['1,5', 1.5],
    ['$3.50', 3.5], ['€2', 2], ['2 €', 2], ['-$1.25', -1.25], ['\u22120.5', -0.5], ['1\u202f234', 1234], ['+7', 7],
    ['n/a', null], ['high', null], ['1.2.3', null], ['12 points', null], ['%', null], ['$', null], ['--1', null], ['0x10', null],
  ];
  for (const [text, want] of cases) assert.equal(parseScore(text), want, JSON.stringify(text));

  // The same through a CSV with quoted cells and the ledger.
  const f = csv('scores.csv', 'url,score\n' + cases.map(([t]) => `clip.mp4,"${t}"`).join('\n') + '\nclip.mp4,\n');
  const s = await readSheet(f);
  const { rows } = await ledger(s, fixture({ baseDir: dir, allowedRoots: [dir] }));
  assert.equal(rows.length, cases.length + 1);
  rows.forEach((r, i) => {
    const want = i < cases.length ? cases[i][1] : null;
    assert.equal(r.performance, want, String(r.score_text));
    if (want === null) assert.match(String(r.reason), i < cases.length ? /^non-numeric score "/ : /^missing score$/);
  });
  const c = statusCounts(rows);
  assert.equal(c.ok + c.duplicate, cases.filter(([, v]) => v !== null).length);
  assert.equal(c.ok, 1, 'one video; the other scored postings of it are duplicates');
});

test('csv dialects: semicolons and tabs, UTF-16 and Windows-1252 files, duplicate header names', async () => {
  const semi = await readSheet(csv('semi.csv', 'Video URL;Performance;Campaign\nhttps://x.test/a;1,5;"Spring; 2026"\n'));
  assert.deepEqual([semi.rows[0].url, parseScore(semi.rows[0].scoreText), semi.rows[0].cells.Campaign], ['https://x.test/a', 1.5, 'Spring; 2026']);
  const tab = await readSheet(csv('tab.tsv', 'url\tscore\nhttps://x.test/a\t2\n'));
  assert.equal(tab.rows[0].scoreText, '2');
  const u16 = await readSheet(csv('excel-unicode.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('url\tscore\r\nhttps://x.test/é\t3\r\n', 'utf16le')])));
  assert.equal(u16.rows[0].url, 'https://x.test/é');
  const latin = await readSheet(csv('latin1.csv', Buffer.from('url,score,Campaña\nhttps://x.test/a,1,Año\n', 'latin1')));
  assert.equal(latin.rows[0].cells['Campaña'], 'Año');
  // Two columns with the same header: the first is the URL; the other is kept, not merged over it.
  const dup = await readSheet(csv('dup-header.csv', 'URL,Score,URL\nhttps://x.test/main,1,https://x.test/backup\n'));
  assert.equal(dup.rows[0].url, 'https://x.test/main');
  assert.deepEqual(dup.columns, ['URL', 'Score', 'URL (2)']);
  assert.equal(dup.rows[0].cells['URL (2)'], 'https://x.test/backup');
});

test('csv: a stray quote is an error naming the line, never silently swallowed rows', async () => {
  const f = csv('stray-quote.csv', 'url,score\nhttps://x.test/a,1\n"https://x.test/b,2\nhttps://x.test/c,3\n');
  await assert.rejects(readSheet(f), (e: Error) => e instanceof SheetError && /stray-quote\.csv: unterminated quoted field starting on line 3/.test(e.message));
  // A quote inside an unquoted field is an ordinary character (RFC 4180 leaves it to readers; spreadsheets keep it).
  const g = await readSheet(csv('inner-quote.csv', 'url,score\nhttps://x.test/a"b,1\nhttps://x.test/c,2\n'));
  assert.deepEqual(g.rows.map((r) => r.url), ['https://x.test/a"b', 'https://x.test/c']);
});

// --- duplicate URLs: one media, dedup groups them -----------------------------------------------
const hits: string[] = [];
const server = createServer((req, res) => {
  hits.push(req.url ?? '');
  const path = new URL(req.url ?? '/', 'http://h').pathname.toLowerCase().replace(/\/+$/, '');
  if (path === '/v/clip') { res.writeHead(200, { 'content-type': 'video/mp4' }); res.end(clipBytes); return; }
  res.writeHead(404); res.end();
});
let base = '';
let clipBytes: Buffer;
before(async () => {
  clipBytes = (await import('node:fs')).readFileSync(clip);
  ({ base } = await listenLocal(server));
});
after(() => { server.closeAllConnections(); server.close(); });

test('duplicate URLs (same, case, trailing slash, tracking parameters, fragment): one download per distinct request, one video', async () => {
  assert.equal(canonicalUrl('HTTPS://CDN.Example.COM:443/a/B?utm_source=x&id=1#frag'), 'https://cdn.example.com/a/B?id=1');
  const urls = [
    `${base}/v/clip`,
    `${base}/v/clip`, // exactly the same URL twice: a repeated posting
    ` ${base}/v/clip `, // the same with stray spaces
    `${base.replace('http:', 'HTTP:')}/v/clip`, // scheme (and host) case do not matter
    `${base}/v/clip?utm_source=fb&utm_medium=paid&fbclid=IwAR0abc`, // tracking parameters are dropped
    `${base}/v/clip?gclid=x&utm_campaign=spring#t=10`, // ... and so is the fragment
    `${base}/v/CLIP`, // path case may matter to a server: fetched, then deduplicated by content
    `${base}/v/clip/`, // trailing slash: the same
    `${base}/v/clip?version=2`, // a real query parameter is kept
  ];
  const fx = fixture();
  const { rows, videos } = await ledger(sheetOf(urls.map((u, i) => [u, String(i + 1)])), fx);
  assert.deepEqual(rows.map((r) => r.status), ['ok', ...Array(urls.length - 1).fill('duplicate')]);
  assert.ok(rows.slice(1).every((r) => r.reason === `duplicate of row 1 (${videos[0].video_id}, the same file)`));
  assert.equal(videos.length, 1);
  assert.equal(videos[0].n_postings, urls.length);
  assert.deepEqual(rows.map((r) => r.url), urls, 'the ledger keeps each URL as written');
  assert.deepEqual([...hits].sort(), ['/v/CLIP', '/v/clip', '/v/clip/', '/v/clip?version=2'], 'no tracking parameter is sent; equivalent URLs are fetched once');
  assert.equal(fx.resolver.counters.downloaded, 4);
});

// --- 10,000 rows ----------------------------------------------------------------------------------
test('10,000 rows (csv and xlsx): every row gets exactly one status, counts add up, fast', async () => {
  const names = ['clip.mp4', 'other.mp4', 'copy.mp4', 'missing.mp4', 'audio.m4a', ''];
  copyFileSync(clip, join(dir, 'copy.mp4'));
  make.audio(join(dir, 'audio.m4a'), 1);
  const scores = ['1.5', '2,5', '12%', 'n/a', '', '3'];
  const grid: string[][] = [];
  for (let i = 0; i < 10_000; i++) grid.push([names[i % names.length], scores[Math.floor(i / names.length) % scores.length], `note ${i}`]);
  const f = csv('big.csv', 'Video URL,Performance,Note\n' + grid.map((r) => r.join(',')).join('\n') + '\n');
  const g = await xlsx('big.xlsx', (wb) => wb.addWorksheet('S').addRows([['Video URL', 'Performance', 'Note'], ...grid]));

  for (const file of [f, g]) {
    const t0 = performance.now();
    const s = await readSheet(file);
    const tRead = performance.now() - t0;
    assert.equal(s.rows.length, 10_000);
    const fx = fixture({ baseDir: dir, allowedRoots: [dir] });
    const t1 = performance.now();
    const { rows, ingest: r } = await ledger(s, fx);
    const tLedger = performance.now() - t1;
    const c = statusCounts(rows);
    assert.equal(Object.values(c).reduce((a, b) => a + b, 0), 10_000);
    assert.deepEqual(rows.map((x) => x.row_number), Array.from({ length: 10_000 }, (_, i) => i + 1));
    assert.equal(c.ok, 2, 'two distinct playable videos (copy.mp4 is the same bytes as clip.mp4)');
    assert.equal(r.counters.hashed, 4, 'each file is hashed once, not once per row');
    assert.ok(c.rejected > 0 && c.media_unavailable > 0 && c.duplicate > 0, JSON.stringify(c));
    process.stderr.write(`# 10,000 rows ${file.endsWith('.csv') ? 'csv ' : 'xlsx'}: read ${tRead.toFixed(0)} ms, ingest+dedup ${tLedger.toFixed(0)} ms ${JSON.stringify(c)}\n`);
    assert.ok(tRead + tLedger < 5_000, `took ${(tRead + tLedger).toFixed(0)} ms`);
  }
});

test('10,000 rows with 5,000 distinct media: the ledger is built in linear time', async () => {
  // Media resolution and probing are stubbed (in memory); what is measured is the ledger itself.
  class Stub extends MediaResolver {
    override check() { return null; }
    override async resolve(url: string): Promise<Resolved> {
      const sha = createHash('sha256').update(url).digest('hex');
      return { ok: true, path: `/media/${sha}`, sha256: sha, bytes: 1000, origin: 'download' };
    }
  }
  const mem = new Map<string, MediaProbe>();
  const probes = { get: async (k: string) => mem.get(k), put: async (k: string, v: MediaProbe) => void mem.set(k, v) } as unknown as JsonCache<MediaProbe>;
  const sheet = sheetOf(Array.from({ length: 10_000 }, (_, i) => [`https://x.test/v/${i % 5000}`, String(i)]));
  for (let i = 0; i < 5000; i++) {
    const sha = createHash('sha256').update(`https://x.test/v/${i}`).digest('hex');
    mem.set(probeCacheKey(sha), { ok: true, formatName: 'mp4', durationS: 1, width: 2, height: 2, videoCodec: 'h264', fps: 1 });
  }
  const fx = fixture();
  const t0 = performance.now();
  const r = await ingest(sheet, new Stub({ baseDir: fx.store, allowedRoots: [fx.store], cacheDir: fx.store, download: { storeDir: fx.store, idleTimeoutMs: 1, totalTimeoutMs: 1, retries: 0, backoffMs: 0, maxBytes: 1, allow: allowList([]) } }), probes, 8);
  const ms = performance.now() - t0;
  assert.equal(r.rows.length, 10_000);
  assert.equal(r.media.length, 5000);
  assert.ok(r.media.every((m) => m.n_rows === 2 && m.bytes === 1000));
  process.stderr.write(`# 10,000 rows / 5,000 media: ingest ledger in ${ms.toFixed(0)} ms\n`);
  assert.ok(ms < 3000, `${ms.toFixed(0)} ms`);
});
