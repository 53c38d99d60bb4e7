// Benchmark: face extraction over the real replica (../shared/data/fuelgrowth), cold cache, through
// the real extract stage, both with the frames dedup's decode hands over (as the pipeline runs) and
// decoding itself; dedup's cost with and without writing those frames; ffmpeg decoding alone (the floor).
// Usage: ./run bench faces [--engine onnx|faceapi] [--detector yunet|ssd|tiny] [--close-ups true|false]  (defaults: params.yaml)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { extractJob, videoJob, type VideoInput } from '../pipeline/lib/faces/extract.ts';
import { VIDEOS_PER_WORKER_BATCH } from '../pipeline/lib/faces/pool.ts';
import { sampling } from '../pipeline/lib/faces/video.ts';
import { decodeFrameBatch } from '../pipeline/lib/frames/index.ts';
import { mapLimit } from '../pipeline/lib/run/index.ts';
import { readTable } from '../pipeline/lib/warehouse/index.ts';
import { stringify } from 'yaml';
import { replicaParams, runStage } from '../test/helpers/project.ts';

const { values } = parseArgs({ options: { engine: { type: 'string' }, detector: { type: 'string' }, 'close-ups': { type: 'string' } } });
const dir = mkdtempSync(join(tmpdir(), 'bench-faces-'));
const params = replicaParams(dir, (p) => {
  if (values.engine) p.faces.engine = values.engine;
  if (values.detector) p.faces.detector = values.detector;
  if (values['close-ups']) p.faces.close_ups = values['close-ups'] === 'true';
});
const timed = (stage: string, env?: Record<string, string>) => {
  const t = performance.now();
  runStage(stage, dir, env);
  return (performance.now() - t) / 1000;
};
runStage('ingest', dir);
// Dedup cold, twice: fingerprinting alone (no hand-off), then as the pipeline runs it, its decode also
// writing the frames extract samples (frames/handoff.ts), which extract then reads instead of decoding.
writeFileSync(join(dir, 'params-no-handoff.yaml'), stringify({ ...params, dedup: { ...params.dedup, extract_frames_mb: 0 } }));
const dedupAloneS = timed('dedup', { PARAMS_FILE: join(dir, 'params-no-handoff.yaml') });
rmSync(join(dir, 'data/cache/dedup'), { recursive: true });
const dedupS = timed('dedup');
const handedMb = JSON.parse(readFileSync(join(dir, 'data/logs/dedup.json'), 'utf8')).frames_handed_mb;
const videos = await readTable<VideoInput>(join(dir, 'data/processed/videos.parquet'));
console.log(`machine: ${cpus().length} × ${cpus()[0].model}; ${videos.length} distinct videos; ${params.faces.fps} frame/s, long side ${params.faces.long_side}, engine ${params.faces.engine}${params.faces.detector ? ` (${params.faces.detector})` : ''}${params.faces.close_ups ? ' + close-up pass' : ''}, ${params.faces.workers} workers`);

console.log(`dedup (cold): fingerprinting alone ${dedupAloneS.toFixed(1)} s; also writing extract's frames ${dedupS.toFixed(1)} s (${Math.round(handedMb)} MB)`);

// The floor: the frames extract samples, decoded much as its workers decode them (reference frames only,
// one thread, 4 videos per ffmpeg in list order, one ffmpeg per worker at a time), and nothing else.
const t0 = performance.now();
const job = extractJob(params.faces);
const batches: VideoInput[][] = [];
for (let i = 0; i < videos.length; i += VIDEOS_PER_WORKER_BATCH) batches.push(videos.slice(i, i + VIDEOS_PER_WORKER_BATCH));
const counts = await mapLimit(batches, params.faces.workers, async (batch) => {
  const plans = await Promise.all(batch.map((v) => sampling(videoJob(v, job))));
  let n = 0;
  for (const stream of decodeFrameBatch(batch.map((v, k) => ({ path: v.path, spec: plans[k].spec })))) for await (const _ of stream) n++;
  return n;
});
const decodeS = (performance.now() - t0) / 1000;
const frames = counts.reduce((a, b) => a + b, 0);
console.log(`ffmpeg decoding alone, as extract decodes: ${frames} frames in ${decodeS.toFixed(1)} s (${(frames / decodeS).toFixed(1)} frames/s)`);

const wall = timed('extract');
const log = JSON.parse(readFileSync(join(dir, 'data/logs/extract.json'), 'utf8'));
console.log(`extract (cold cache, frames of ${log.frames_from_dedup} videos from dedup's decode): ${log.frames} frames, ${log.faces} faces (${log.usable_faces} pass the gates), ${log.videos_with_face} videos with ≥ 1 usable face, wall ${wall.toFixed(1)} s, ${(log.frames / wall).toFixed(1)} frames/s`);
// The same extract decoding every video itself (the hand-off is gone once extract has run).
rmSync(join(dir, 'data/cache/extract'), { recursive: true });
rmSync(join(dir, 'data/faces'), { recursive: true });
const decodingS = timed('extract');
console.log(`extract (cold cache, decoding itself): wall ${decodingS.toFixed(1)} s; dedup + extract: ${(dedupS + wall).toFixed(1)} s with one decode, ${(dedupAloneS + decodingS).toFixed(1)} s with two`);
console.log(`rejected faces: ${JSON.stringify(log.rejected)}`);
// Time awaiting each net's runs (each worker thread's wall clock from call to result, summed; it includes
// what the event loop serves meanwhile, so it is an upper bound on the nets' own time).
const nets = Object.entries((log.net_runs ?? {}) as Record<string, { runs: number; seconds: number }>);
const inNets = nets.reduce((s, [, u]) => s + u.seconds, 0);
if (nets.length) console.log(`awaiting the nets: ${nets.map(([net, u]) => `${net} ${u.runs} runs ${u.seconds.toFixed(1)} s (${(1000 * u.seconds / u.runs).toFixed(1)} ms each)`).join(', ')}; ${inNets.toFixed(1)} s in all, ${(inNets / params.faces.workers).toFixed(1)} s of wall on ${params.faces.workers} workers`);
