// face-api's SSD MobileNet v1 (rebuilt as ONNX, models/faceapi/ssd.onnx) as face-api runs it: the frame
// padded to a square at the bottom/right with black, resized bilinearly to 512 (TensorFlow's legacy
// sampling), the net's decoded boxes and scores, greedy NMS at IoU 0.5, boxes mapped back to the frame
// (SsdMobilenetv1.ts locateFaces, nonMaxSuppression.ts). Checked against face-api: test/faces/onnx-nets.test.ts.
import type { Box, RawImage } from '../quality.ts';

export const SSD_SIZE = 512;

export interface SsdFace { box: Box; score: number }

/** float32 NHWC RGB 0..255 [512, 512, 3] of the frame as face-api builds it (toBatchTensor(512, false)). */
export function ssdInput(frame: RawImage): Float32Array {
  const { width, height, data } = frame;
  const ch = frame.channels ?? 3;
  const side = Math.max(width, height);
  const out = new Float32Array(SSD_SIZE * SSD_SIZE * 3);
  const ratio = side / SSD_SIZE;
  // Per output column: its two source columns (-1 = the black padding) and weight.
  const xs = Array.from({ length: SSD_SIZE }, (_, c) => {
    const fx = ratio * c, x0 = Math.floor(fx), x1 = Math.min(side - 1, Math.ceil(fx));
    return { a: x0 < width ? x0 * ch : -1, b: x1 < width ? x1 * ch : -1, w: fx - x0 };
  });
  const px = (row: number, x: number, k: number) => (row < 0 || x < 0 ? 0 : data[row + x + k]);
  for (let r = 0; r < SSD_SIZE; r++) {
    const fy = ratio * r, y0 = Math.floor(fy), y1 = Math.min(side - 1, Math.ceil(fy)), dy = fy - y0;
    const ra = y0 < height ? y0 * width * ch : -1, rb = y1 < height ? y1 * width * ch : -1;
    for (let c = 0; c < SSD_SIZE; c++) {
      const { a, b, w } = xs[c];
      for (let k = 0; k < 3; k++) {
        const top = px(ra, a, k) + (px(ra, b, k) - px(ra, a, k)) * w;
        const bottom = px(rb, a, k) + (px(rb, b, k) - px(rb, a, k)) * w;
        out[(r * SSD_SIZE + c) * 3 + k] = top + (bottom - top) * dy;
      }
    }
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
  const candidates = Array.from(scores, (score, i) => ({ score, i })).filter((c) => c.score > minScore).sort((p, q) => q.score - p.score);
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
