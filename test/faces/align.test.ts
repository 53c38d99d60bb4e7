// dlib-style face chips (pipeline/lib/faces/align.ts): pure pixel geometry, no face engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHIP, CHIP_PADDING, DLIB_MEAN_X, DLIB_MEAN_Y, dlibChip } from '../../pipeline/lib/faces/align.ts';
import type { Point } from '../../pipeline/lib/faces/index.ts';
import { mulberry32 } from '../../pipeline/lib/synth/prng.ts';

test('dlib-style chip: landmarks on the mean face give the frame back; a rotated face comes out upright', () => {
  // 68 landmarks placed exactly on dlib's chip template (points 0..16 are unused by the fit).
  const onTemplate: Point[] = Array.from({ length: 68 }, (_, i) => (i < 17 ? [0, 0] : [
    (CHIP_PADDING + DLIB_MEAN_X[i - 17]) / (2 * CHIP_PADDING + 1) * CHIP,
    (CHIP_PADDING + DLIB_MEAN_Y[i - 17]) / (2 * CHIP_PADDING + 1) * CHIP,
  ] as Point));
  const rng = mulberry32(9);
  const frame = { data: Buffer.from(Array.from({ length: CHIP * CHIP * 3 }, () => Math.floor(rng() * 256))), width: CHIP, height: CHIP };
  assert.ok(dlibChip(frame, onTemplate).equals(frame.data));
  // The frame turned 90° clockwise (pixel (x, y) → (H−1−y, x)), landmarks turned with it.
  const rot = Buffer.alloc(frame.data.length);
  for (let y = 0; y < CHIP; y++) for (let x = 0; x < CHIP; x++) {
    const nx = CHIP - 1 - y, ny = x;
    frame.data.copy(rot, (ny * CHIP + nx) * 3, (y * CHIP + x) * 3, (y * CHIP + x) * 3 + 3);
  }
  const turned = onTemplate.map(([x, y]) => [CHIP - 1 - y, x] as Point);
  const back = dlibChip({ data: rot, width: CHIP, height: CHIP }, turned);
  let maxDiff = 0;
  for (let i = 0; i < back.length; i++) maxDiff = Math.max(maxDiff, Math.abs(back[i] - frame.data[i]));
  assert.ok(maxDiff <= 1, `max pixel difference ${maxDiff}`);
});

test('dlib-style chip: refuses what it cannot read', () => {
  const frame = { data: Buffer.alloc(10 * 10 * 3), width: 10, height: 10 };
  assert.throws(() => dlibChip(frame, Array.from({ length: 5 }, () => [0, 0] as Point)), /68 landmarks/);
  assert.throws(() => dlibChip({ ...frame, channels: 1 }, Array.from({ length: 68 }, () => [0, 0] as Point)), /rgb24/);
});
