// End to end through real DVC on the real assignment sheet and media (../shared): nothing lost,
// byte-identical postings share a video, no-op rerun, and appending rows processes only new media.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readSheet } from '../../pipeline/lib/sheet/index.ts';
import { readTable } from '../../pipeline/lib/warehouse/index.ts';
import { FUELGROWTH, hasShared, scratchProject } from '../helpers/project.ts';

test('real sheet through dvc repro: ingest + dedup, no-op rerun, incremental append', { skip: !hasShared && 'needs ../shared', timeout: 600_000 }, async () => {
  const p = scratchProject();
  const media = join(p.dir, 'media');
  mkdirSync(media);
  const shared = join(FUELGROWTH, 'media/facebook-assets');
  for (const f of readdirSync(shared)) symlinkSync(join(shared, f), join(media, f));
  const sheet = await readSheet(join(FUELGROWTH, 'Assignment Data.xlsx'));
  mkdirSync(join(p.dir, 'data/raw'), { recursive: true });
  writeFileSync(join(p.dir, 'data/raw/sheet.csv'), 'Video URL,Performance\n' + sheet.rows.map((r) => `${r.url},${r.scoreText}`).join('\n') + '\n');
  p.setParams((x) => { x.input.sheet = 'data/raw/sheet.csv'; x.input.media_dir = 'media'; });

  p.run('dvc', ['repro', 'dedup']);
  const rows = await readTable<any>(join(p.dir, 'data/processed/dedup_rows.parquet'));
  const videos = await readTable<any>(join(p.dir, 'data/processed/videos.parquet'));
  assert.equal(rows.length, 268, 'every input row is in rows');
  assert.deepEqual(new Set(rows.map((r) => r.status)), new Set(['ok', 'duplicate']));
  assert.equal(rows.filter((r) => r.status === 'ok').length, videos.length, 'one ok row (the first posting) per video');
  // Byte-identical postings share a video.
  const videoOfHash = new Map<string, string>();
  for (const r of rows) {
    const v = videoOfHash.get(r.media_sha256);
    if (v) assert.equal(r.video_id, v);
    else videoOfHash.set(r.media_sha256, r.video_id);
  }
  assert.equal(videoOfHash.size, 75, '75 byte-distinct media');
  const perHash = new Map<string, number>();
  for (const r of rows) perHash.set(r.media_sha256, (perHash.get(r.media_sha256) ?? 0) + 1);
  assert.equal(Math.max(...perHash.values()), 88, 'one file is posted under 88 URLs');
  // 4 media are re-encodes of another (pixel-identical frames), so 71 videos; the same footage
  // with another price on its end card stays a different video.
  assert.equal(videos.length, 71);
  const vid = (blob: string) => rows.find((r) => r.url.endsWith(blob)).video_id;
  assert.equal(vid('hd-999607261342550'), vid('hd-938232524809973'), '14 s and 16 s cuts of one video');
  assert.notEqual(vid('hd-964733417506862'), vid('hd-906506897404894'), 'price variant is another ad');
  const scoreOf = (id: string) => rows.filter((r) => r.video_id === id).map((r) => r.performance);
  for (const v of videos) {
    const s = scoreOf(v.video_id);
    assert.ok(Math.abs(v.score - s.reduce((a: number, b: number) => a + b, 0) / s.length) < 1e-12, 'video score = mean of its postings');
  }

  // Nothing changed: no stage runs.
  const second = p.run('dvc', ['repro', 'dedup']);
  assert.doesNotMatch(second, /Running stage/);

  // Three new videos appended: only they are hashed, probed and fingerprinted.
  const fresh = ['hd-999607261342550', 'hd-929300948587514', 'hd-894559812351386'];
  fresh.forEach((src, i) => execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', join(shared, src), '-vf', 'negate,hflip', '-c:v', 'libx264', '-f', 'mp4', join(media, `new-${i}`)]));
  appendFileSync(join(p.dir, 'data/raw/sheet.csv'), fresh.map((_, i) => `https://cdn.example.invalid/x/new-${i},${i + 1}.5`).join('\n') + '\n');
  const third = p.run('dvc', ['repro', 'dedup']);
  assert.match(third, /Running stage 'ingest'/);
  const ing = p.log('ingest');
  const ded = p.log('dedup');
  assert.equal(ing.rows, 271);
  assert.equal(ing.hashed, 3);
  assert.equal(ing.probed, 3);
  assert.equal(ded.fingerprinted, 3);
  assert.equal(ded.videos, 74);
});
