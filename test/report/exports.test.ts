// The report stage's spreadsheet exports on the demo warehouse: reports/influencers.xlsx opens with
// exceljs, has one sheet per section, one People row per person with numbers typed as numbers and
// a face image on each row; reports/influencers.csv reads back through DuckDB read_csv with the
// same values as influencer_stats.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import ExcelJS from 'exceljs';
import { memoryConnection, readTable } from '../../pipeline/lib/warehouse/index.ts';
import { runStage } from '../helpers/project.ts';
import { demoWarehouse, unrankOne } from './fixture.ts';

let dir = '';
let stats: any[] = [];

before(async () => {
  // A person seen only under a raised credit cut (derived from the run's appearances) stays unranked next to the ranked others.
  dir = demoWarehouse((p) => { p.report = { ...(p.report ?? {}), pdf: false }; });
  await unrankOne(dir);
  const t0 = performance.now();
  runStage('report', dir);
  process.stderr.write(`report stage (no PDF) with exports: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  stats = await readTable<any>(join(dir, 'data/processed/influencer_stats.parquet'));
}, { timeout: 600_000 });

after(() => { if (dir) process.stderr.write(`exports test folder: ${dir}\n`); });

test('influencers.xlsx: sheets per section, one row per person, numbers as numbers, a face per person row', async () => {
  const file = join(dir, 'reports/influencers.xlsx');
  assert.ok(existsSync(file));
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  assert.deepEqual(wb.worksheets.map((w) => w.name), ['People', 'Videos per person', 'Rows', 'Reliability', 'Corrections', 'Tracks per person']);

  const people = wb.getWorksheet('People')!;
  const header = (people.getRow(1).values as unknown[]).slice(1);
  assert.deepEqual(header, ['rank', 'face', 'person (stable ID)', 'name (people.yaml)', 'corrected by analyst', 'videos', 'postings', 'shrunken mean', 'raw mean', '95% interval low', '95% interval high', 'SD', 'reliability', 'seen in (videos)']);
  assert.equal(people.views[0]?.state, 'frozen', 'header frozen');
  assert.equal((people.views[0] as { ySplit?: number }).ySplit, 1);
  assert.equal(people.actualRowCount - 1, stats.length, 'one row per person');
  const col = (name: string) => header.indexOf(name) + 1;
  const ids = new Set<string>();
  let ranked = 0;
  for (let r = 2; r <= stats.length + 1; r++) {
    const row = people.getRow(r);
    const id = row.getCell(col('person (stable ID)')).value as string;
    ids.add(id);
    const s = stats.find((x) => x.influencer_id === id);
    assert.ok(s, `${id} is in influencer_stats`);
    assert.equal(row.getCell(col('videos')).type, ExcelJS.ValueType.Number);
    assert.equal(row.getCell(col('videos')).value, s.n_videos);
    if (s.rank !== null) {
      ranked++;
      for (const [h, k] of [['rank', 'rank'], ['shrunken mean', 'shrunken_mean'], ['raw mean', 'mean']] as const) {
        const c = row.getCell(col(h));
        assert.equal(c.type, ExcelJS.ValueType.Number, `${id} ${h} is a number`);
        assert.equal(c.value, s[k]);
      }
      assert.equal(row.getCell(col('shrunken mean')).numFmt, '0.000');
    } else assert.equal(row.getCell(col('rank')).type, ExcelJS.ValueType.Null, 'unranked: empty rank cell');
  }
  assert.equal(ids.size, stats.length);
  assert.ok(ranked > 0 && ranked < stats.length, 'ranked and unranked people both exported');
  // Ranked first, in rank order.
  const ranks = Array.from({ length: ranked }, (_, i) => people.getRow(i + 2).getCell(1).value);
  assert.deepEqual(ranks, [...ranks].sort((a, b) => Number(a) - Number(b)));

  const images = people.getImages();
  const imageRows = new Set(images.map((im) => Math.floor(im.range.tl.nativeRow)));
  for (let i = 0; i < stats.length; i++) assert.ok(imageRows.has(i + 1), `person row ${i + 2} has an image`);
  assert.equal(images.length, stats.length);
  for (const im of images) {
    assert.equal(Math.floor(im.range.tl.nativeCol), col('face') - 1, 'image in the face column');
    const media = wb.getImage(Number(im.imageId));
    assert.ok(media && (media.buffer as unknown as Buffer).length > 100, 'image has bytes');
  }

  const ledger = wb.getWorksheet('Rows')!;
  const rows = await readTable<any>(join(dir, 'data/processed/rows.parquet'));
  assert.equal(ledger.actualRowCount - 1, rows.length, 'one ledger row per input row');
  const lh = (ledger.getRow(1).values as unknown[]).slice(1);
  for (const h of ['row', 'batch', 'batch row', 'status', 'reason']) assert.ok(lh.includes(h), `ledger has ${h}`);
  assert.equal(ledger.getRow(2).getCell(lh.indexOf('row') + 1).type, ExcelJS.ValueType.Number);
  const statuses = new Set<string>();
  ledger.eachRow((r, n) => { if (n > 1) statuses.add(String(r.getCell(lh.indexOf('status') + 1).value)); });
  assert.deepEqual(statuses, new Set(rows.map((r) => r.status)));

  const videos = wb.getWorksheet('Videos per person')!;
  assert.ok(videos.actualRowCount > stats.length, 'videos listed per person');
  const rel = wb.getWorksheet('Reliability')!;
  const relRows = await readTable<any>(join(dir, 'data/processed/reliability.parquet'));
  assert.equal(rel.actualRowCount - 1, relRows.length);
});

test('influencers.csv reads back through DuckDB read_csv with the values of influencer_stats', async () => {
  const csv = join(dir, 'reports/influencers.csv');
  const conn = await memoryConnection();
  try {
    const back = (await conn.runAndReadAll(`SELECT * FROM read_csv('${csv.replaceAll("'", "''")}', header = true)`)).getRowObjectsJS()
      .map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]))) as any[];
    assert.equal(back.length, stats.length);
    const keys = ['influencer_id', 'rank', 'n_videos', 'n_postings', 'shrunken_mean', 'mean', 'ci_low', 'ci_high', 'sd', 'reliability'];
    for (const s of stats) {
      const b = back.find((x) => x.influencer_id === s.influencer_id);
      assert.ok(b, `${s.influencer_id} in the csv`);
      for (const k of keys) assert.deepEqual(b[k], s[k], `${s.influencer_id} ${k}`);
    }
  } finally {
    conn.closeSync();
  }
});
