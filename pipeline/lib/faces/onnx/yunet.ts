// YuNet on an RGB frame: the input tensor, and the decoding of its outputs as OpenCV's FaceDetectorYN
// does it (modules/objdetect/src/face_detect.cpp): anchor-free, per stride 8/16/32 a class score, an
// objectness, a box (centre offset in cells, log size) and 5 points; score = sqrt(cls · obj); then NMS.
import type { Box, Point, RawImage } from '../quality.ts';
import { iou } from '../../tracks/index.ts';
import { scratch } from './scratch.ts';

export interface YunetFace { box: Box; score: number; points: Point[] }

const STRIDES = [8, 16, 32];

/**
 * float32 NCHW BGR 0..255 of the frame padded with black at the right and bottom to multiples of 32.
 * The buffer is reused by the next call: run the net on it before asking for another.
 */
export function yunetInput(frame: RawImage): { data: Float32Array; width: number; height: number } {
  const ch = frame.channels ?? 3;
  const width = Math.ceil(frame.width / 32) * 32, height = Math.ceil(frame.height / 32) * 32;
  const plane = width * height;
  const data = scratch(`yunet ${frame.width}x${frame.height}`, 3 * plane);
  const src = frame.data;
  for (let y = 0; y < frame.height; y++) {
    let s = y * frame.width * ch, d = y * width;
    for (let x = 0; x < frame.width; x++, s += ch, d++) {
      data[d] = src[s + 2]; // B
      data[plane + d] = src[s + 1]; // G
      data[2 * plane + d] = src[s]; // R
    }
  }
  return { data, width, height };
}

type Outputs = Record<string, { data: unknown }>;

/** Faces above minScore in YuNet's outputs for an input of width × height, after NMS (best first). */
export function decodeYunet(out: Outputs, width: number, height: number, minScore: number, nmsIou = 0.3, maxFaces = 100): YunetFace[] {
  const found: YunetFace[] = [];
  const floor = minScore * minScore * (1 - 1e-6);
  for (const s of STRIDES) {
    const cols = width / s, rows = height / s;
    const cls = out[`cls_${s}`].data as Float32Array, obj = out[`obj_${s}`].data as Float32Array;
    const bbox = out[`bbox_${s}`].data as Float32Array, kps = out[`kps_${s}`].data as Float32Array;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        const p = Math.min(1, Math.max(0, cls[i])) * Math.min(1, Math.max(0, obj[i]));
        if (p < floor) continue; // cheap test first: most cells hold no face
        const score = Math.sqrt(p);
        if (score < minScore) continue;
        const cx = (c + bbox[i * 4]) * s, cy = (r + bbox[i * 4 + 1]) * s;
        const w = Math.exp(bbox[i * 4 + 2]) * s, h = Math.exp(bbox[i * 4 + 3]) * s;
        const points: Point[] = [];
        for (let k = 0; k < 5; k++) points.push([(kps[i * 10 + 2 * k] + c) * s, (kps[i * 10 + 2 * k + 1] + r) * s]);
        found.push({ box: { x: cx - w / 2, y: cy - h / 2, w, h }, score, points });
      }
    }
  }
  // Deterministic NMS: best score first, ties by position.
  found.sort((a, b) => b.score - a.score || a.box.y - b.box.y || a.box.x - b.box.x);
  const kept: YunetFace[] = [];
  for (const f of found) {
    if (kept.length >= maxFaces) break;
    if (kept.every((k) => iou(k.box, f.box) <= nmsIou)) kept.push(f);
  }
  return kept;
}
