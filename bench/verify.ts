// Benchmark: face verification accuracy of the face library's 128-d descriptors, in every descriptor mode,
// on the labelled photos in ../shared/data/faces, LFW-style. Prints its figures, one per line.
//
//   npx tsx bench/verify.ts [--engine onnx|faceapi] [--modes flip,aligned,faceapi] [--workers N] [--min-score 0.5] [--seed 1]
//                           [--sources lfw,faceapi_bbt,face_recognition,openface] [--no-pad] [--cache FILE] [--json out.json]
//
// Protocol (source `lfw`, 62 people × 20 photos; the files are LFW's 150x150 centre crops, not the 250x250
// originals, so the named person's face fills about half the picture and is often cut at the edges):
// - One face per photo: SSD detections with score ≥ --min-score (the pipeline's default 0.5), the one whose
//   box centre is nearest the image centre (background faces are common in LFW). SSD often misses the big
//   centred face in these crops (finding nothing, or only a background face), so when no confident face is
//   within 0.2 × side of the centre the photo is detected again inside a grey border (half the side on each
//   side) and that pass is used if it finds a centred face. --no-pad shows the figures without it.
// - Descriptors (DescriptorMode, params.yaml faces.descriptor): one detection per photo (detectFaces, mode
//   'faceapi': face-api's own descriptor), then the library's chipDescriptor on the same landmarks for
//   'aligned' (dlib-style 150x150 chip) and 'flip' (mean of the chip's and its mirror's) — exactly what
//   detectFaces returns in those modes (test/faces/detect.test.ts), so the figures are what the pipeline stores.
// - Pairs: every same-person pair (62 · C(20,2) = 11,780) and as many distinct random different-person
//   pairs (mulberry32, --seed).
// - Ten folds, stratified by same/different (seeded). Per fold, the Euclidean distance threshold that
//   maximizes accuracy on the other nine folds is applied to the held-out fold. Reported per mode: mean ±
//   sd of the ten fold accuracies (sd with n − 1; the standard error sd/√10 too), ROC AUC over all pairs,
//   the mean of the ten thresholds and the single best threshold on all pairs.
// - A photo without a detected face makes every pair it is in an ERROR at every threshold (the headline
//   figure); the same figures with those pairs left out are printed beside it. AUC leaves them out.
// The other photo sources (no `_group` photos, the largest face per photo) are small: all their pairs are
// scored at the mode's LFW threshold (same-pair and different-pair accuracy) plus their AUC and own best threshold.
//
// Photos are scaled to a long side of 640 px at most, as the pipeline scales frames. Detection runs in
// --workers worker threads (default: all cores), each with its own single-threaded WASM face engine.
// Detections (every face ≥ score 0.2: box, score, a descriptor per mode) are cached per photo in
// data/cache/bench-verify/detections.json, so a rerun only computes the figures (and --min-score can
// change without detecting again). Cold on the 2-core dev machine, shared with other work: 41 min with one
// worker thread (1,316 photos, 0.54/s); warm 2.3 s.
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import {
  chipDescriptor, createDetector, DEFAULT_DETECT, ENGINE_VERSION, ENGINES, type EngineName, descriptorDistance, DESCRIPTOR_MODES, type DescriptorMode, type DetectedFace,
  type DetectOptions, type RgbFrame,
} from '../pipeline/lib/faces/index.ts';
import { meanInterval } from '../pipeline/lib/stats/index.ts';
import { mulberry32 } from '../pipeline/lib/synth/prng.ts';
import {
  accuracyAt, balancedPairs, bestThreshold, differentPairs, kFold, pickFace, rocAuc, samePairs, stratifiedFolds,
  type FaceBox, type Pair,
} from './verify-protocol.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const FACES = fileURLToPath(new URL('../../shared/data/faces/', import.meta.url));
const require = createRequire(import.meta.url);

/** Faces at or above this score are detected and cached; --min-score filters them afterwards. */
const CACHE_SCORE = 0.2;
const CACHE_VERSION = 5;
const LONG_SIDE = 640;
/**
 * Photos where no face of at least this score has its centre within CENTRE_RADIUS × the image side of the
 * image centre are detected a second time inside a grey border: on LFW's 150x150 centre crops SSD often
 * misses the big centred face (finding none, or only a small background face).
 */
const PAD_RETRY_SCORE = 0.5;
const CENTRE_RADIUS = 0.2;

function nearCentre(box: FaceBox, width: number, height: number): boolean {
  return Math.hypot(box.x + box.w / 2 - width / 2, box.y + box.h / 2 - height / 2) <= CENTRE_RADIUS * Math.min(width, height);
}

interface Job { id: number; rel: string }
interface CachedFace {
  box: FaceBox; score: number;
  /** The descriptor in each mode, base64 of the Float32 bytes. */
  d: Partial<Record<DescriptorMode, string>>;
}
/** The cache file: one section of photos per set of detection params (JSON of the params). */
interface CacheFile { v: number; sections: Record<string, Record<string, CachedImage>> }
interface CachedImage {
  width: number; height: number; faces: CachedFace[];
  /** When no face ≥ PAD_RETRY_SCORE is near the centre: the faces found with a grey border around the photo
   *  (boxes in photo pixels). */
  paddedFaces?: CachedFace[];
}
type FromWorker =
  | { type: 'ready'; versions: Record<string, string> }
  | { type: 'init-error'; message: string }
  | { type: 'done'; id: number; image: CachedImage }
  | { type: 'error'; id: number; message: string };

/** Reads a photo as rgb24, scaled down to a long side of LONG_SIDE at most. */
async function loadRgb(file: string): Promise<RgbFrame> {
  const img = sharp(file).rotate();
  const meta = await img.metadata();
  const w = meta.autoOrient?.width ?? meta.width!, h = meta.autoOrient?.height ?? meta.height!;
  const pipe = Math.max(w, h) > LONG_SIDE ? img.resize({ width: w >= h ? LONG_SIDE : undefined, height: h > w ? LONG_SIDE : undefined }) : img;
  const { data, info } = await pipe.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${file}: ${info.channels} channels after conversion`);
  return { data, width: info.width, height: info.height, channels: 3 };
}

const b64 = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
const decode = (s: string) => { const buf = Buffer.from(s, 'base64'); return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)); };

// ---------------------------------------------------------------------------------------------- worker
if (!isMainThread) {
  const port = parentPort!;
  const { minScore, engine } = workerData as { minScore: number; engine: EngineName };
  // face-api's own descriptor ('faceapi' mode) comes only from the faceapi engine's chain.
  const detectOpts: DetectOptions = { minScore, descriptor: engine === 'faceapi' ? 'faceapi' : 'aligned' };
  try {
    const det = await createDetector({ engine }, detectOpts);
    port.postMessage({ type: 'ready', versions: det.engine.versions } satisfies FromWorker);
    /** Detections in a frame with every mode's descriptor; boxes shifted back by `pad`. */
    const faces = async (frame: RgbFrame, pad: number): Promise<CachedFace[]> => {
      const out: CachedFace[] = [];
      for (const f of (await det.detect(frame)).filter((x: DetectedFace) => x.descriptor && x.landmarks)) {
        const aligned = await chipDescriptor(det.engine, frame, f.landmarks!, false);
        const flip = await chipDescriptor(det.engine, frame, f.landmarks!, true);
        out.push({
          box: { x: f.box.x - pad, y: f.box.y - pad, w: f.box.w, h: f.box.h }, score: f.score,
          d: { ...(engine === 'faceapi' ? { faceapi: b64(f.descriptor!) } : {}), aligned: b64(aligned), flip: b64(flip) },
        });
      }
      return out;
    };
    let chain = Promise.resolve();
    port.on('message', (job: Job) => {
      chain = chain.then(async () => {
        try {
          const frame = await loadRgb(FACES + job.rel);
          const image: CachedImage = { width: frame.width, height: frame.height, faces: await faces(frame, 0) };
          // SSD misses faces that fill much of the picture (LFW's 150x150 centre crops, faceapi_bbt's tight
          // crops): when no confident face is near the centre, detect again inside a grey border of half the
          // size on each side (the face then takes a quarter of the width, where SSD finds it).
          if (!image.faces.some((f) => f.score >= PAD_RETRY_SCORE && nearCentre(f.box, frame.width, frame.height))) {
            const pad = Math.round(Math.max(frame.width, frame.height) / 2);
            const padded = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
              .extend({ top: pad, bottom: pad, left: pad, right: pad, background: { r: 128, g: 128, b: 128 } })
              .raw().toBuffer({ resolveWithObject: true });
            image.paddedFaces = await faces({ data: padded.data, width: padded.info.width, height: padded.info.height, channels: 3 }, pad);
          }
          port.postMessage({ type: 'done', id: job.id, image } satisfies FromWorker);
        } catch (e) {
          port.postMessage({ type: 'error', id: job.id, message: (e as Error).message } satisfies FromWorker);
        }
      });
    });
  } catch (e) {
    port.postMessage({ type: 'init-error', message: (e as Error).stack ?? String(e) } satisfies FromWorker);
  }
} else {
  await main();
}

// ------------------------------------------------------------------------------------------------ main
async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      engine: { type: 'string', default: 'onnx' },
      modes: { type: 'string' },
      workers: { type: 'string', default: String(availableParallelism()) },
      'min-score': { type: 'string', default: '0.5' },
      seed: { type: 'string', default: '1' },
      sources: { type: 'string', default: 'lfw,faceapi_bbt,face_recognition,openface' },
      'no-pad': { type: 'boolean', default: false },
      cache: { type: 'string', default: join(ROOT, 'data/cache/bench-verify/detections.json') },
      json: { type: 'string' },
    },
  });
  const engine = args.engine as EngineName;
  if (!ENGINES.includes(engine)) { console.error(`--engine must be one of ${ENGINES.join(', ')}`); process.exit(2); }
  const available = DESCRIPTOR_MODES.filter((m) => m !== 'faceapi' || engine === 'faceapi');
  const modes = (args.modes?.split(',') ?? [DEFAULT_DETECT.descriptor, ...available.filter((m) => m !== DEFAULT_DETECT.descriptor)]) as DescriptorMode[];
  const bad = modes.filter((m) => !available.includes(m));
  if (bad.length || !modes.length) { console.error(`--modes: each must be one of ${available.join(', ')} (engine ${engine})`); process.exit(2); }
  const workers = Math.max(1, Number(args.workers));
  const minScore = Number(args['min-score']);
  const seed = Number(args.seed);
  const usePad = !args['no-pad'];
  const sources = args.sources!.split(',').filter(Boolean);
  if (!existsSync(FACES + 'MANIFEST.csv')) { console.error(`no labelled faces at ${FACES}`); process.exit(1); }

  const t0 = performance.now();
  const cpu = cpus();
  console.log(`machine: ${cpu.length} × ${cpu[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}, load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);

  // Photos of one named person (no group photos, no clips), in manifest order.
  const manifest = readFileSync(FACES + 'MANIFEST.csv', 'utf8').trim().split('\n').slice(1).map((line) => {
    const [source, identity, path, kind] = line.split(',');
    return { source, identity, path, kind };
  }).filter((r) => r.kind === 'photo' && r.identity !== '_group' && sources.includes(r.source));

  // Detections: cache, then the missing photos through worker threads.
  const faceapiVersion = (require('@vladmandic/face-api/package.json') as { version: string }).version;
  const tfVersion = (require('@tensorflow/tfjs-backend-wasm/package.json') as { version: string }).version;
  const key = JSON.stringify({ engine, engineVersion: ENGINE_VERSION[engine], score: CACHE_SCORE, longSide: LONG_SIDE, faceapiVersion, tfVersion });
  let file: CacheFile = { v: CACHE_VERSION, sections: {} };
  if (existsSync(args.cache!)) {
    try {
      const c = JSON.parse(readFileSync(args.cache!, 'utf8')) as CacheFile;
      if (c.v === CACHE_VERSION && c.sections) file = c;
    } catch { /* unreadable: start over */ }
  }
  const cache: Record<string, CachedImage> = (file.sections[key] ??= {});
  const saveCache = () => {
    mkdirSync(dirname(args.cache!), { recursive: true });
    writeFileSync(args.cache! + '.tmp', JSON.stringify(file));
    renameSync(args.cache! + '.tmp', args.cache!);
  };
  const todo = manifest.filter((r) => !cache[r.path]).map((r) => r.path);
  const tDetect = performance.now();
  let versions: Record<string, string> = {};
  let failed: string[] = [];
  if (todo.length) {
    ({ versions, failed } = await detectAll(todo, Math.min(workers, todo.length), CACHE_SCORE, engine, (rel, img) => { cache[rel] = img; }, saveCache));
    saveCache();
  }
  const detectS = (performance.now() - tDetect) / 1000;
  console.log(`detection: ${todo.length} photos detected now (${manifest.length - todo.length} from cache ${args.cache!.replace(ROOT, '')}), ${todo.length ? `${workers} worker threads, ${detectS.toFixed(1)} s, ${(todo.length / detectS).toFixed(2)} photos/s` : '0 s'}${versions.backend ? `; face-api ${versions.faceapi}, tfjs ${versions.tfjs} ${versions.backend} simd=${versions.wasmSimd}` : `; face-api ${faceapiVersion}, tfjs-backend-wasm ${tfVersion}`}`);
  console.log(`detector: SSD MobileNet v1, score ≥ ${minScore}, 68 landmarks, 128-d descriptors; photos scaled to long side ≤ ${LONG_SIDE}`);
  if (failed.length) console.log(`photos that could not be read: ${failed.length} (${failed.join(', ')})`);

  /** The labelled person's face per photo, or null when no face passes --min-score. */
  const pick = (rel: string, rule: 'centre' | 'largest') => {
    const img = cache[rel];
    if (!img) return null;
    let faces = img.faces.filter((f) => f.score >= minScore), padded = false;
    if (usePad && img.paddedFaces) {
      // The bordered pass replaces the plain one when the plain one found nothing (any rule) or, for centred
      // crops, nothing near the centre while the bordered pass did.
      const alt = img.paddedFaces.filter((f) => f.score >= minScore);
      const better = !faces.length
        || (rule === 'centre' && !faces.some((f) => nearCentre(f.box, img.width, img.height)) && alt.some((f) => nearCentre(f.box, img.width, img.height)));
      if (better && alt.length) { faces = alt; padded = true; }
    }
    const i = pickFace(faces.map((f) => f.box), img.width, img.height, rule);
    return i < 0 ? null : { face: faces[i], all: faces.length, img, padded };
  };
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  const meanSd = (v: number[]) => { const s = meanInterval(v); return `${s.mean!.toFixed(3)} ± ${s.sd!.toFixed(3)}`; };
  const out: Record<string, any> = { machine: { cpus: cpu.length, model: cpu[0]?.model }, minScore, seed, lfw: {} };

  // ----- LFW
  const lfwThreshold = new Map<DescriptorMode, number>();
  const lfw = manifest.filter((r) => r.source === 'lfw');
  if (lfw.length) {
    const picks = lfw.map((r) => pick(r.path, 'centre'));
    const labels = lfw.map((r) => r.identity);
    const noFace = lfw.filter((_, i) => !picks[i]).map((r) => r.path);
    const rng = mulberry32(seed);
    const pairs = balancedPairs(labels, rng);
    const same = pairs.map((p) => p.same);
    const folds = stratifiedFolds(same, 10, rng);
    const nSame = same.filter(Boolean).length;
    const sizes = [...new Set(lfw.map((r) => `${cache[r.path]?.width}x${cache[r.path]?.height}`))].join(', ');
    console.log(`lfw photos: ${lfw.length} (${new Set(labels).size} people, ${sizes} px); no face with score ≥ ${minScore}: ${noFace.length}${noFace.length ? ` (${noFace.slice(0, 5).join(', ')}${noFace.length > 5 ? ', …' : ''})` : ''}; face taken from the grey-border pass: ${usePad ? picks.filter((p) => p?.padded).length : 'not used (--no-pad)'}`);
    console.log(`lfw photos with > 1 face: ${picks.filter((p) => p && p.all > 1).length}; chosen (centre-most) face farther than ${CENTRE_RADIUS} × side from the image centre: ${picks.filter((p) => p && !nearCentre(p.face.box, p.img.width, p.img.height)).length}`);
    console.log(`lfw pairs: ${pairs.length} = ${nSame} same-person (all) + ${pairs.length - nSame} different-person (random, seed ${seed}); pairs with a photo without a face count as errors`);
    out.lfw = { photos: lfw.length, noFace, pairs: pairs.length, same: nSame, modes: {} };

    for (const mode of modes) {
      const desc = picks.map((p) => (p ? decode(p.face.d[mode]!) : null));
      const dist = pairs.map((p) => (desc[p.a] && desc[p.b] ? descriptorDistance(desc[p.a]!, desc[p.b]!) : NaN));
      const keep = dist.map((d) => !Number.isNaN(d));
      const dK = dist.filter((_, i) => keep[i]), sK = same.filter((_, i) => keep[i]);
      const tf = kFold(dist, same, folds, 10), tfK = kFold(dK, sK, folds.filter((_, i) => keep[i]), 10);
      const best = bestThreshold(dist, same), auc = rocAuc(dist, same);
      const sameD = dK.filter((_, i) => sK[i]), diffD = dK.filter((_, i) => !sK[i]);
      const fr = sameD.filter((d) => d >= best.threshold).length, fa = diffD.filter((d) => d < best.threshold).length;
      const thr = tf.folds.map((f) => f.threshold);
      console.log(`lfw ${mode}: 10-fold accuracy ${pct(tf.mean)} ± ${pct(tf.sd)} sd (± ${pct(tf.se)} se); face-less pairs left out (${dK.length} pairs): ${pct(tfK.mean)} ± ${pct(tfK.sd)} sd`);
      console.log(`lfw ${mode}: ROC AUC ${auc.toFixed(5)}; threshold mean of the 10 folds ${tf.meanThreshold.toFixed(4)} (${Math.min(...thr).toFixed(4)}–${Math.max(...thr).toFixed(4)}), best on all pairs ${best.threshold.toFixed(4)} (accuracy ${pct(best.accuracy)}: ${fr} same-person pairs rejected, ${fa} different-person pairs accepted)`);
      console.log(`lfw ${mode}: fold accuracies ${tf.folds.map((f) => (100 * f.accuracy).toFixed(2)).join(' ')}; distances same person ${meanSd(sameD)}, different people ${meanSd(diffD)}`);
      console.log(`lfw ${mode}: accuracy at fixed thresholds ${[0.45, 0.5, 0.55, 0.6, 0.65].map((t) => `${t}: ${pct(accuracyAt(dist, same, t))}`).join(', ')}`);
      lfwThreshold.set(mode, best.threshold);
      out.lfw.modes[mode] = { tenFold: tf, tenFoldExcluded: tfK, auc, bestThreshold: best, falseReject: fr, falseAccept: fa };
    }
  }

  // ----- the other photo sources: every pair, at the mode's LFW threshold
  for (const src of sources.filter((x) => x !== 'lfw')) {
    const rows = manifest.filter((r) => r.source === src);
    if (!rows.length) continue;
    const picks = rows.map((r) => pick(r.path, 'largest'));
    const idx = rows.map((_, i) => i).filter((i) => picks[i]);
    const labels = idx.map((i) => rows[i].identity);
    const pairs: Pair[] = [...samePairs(labels), ...differentPairs(labels)];
    const same = pairs.map((p) => p.same);
    const nSame = same.filter(Boolean).length;
    console.log(`${src}: ${rows.length} photos of ${new Set(rows.map((r) => r.identity)).size} people, no face ${rows.length - idx.length}${usePad ? ` (face taken from the grey-border pass: ${picks.filter((p) => p?.padded).length})` : ''}; ${nSame} same / ${pairs.length - nSame} different pairs`);
    out[src] = { photos: rows.length, noFace: rows.length - idx.length, same: nSame, different: pairs.length - nSame, modes: {} };
    for (const mode of modes) {
      const desc = idx.map((i) => decode(picks[i]!.face.d[mode]!));
      const dist = pairs.map((p) => descriptorDistance(desc[p.a], desc[p.b]));
      const thr = lfwThreshold.get(mode);
      const tar = dist.filter((d, i) => same[i] && d < thr!).length, trr = dist.filter((d, i) => !same[i] && d >= thr!).length;
      const own = bestThreshold(dist, same), auc = rocAuc(dist, same);
      console.log(`${src} ${mode}: ${thr === undefined ? '' : `at the lfw threshold ${thr.toFixed(4)} same accepted ${tar}/${nSame}, different rejected ${trr}/${pairs.length - nSame}; `}AUC ${auc.toFixed(4)}; own best threshold ${own.threshold.toFixed(4)} (accuracy ${pct(own.accuracy)})`);
      out[src].modes[mode] = { ...(thr === undefined ? {} : { sameAccepted: tar, differentRejected: trr }), auc, own };
    }
  }

  const total = (performance.now() - t0) / 1000;
  console.log(`elapsed: ${total.toFixed(1)} s (detection ${detectS.toFixed(1)} s)`);
  out.elapsedS = total;
  out.detectS = detectS;
  if (args.json) writeFileSync(args.json, JSON.stringify(out, null, 2));
}

/** Runs photos through `n` worker threads (one WASM engine each), one photo at a time per worker. */
async function detectAll(
  rels: string[], n: number, minScore: number, engine: EngineName, onResult: (rel: string, img: CachedImage) => void, checkpoint: () => void,
): Promise<{ versions: Record<string, string>; failed: string[] }> {
  // Node 20 does not pass `--import tsx` to worker threads: register tsx's hooks in the worker, then import this file.
  const api = pathToFileURL(require.resolve('tsx/esm/api')).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); });`;
  let next = 0, done = 0, versions: Record<string, string> = {};
  const failed: string[] = [];
  const started = performance.now();
  await Promise.all(Array.from({ length: n }, () => new Promise<void>((resolve, reject) => {
    const w = new Worker(boot, { eval: true, execArgv: [], workerData: { minScore, engine } });
    const feed = () => {
      if (next >= rels.length) { void w.terminate().then(() => resolve()); return; }
      const id = next++;
      w.postMessage({ id, rel: rels[id] } satisfies Job);
    };
    w.on('message', (msg: FromWorker) => {
      if (msg.type === 'ready') { versions = msg.versions; feed(); return; }
      if (msg.type === 'init-error') { void w.terminate(); reject(new Error(`worker failed to start: ${msg.message}`)); return; }
      if (msg.type === 'done') onResult(rels[msg.id], msg.image);
      else { failed.push(rels[msg.id]); console.error(`[verify] ${rels[msg.id]}: ${msg.message}`); }
      done++;
      if (done % 100 === 0 || done === rels.length) {
        console.error(`[verify] ${done}/${rels.length} photos, ${((performance.now() - started) / 1000).toFixed(0)} s`);
        checkpoint();
      }
      feed();
    });
    w.on('error', reject);
  })));
  return { versions, failed };
}
