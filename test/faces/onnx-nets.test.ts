// face-api's recognition and 68-point landmark nets and its SSD MobileNet v1 detector rebuilt as ONNX by
// scripts/build-models.py (models/faceapi/*.onnx) against the same nets on tfjs-wasm, on the package's own
// sample photos (face crops for the first two), a real video frame and random noise: same numbers to 1e-4,
// and the ONNX nets' speed on one thread. The SSD test also pins down face-api's pre- and post-processing
// around the net (toBatchTensor's pad + resize, NMS and the mapping back onto the image) as plain TS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import type * as FaceApiNS from '@vladmandic/face-api';
import { loadFaceEngine } from '../../pipeline/lib/faces/faceapi/backend.ts';
import { decodeSsd, ssdInput, SSD_SIZE } from '../../pipeline/lib/faces/onnx/ssd.ts';
import { decodeFrames, fitLongSide, probe, type Frame } from '../../pipeline/lib/frames/index.ts';
import { mulberry32 } from '../../pipeline/lib/synth/prng.ts';

const MODELS = fileURLToPath(new URL('../../models/faceapi/', import.meta.url));
const DEMO = fileURLToPath(new URL('../../node_modules/@vladmandic/face-api/demo/', import.meta.url));
const RECOGNITION = MODELS + 'recognition.onnx';
const LANDMARK68 = MODELS + 'landmark68.onnx';
const SSD = MODELS + 'ssd.onnx';
const skip = existsSync(RECOGNITION) && existsSync(LANDMARK68)
  ? false
  : `models/faceapi/*.onnx not built (run: .venv/bin/python scripts/build-models.py)`;

/** One face per sample photo: face-api's own SSD box (x, y, w, h) on the full-size photo. */
const FACES: Array<[string, number, number, number, number]> = [
  ['sample1.jpg', 414, 355, 177, 240],
  ['sample2.jpg', 1447, 153, 194, 242],
  ['sample3.jpg', 585, 329, 199, 271],
  ['sample4.jpg', 989, 180, 169, 227],
  ['sample5.jpg', 377, 859, 172, 301],
  ['sample6.jpg', 1180, 305, 188, 280],
];

const TOL = 1e-4;

async function rgbRegion(file: string, left: number, top: number, width: number, height: number, size?: number) {
  let img = sharp(DEMO + file).removeAlpha().extract({ left, top, width, height });
  if (size) img = img.resize(size, size, { fit: 'fill' });
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.channels, 3);
  return { data: Float32Array.from(data), width: info.width, height: info.height };
}

function noise(seed: number, n: number): Float32Array {
  const rng = mulberry32(seed);
  return Float32Array.from({ length: n }, () => rng() * 255);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function session(path: string) {
  return ort.InferenceSession.create(path, {
    executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all',
  });
}

/** Mean ms per single-face run over `rounds` passes through all inputs (after one warm-up pass). */
async function msPerFace(s: ort.InferenceSession, inputs: Float32Array[], size: number, rounds: number): Promise<number> {
  const feeds = inputs.map((d) => ({ input: new ort.Tensor('float32', d, [1, size, size, 3]) }));
  for (const f of feeds) await s.run(f);
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) for (const f of feeds) await s.run(f);
  return (performance.now() - t0) / (rounds * feeds.length);
}

let engine: Awaited<ReturnType<typeof loadFaceEngine>> | undefined;
const getEngine = async () => (engine ??= await loadFaceEngine({ nets: ['landmarks', 'descriptor'] }));

test('recognition.onnx gives face-api\'s 128-d descriptor (150x150 chips and noise, one by one and batched)', { skip }, async (t) => {
  const { faceapi, tf } = await getEngine();
  const net = faceapi.nets.faceRecognitionNet;
  const s = await session(RECOGNITION);
  assert.deepEqual([s.inputNames, s.outputNames], [['input'], ['descriptor']]);

  // A square around each face box, resized to the 150x150 chip by sharp; plus one noise input.
  const inputs: Float32Array[] = [];
  for (const [file, x, y, w, h] of FACES) {
    const side = Math.round(Math.max(w, h) * 1.2);
    inputs.push((await rgbRegion(file, Math.round(x + w / 2 - side / 2), Math.round(y + h / 2 - side / 2), side, side, 150)).data);
  }
  inputs.push(noise(150, 150 * 150 * 3));

  const want: Float32Array[] = [];
  let tfjsMs = 0;
  for (const d of inputs) {
    const x = tf.tensor4d(d, [1, 150, 150, 3]);
    const t0 = performance.now();
    want.push(await net.computeFaceDescriptor(x as unknown as FaceApiNS.TNetInput) as Float32Array);
    tfjsMs += performance.now() - t0;
    x.dispose();
  }

  let worst = 0;
  for (const [i, d] of inputs.entries()) {
    const out = await s.run({ input: new ort.Tensor('float32', d, [1, 150, 150, 3]) });
    const got = out.descriptor.data as Float32Array;
    assert.deepEqual(out.descriptor.dims, [1, 128]);
    const diff = maxAbsDiff(got, want[i]);
    assert.ok(diff <= TOL, `input ${i}: max abs diff ${diff}`);
    worst = Math.max(worst, diff);
  }
  // Dynamic batch: all inputs in one run give the same descriptors.
  const batch = new Float32Array(inputs.length * inputs[0].length);
  inputs.forEach((d, i) => batch.set(d, i * d.length));
  const out = await s.run({ input: new ort.Tensor('float32', batch, [inputs.length, 150, 150, 3]) });
  assert.deepEqual(out.descriptor.dims, [inputs.length, 128]);
  const all = out.descriptor.data as Float32Array;
  for (let i = 0; i < inputs.length; i++) {
    const diff = maxAbsDiff(all.subarray(i * 128, (i + 1) * 128), want[i]);
    assert.ok(diff <= TOL, `batched input ${i}: max abs diff ${diff}`);
    worst = Math.max(worst, diff);
  }
  // Sanity: a real face's descriptor has the usual scale (norm ≈ 1).
  const norm = Math.hypot(...want[0]);
  assert.ok(norm > 0.3 && norm < 3, `descriptor norm ${norm}`);

  const ms = await msPerFace(s, inputs, 150, 3);
  t.diagnostic(`recognition: max abs diff ${worst.toExponential(2)} over ${inputs.length} inputs (+ batched); `
    + `onnxruntime ${ms.toFixed(1)} ms/face on one thread; tfjs-${engine!.backend} ${(tfjsMs / inputs.length).toFixed(1)} ms/face`);
  await s.release();
});

test('landmark68.onnx gives face-api\'s raw 68-point output on the 112x112 net input; mapped back it matches detectLandmarks', { skip }, async (t) => {
  const { faceapi, tf } = await getEngine();
  const net = faceapi.nets.faceLandmark68Net;
  const s = await session(LANDMARK68);
  assert.deepEqual([s.inputNames, s.outputNames], [['input'], ['landmarks']]);

  // Face crops as face-api cuts them (extractFaceTensors: the box floored, not square), the 112x112 tensor
  // face-api makes of each (NetInput.toBatchTensor(112, true): padToSquare centred, resizeBilinear), and
  // that tensor's raw net output (runNet on the NetInput, before postProcess); plus one noise input.
  const cases: Array<{ input: Float32Array; raw: Float32Array; crop?: { w: number; h: number; points: number[] } }> = [];
  let tfjsMs = 0;
  for (const [file, x, y, w, h] of FACES) {
    const crop = await rgbRegion(file, Math.floor(x), Math.floor(y), Math.floor(w), Math.floor(h));
    const face = tf.tensor3d(crop.data, [crop.height, crop.width, 3]);
    const ni = await faceapi.toNetInput(face as unknown as FaceApiNS.TNetInput);
    const input = ni.toBatchTensor(112, true);
    assert.deepEqual(input.shape, [1, 112, 112, 3]);
    const t0 = performance.now();
    const rawT = net.runNet(ni);
    const raw = await rawT.data() as Float32Array;
    tfjsMs += performance.now() - t0;
    const lm = await net.detectLandmarks(face as unknown as FaceApiNS.TNetInput) as { positions: Array<{ x: number; y: number }> };
    cases.push({ input: await input.data() as Float32Array, raw, crop: { w: crop.width, h: crop.height, points: lm.positions.flatMap((p) => [p.x, p.y]) } });
    tf.dispose(face);
    input.dispose();
    rawT.dispose();
  }
  {
    const input = noise(112, 112 * 112 * 3);
    const x = tf.tensor4d(input, [1, 112, 112, 3]);
    const ni = await faceapi.toNetInput(x as unknown as FaceApiNS.TNetInput);
    const rawT = net.runNet(ni);
    cases.push({ input, raw: await rawT.data() as Float32Array });
    rawT.dispose();
    x.dispose();
  }

  let worst = 0, worstPx = 0;
  for (const [i, c] of cases.entries()) {
    const out = await s.run({ input: new ort.Tensor('float32', c.input, [1, 112, 112, 3]) });
    assert.deepEqual(out.landmarks.dims, [1, 136]);
    const got = out.landmarks.data as Float32Array;
    const diff = maxAbsDiff(got, c.raw);
    assert.ok(diff <= TOL, `input ${i}: max abs diff ${diff}`);
    worst = Math.max(worst, diff);
    if (!c.crop) continue;
    // face-api's postProcess: points relative to the centred square of side max(w, h) around the crop,
    // i.e. crop pixel = raw * max(w, h) - (max(w, h) - side) / 2 (the image pixel adds the box's x, y).
    const { w, h, points } = c.crop;
    const m = Math.max(w, h);
    const mapped = Array.from(got, (r, k) => r * m - (m - (k % 2 === 0 ? w : h)) / 2);
    const px = maxAbsDiff(mapped, points);
    assert.ok(px <= TOL * m * 2, `input ${i}: mapped points differ by ${px} px`);
    worstPx = Math.max(worstPx, px);
  }
  const batch = new Float32Array(cases.length * 112 * 112 * 3);
  cases.forEach((c, i) => batch.set(c.input, i * c.input.length));
  const out = await s.run({ input: new ort.Tensor('float32', batch, [cases.length, 112, 112, 3]) });
  const all = out.landmarks.data as Float32Array;
  for (const [i, c] of cases.entries()) {
    const diff = maxAbsDiff(all.subarray(i * 136, (i + 1) * 136), c.raw);
    assert.ok(diff <= TOL, `batched input ${i}: max abs diff ${diff}`);
    worst = Math.max(worst, diff);
  }

  const ms = await msPerFace(s, cases.map((c) => c.input), 112, 10);
  t.diagnostic(`landmark68: max abs diff ${worst.toExponential(2)} over ${cases.length} inputs (+ batched), `
    + `${worstPx.toFixed(4)} px mapped back onto the crops; onnxruntime ${ms.toFixed(2)} ms/face on one thread; `
    + `tfjs-${engine!.backend} ${(tfjsMs / FACES.length).toFixed(1)} ms/face`);
  await s.release();
});

// --- SSD MobileNet v1 -------------------------------------------------------------------------------

/** A presenter in the replica (portrait 1080x1920, the frame at 20 s), as in detect.test.ts. */
const REPLICA_MEDIA = fileURLToPath(new URL('../../../shared/data/fuelgrowth/media/facebook-assets/hd-817763467176157', import.meta.url));

interface SsdFace { score: number; x: number; y: number; width: number; height: number }
const flat = (f: { score: number; box: { x: number; y: number; w: number; h: number } }): SsdFace => ({ score: f.score, x: f.box.x, y: f.box.y, width: f.box.w, height: f.box.h });
const ssdDetections = (boxes: Float32Array, scores: Float32Array, width: number, height: number, minConfidence: number) =>
  decodeSsd(boxes, scores, width, height, minConfidence, 100).map(flat);

function maxFaceDiff(a: SsdFace[], b: SsdFace[]): { px: number; score: number } {
  assert.equal(a.length, b.length, `${a.length} vs ${b.length} faces`);
  let px = 0, score = 0;
  a.forEach((f, i) => {
    px = Math.max(px, Math.abs(f.x - b[i].x), Math.abs(f.y - b[i].y), Math.abs(f.width - b[i].width), Math.abs(f.height - b[i].height));
    score = Math.max(score, Math.abs(f.score - b[i].score));
  });
  return { px, score };
}

test('ssd.onnx gives face-api\'s SSD boxes and scores (forwardInput) on the sample photos and a video frame; face-api\'s NMS on them gives locateFaces', { skip: existsSync(SSD) ? false : 'models/faceapi/ssd.onnx not built (run: .venv/bin/python scripts/build-models.py)' }, async (t) => {
  const { faceapi, tf, backend } = await loadFaceEngine({ nets: ['ssd'] });
  const net = faceapi.nets.ssdMobilenetv1;
  const s = await session(SSD);
  assert.deepEqual([s.inputNames, s.outputNames], [['input'], ['boxes', 'scores']]);

  // Images as the pipeline sees them: the sample photos scaled so the long side is 640, a real video frame
  // (decoded at 640 like the pipeline's frames), and one noise image.
  const images: Array<{ name: string; data: Float32Array; width: number; height: number }> = [];
  for (let i = 1; i <= 6; i++) {
    const { data, info } = await sharp(DEMO + `sample${i}.jpg`).removeAlpha()
      .resize(640, 640, { fit: 'inside' }).raw().toBuffer({ resolveWithObject: true });
    images.push({ name: `sample${i}.jpg`, data: Float32Array.from(data), width: info.width, height: info.height });
  }
  if (existsSync(REPLICA_MEDIA)) {
    const info = await probe(REPLICA_MEDIA);
    let last: Frame | undefined;
    for await (const f of decodeFrames(REPLICA_MEDIA, { fps: 1, ...fitLongSide(info.width, info.height, 640), pixFmt: 'rgb24', maxFrames: 21 })) last = f;
    images.push({ name: 'video frame (replica, 20 s)', data: Float32Array.from(last!.data), width: last!.width, height: last!.height });
  } else {
    t.diagnostic('no ../shared replica: the video frame is left out');
  }
  images.push({ name: 'noise 480x320', data: Float32Array.from(noise(512, 480 * 320 * 3), Math.round), width: 480, height: 320 });

  let worstBox = 0, worstScore = 0, worstInput = 0, worstPx = 0, worstFaceScore = 0, faces = 0, tfjsMs = 0;
  { // warm-up, so tfjs' one-off set-up stays out of its time
    const x = tf.tensor3d(images[0].data, [images[0].height, images[0].width, 3]);
    const fwd = net.forwardInput(await faceapi.toNetInput(x as unknown as FaceApiNS.TNetInput));
    tf.dispose([x, ...fwd.boxes, ...fwd.scores] as never);
  }
  const inputs: Float32Array[] = [];
  const wants: Array<{ boxes: Float32Array; scores: Float32Array }> = [];
  for (const img of images) {
    const x = tf.tensor3d(img.data, [img.height, img.width, 3]);
    const ni = await faceapi.toNetInput(x as unknown as FaceApiNS.TNetInput);
    const batch = ni.toBatchTensor(SSD_SIZE, false);
    assert.deepEqual(batch.shape, [1, SSD_SIZE, SSD_SIZE, 3]);
    const input = await batch.data() as Float32Array;
    batch.dispose();
    // The plain-TS pad + resize gives face-api's net input.
    const mine = ssdInput({ data: Uint8Array.from(img.data), width: img.width, height: img.height, channels: 3 });
    worstInput = Math.max(worstInput, maxAbsDiff(mine, input));
    assert.ok(maxAbsDiff(mine, input) <= 1e-3, `${img.name}: ssdInput differs from toBatchTensor by ${maxAbsDiff(mine, input)}`);

    const t0 = performance.now();
    const fwd = net.forwardInput(ni);
    const want = { boxes: await fwd.boxes[0].data() as Float32Array, scores: await fwd.scores[0].data() as Float32Array };
    tfjsMs += performance.now() - t0;
    tf.dispose([...fwd.boxes, ...fwd.scores] as never);
    assert.equal(want.scores.length, 5118);
    assert.equal(want.boxes.length, 5118 * 4);
    inputs.push(input);
    wants.push(want);

    const out = await s.run({ input: new ort.Tensor('float32', input, [1, SSD_SIZE, SSD_SIZE, 3]) });
    assert.deepEqual(out.boxes.dims, [1, 5118, 4]);
    assert.deepEqual(out.scores.dims, [1, 5118]);
    const boxes = out.boxes.data as Float32Array, scores = out.scores.data as Float32Array;
    const db = maxAbsDiff(boxes, want.boxes), ds = maxAbsDiff(scores, want.scores);
    assert.ok(db <= TOL && ds <= TOL, `${img.name}: boxes differ by ${db}, scores by ${ds}`);
    worstBox = Math.max(worstBox, db);
    worstScore = Math.max(worstScore, ds);

    // face-api's own detections (locateFaces), at its default threshold and a low one.
    for (const minConfidence of [0.5, 0.1]) {
      const dets = await net.locateFaces(x as unknown as FaceApiNS.TNetInput, { minConfidence, maxResults: 100 });
      const theirs = dets.map((d) => ({ score: d.score, x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height }));
      // The plain-TS post-processing on face-api's own net outputs gives exactly locateFaces ...
      assert.deepEqual(ssdDetections(want.boxes, want.scores, img.width, img.height, minConfidence), theirs, `${img.name} @${minConfidence}`);
      // ... and on the ONNX outputs the same faces, to a fraction of a pixel.
      const d = maxFaceDiff(ssdDetections(boxes, scores, img.width, img.height, minConfidence), theirs);
      worstPx = Math.max(worstPx, d.px);
      worstFaceScore = Math.max(worstFaceScore, d.score);
      if (minConfidence === 0.5) {
        faces += theirs.length;
        if (img.name.startsWith('sample')) assert.ok(theirs.length >= 1, `${img.name}: no face found`);
      }
    }
    x.dispose();
  }
  assert.ok(worstPx <= 0.05, `detections differ by ${worstPx} px`);

  // Dynamic batch: two images in one run.
  const pair = new Float32Array(2 * inputs[0].length);
  pair.set(inputs[0]);
  pair.set(inputs[inputs.length - 2], inputs[0].length);
  const out = await s.run({ input: new ort.Tensor('float32', pair, [2, SSD_SIZE, SSD_SIZE, 3]) });
  assert.deepEqual(out.boxes.dims, [2, 5118, 4]);
  for (const [k, i] of [[0, 0], [1, inputs.length - 2]]) {
    const db = maxAbsDiff((out.boxes.data as Float32Array).subarray(k * 5118 * 4, (k + 1) * 5118 * 4), wants[i].boxes);
    const ds = maxAbsDiff((out.scores.data as Float32Array).subarray(k * 5118, (k + 1) * 5118), wants[i].scores);
    assert.ok(db <= TOL && ds <= TOL, `batched input ${i}: boxes differ by ${db}, scores by ${ds}`);
  }

  const ms = await msPerFace(s, inputs, SSD_SIZE, 2);
  t.diagnostic(`ssd: max abs diff boxes ${worstBox.toExponential(2)}, scores ${worstScore.toExponential(2)} over ${images.length} images `
    + `(${images.map((i) => `${i.width}x${i.height}`).join(', ')}) (+ batched); ${faces} faces at 0.5, detections within `
    + `${worstPx.toFixed(4)} px / score ${worstFaceScore.toExponential(2)} of locateFaces (0.5 and 0.1); plain-TS input within `
    + `${worstInput.toExponential(2)} of toBatchTensor; onnxruntime ${ms.toFixed(1)} ms per 512x512 run on one thread; `
    + `tfjs-${backend} ${(tfjsMs / images.length).toFixed(1)} ms (forwardInput incl. its pad + resize)`);
  await s.release();
});
