// The onnx engine (YuNet + face-api's nets as ONNX on onnxruntime-node) on real labelled photos
// (../shared/data/faces) and the package's sample photos; its model checks; its CUDA fallback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createDetector, descriptorDistance, type DetectedFace, type FaceDetector, type RgbFrame } from '../../pipeline/lib/faces/index.ts';
import { detectOptions } from '../../pipeline/lib/faces/detect.ts';
import { MODELS, MODELS_DIR, modelBytes, openSession } from '../../pipeline/lib/faces/onnx/models.ts';
import { yunetInput } from '../../pipeline/lib/faces/onnx/yunet.ts';

const FACES = fileURLToPath(new URL('../../../shared/data/faces/', import.meta.url));
const DEMO = fileURLToPath(new URL('../../node_modules/@vladmandic/face-api/demo/', import.meta.url));
const built = existsSync(join(MODELS_DIR, MODELS.recognition.file)) ? false : 'models/faceapi not built (./run setup)';
const skip = built || (existsSync(FACES) ? false : 'needs ../shared/data/faces');

async function loadRgb(file: string): Promise<RgbFrame> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 3 };
}

const centred = (faces: DetectedFace[], f: RgbFrame) => {
  const d = (x: DetectedFace) => Math.hypot(x.box.x + x.box.w / 2 - f.width / 2, x.box.y + x.box.h / 2 - f.height / 2);
  return [...faces].sort((a, b) => d(a) - d(b))[0];
};

let detector: FaceDetector | undefined;
const onnx = async () => (detector ??= await createDetector({ engine: 'onnx' }));

test('a model whose bytes differ, or that is missing, is refused with what to do', { skip: built }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'models-'));
  try {
    mkdirSync(join(dir, 'faceapi'));
    const bad = join(dir, MODELS.yunet.file);
    copyFileSync(join(MODELS_DIR, MODELS.yunet.file), bad);
    assert.equal(modelBytes('yunet', dir).length > 0, true);
    writeFileSync(bad, Buffer.concat([modelBytes('yunet', dir), Buffer.from([0])]));
    assert.throws(() => modelBytes('yunet', dir), /face model yunet .* has sha256 [0-9a-f]{64}, expected a9f2bc33.*rebuild it with `\.\/run setup`/);
    assert.throws(() => modelBytes('recognition', dir), /face model recognition is missing: .*recognition\.onnx; rebuild it with `\.\/run setup`/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('YuNet behind its RGB input nodes gives the committed model\'s outputs bit for bit', { skip: built }, async () => {
  // The committed model fed as before (planar BGR floats, black padding to multiples of 32) vs the built
  // yunet_rgb.onnx fed yunetInput's tensor, on crops of a real photo: padded on both sides, on one side
  // only (a width of 320 needs none, as 640-wide frames), smaller than 32 px; the bytes a view at an offset.
  const photo = await loadRgb(`${DEMO}sample1.jpg`);
  const ort = await import('onnxruntime-node');
  const committed = await ort.InferenceSession.create(fileURLToPath(new URL('../../models/yunet/yunet_s_dynamic.onnx', import.meta.url)), { intraOpNumThreads: 1 });
  const { session: wrapped } = await openSession('yunet', 'cpu', () => {});
  for (const [width, height] of [[301, 205], [320, 205], [24, 17]]) {
    const bytes = new Uint8Array(7 + width * height * 3);
    const rgb = bytes.subarray(7);
    for (let y = 0; y < height; y++) rgb.set(photo.data.subarray(y * photo.width * 3, (y * photo.width + width) * 3), y * width * 3);
    const input = yunetInput({ data: rgb, width, height, channels: 3 });
    const pw = Math.ceil(width / 32) * 32, ph = Math.ceil(height / 32) * 32;
    assert.deepEqual([input.width, input.height, input.dims], [pw, ph, [1, height, width, 3]]);
    const planar = new Float32Array(3 * pw * ph);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < 3; c++) planar[(2 - c) * pw * ph + y * pw + x] = rgb[(y * width + x) * 3 + c];
    const a = await committed.run({ [committed.inputNames[0]]: new ort.Tensor('float32', planar, [1, 3, ph, pw]) });
    const b = await wrapped.run({ rgb: new ort.Tensor('uint8', input.data, input.dims) });
    assert.deepEqual(Object.keys(b).sort(), Object.keys(a).sort());
    for (const k of Object.keys(a)) {
      assert.deepEqual(b[k].dims, a[k].dims, `${width}x${height} ${k}`);
      assert.ok((a[k].data as Float32Array).every((v, i) => Object.is(v, (b[k].data as Float32Array)[i])), `${width}x${height}: ${k} differs`);
    }
    if (width > 32) assert.ok((a.cls_8.data as Float32Array).some((v) => v > 0.5), 'the photo\'s face is found');
  }
});

test('backend cuda without its provider falls back to the CPU and says so', { skip: built }, async () => {
  const said: string[] = [];
  const { provider } = await openSession('yunet', 'cuda', (why) => said.push(why));
  assert.equal(provider, 'cpu');
  assert.equal(said.length, 1);
  assert.match(said[0], /faces\.backend cuda is not available here .*running yunet on the CPU/);
});

test('finds the face in LFW photos with 5 points, 68 landmarks, a descriptor and quality', { skip }, async () => {
  const det = await onnx();
  const frame = await loadRgb(`${FACES}lfw/Tony_Blair/Tony_Blair_0001.jpg`);
  const face = centred(await det.detect(frame), frame);
  assert.ok(face && face.score > 0.8, `score ${face?.score}`);
  const cx = face.box.x + face.box.w / 2, cy = face.box.y + face.box.h / 2;
  assert.ok(Math.abs(cx - frame.width / 2) < 25 && Math.abs(cy - frame.height / 2) < 30, JSON.stringify(face.box));
  assert.equal(face.landmarks?.length, 68);
  for (const [x, y] of face.landmarks!) assert.ok(x > face.box.x - 15 && x < face.box.x + face.box.w + 15 && y > face.box.y - 15 && y < face.box.y + face.box.h + 15);
  assert.equal(face.descriptor?.length, 128);
  assert.ok(face.quality.frontal! > 0.3 && face.quality.blur > 0);
  await assert.rejects(det.detect(frame, { descriptor: 'faceapi' }), /needs engine faceapi/);
  await assert.rejects(det.detect(frame, { detector: 'tiny' }), /detects with yunet or ssd/);
});

test('descriptors mean what face-api\'s mean: same person near, different people far (and the same as the faceapi engine\'s)', { skip, timeout: 120_000 }, async () => {
  const det = await onnx();
  const faceapi = await createDetector({ engine: 'faceapi' });
  const items: { who: string; d: Float32Array }[] = [];
  const cross: number[] = [];
  for (const who of ['Tony_Blair', 'Vladimir_Putin', 'Serena_Williams']) {
    for (const f of readdirSync(`${FACES}lfw/${who}`).sort().slice(0, 3)) {
      const frame = await loadRgb(`${FACES}lfw/${who}/${f}`);
      const face = centred(await det.detect(frame), frame);
      if (!face?.descriptor) continue;
      items.push({ who, d: face.descriptor });
      const other = centred(await faceapi.detect(frame), frame);
      if (other?.descriptor) cross.push(descriptorDistance(face.descriptor, other.descriptor));
    }
  }
  assert.ok(items.length >= 8, `descriptors for ${items.length}/9 photos`);
  const same: number[] = [], diff: number[] = [];
  for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) {
    (items[i].who === items[j].who ? same : diff).push(descriptorDistance(items[i].d, items[j].d));
  }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  assert.ok(mean(same) < 0.55 && mean(diff) > 0.6, `same ${mean(same)} vs different ${mean(diff)}`);
  // The two engines align the face differently (5 detector points vs 68 landmarks), so their descriptors
  // of one photo differ a little, far less than two photos of one person do.
  assert.ok(Math.max(...cross) < 0.25, `onnx vs faceapi engine on the same photo: ${cross.map((d) => d.toFixed(3))}`);
});

test('the package\'s sample photos: the onnx engine gives face-api\'s faces, landmarks and descriptors', { skip: built, timeout: 120_000 }, async () => {
  const det = await onnx();
  const faceapi = await createDetector({ engine: 'faceapi' });
  let n = 0;
  for (const f of readdirSync(DEMO).filter((name) => /^sample\d\.jpg$/.test(name))) {
    const { data, info } = await sharp(DEMO + f).resize(640, 640, { fit: 'inside' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const frame: RgbFrame = { data, width: info.width, height: info.height, channels: 3 };
    const a = await det.detect(frame);
    for (const want of await faceapi.detect(frame)) {
      const got = a.find((x) => Math.abs(x.box.x - want.box.x) < 0.01 && Math.abs(x.box.y - want.box.y) < 0.01);
      assert.ok(got, `${f}: face at ${JSON.stringify(want.box)} found by faceapi, not by onnx`);
      assert.ok(Math.abs(got.score - want.score) < 1e-5, `${f}: score ${got.score} vs ${want.score}`);
      const moved = Math.max(...got.landmarks!.map((p, i) => Math.hypot(p[0] - want.landmarks![i][0], p[1] - want.landmarks![i][1])));
      assert.ok(moved < 0.01, `${f}: landmarks ${moved} px apart`);
      assert.ok(descriptorDistance(got.descriptor!, want.descriptor!) < 1e-3, `${f}: descriptors ${descriptorDistance(got.descriptor!, want.descriptor!)} apart`);
      n++;
    }
  }
  assert.ok(n >= 20, `${n} faces compared`);
});

test('a face filling the frame (a close-up cut by the edges) is found by YuNet\'s close-up pass', { skip }, async () => {
  const det = await onnx();
  // Eyes, nose and mouth of an LFW face blown up so the face is cut by every edge (YuNet finds faces
  // cut less than this without help).
  const { data, info } = await sharp(`${FACES}lfw/Tony_Blair/Tony_Blair_0001.jpg`).removeAlpha()
    .extract({ left: 55, top: 58, width: 40, height: 35 }).resize(360, 540).raw().toBuffer({ resolveWithObject: true });
  const frame: RgbFrame = { data, width: info.width, height: info.height, channels: 3 };
  assert.equal((await det.detect(frame, { detector: 'yunet', closeUps: false })).length, 0, 'missed without the close-up pass');
  const found = await det.detect(frame, { detector: 'yunet' });
  assert.equal(found.length, 1);
  assert.ok(found[0].box.w >= 300 && found[0].score > 0.8, JSON.stringify(found[0]));
});

test('in a video, a faint YuNet face sends SSD to look only when YuNet is sure of a face nearby', { skip }, async () => {
  const det = await onnx();
  const frame = await loadRgb(`${FACES}lfw/Tony_Blair/Tony_Blair_0001.jpg`);
  const o = detectOptions(det.engine, { minScore: 0.5, minUsableSize: 40, descriptors: false });
  const [seen] = (await det.engine.firstLook!(frame, o)).filter((f) => f.score >= 0.5);
  assert.ok(seen, 'YuNet is sure of the face');
  const faint = [{ ...seen, score: 0.3 }];
  const alone = await det.engine.detect(frame, o, { own: faint, nearby: [[], []] });
  assert.deepEqual(alone, [], 'a faint face with no sure one around: SSD does not look, no face is reported');
  const near = await det.engine.detect(frame, o, { own: faint, nearby: [[], [seen]] });
  assert.ok(near.some((f) => f.score > 0.8), `a sure face in a frame around it: SSD looks and scores it (${near.map((f) => f.score)})`);
  const own = await det.engine.detect(frame, o, { own: [seen], nearby: [] });
  assert.deepEqual(own.map((f) => f.score), near.map((f) => f.score), 'a sure face of its own: SSD looks as without neighbours');
  assert.deepEqual((await det.engine.detect(frame, o)).map((f) => f.score), own.map((f) => f.score), 'a picture alone: SSD looks where YuNet sees a face');
});
