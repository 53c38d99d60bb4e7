// Face quality measures computed on plain numbers: pose from the 68 landmarks, blur from pixels.
// No tfjs here, so these are cheap and testable on their own.

export type Point = [number, number];

/** Pixel rectangle. */
export interface Box { x: number; y: number; w: number; h: number }

/** An image as packed pixels, row-major, `channels` bytes per pixel (3 = RGB, 1 = grey). */
export interface RawImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels?: number;
}

export interface PoseEstimate {
  /**
   * Left-right head turn from landmark asymmetry, in [-1, 1]: 0 = frontal, ±1 = full profile.
   * (d_left − d_right)/(d_left + d_right) where d_* are the distances from the nose tip to the two
   * ends of the jaw outline, measured along the eye line. Positive: nose towards the image's right.
   */
  yaw: number;
  /** Rough yaw angle in degrees, asin(yaw) (a cylinder-head approximation; for gating, not geometry). */
  yawDeg: number;
  /** In-plane rotation of the eye line, degrees (positive: clockwise in image coordinates). */
  rollDeg: number;
  /** 1 − |yaw|: 1 for a frontal face, 0 for a profile. */
  frontal: number;
}

function mean(points: Point[], from: number, to: number): Point {
  let x = 0, y = 0;
  for (let i = from; i <= to; i++) { x += points[i][0]; y += points[i][1]; }
  const n = to - from + 1;
  return [x / n, y / n];
}

/** Eye centres (image-left eye first), nose tip and mouth corners from 68-point landmarks (iBUG order). */
export function fivePoints(lm: Point[]): Point[] {
  return [mean(lm, 36, 41), mean(lm, 42, 47), lm[30], lm[48], lm[54]];
}

/** Yaw/roll/frontalness from 68 landmarks (iBUG-300W order, as face-api returns them). */
export function poseFromLandmarks(lm: Point[]): PoseEstimate {
  if (lm.length !== 68) throw new Error(`expected 68 landmarks, got ${lm.length}`);
  const eyeL = mean(lm, 36, 41);
  const eyeR = mean(lm, 42, 47);
  let ux = eyeR[0] - eyeL[0], uy = eyeR[1] - eyeL[1];
  const len = Math.hypot(ux, uy) || 1;
  ux /= len; uy /= len;
  const along = (p: Point) => p[0] * ux + p[1] * uy;
  const nose = along(lm[30]);
  const dLeft = Math.max(0, nose - along(lm[0]));
  const dRight = Math.max(0, along(lm[16]) - nose);
  const sum = dLeft + dRight;
  const yaw = sum > 0 ? Math.max(-1, Math.min(1, (dLeft - dRight) / sum)) : 0;
  return {
    yaw,
    yawDeg: (Math.asin(yaw) * 180) / Math.PI,
    rollDeg: (Math.atan2(uy, ux) * 180) / Math.PI,
    frontal: 1 - Math.abs(yaw),
  };
}

/** A face's size as the size gate measures it: the shorter side of its box within the image, px. */
export function sizeInFrame(b: Box, width: number, height: number): number {
  return Math.max(0, Math.min(Math.min(width, b.x + b.w) - Math.max(0, b.x), Math.min(height, b.y + b.h) - Math.max(0, b.y)));
}

/** Clips a box to the image and rounds it outward to whole pixels; null when nothing is left. */
export function clipBox(box: Box, width: number, height: number): { x: number; y: number; w: number; h: number } | null {
  const x0 = Math.max(0, Math.floor(box.x));
  const y0 = Math.max(0, Math.floor(box.y));
  const x1 = Math.min(width, Math.ceil(box.x + box.w));
  const y1 = Math.min(height, Math.ceil(box.y + box.h));
  if (x1 - x0 < 1 || y1 - y0 < 1) return null;
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/**
 * Grey version of an image region resampled to size×size (box average when shrinking, bilinear when
 * enlarging). Luma weights BT.601. Returns Float32Array of size*size values in 0..255.
 */
export function greyPatch(img: RawImage, box: Box, size: number): Float32Array {
  const ch = img.channels ?? 3;
  const { width, height, data } = img;
  const out = new Float32Array(size * size);
  const c = clipBox(box, width, height);
  if (!c) return out;
  // Grey of the clipped region first (small: a face box).
  const grey = new Float32Array(c.w * c.h);
  for (let y = 0; y < c.h; y++) {
    let o = ((c.y + y) * width + c.x) * ch;
    for (let x = 0; x < c.w; x++, o += ch) {
      grey[y * c.w + x] = ch >= 3 ? 0.299 * data[o] + 0.587 * data[o + 1] + 0.114 * data[o + 2] : data[o];
    }
  }
  const sx = c.w / size, sy = c.h / size;
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      let v: number;
      if (sx > 1 || sy > 1) {
        const xa = Math.floor(i * sx), xb = Math.max(xa + 1, Math.floor((i + 1) * sx));
        const ya = Math.floor(j * sy), yb = Math.max(ya + 1, Math.floor((j + 1) * sy));
        let s = 0;
        for (let y = ya; y < Math.min(yb, c.h); y++) for (let x = xa; x < Math.min(xb, c.w); x++) s += grey[y * c.w + x];
        v = s / ((Math.min(yb, c.h) - ya) * (Math.min(xb, c.w) - xa));
      } else {
        const fx = Math.min(c.w - 1, Math.max(0, (i + 0.5) * sx - 0.5));
        const fy = Math.min(c.h - 1, Math.max(0, (j + 0.5) * sy - 0.5));
        const x0 = Math.floor(fx), y0 = Math.floor(fy);
        const x1 = Math.min(c.w - 1, x0 + 1), y1 = Math.min(c.h - 1, y0 + 1);
        const ax = fx - x0, ay = fy - y0;
        v = (1 - ay) * ((1 - ax) * grey[y0 * c.w + x0] + ax * grey[y0 * c.w + x1])
          + ay * ((1 - ax) * grey[y1 * c.w + x0] + ax * grey[y1 * c.w + x1]);
      }
      out[j * size + i] = v;
    }
  }
  return out;
}

/** Variance of the 4-neighbour Laplacian over the interior of a size×size grey patch. */
export function laplacianVariance(grey: Float32Array, size: number): number {
  let s = 0, s2 = 0, n = 0;
  for (let y = 1; y < size - 1; y++) {
    for (let x = 1; x < size - 1; x++) {
      const k = y * size + x;
      const l = grey[k - 1] + grey[k + 1] + grey[k - size] + grey[k + size] - 4 * grey[k];
      s += l; s2 += l * l; n++;
    }
  }
  if (n === 0) return 0;
  const m = s / n;
  return s2 / n - m * m;
}

/**
 * Sharpness of a face: variance of the Laplacian of its grey crop, resampled to a fixed size so the
 * number is comparable across face sizes (higher = sharper; a blurred face scores low).
 */
export function blurScore(img: RawImage, box: Box, size = 64): number {
  return laplacianVariance(greyPatch(img, box, size), size);
}
