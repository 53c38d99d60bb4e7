import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import ExcelJS from 'exceljs';
import { parseCsv, parseScore, readSheet, SheetError } from '../../pipeline/lib/sheet/index.ts';
import { FUELGROWTH, hasShared } from '../helpers/project.ts';

const tmp = mkdtempSync(join(tmpdir(), 'sheet-'));

test('the real assignment sheet: 268 rows, formulas read as their values, hyperlinks as URLs', { skip: !hasShared && 'needs ../shared' }, async () => {
  const s = await readSheet(join(FUELGROWTH, 'Assignment Data.xlsx'));
  assert.equal(s.rows.length, 268);
  assert.equal(s.urlColumn, 'Video URL');
  assert.equal(s.scoreColumn, 'Performance');
  assert.deepEqual(s.rows.map((r) => r.rowNumber), Array.from({ length: 268 }, (_, i) => i + 1));
  assert.ok(s.rows.every((r) => r.url.startsWith('https://fgimagestorage.blob.core.windows.net/facebook-assets/hd-')));
  assert.ok(s.rows.every((r) => parseScore(r.scoreText) !== null), 'every score, formula results included, is numeric');
  assert.equal(s.rows[0].scoreText, '1.106');
  assert.equal(s.rows[148].sheetRow, 150);
});

test('csv: headers match case-insensitively, other columns are kept, blank lines are not rows', async () => {
  const f = join(tmp, 'a.csv');
  writeFileSync(f, 'Campaign,URL,SCORE\n"Spring, 2026",https://x.test/v1,1.5\n\n,https://x.test/v2,"2,5"\n');
  const s = await readSheet(f);
  assert.equal(s.rows.length, 2);
  assert.equal(s.rows[0].cells.Campaign, 'Spring, 2026');
  assert.equal(s.rows[1].sheetRow, 4);
  assert.equal(parseScore(s.rows[1].scoreText), 2.5);
});

test('a missing column names the file and the columns it expected', async () => {
  const f = join(tmp, 'nourl.csv');
  writeFileSync(f, 'link2,Performance\nx,1\n');
  await assert.rejects(readSheet(f), (e: Error) => e instanceof SheetError && /nourl\.csv/.test(e.message) && /video url/.test(e.message) && /"link2"/.test(e.message));
  const g = join(tmp, 'noscore.xlsx');
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet('S').addRows([['Video URL', 'Views'], ['https://x.test/a', 3]]);
  await wb.xlsx.writeFile(g);
  await assert.rejects(readSheet(g), /noscore\.xlsx: missing a score column \(one of: performance/);
});

test('xlsx: the first sheet with a URL header is the data; formulas give their results', async () => {
  const f = join(tmp, 'multi.xlsx');
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet('Notes').addRow(['read me']);
  const ws = wb.addWorksheet('Data');
  ws.addRow(['performance', 'video url']);
  ws.addRow([{ formula: '1+1', result: 2 }, { text: 'clip', hyperlink: 'https://x.test/c' }]);
  await wb.xlsx.writeFile(f);
  const s = await readSheet(f);
  assert.equal(s.rows.length, 1);
  assert.equal(s.rows[0].url, 'https://x.test/c');
  assert.equal(s.rows[0].scoreText, '2');
});

test('scores as analysts write them', () => {
  const cases: [string, number | null][] = [
    ['1.5', 1.5], [' 3 ', 3], ['1,5', 1.5], ['1,234.5', 1234.5], ['12%', 0.12], ['-0.25', -0.25], ['1e3', 1000],
    ['', null], ['n/a', null], ['1.2.3', null], ['Infinity', null], ['NaN', null], ['12 points', null],
  ];
  for (const [text, want] of cases) assert.equal(parseScore(text), want, text);
});

test('csv parser: quotes, doubled quotes, CRLF and newlines inside quotes', () => {
  assert.deepEqual(parseCsv('a,b\r\n"x ""y""","1\n2"\r\n'), [['a', 'b'], ['x "y"', '1\n2']]);
});
