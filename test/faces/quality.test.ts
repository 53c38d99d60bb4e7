// Pure-number parts of the faces library: pose from landmarks, blur, alignment transform. No model needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blurScore, clipBox, fivePoints, greyPatch, laplacianVariance, poseFromLandmarks, type Point } from '../../pipeline/lib/faces/quality.ts';
import { alignTemplate, alignedPixels, fitSimilarity, plainCropRegion, ARCFACE_112 } from '../../pipeline/lib/faces/crop.ts';

/** A symmetric 68-point face around x = 50 (only the points the measures read need to be meaningful). */
function frontalLandmarks(noseDx = 0): Point[] {
  const lm: Point[] = Array.from({ length: 68 }, () => [50, 50] as Point);
  for (let i = 0; i <= 16; i++) lm[i] = [20 + (60 * i) / 16, 60 + 20 * Math.sin((Math.PI * i) / 16)];
  for (let i = 36; i <= 41; i++) lm[i] = [35 + (i - 36), 40];
  for (let i = 42; i <= 47; i++) lm[i] = [60 + (i - 42), 40];
  lm[30] = [50 + noseDx, 60];
  lm[48] = [40, 75];
  lm[54] = [60, 75];
  return lm;
}

test('pose: symmetric landmarks are frontal; nose shift gives signed yaw', () => {
  const p0 = poseFromLandmarks(frontalLandmarks());
  assert.ok(Math.abs(p0.yaw) < 1e-9);
  assert.equal(p0.frontal, 1);
  assert.ok(Math.abs(p0.rollDeg) < 1e-9);
  const right = poseFromLandmarks(frontalLandmarks(15));
  const left = poseFromLandmarks(frontalLandmarks(-15));
  assert.ok(right.yaw > 0.4 && left.yaw < -0.4, `${right.yaw} ${left.yaw}`);
  assert.ok(Math.abs(right.yaw + left.yaw) < 1e-9);
  assert.ok(right.frontal < 0.6);
});

test('pose: roll follows the eye line and does not change yaw', () => {
  const a = (20 * Math.PI) / 180;
  const rot = frontalLandmarks(5).map(([x, y]) => [x * Math.cos(a) - y * Math.sin(a), x * Math.sin(a) + y * Math.cos(a)] as Point);
  const p = poseFromLandmarks(rot);
  assert.ok(Math.abs(p.rollDeg - 20) < 1e-6, String(p.rollDeg));
  assert.ok(Math.abs(p.yaw - poseFromLandmarks(frontalLandmarks(5)).yaw) < 1e-9);
});

test('blur: flat patch is 0, sharp edges beat their blurred copy', () => {
  assert.equal(laplacianVariance(new Float32Array(64 * 64).fill(128), 64), 0);
  const w = 64, h = 64;
  const sharp = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) sharp.fill(((x >> 2) + (y >> 2)) % 2 ? 255 : 0, (y * w + x) * 3, (y * w + x) * 3 + 3);
  const blurred = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
    let s = 0, n = 0;
    for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) {
      const xx = x + dx, yy = y + dy;
      if (xx >= 0 && yy >= 0 && xx < w && yy < h) { s += sharp[(yy * w + xx) * 3 + c]; n++; }
    }
    blurred[(y * w + x) * 3 + c] = Math.round(s / n);
  }
  const box = { x: 0, y: 0, w, h };
  const bs = blurScore({ data: sharp, width: w, height: h }, box);
  const bb = blurScore({ data: blurred, width: w, height: h }, box);
  assert.ok(bs > 5 * bb, `${bs} vs ${bb}`);
  // The fixed-size patch makes the measure about the same for the same content at another scale.
  const g = greyPatch({ data: sharp, width: w, height: h }, { x: 0, y: 0, w: 32, h: 32 }, 16);
  assert.equal(g.length, 256);
});

test('clipBox clips to the frame and drops empty boxes', () => {
  assert.deepEqual(clipBox({ x: -5.5, y: 2.2, w: 20, h: 10 }, 10, 10), { x: 0, y: 2, w: 10, h: 8 });
  assert.equal(clipBox({ x: 20, y: 0, w: 5, h: 5 }, 10, 10), null);
});

test('fitSimilarity recovers a known rotation+scale+shift', () => {
  const a = 0.3, s = 1.7, tx = 12, ty = -4;
  const src: Point[] = [[10, 10], [40, 12], [25, 30], [14, 44], [37, 45]];
  const dst = src.map(([x, y]) => [s * (x * Math.cos(a) - y * Math.sin(a)) + tx, s * (x * Math.sin(a) + y * Math.cos(a)) + ty] as Point);
  const t = fitSimilarity(src, dst);
  assert.ok(Math.abs(t.ar - s * Math.cos(a)) < 1e-9 && Math.abs(t.ai - s * Math.sin(a)) < 1e-9);
  assert.ok(Math.abs(t.bx - tx) < 1e-9 && Math.abs(t.by - ty) < 1e-9);
});

test('alignedPixels maps template points back onto the source landmarks', () => {
  // A frame whose pixel values encode their own coordinates: R = x, G = y.
  const W = 200, H = 200;
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) { data[(y * W + x) * 3] = x; data[(y * W + x) * 3 + 1] = y; }
  const five: Point[] = ARCFACE_112.map(([x, y]) => [x + 40, y + 30] as Point); // the template shifted
  const out = alignedPixels({ data, width: W, height: H }, five, 112, 0);
  const i = 56, j = 56; // centre of the output
  assert.ok(Math.abs(out[(j * 112 + i) * 3] - (56 + 40)) <= 1);
  assert.ok(Math.abs(out[(j * 112 + i) * 3 + 1] - (56 + 30)) <= 1);
  assert.deepEqual(alignTemplate(112, 0).map((p) => p.map((v) => +v.toFixed(4))), ARCFACE_112);
  assert.equal(fivePoints(frontalLandmarks()).length, 5);
});

test('plainCropRegion is square around the box, clipped to the frame', () => {
  assert.deepEqual(plainCropRegion({ x: 40, y: 40, w: 20, h: 20 }, 100, 100, 0.5), { left: 35, top: 35, width: 30, height: 30 });
  const edge = plainCropRegion({ x: 0, y: 0, w: 20, h: 20 }, 100, 100, 0.5);
  assert.equal(edge.left, 0);
  assert.equal(edge.width, 25);
});
