// Benchmark: dedup on the full real sheet (../shared/data/fuelgrowth).
// 1. ingest + dedup, cold cache then warm: wall time per stage, and dedup's fingerprinting alone.
// 2. Re-posts: `--sources` replica videos re-timed (×1.3 or ×1.2, so their cuts fall between sample
//    times, as real footage's do; see test/dedup/helpers.ts), each re-posted `--reposts` times (seeded:
//    trim 0.3–1.5 s, 540x960 or 480x854, 24/25/30 fps), grouped together with the 75 replica videos
//    by the pipeline's params: re-posts grouped with their original, missed, merged into another video.
// Usage: ./run bench dedup [--seed 1] [--sources 6] [--reposts 4]
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { JsonCache } from '../pipeline/lib/cache/index.ts';
import { groupVideos, type MediaItem } from '../pipeline/lib/dedup/index.ts';
import { fingerprintVideos, type Fingerprint } from '../pipeline/lib/fingerprint/index.ts';
import { probe } from '../pipeline/lib/frames/index.ts';
import { mapLimit } from '../pipeline/lib/run/index.ts';
import { mulberry32, pick, shuffle, uniform } from '../pipeline/lib/synth/index.ts';
import { readTable } from '../pipeline/lib/warehouse/index.ts';
import { fpOptions, opts, repost, retimed, type Repost } from '../test/dedup/helpers.ts';
import { replicaParams, runStage } from '../test/helpers/project.ts';

const { values: a } = parseArgs({ options: { seed: { type: 'string', default: '1' }, sources: { type: 'string', default: '6' }, reposts: { type: 'string', default: '4' } } });
const dir = mkdtempSync(join(tmpdir(), 'bench-dedup-'));
replicaParams(dir);

const time = (stage: string) => {
  const t0 = performance.now();
  const log = runStage(stage, dir).trim().split('\n').pop();
  return { ms: performance.now() - t0, log };
};
console.log(`machine: ${cpus().length} × ${cpus()[0].model}; sheet: 268 rows, 75 distinct media files`);
for (const run of ['cold', 'warm']) {
  const ingest = time('ingest');
  const dedup = time('dedup');
  console.log(`${run}: ingest ${(ingest.ms / 1000).toFixed(1)} s, dedup ${(dedup.ms / 1000).toFixed(1)} s, total ${((ingest.ms + dedup.ms) / 1000).toFixed(1)} s`);
  console.log(`  ${ingest.log}\n  ${dedup.log}`);
}

// Re-posts, grouped with the replica's videos (their fingerprints from the stage's cache).
const media = await readTable<{ sha256: string; path: string; first_row: number }>(join(dir, 'data/processed/media.parquet'));
const cache = new JsonCache<Fingerprint>(join(dir, 'data/cache/dedup/fingerprints'), fpOptions);
const rng = mulberry32(Number(a.seed));
const sources = shuffle(rng, media).slice(0, Number(a.sources)).map((m, k) => ({ m, speed: k % 2 ? 1.2 : 1.3 }));
const originals = await mapLimit(sources, 2, ({ m, speed }) => retimed(m.path, speed, join(dir, `${m.sha256.slice(0, 12)}-x${speed}.mp4`)));
const jobs = sources.flatMap((_, k) => Array.from({ length: Number(a.reposts) }, () => ({ k, r: {
  trimS: Math.round(uniform(rng, 0.3, 1.5) * 100) / 100, size: pick(rng, ['540x960', '480x854'] as const), fps: pick(rng, [24, 25, 30]),
} satisfies Repost })));
const reposts = await mapLimit(jobs, 2, ({ k, r }) => repost(originals[k], r));
const made = [...originals, ...reposts];
const prints = await fingerprintVideos(await mapLimit(made, 2, async (path) => ({ path, durationS: (await probe(path)).durationS })), fpOptions, 2);
const items: MediaItem[] = [
  ...await Promise.all(media.map(async (m) => ({ sha256: m.sha256, firstRow: m.first_row, fingerprint: (await cache.get(m.sha256)) ?? null }))),
  ...prints.map((p, i) => ({ sha256: made[i], firstRow: 1000 + i, fingerprint: p instanceof Error ? null : p })),
];
const groups = groupVideos(items, opts);
const canonicalOf = new Map(groups.flatMap((g) => g.members.map((m) => [m.sha256, g.sha256] as const)));
const count = (f: (canonical: string, i: number) => boolean) => reposts.filter((x, i) => f(canonicalOf.get(x)!, i)).length;
const grouped = count((c, i) => c === originals[jobs[i].k]);
const missed = count((c, i) => c === reposts[i]);
console.log(`${reposts.length} re-posts of ${sources.length} re-timed replica videos (seed ${a.seed}): grouped with their original ${grouped}, missed ${missed}, merged into another video ${reposts.length - grouped - missed}`);
console.log(`  ${originals.filter((o) => canonicalOf.get(o) !== o).length} re-timed originals merged into a replica video; replica: ${media.length} media → ${new Set(media.map((m) => canonicalOf.get(m.sha256))).size} videos`);
for (const [i, { k, r }] of jobs.entries()) if (canonicalOf.get(reposts[i]) !== originals[k]) console.log(`  not grouped: ${r.trimS} s, ${r.size}, ${r.fps} fps of ${sources[k].m.path}`);
