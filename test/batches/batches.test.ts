// Batches: several sheet files (input.sheets, globs) are one ledger in file-name order. Two batch
// files, the second added after a first `dvc repro`, give the same tables as one combined sheet
// except for the batch columns; the second run processes only the new batch's media; a URL posted
// again in a later batch is a duplicate, not an error.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { batchNames, listBatches, sheetSpecs } from '../../pipeline/lib/sheet/index.ts';
import { readTable } from '../../pipeline/lib/warehouse/index.ts';
import { makeTestVideo, runStage, scratchProject, type Scratch } from '../helpers/project.ts';

const SOURCES = ['testsrc', 'testsrc2', 'smptebars', 'rgbtestsrc', 'pal100bars'];
const url = (i: number) => `https://cdn.example.invalid/campaign/v${i}`;
const HEADER = 'Video URL,Performance,Note';
const BATCH1 = [`${url(1)},1.5,a`, `${url(2)},2.25,b`, `${url(9)},n/a,c`, `${url(3)},0.75,d`];
// v1 again (a repeated posting of batch 1's video), then two new videos.
const BATCH2 = [`${url(4)},4,e`, `${url(1)},2.5,f`, `${url(5)},1,g`];

function project(): Scratch {
  const p = scratchProject('infsel-batches-');
  mkdirSync(join(p.dir, 'data/raw'), { recursive: true });
  const media = join(p.dir, 'media');
  mkdirSync(media);
  SOURCES.forEach((s, i) => makeTestVideo(join(media, `v${i + 1}`), { source: s, seconds: 3 }));
  p.setParams((x) => { x.input.media_dir = 'media'; });
  return p;
}

const tables = ['ingest_rows', 'dedup_rows', 'videos', 'duplicate_groups', 'media'];
const BATCH_COLUMNS = ['batch', 'batch_row', 'source_file', 'sheet_row'];
async function snapshot(dir: string) {
  const out: Record<string, any[]> = {};
  for (const t of tables) {
    out[t] = (await readTable<any>(join(dir, `data/processed/${t}.parquet`)))
      .map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !BATCH_COLUMNS.includes(k))));
  }
  return out;
}

test('batch files are listed by file name (numbers as numbers), globs skip lock files, input.sheet still works', () => {
  const d = mkdtempSync(join(tmpdir(), 'infsel-batchlist-'));
  for (const f of ['batch-10.csv', 'batch-2.csv', 'batch-1.xlsx', '~$batch-3.xlsx', 'notes.txt']) writeFileSync(join(d, f), 'url,score\n');
  assert.deepEqual(listBatches([`${d}/*.csv`, `${d}/*.xlsx`]).map((f) => f.slice(d.length + 1)), ['batch-1.xlsx', 'batch-2.csv', 'batch-10.csv']);
  assert.deepEqual(listBatches([join(d, 'batch-2.csv'), `${d}/batch-*.csv`]).length, 2, 'a file named twice is one batch');
  assert.throws(() => listBatches([`${d}/*.tsv`]), /no input sheet/);
  assert.throws(() => listBatches([join(d, 'missing.csv')]), /not found/);
  assert.deepEqual(sheetSpecs({ sheet: 'a.csv', sheets: ['data/raw/*.csv'] }), ['a.csv'], 'input.sheet (one file) wins');
  assert.deepEqual(sheetSpecs({ sheets: ['data/raw/*.csv'] }), ['data/raw/*.csv']);
  assert.deepEqual(sheetSpecs({ sheets: 'x/*.xlsx' }), ['x/*.xlsx']);
  assert.deepEqual(batchNames(['a/x.csv', 'b/x.csv', 'c/y.csv']), ['a/x.csv', 'b/x.csv', 'y.csv']);
});

test('two batches (the second added later) = one combined sheet, except the batch columns; only new media processed', { timeout: 300_000 }, async () => {
  const t0 = performance.now();
  // Batches, through real DVC: the ingest stage depends on the folder holding the sheets.
  const a = project();
  writeFileSync(join(a.dir, 'data/raw/2024-01.csv'), [HEADER, ...BATCH1].join('\n') + '\n');
  a.run('dvc', ['repro', 'dedup']);
  assert.equal(a.log('ingest').hashed, 3);
  assert.equal(a.log('dedup').fingerprinted, 3);
  writeFileSync(join(a.dir, 'data/raw/2024-02.csv'), [HEADER, ...BATCH2].join('\n') + '\n');
  const second = a.run('dvc', ['repro', 'dedup']);
  assert.match(second, /Running stage 'ingest'/);
  const ing = a.log('ingest');
  assert.equal(ing.batches, 2);
  assert.equal(ing.rows, 7);
  assert.equal(ing.hashed, 2, 'only the new batch\u2019s media are hashed');
  assert.equal(ing.probed, 2, 'and probed');
  assert.equal(a.log('dedup').fingerprinted, 2, 'and fingerprinted');
  assert.deepEqual(ing.per_batch.map((b: any) => [b.batch, b.n_rows, b.first_row, b.last_row, b.ok, b.rejected, b.repeated_urls, b.new_media]),
    [['2024-01.csv', 4, 1, 4, 3, 1, 0, 3], ['2024-02.csv', 3, 5, 7, 3, 0, 1, 2]]);
  const batches = await readTable<any>(join(a.dir, 'data/processed/batches.parquet'));
  assert.deepEqual(batches.map((b) => b.batch), ['2024-01.csv', '2024-02.csv']);

  const rows = await readTable<any>(join(a.dir, 'data/processed/dedup_rows.parquet'));
  assert.deepEqual(rows.map((r) => [r.row_number, r.batch, r.batch_row, r.sheet_row]),
    [[1, '2024-01.csv', 1, 2], [2, '2024-01.csv', 2, 3], [3, '2024-01.csv', 3, 4], [4, '2024-01.csv', 4, 5],
      [5, '2024-02.csv', 1, 2], [6, '2024-02.csv', 2, 3], [7, '2024-02.csv', 3, 4]]);
  const repeat = rows.find((r) => r.row_number === 6);
  assert.equal(repeat.status, 'duplicate', 'a URL posted again in a later batch is a repeated posting');
  assert.match(repeat.reason, /duplicate of row 1/);
  assert.equal(repeat.video_id, rows[0].video_id);
  assert.equal(rows.find((r) => r.row_number === 3).status, 'rejected');
  assert.equal(JSON.parse(rows[0].extra).Note, 'a');

  // The same rows as one sheet, the old one-file param.
  const b = project();
  writeFileSync(join(b.dir, 'data/raw/combined.csv'), [HEADER, ...BATCH1, ...BATCH2].join('\n') + '\n');
  b.setParams((x) => { x.input.sheet = 'data/raw/combined.csv'; });
  runStage('ingest', b.dir);
  runStage('dedup', b.dir);
  assert.equal(b.log('ingest').batches, 1);
  const [sa, sb] = [await snapshot(a.dir), await snapshot(b.dir)];
  for (const t of tables) assert.deepEqual(sa[t], sb[t], `${t}: same as one combined sheet`);
  process.stderr.write(`batches test: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
});
