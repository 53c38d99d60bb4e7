// The per-video work of one distributed task: for the videos in a task file, exactly what the dedup
// stage (step "fingerprint") or the extract stage (step "faces") caches for them, written into the
// same content-addressed caches (data/cache/dedup/fingerprints, data/cache/extract) of the project
// it runs in, with the same params, so `dvc repro` afterwards finds them cached. A video already
// cached is skipped; every write is atomic (JsonCache), so a task killed midway and run again loses
// nothing. One face engine per worker thread for the whole task, not per video.
//
//   cd <project> && node --import tsx pipeline/distributed/unit.ts <task.json> [--workers N]
//   task.json: {"step": "fingerprint" | "faces", "videos": [{"sha256", "path", "duration_s", "video_id"}]}
//   (what pipeline/distributed/plan.ts lists). --workers: parallel videos (default faces.workers /
//   dedup.concurrency). Prints one JSON line: {"computed": n, "failed": [{sha256, reason}], "seconds": s}.
// Failures that are a property of the content are outcomes, as in the stages: a video that cannot be
// decoded is cached as such by detectAll; a fingerprint failure is not cached (dedup retries it and
// keeps the media as its own video). Anything else exits non-zero, for the scheduler to retry.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { JsonCache } from '../lib/cache/index.ts';
import { detectAll, extractJob, type CachedVideo } from '../lib/faces/extract.ts';
import { cachedFingerprints, FINGERPRINT_CACHE, fingerprintOptions, type Fingerprint } from '../lib/fingerprint/index.ts';
import { loadParams } from '../lib/run/index.ts';

/** One video of a task: its content hash (the cache key), where its media are, and what the stage also passes. */
export interface TaskVideo { sha256: string; path: string; duration_s?: number | null; video_id?: string; width?: number | null; height?: number | null }

export interface UnitResult { computed: number; failed: { sha256: string; reason: string }[]; seconds: number }

const { positionals: [taskFile], values: args } = parseArgs({ allowPositionals: true, options: { workers: { type: 'string' } } });
if (!taskFile) throw new Error('usage: unit.ts <task.json> [--workers N]');
const task = JSON.parse(readFileSync(taskFile, 'utf8')) as { step: 'fingerprint' | 'faces'; videos: TaskVideo[] };
const t0 = performance.now();

async function fingerprints(videos: TaskVideo[]): Promise<Omit<UnitResult, 'seconds'>> {
  const { dedup: p } = loadParams(['dedup']);
  const opts = fingerprintOptions(p);
  const cache = new JsonCache<Fingerprint>(FINGERPRINT_CACHE, opts);
  const { computed, failed } = await cachedFingerprints(videos.map((v) => ({ sha256: v.sha256, path: v.path, durationS: v.duration_s ?? 0 })),
    cache, opts, Number(args.workers ?? p.concurrency));
  return { computed, failed: failed.map((f) => ({ sha256: videos[f.index].sha256, reason: f.reason })) };
}

async function faces(videos: TaskVideo[]): Promise<Omit<UnitResult, 'seconds'>> {
  const { faces: p } = loadParams(['faces']);
  const job = extractJob(p);
  const cache = new JsonCache<CachedVideo>('data/cache/extract', job);
  const withIds = videos.map((v) => ({ ...v, video_id: v.video_id ?? v.sha256 }));
  const { byVideo, computed } = await detectAll(withIds, cache, job, { backend: p.backend, workers: Number(args.workers ?? p.workers) }, () => {});
  const failed = withIds.flatMap((v) => {
    const error = byVideo.get(v.video_id)!.error;
    return error ? [{ sha256: v.sha256, reason: error }] : [];
  });
  return { computed, failed };
}

const steps = { fingerprint: fingerprints, faces };
if (!(task.step in steps)) throw new Error(`${taskFile}: step must be one of ${Object.keys(steps).join(', ')}, got ${task.step}`);
const out = await steps[task.step](task.videos);
process.stdout.write(JSON.stringify({ ...out, seconds: (performance.now() - t0) / 1000 } satisfies UnitResult) + '\n');
