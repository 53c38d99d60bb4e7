// Face crops as small JPEGs, from the raw RGB frame buffer (no temporary files).
//   aligned: a similarity transform (rotation, scale, shift) maps the eyes, nose tip and mouth corners
//            onto the standard 112x112 ArcFace template, so every crop has the eyes level and in the
//            same place (good for galleries and for any later embedding model).
//   plain:   the detector box widened by a margin, squared, resized.
import sharp from 'sharp';
import { fivePoints, type Box, type Point, type RawImage } from './quality.ts';

export interface CropOptions {
  /** Output side in pixels (default 112). */
  size?: number;
  /** Align by landmarks when they are given (default true). */
  aligned?: boolean;
  /**
   * Extra room around the face, as a fraction of the face (default 0.25 for a gallery-friendly crop;
   * 0 gives the tight ArcFace crop when aligned).
   */
  margin?: number;
  /** JPEG quality (default 85). */
  quality?: number;
}

/** The 5-point ArcFace template for a 112x112 crop: eye centres, nose tip, mouth corners. */
export const ARCFACE_112: Point[] = [
  [38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041],
];

/** A similarity transform dst = a·src + b on complex numbers (a = ar + i·ai). */
export interface Similarity { ar: number; ai: number; bx: number; by: number }

/** Least-squares similarity (no reflection) mapping src points onto dst points. */
export function fitSimilarity(src: Point[], dst: Point[]): Similarity {
  const n = src.length;
  let sx = 0, sy = 0, dx = 0, dy = 0;
  for (let i = 0; i < n; i++) { sx += src[i][0]; sy += src[i][1]; dx += dst[i][0]; dy += dst[i][1]; }
  sx /= n; sy /= n; dx /= n; dy /= n;
  let num_r = 0, num_i = 0, den = 0;
  for (let i = 0; i < n; i++) {
    const zx = src[i][0] - sx, zy = src[i][1] - sy;
    const wx = dst[i][0] - dx, wy = dst[i][1] - dy;
    // (w)·conj(z)
    num_r += wx * zx + wy * zy;
    num_i += wy * zx - wx * zy;
    den += zx * zx + zy * zy;
  }
  const ar = den > 0 ? num_r / den : 1;
  const ai = den > 0 ? num_i / den : 0;
  return { ar, ai, bx: dx - (ar * sx - ai * sy), by: dy - (ai * sx + ar * sy) };
}

/** Template points for a size×size crop with the given margin (template shrunk toward the centre). */
export function alignTemplate(size: number, margin: number): Point[] {
  const k = size / 112 / (1 + margin);
  const c = size / 2;
  return ARCFACE_112.map(([x, y]) => [c + (x - 56) * k, c + (y - 56) * k] as Point);
}

/**
 * Raw RGB size×size pixels of `frame` under the similarity `t` (frame → crop), bilinear. `pixelCentre` 0.5
 * puts pixel centres at half-integer coordinates, 0 at integers (dlib's convention); outside the frame is
 * black, or the nearest edge pixel repeated (`outside: 'edge'`, as dlib does).
 */
export function warpSimilarity(frame: RawImage, t: Similarity, size: number, opts: { pixelCentre: 0 | 0.5; outside: 'black' | 'edge' }): Buffer {
  const ch = frame.channels ?? 3;
  // Inverse: src = (dst - b) / a
  const m2 = t.ar * t.ar + t.ai * t.ai || 1;
  const ir = t.ar / m2, ii = -t.ai / m2;
  const out = Buffer.alloc(size * size * 3);
  const { width: W, height: H, data } = frame;
  const edge = opts.outside === 'edge';
  const g = ch >= 3 ? 1 : 0; // channel step within a pixel (grey frames repeat their one channel)
  // Offset of pixel (x, y) in data, or -1 for black outside the frame.
  const offset = (x: number, y: number) => {
    if (edge) { x = Math.min(W - 1, Math.max(0, x)); y = Math.min(H - 1, Math.max(0, y)); } else if (x < 0 || y < 0 || x >= W || y >= H) return -1;
    return (y * W + x) * ch;
  };
  const h = opts.pixelCentre;
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      const qx = i + h - t.bx, qy = j + h - t.by;
      const fx = ir * qx - ii * qy - h;
      const fy = ii * qx + ir * qy - h;
      const x0 = Math.floor(fx), y0 = Math.floor(fy);
      const ax = fx - x0, ay = fy - y0;
      const inside = x0 >= 0 && y0 >= 0 && x0 + 1 < W && y0 + 1 < H;
      const o00 = inside ? (y0 * W + x0) * ch : offset(x0, y0), o10 = inside ? o00 + ch : offset(x0 + 1, y0);
      const o01 = inside ? o00 + W * ch : offset(x0, y0 + 1), o11 = inside ? o01 + ch : offset(x0 + 1, y0 + 1);
      const d = (j * size + i) * 3;
      for (let c = 0; c < 3; c++) {
        const k = c * g;
        const p00 = o00 < 0 ? 0 : data[o00 + k], p10 = o10 < 0 ? 0 : data[o10 + k];
        const p01 = o01 < 0 ? 0 : data[o01 + k], p11 = o11 < 0 ? 0 : data[o11 + k];
        out[d + c] = Math.round((1 - ay) * ((1 - ax) * p00 + ax * p10) + ay * ((1 - ax) * p01 + ax * p11));
      }
    }
  }
  return out;
}

/** Raw RGB size×size pixels of the aligned face (bilinear sampling; outside the frame is black). */
export function alignedPixels(frame: RawImage, landmarks: Point[], size = 112, margin = 0.25): Buffer {
  const src = landmarks.length === 5 ? landmarks : fivePoints(landmarks);
  return warpSimilarity(frame, fitSimilarity(src, alignTemplate(size, margin)), size, { pixelCentre: 0.5, outside: 'black' });
}

/** The square region a plain crop takes: the box centred, widened by margin, clipped to the frame. */
export function plainCropRegion(box: Box, width: number, height: number, margin = 0.25): { left: number; top: number; width: number; height: number } {
  const side = Math.max(box.w, box.h) * (1 + margin);
  const cx = box.x + box.w / 2, cy = box.y + box.h / 2;
  const left = Math.max(0, Math.floor(cx - side / 2));
  const top = Math.max(0, Math.floor(cy - side / 2));
  const right = Math.min(width, Math.ceil(cx + side / 2));
  const bottom = Math.min(height, Math.ceil(cy + side / 2));
  return { left, top, width: Math.max(1, right - left), height: Math.max(1, bottom - top) };
}

/**
 * A face crop as a JPEG. Aligned (when landmarks are given and aligned !== false) or plain
 * (box + margin, letterboxed to a square when the box touches the frame edge).
 */
export async function faceCrop(
  frame: RawImage,
  face: { box: Box; landmarks?: Point[] | null },
  opts: CropOptions = {},
): Promise<Buffer> {
  const size = opts.size ?? 112;
  const margin = opts.margin ?? 0.25;
  const quality = opts.quality ?? 85;
  const ch = frame.channels ?? 3;
  if (face.landmarks && face.landmarks.length >= 5 && opts.aligned !== false) {
    const raw = alignedPixels(frame, face.landmarks, size, margin);
    return sharp(raw, { raw: { width: size, height: size, channels: 3 } }).jpeg({ quality }).toBuffer();
  }
  const r = plainCropRegion(face.box, frame.width, frame.height, margin);
  return sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: ch as 1 | 3 } })
    .extract(r)
    .resize(size, size, { fit: 'contain', background: { r: 0, g: 0, b: 0 } })
    .jpeg({ quality })
    .toBuffer();
}
