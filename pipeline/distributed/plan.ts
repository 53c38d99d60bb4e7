// The per-video work a distributed run hands out, read from the tables the stages wrote: step
// "fingerprint" lists the playable media (what dedup fingerprints, from ingest's media table), step
// "faces" the distinct videos (what extract detects, from dedup's videos table).
//
//   cd <project> && node --import tsx pipeline/distributed/plan.ts fingerprint|faces   → JSON array on stdout
import { mediaSchema, videosSchema } from '../lib/ledger/schema.ts';
import { parquetPath, readTable } from '../lib/warehouse/index.ts';
import type { TaskVideo } from './unit.ts';

const step = process.argv[2];
let videos: TaskVideo[];
if (step === 'fingerprint') {
  const media = await readTable<TaskVideo & { playable: boolean }>(parquetPath(mediaSchema.name));
  videos = media.filter((m) => m.playable).map(({ sha256, path, duration_s }) => ({ sha256, path, duration_s }));
} else if (step === 'faces') {
  videos = (await readTable<TaskVideo>(parquetPath(videosSchema.name))).map(({ sha256, path, video_id, width, height, duration_s }) => ({ sha256, path, video_id, width, height, duration_s }));
} else {
  throw new Error(`usage: plan.ts fingerprint|faces (got ${step})`);
}
process.stdout.write(JSON.stringify(videos) + '\n');
