// Face library benchmark, faceapi engine (the onnx engine's figures: bench/faces.ts): speed per frame (SSD vs tiny, with/without landmarks and descriptors) on real
// campaign video frames at ~640 px long side, pool throughput with 1 vs 2 workers, and how well
// descriptors separate people on labelled photos. Prints its figures.
//
//   npx tsx bench/faces-speed.ts [--parts speed,identity,pool] [--videos 8] [--frames-per-video 6]
//                                [--people 10] [--photos 5] [--long-side 640] [--json out.json]
import { createHash } from 'node:crypto';
import { cpus, availableParallelism, loadavg, totalmem } from 'node:os';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { decodeFrames, fitLongSide, probe, type Frame } from '../pipeline/lib/frames/index.ts';
import type { FaceApiEngine } from '../pipeline/lib/faces/faceapi/engine.ts';
import {
  createDetector, descriptorDistance, FacePool, type DetectOptions, type DetectedFace, type RgbFrame, type VideoJob,
} from '../pipeline/lib/faces/index.ts';

const { values: args } = parseArgs({
  options: {
    videos: { type: 'string', default: '8' },
    'frames-per-video': { type: 'string', default: '6' },
    people: { type: 'string', default: '10' },
    photos: { type: 'string', default: '5' },
    'long-side': { type: 'string', default: '640' },
    parts: { type: 'string', default: 'speed,identity,pool' },
    json: { type: 'string' },
  },
});
const PARTS = new Set(args.parts!.split(','));
const N_VIDEOS = Number(args.videos);
const FRAMES_PER_VIDEO = Number(args['frames-per-video']);
const LONG_SIDE = Number(args['long-side']);
const SHARED = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const MEDIA = SHARED + 'fuelgrowth/media/facebook-assets/';
const FACES = SHARED + 'faces/';

const log = (...a: unknown[]) => console.error('[bench]', ...a);
const r1 = (v: number) => Math.round(v * 10) / 10;
const r3 = (v: number) => Math.round(v * 1000) / 1000;
const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN);
const sd = (v: number[]) => { const m = mean(v); return Math.sqrt(mean(v.map((x) => (x - m) ** 2))); };
const median = (v: number[]) => { const s = [...v].sort((a, b) => a - b); return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : NaN; };

/** Distinct videos (by content hash), in name order. */
function distinctVideos(): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const f of readdirSync(MEDIA).sort()) {
    const h = createHash('sha256').update(readFileSync(MEDIA + f)).digest('hex');
    if (!seen.has(h)) { seen.add(h); out.push(MEDIA + f); }
  }
  return out;
}

const results: Record<string, unknown> = {
  machine: { cpu: cpus()[0]?.model, cores: availableParallelism(), memGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
};

if (!existsSync(MEDIA)) { console.error(`no media at ${MEDIA}`); process.exit(1); }
const videos = distinctVideos();
const chosen = videos.slice(0, N_VIDEOS);
log(`${videos.length} distinct videos; using ${chosen.length}`);

const det = await createDetector({ engine: 'faceapi' });
const { tf } = (det.engine as FaceApiEngine).runtime;
results.backend = det.engine.versions;

// ---- 1. ms/frame per configuration, in this thread (one single-threaded WASM backend) ----
if (PARTS.has('speed')) {
  const frames: Frame[] = [];
  for (const v of chosen) {
    const info = await probe(v);
    const size = fitLongSide(info.width, info.height, LONG_SIDE);
    for await (const f of decodeFrames(v, { fps: 1, ...size, pixFmt: 'rgb24', maxFrames: FRAMES_PER_VIDEO })) frames.push(f);
  }
  log(`${frames.length} frames of ${frames[0].width}x${frames[0].height}`);
  const configs: [string, DetectOptions][] = [
    ['ssd detect only', { detector: 'ssd', landmarks: false, descriptors: false }],
    ['ssd + landmarks', { detector: 'ssd', landmarks: true, descriptors: false }],
    ['ssd + landmarks + descriptors', { detector: 'ssd', descriptors: true }],
    ['tiny416 detect only', { detector: 'tiny', landmarks: false, descriptors: false }],
    ['tiny416 + landmarks', { detector: 'tiny', landmarks: true, descriptors: false }],
    ['tiny416 + landmarks + descriptors', { detector: 'tiny', descriptors: true }],
    ['tiny320 + landmarks + descriptors', { detector: 'tiny', tinyInputSize: 320, descriptors: true }],
  ];
  // Tensor building alone (what a frame costs before any model runs).
  {
    const t0 = performance.now();
    for (const f of frames) tf.tensor3d(new Uint8Array(f.data.buffer, f.data.byteOffset, f.data.length), [f.height, f.width, 3], 'int32').dispose();
    results.tensorBuildMsPerFrame = r1((performance.now() - t0) / frames.length);
  }
  const perFrame: Record<string, unknown>[] = [];
  const memBefore = tf.memory().numTensors;
  for (const [name, opts] of configs) {
    for (const f of frames.slice(0, 2)) await det.detect(f, opts); // warm-up
    const ms: number[] = [], msFace: number[] = [], msNone: number[] = [];
    let faces = 0;
    for (const f of frames) {
      const t0 = performance.now();
      const found = await det.detect(f, { ...opts, minScore: 0.5 });
      const dt = performance.now() - t0;
      ms.push(dt);
      (found.length ? msFace : msNone).push(dt);
      faces += found.length;
    }
    const row = {
      config: name, frames: frames.length, meanMs: r1(mean(ms)), medianMs: r1(median(ms)),
      framesWithFaces: msFace.length, meanMsWithFaces: r1(mean(msFace)), meanMsNoFace: r1(mean(msNone)), faces,
      // Rough cost of one more face (landmarks + descriptor work scale with faces).
      msPerFace: msFace.length ? r1((mean(msFace) - mean(msNone)) / (faces / msFace.length)) : null,
    };
    perFrame.push(row);
    log(JSON.stringify(row));
  }
  results.perFrame = perFrame;
  results.tensorLeak = tf.memory().numTensors - memBefore;
}

// ---- 2. identity: same-person vs different-person descriptor distances on labelled photos ----
/** pad: black border as a fraction of the width, for tight face crops (SSD misses faces that fill the image). */
async function identitySet(source: string, nPeople: number, nPhotos: number, pad = 0) {
  const manifest = readFileSync(FACES + 'MANIFEST.csv', 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const byPerson = new Map<string, string[]>();
  for (const [src, who, rel, kind] of manifest) {
    if (src !== source || kind !== 'photo' || who === '_group') continue;
    byPerson.set(who, [...(byPerson.get(who) ?? []), rel]);
  }
  const people = [...byPerson.keys()].sort().filter((p) => byPerson.get(p)!.length >= 2).slice(0, nPeople);
  const items: { who: string; d: Float32Array }[] = [];
  let photos = 0;
  for (const who of people) {
    for (const rel of byPerson.get(who)!.sort().slice(0, nPhotos)) {
      photos++;
      const meta = await sharp(FACES + rel).metadata();
      const p = Math.round((meta.width ?? 0) * pad);
      const { data, info } = await sharp(FACES + rel).removeAlpha().toColourspace('srgb')
        .extend({ top: p, bottom: p, left: p, right: p, background: { r: 0, g: 0, b: 0 } })
        .raw().toBuffer({ resolveWithObject: true });
      const frame: RgbFrame = { data, width: info.width, height: info.height, channels: info.channels };
      if (info.channels !== 3) continue;
      const found = await det.detect(frame, { detector: 'ssd', minScore: 0.3 });
      // The named person is centred in these photos.
      const c = (x: DetectedFace) => Math.hypot(x.box.x + x.box.w / 2 - frame.width / 2, x.box.y + x.box.h / 2 - frame.height / 2);
      const face = found.sort((a, b) => c(a) - c(b))[0];
      if (face?.descriptor) items.push({ who, d: face.descriptor });
    }
  }
  const same: number[] = [], diff: number[] = [];
  for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) {
    (items[i].who === items[j].who ? same : diff).push(descriptorDistance(items[i].d, items[j].d));
  }
  const at = (t: number) => ({ threshold: t, sameMatched: r3(same.filter((d) => d <= t).length / same.length), differentMatched: r3(diff.filter((d) => d <= t).length / diff.length) });
  // Rank-1: is each photo's nearest other photo the same person?
  let rank1 = 0;
  for (let i = 0; i < items.length; i++) {
    let best = -1, bd = Infinity;
    for (let j = 0; j < items.length; j++) if (j !== i) { const d = descriptorDistance(items[i].d, items[j].d); if (d < bd) { bd = d; best = j; } }
    if (best >= 0 && items[best].who === items[i].who) rank1++;
  }
  return {
    source, pad, people: people.length, photos, described: items.length,
    samePairs: same.length, differentPairs: diff.length,
    meanSame: r3(mean(same)), sdSame: r3(sd(same)), meanDifferent: r3(mean(diff)), sdDifferent: r3(sd(diff)),
    maxSame: r3(Math.max(...same)), minDifferent: r3(Math.min(...diff)),
    rank1: r3(rank1 / items.length),
    thresholds: [0.45, 0.5, 0.55, 0.6].map(at),
  };
}
if (PARTS.has('identity') && existsSync(FACES + 'MANIFEST.csv')) {
  const idn: unknown[] = [];
  idn.push(await identitySet('lfw', Number(args.people), Number(args.photos)));
  // 150x150 greyscale tight crops of TV characters: unpadded, SSD finds ~1 in 4; with a border, most.
  idn.push(await identitySet('faceapi_bbt', 8, 5, 0));
  idn.push(await identitySet('faceapi_bbt', 8, 5, 0.5));
  for (const x of idn) log(JSON.stringify(x));
  results.identity = idn;
}

// ---- 3. pool throughput: whole videos, 1 vs 2 workers ----
if (PARTS.has('pool')) {
  const pool: Record<string, unknown>[] = [];
  for (const detector of ['ssd', 'tiny'] as const) {
    const jobs: VideoJob[] = chosen.map((path) => ({ path, sampling: { fps: 1, longSide: LONG_SIDE }, detect: { detector, minScore: 0.5 } }));
    let reference: string | undefined;
    for (const workers of [1, 2]) {
      const t0 = performance.now();
      const p = new FacePool({ workers, engine: 'faceapi' });
      await p.ready();
      const startMs = performance.now() - t0;
      const t1 = performance.now();
      const cpu0 = process.cpuUsage();
      const out = await Promise.all(jobs.map((j) => p.run(j)));
      const wallS = (performance.now() - t1) / 1000;
      const cpu = process.cpuUsage(cpu0);
      // CPU seconds this process (all its threads, not ffmpeg) got per wall second: ~workers when the
      // machine is otherwise idle; less means something else competed for the cores.
      const coresUsed = (cpu.user + cpu.system) / 1e6 / wallS;
      await p.close();
      const nFrames = out.reduce((s, r) => s + r.frames.length, 0);
      const nFaces = out.reduce((s, r) => s + r.frames.reduce((a, f) => a + f.faces.length, 0), 0);
      const decodeS = out.reduce((s, r) => s + r.timing.decodeMs, 0) / 1000;
      // Same detections whatever the number of workers.
      const digest = createHash('sha256').update(JSON.stringify(out.map((r) => r.frames.map((f) => f.faces.map((x) => [x.box, x.score, Array.from(x.descriptor ?? [])]))))).digest('hex');
      reference ??= digest;
      const row = {
        detector: `${detector} + landmarks + descriptors`, workers, videos: jobs.length, frames: nFrames, faces: nFaces,
        startupS: r1(startMs / 1000), wallS: r1(wallS), framesPerS: r3(nFrames / wallS), decodeWaitS: r1(decodeS),
        coresUsed: r3(coresUsed), loadAvg1m: r1(loadavg()[0]),
        sameAsOneWorker: digest === reference,
      };
      pool.push(row);
      log(JSON.stringify(row));
    }
  }
  results.pool = pool;
}

console.log(JSON.stringify(results, null, 2));
if (args.json) writeFileSync(args.json, JSON.stringify(results, null, 2) + '\n');
