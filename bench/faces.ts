// Benchmark: face extraction over the real replica (../shared/data/fuelgrowth), cold cache, through
// the real extract stage, and ffmpeg decoding alone (the floor).
// Usage: ./run bench faces [--engine onnx|faceapi] [--detector yunet|ssd|tiny] [--close-ups true|false]  (defaults: params.yaml)
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeFrames, fitLongSide, probe } from '../pipeline/lib/frames/index.ts';
import { mapLimit } from '../pipeline/lib/run/index.ts';
import { readTable } from '../pipeline/lib/warehouse/index.ts';
import { replicaParams, runStage } from '../test/helpers/project.ts';

const { values } = parseArgs({ options: { engine: { type: 'string' }, detector: { type: 'string' }, 'close-ups': { type: 'string' } } });
const dir = mkdtempSync(join(tmpdir(), 'bench-faces-'));
const params = replicaParams(dir, (p) => {
  if (values.engine) p.faces.engine = values.engine;
  if (values.detector) p.faces.detector = values.detector;
  if (values['close-ups']) p.faces.close_ups = values['close-ups'] === 'true';
});
runStage('ingest', dir);
runStage('dedup', dir);
const videos = await readTable<{ path: string }>(join(dir, 'data/processed/videos.parquet'));
console.log(`machine: ${cpus().length} × ${cpus()[0].model}; ${videos.length} distinct videos; ${params.faces.fps} frame/s, long side ${params.faces.long_side}, engine ${params.faces.engine}${params.faces.detector ? ` (${params.faces.detector})` : ''}${params.faces.close_ups ? ' + close-up pass' : ''}, ${params.faces.workers} workers`);

let t0 = performance.now();
const counts = await mapLimit(videos, params.faces.workers, async (v) => {
  const info = await probe(v.path);
  let n = 0;
  for await (const _ of decodeFrames(v.path, { fps: params.faces.fps, ...fitLongSide(info.width, info.height, params.faces.long_side), pixFmt: 'rgb24' })) n++;
  return n;
});
const decodeS = (performance.now() - t0) / 1000;
const frames = counts.reduce((a, b) => a + b, 0);
console.log(`ffmpeg decoding alone: ${frames} frames in ${decodeS.toFixed(1)} s (${(frames / decodeS).toFixed(1)} frames/s)`);

t0 = performance.now();
runStage('extract', dir);
const wall = (performance.now() - t0) / 1000;
const log = JSON.parse(readFileSync(join(dir, 'data/logs/extract.json'), 'utf8'));
console.log(`extract (cold cache): ${log.frames} frames, ${log.faces} faces (${log.usable_faces} pass the gates), ${log.videos_with_face} videos with ≥ 1 usable face, wall ${wall.toFixed(1)} s, ${(log.frames / wall).toFixed(1)} frames/s`);
console.log(`rejected faces: ${JSON.stringify(log.rejected)}`);
