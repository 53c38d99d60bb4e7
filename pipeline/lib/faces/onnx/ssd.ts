// face-api's SSD MobileNet v1 (rebuilt as ONNX, models/faceapi/ssd.onnx) as face-api runs it: the frame
// padded to a square at the bottom/right with black, resized bilinearly to 512 (TensorFlow's legacy
// sampling), the net's decoded boxes and scores, greedy NMS at IoU 0.5, boxes mapped back to the frame
// (SsdMobilenetv1.ts locateFaces, nonMaxSuppression.ts). Checked against face-api: test/faces/onnx-nets.test.ts.
import type { Box, RawImage } from '../quality.ts';
import { scratch } from './scratch.ts';

export const SSD_SIZE = 512;

export interface SsdFace { box: Box; score: number }

/**
 * float32 NHWC RGB 0..255 [512, 512, 3] of the frame as face-api builds it (toBatchTensor(512, false)).
 * The buffer is reused by the next call: run the net on it before asking for another.
 */
export function ssdInput(frame: RawImage): Float32Array {
  const { width, height, data } = frame;
  const ch = frame.channels ?? 3;
  const side = Math.max(width, height);
  const out = scratch(`ssd ${width}x${height}`, SSD_SIZE * SSD_SIZE * 3);
  const ratio = side / SSD_SIZE;
  // Source columns and weights per output column; columns in the black padding (≥ width) read as 0.
  const x0s = new Int32Array(SSD_SIZE), x1s = new Int32Array(SSD_SIZE), wxs = new Float32Array(SSD_SIZE);
  let cols = 0; // output columns that read any image pixel
  for (let c = 0; c < SSD_SIZE; c++) {
    const fx = ratio * c, x0 = Math.floor(fx);
    if (x0 >= width) break;
    x0s[c] = x0 * ch; x1s[c] = Math.min(side - 1, Math.ceil(fx)) < width ? Math.min(side - 1, Math.ceil(fx)) * ch : -1; wxs[c] = fx - x0;
    cols = c + 1;
  }
  // One source row resampled along x into `row` (RGB floats; columns from `cols` on stay 0).
  const rowA = new Float32Array(SSD_SIZE * 3), rowB = new Float32Array(SSD_SIZE * 3);
  const resample = (y: number, row: Float32Array) => {
    if (y >= height) { row.fill(0); return; }
    const base = y * width * ch;
    for (let c = 0, d = 0; c < cols; c++, d += 3) {
      const a = base + x0s[c], w = wxs[c];
      if (x1s[c] < 0) {
        row[d] = data[a] - data[a] * w; row[d + 1] = data[a + 1] - data[a + 1] * w; row[d + 2] = data[a + 2] - data[a + 2] * w;
      } else {
        const b = base + x1s[c];
        row[d] = data[a] + (data[b] - data[a]) * w;
        row[d + 1] = data[a + 1] + (data[b + 1] - data[a + 1]) * w;
        row[d + 2] = data[a + 2] + (data[b + 2] - data[a + 2]) * w;
      }
    }
  };
  let ya = -1, yb = -1;
  for (let r = 0; r < SSD_SIZE; r++) {
    const fy = ratio * r, y0 = Math.floor(fy), y1 = Math.min(side - 1, Math.ceil(fy)), dy = fy - y0;
    if (y0 >= height) break; // the rest is padding: zeros
    if (ya !== y0) { if (yb === y0) rowA.set(rowB); else resample(y0, rowA); ya = y0; }
    if (yb !== y1) { resample(y1, rowB); yb = y1; }
    const o = r * SSD_SIZE * 3;
    for (let i = 0; i < cols * 3; i++) out[o + i] = rowA[i] + (rowB[i] - rowA[i]) * dy;
  }
  return out;
}

/**
 * Faces from the net's `boxes` ([5118, 4] ymin, xmin, ymax, xmax relative to the 512 square) and `scores`
 * ([5118]) for a frame of width × height: scores above minScore, greedy NMS (IoU > 0.5 drops, on the
 * unclipped boxes), at most maxFaces, each box clipped to 0..1 and mapped back to frame pixels.
 */
export function decodeSsd(boxes: Float32Array, scores: Float32Array, width: number, height: number, minScore: number, maxFaces: number): SsdFace[] {
  const b = (i: number, k: number) => boxes[i * 4 + k];
  const iou = (i: number, j: number) => {
    const yi0 = Math.min(b(i, 0), b(i, 2)), xi0 = Math.min(b(i, 1), b(i, 3)), yi1 = Math.max(b(i, 0), b(i, 2)), xi1 = Math.max(b(i, 1), b(i, 3));
    const yj0 = Math.min(b(j, 0), b(j, 2)), xj0 = Math.min(b(j, 1), b(j, 3)), yj1 = Math.max(b(j, 0), b(j, 2)), xj1 = Math.max(b(j, 1), b(j, 3));
    const ai = (yi1 - yi0) * (xi1 - xi0), aj = (yj1 - yj0) * (xj1 - xj0);
    if (ai <= 0 || aj <= 0) return 0;
    const inter = Math.max(Math.min(yi1, yj1) - Math.max(yi0, yj0), 0) * Math.max(Math.min(xi1, xj1) - Math.max(xi0, xj0), 0);
    return inter / (ai + aj - inter);
  };
  const candidates: { score: number; i: number }[] = [];
  for (let i = 0; i < scores.length; i++) if (scores[i] > minScore) candidates.push({ score: scores[i], i });
  candidates.sort((p, q) => q.score - p.score);
  const kept: number[] = [];
  for (const c of candidates) {
    if (kept.length >= maxFaces) break;
    if (!kept.some((j) => iou(c.i, j) > 0.5)) kept.push(c.i);
  }
  const scale = SSD_SIZE / Math.max(width, height);
  const padX = SSD_SIZE / Math.round(width * scale), padY = SSD_SIZE / Math.round(height * scale);
  const out: SsdFace[] = [];
  for (const i of kept) {
    const top = Math.max(0, b(i, 0)) * padY, bottom = Math.min(1, b(i, 2)) * padY;
    const left = Math.max(0, b(i, 1)) * padX, right = Math.min(1, b(i, 3)) * padX;
    if (right < left || bottom < top) continue; // wholly outside the picture (face-api's Rect would throw)
    out.push({ score: scores[i], box: { x: left * width, y: top * height, w: (right - left) * width, h: (bottom - top) * height } });
  }
  return out;
}
