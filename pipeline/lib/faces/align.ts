// dlib-style face chips: the input the descriptor net was trained on.
//
// face-api's faceRecognitionNet is a port of dlib_face_recognition_resnet_model_v1, which was trained on
// 150x150 chips made by dlib's get_face_chip_details: a least-squares similarity transform (rotation,
// scale, shift) of the 68 landmarks — eyebrows, jaw and lower lip left out — onto dlib's mean face, with
// padding 0.25. face-api's own descriptor instead takes an axis-aligned box from the landmarks (no
// rotation). On LFW (bench/verify.ts) the chip's descriptor verifies better (98.59% vs 98.20% ten-fold),
// and the mean of the chip's and its mirror image's descriptors better still (98.74%).
import { fitSimilarity, warpSimilarity } from './crop.ts';
import type { Point, RawImage } from './quality.ts';

/**
 * dlib's mean face (landmarks 17..67 in a unit square; dlib/image_transforms/interpolation.h,
 * get_face_chip_details).
 */
export const DLIB_MEAN_X = [
  0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124, 0.904991, 0.98004, 0.490127, 0.490127,
  0.490127, 0.490127, 0.36688, 0.426036, 0.490127, 0.554217, 0.613373, 0.121737, 0.187122, 0.265825, 0.334606, 0.260918,
  0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149, 0.340985, 0.428858, 0.490127, 0.551395,
  0.639268, 0.726104, 0.642159, 0.556721, 0.490127, 0.423532, 0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874,
  0.553364, 0.490127, 0.42689,
];
export const DLIB_MEAN_Y = [
  0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915, 0.106454, 0.203352,
  0.307009, 0.409805, 0.515625, 0.587326, 0.609345, 0.628106, 0.609345, 0.587326, 0.216423, 0.178758, 0.179852, 0.231733,
  0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077, 0.245099, 0.780233, 0.745405, 0.727388, 0.742578,
  0.727388, 0.745405, 0.780233, 0.864805, 0.902192, 0.909281, 0.902192, 0.864805, 0.784792, 0.778746, 0.785343, 0.778746,
  0.784792, 0.824182, 0.831803, 0.824182,
];
/** Side of a dlib face chip in pixels (the descriptor net's input size). */
export const CHIP = 150;
/** dlib's chip padding: room around the mean face, as a fraction of it on each side. */
export const CHIP_PADDING = 0.25;

/**
 * RGB pixels (CHIP × CHIP × 3) of a dlib-style face chip of an rgb24 frame: a least-squares similarity maps
 * the landmarks (68 points, iBUG order) onto dlib's mean face. Bilinear sampling as dlib does it: pixel
 * centres at integer coordinates, outside the frame the nearest edge pixel repeated.
 */
export function dlibChip(frame: RawImage, lm: Point[]): Buffer {
  if (lm.length !== 68) throw new Error(`dlibChip wants 68 landmarks, got ${lm.length}`);
  if ((frame.channels ?? 3) !== 3) throw new Error(`dlibChip wants rgb24 frames (3 channels), got ${frame.channels}`);
  const src: Point[] = [], dst: Point[] = [];
  for (let i = 27; i < 68; i++) {
    if ((i >= 55 && i <= 59) || i >= 65) continue; // dlib leaves out the lower lip (and the brows, i < 27)
    src.push(lm[i]);
    dst.push([(CHIP_PADDING + DLIB_MEAN_X[i - 17]) / (2 * CHIP_PADDING + 1) * CHIP, (CHIP_PADDING + DLIB_MEAN_Y[i - 17]) / (2 * CHIP_PADDING + 1) * CHIP]);
  }
  return warpSimilarity(frame, fitSimilarity(src, dst), CHIP, { pixelCentre: 0, outside: 'edge' });
}

/** A chip mirrored left-right. */
export function mirrorChip(chip: Uint8Array): Buffer {
  const out = Buffer.alloc(chip.length);
  for (let y = 0; y < CHIP; y++) for (let x = 0; x < CHIP; x++) {
    const s = (y * CHIP + x) * 3, d = (y * CHIP + CHIP - 1 - x) * 3;
    out[d] = chip[s]; out[d + 1] = chip[s + 1]; out[d + 2] = chip[s + 2];
  }
  return out;
}
