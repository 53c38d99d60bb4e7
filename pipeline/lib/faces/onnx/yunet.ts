// YuNet on an RGB frame: the input tensor, and the decoding of its outputs as OpenCV's FaceDetectorYN
// does it (modules/objdetect/src/face_detect.cpp): anchor-free, per stride 8/16/32 a class score, an
// objectness, a box (centre offset in cells, log size) and 5 points; score = sqrt(cls · obj); then NMS.
import type { Box, Point, RawImage } from '../quality.ts';
import { iou } from '../../tracks/index.ts';

export interface YunetFace { box: Box; score: number; points: Point[] }

const STRIDES = [8, 16, 32];

/**
 * YuNet's input as its graph (yunet_rgb.onnx) takes it: the frame's rgb24 bytes as they are, [1, H, W, 3]; the
 * graph makes them planar BGR floats padded with black at the right and bottom to multiples of 32 (`width`,
 * `height`: the padded size its outputs refer to). The data is the frame's own, read by onnxruntime after
 * `run` yields: leave it unchanged until the run has finished.
 */
export function yunetInput(frame: RawImage): { data: Uint8Array; dims: number[]; width: number; height: number } {
  if ((frame.channels ?? 3) !== 3) throw new Error(`YuNet wants rgb24 frames (3 channels), got ${frame.channels}`);
  const data = frame.data.length === frame.width * frame.height * 3 ? frame.data : frame.data.subarray(0, frame.width * frame.height * 3);
  return { data, dims: [1, frame.height, frame.width, 3], width: Math.ceil(frame.width / 32) * 32, height: Math.ceil(frame.height / 32) * 32 };
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
