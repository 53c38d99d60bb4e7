// face-api's recognition and 68-point landmark nets rebuilt as ONNX by scripts/build-models.py
// (models/faceapi/*.onnx) against the same nets on tfjs-wasm, on face crops cut from the package's own
// sample photos and on random noise: same numbers to 1e-4, and the ONNX nets' speed on one thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import type * as FaceApiNS from '@vladmandic/face-api';
import { loadFaceEngine } from '../../pipeline/lib/faces/faceapi/backend.ts';
import { mulberry32 } from '../../pipeline/lib/synth/prng.ts';

const MODELS = fileURLToPath(new URL('../../models/faceapi/', import.meta.url));
const DEMO = fileURLToPath(new URL('../../node_modules/@vladmandic/face-api/demo/', import.meta.url));
const RECOGNITION = MODELS + 'recognition.onnx';
const LANDMARK68 = MODELS + 'landmark68.onnx';
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
