// The extract and embed stages on the demo sample (real face-api on real encoded video): videos
// without a face end no_face, people get tracks and embeddings, a corrupt video does not stop the run.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify, parse } from 'yaml';
import { readTable } from '../../pipeline/lib/warehouse/index.ts';
import { creditAllKinds, ROOT, runStage } from '../helpers/project.ts';

test('the whole pipeline on the sample: no_face rows, tracks, embeddings, people, corrupt video recorded', { timeout: 600_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'faces-stages-'));
  execFileSync('node', ['--import', import.meta.resolve('tsx'), join(ROOT, 'scripts/make-sample.ts'), '--out', join(dir, 'data/raw')], { stdio: 'ignore' });
  // A corrupt video: a real MP4's first 64 bytes (its header) followed by 50 kB of noise.
  const noise = Buffer.alloc(50_000, 0).map((_, i) => (i * 2654435761) >>> 24);
  writeFileSync(join(dir, 'data/raw/media/broken'), Buffer.concat([readFileSync(join(dir, 'data/raw/media/vid-01')).subarray(0, 64), noise]));
  appendFileSync(join(dir, 'data/raw/sample.csv'), 'https://cdn.example.invalid/campaign/broken,1.0\n');
  const params = parse(readFileSync(join(ROOT, 'params.yaml'), 'utf8'));
  creditAllKinds(params);
  writeFileSync(join(dir, 'params.yaml'), stringify(params));
  for (const s of ['ingest', 'dedup', 'extract', 'embed', 'cluster', 'aggregate']) runStage(s, dir);

  const truth = JSON.parse(readFileSync(join(dir, 'data/raw/sample.manifest.json'), 'utf8')).truth;
  const rows = await readTable<any>(join(dir, 'data/processed/rows.parquet'));
  assert.equal(rows.length, truth.counts.rows + 1, 'every row is in the ledger');
  const statusOf = (name: string) => rows.filter((r) => r.url.endsWith(`/${name}`)).map((r) => r.status);
  for (const v of truth.noFaceVideos) assert.deepEqual(statusOf(v), ['no_face'], `${v} has no face`);
  assert.deepEqual(statusOf('broken'), ['media_unavailable']);
  assert.match(rows.find((r) => r.url.endsWith('/broken')).reason, /not a playable video|could not be decoded/);

  // The extract log says where its time went: YuNet looked at every frame, SSD at some, the other nets ran.
  const extracted = JSON.parse(readFileSync(join(dir, 'data/logs/extract.json'), 'utf8'));
  // Every video's frames came from dedup's decode (frames/handoff.ts), and extract removed them after.
  const deduped = JSON.parse(readFileSync(join(dir, 'data/logs/dedup.json'), 'utf8'));
  assert.equal(deduped.frames_handed_over, deduped.fingerprinted, 'every media dedup decoded (duplicates too)');
  assert.equal(extracted.frames_from_dedup, extracted.decoded);
  assert.ok(!existsSync(join(dir, 'data/cache/frames')), 'no hand-off file is left');
  const nets = extracted.net_runs;
  assert.ok(nets.yunet.runs >= extracted.frames && nets.ssd.runs > 0 && nets.ssd.runs < nets.yunet.runs, JSON.stringify(nets));
  assert.ok(nets.landmark68.runs > 0 && nets.recognition.runs > 0 && Object.values<any>(nets).every((u) => u.seconds > 0), JSON.stringify(nets));

  const faces = await readTable<any>(join(dir, 'data/processed/faces.parquet'));
  const videos = await readTable<any>(join(dir, 'data/processed/videos.parquet'));
  const tracks = await readTable<any>(join(dir, 'data/processed/tracks.parquet'));
  const embeddings = await readTable<any>(join(dir, 'data/processed/embeddings.parquet'));
  const withFaces = new Set(videos.filter((v) => !truth.noFaceVideos.some((n: string) => rows.find((r) => r.video_id === v.video_id)?.url.endsWith(`/${n}`))).map((v) => v.video_id));
  for (const id of withFaces) assert.ok(tracks.some((t) => t.video_id === id), `video ${id} with people has a track`);
  assert.ok(embeddings.every((e) => e.vector.length === 128 && e.model.startsWith('face-api')));
  assert.ok(faces.filter((f) => f.gate === 'ok').every((f) => f.track_id && existsSync(join(dir, f.crop_path))), 'usable faces have a track and a crop');
  assert.ok(tracks.every((t) => t.screen_share > 0 && t.screen_share <= 1));

  // A person split across clusters in one run and joined in the next is a merge, not a renumbering.
  const strict = structuredClone(params);
  strict.cluster.threshold = 0.05;
  writeFileSync(join(dir, 'strict.yaml'), stringify(strict));
  runStage('cluster', dir, { PARAMS_FILE: join(dir, 'strict.yaml') });
  const split = await readTable<any>(join(dir, 'data/processed/influencers.parquet'));
  runStage('cluster', dir);
  const joined = await readTable<any>(join(dir, 'data/processed/influencers.parquet'));
  assert.ok(joined.length < split.length, `${split.length} clusters at a strict threshold, ${joined.length} after`);
  const events = await readTable<any>(join(dir, 'data/processed/registry_events.parquet'));
  const merges = events.filter((e) => e.event === 'merge');
  assert.ok(merges.length > 0, 'merges recorded');
  for (const m of merges) assert.ok(joined.some((p) => p.influencer_id === m.influencer_id), `surviving ID ${m.influencer_id} is a person`);
  assert.ok(joined.every((p) => split.some((q) => q.influencer_id === p.influencer_id)), 'no person was renumbered');

  // Rerun: every video comes from the cache, tables are byte-identical.
  const before = readFileSync(join(dir, 'data/processed/faces.parquet'));
  const log = runStage('extract', dir);
  assert.match(log, new RegExp(`\\(0 decoded, ${truth.counts.distinctVideos} cached`));
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'data/logs/extract.json'), 'utf8')).net_runs, {}, 'no net ran for cached videos');
  assert.deepEqual(readFileSync(join(dir, 'data/processed/faces.parquet')), before);

  // Decoding itself (the cache cleared, no hand-off left), extract finds the same faces as from dedup's frames.
  rmSync(join(dir, 'data/cache/extract'), { recursive: true });
  runStage('extract', dir);
  assert.equal(JSON.parse(readFileSync(join(dir, 'data/logs/extract.json'), 'utf8')).frames_from_dedup, 0);
  assert.deepEqual(readFileSync(join(dir, 'data/processed/faces.parquet')), before);
});
