// Faces in one RGB frame with 68 landmarks, 128-d descriptors and quality, as plain objects: the face
// engine's three calls (engine.ts) composed the same way whichever engine runs them.
import { dlibChip, mirrorChip } from './align.ts';
import { loadEngine, type EngineOptions, type FaceEngine, type FirstLooks } from './engine.ts';
import type { NetName } from './faceapi/backend.ts';
import { blurScore, clipBox, poseFromLandmarks, sizeInFrame, type Box, type Point, type RawImage } from './quality.ts';

/**
 * faceapi engine: ssd (SSD MobileNet v1) or tiny (the Tiny Face Detector). onnx engine: yunet (YuNet alone) or
 * ssd (YuNet finds the faces, SSD scores the usable ones: see onnx/engine.ts).
 */
export type DetectorName = 'yunet' | 'ssd' | 'tiny';

/**
 * How a face's 128-d descriptor is computed (the same net, face-api's faceRecognitionNet, on different crops):
 * - 'faceapi': face-api's own — the net on an axis-aligned box around the landmarks, not rotated.
 * - 'aligned': the net on a dlib-style 150x150 chip (align.ts: the landmarks mapped onto dlib's mean face by a
 *   similarity transform, as the dlib model it is ported from was trained).
 * - 'flip':    the mean of the chip's descriptor and its mirror image's (one more net run per face).
 * LFW ten-fold verification (bench/verify.ts): faceapi 98.20%, aligned 98.59%, flip 98.74%. Descriptors of
 * different modes are not comparable with each other.
 */
export type DescriptorMode = 'faceapi' | 'aligned' | 'flip';
export const DESCRIPTOR_MODES: readonly DescriptorMode[] = ['faceapi', 'aligned', 'flip'];

export interface DetectOptions {
  /** Default 'ssd' (see DetectorName). */
  detector?: DetectorName;
  /** Minimum detector score, 0..1 (default 0.5). */
  minScore?: number;
  /** SSD: most faces kept per frame (default 100). */
  maxFaces?: number;
  /** Tiny detector input size, a multiple of 32 (default 416; 320/224 are faster, miss small faces). */
  tinyInputSize?: number;
  /** Compute the 68 landmarks (default true; needed for descriptors and pose). */
  landmarks?: boolean;
  /** Compute 128-d descriptors (default true; implies landmarks). */
  descriptors?: boolean;
  /** How descriptors are computed (default 'flip', the most accurate; see DescriptorMode). */
  descriptor?: DescriptorMode;
  /** Side of the grey patch the blur measure is computed on (default 64). */
  blurSize?: number;
  /**
   * When the detector finds nothing, look again for a face filling the frame (a selfie close-up, cut
   * by the frame edges), which detectors miss: the frame is padded on every side by half its long side
   * and searched again (default true).
   */
  closeUps?: boolean;
  /**
   * faceapi engine, SSD: its score for one face swings with the scale it is seen at (0.56 on a frame, 0.93
   * on the same frame padded by a quarter): a face found with a score below this, at least minUsableSize px,
   * is looked at again on a padded copy of the frame and keeps the higher score (default 0 = off, as
   * bench/verify measured the descriptors; the pipeline sets it from params faces.rescore_below).
   */
  rescoreBelow?: number;
  /**
   * Faces smaller than this (shorter side of the clipped box, px) are returned as detected, without a
   * descriptor and without a second look: too small to be used for identity (default 0: every face).
   */
  minUsableSize?: number;
}

export interface FaceQuality {
  /** Shorter side of the (clipped) box, pixels. */
  size: number;
  /** Box area / frame area. */
  areaShare: number;
  /** 1 = frontal … 0 = profile (from landmarks; null without landmarks). */
  frontal: number | null;
  /** Signed yaw asymmetry in [-1, 1] (see quality.ts), null without landmarks. */
  yaw: number | null;
  /** Eye-line roll in degrees, null without landmarks. */
  rollDeg: number | null;
  /** Variance of Laplacian of the grey face crop resampled to blurSize² (higher = sharper). */
  blur: number;
}

export interface DetectedFace {
  /** Box in frame pixels, clipped to the frame. */
  box: Box;
  /** Detector score 0..1. */
  score: number;
  /** 68 points [x, y] in frame pixels (iBUG order), or null when landmarks were off. */
  landmarks: Point[] | null;
  /**
   * 128-d face descriptor, or null when off. Euclidean distance below ≈ 0.59–0.61 means the same person
   * (LFW, bench/verify.ts: best threshold 0.59 for 'flip', 0.61 for 'faceapi').
   */
  descriptor: Float32Array | null;
  quality: FaceQuality;
}

/** An RGB frame: packed rgb24, as frames/decodeFrames yields. */
export interface RgbFrame extends RawImage {}

export const DEFAULT_DETECT: Omit<Required<DetectOptions>, 'detector'> = {
  minScore: 0.5,
  maxFaces: 100,
  tinyInputSize: 416,
  landmarks: true,
  descriptors: true,
  descriptor: 'flip',
  blurSize: 64,
  closeUps: true,
  rescoreBelow: 0,
  minUsableSize: 0,
};

/** Each engine's detector when the options name none. */
const DEFAULT_DETECTOR: Record<FaceEngine['name'], DetectorName> = { onnx: 'ssd', faceapi: 'ssd' };

/** The face-api nets a set of detect options needs (faceapi engine). */
export function netsFor(opts: DetectOptions = {}): NetName[] {
  const o = { ...DEFAULT_DETECT, detector: 'ssd', ...opts };
  const nets: NetName[] = [o.detector === 'tiny' ? 'tiny' : 'ssd'];
  if (o.closeUps && o.detector !== 'tiny') nets.push('tiny');
  if (o.landmarks || o.descriptors) nets.push('landmarks');
  if (o.descriptors) nets.push('descriptor');
  return nets;
}

/** A detector bound to a loaded engine (one per thread). */
export interface FaceDetector {
  engine: FaceEngine;
  detect(frame: RgbFrame, opts?: DetectOptions): Promise<DetectedFace[]>;
}

/** Loads the engine (once per thread) and returns a detector with these default options. */
export async function createDetector(engine: EngineOptions = {}, opts: DetectOptions = {}): Promise<FaceDetector> {
  const e = await loadEngine(engine);
  return { engine: e, detect: (frame, o) => detectFaces(e, frame, { ...opts, ...o }) };
}

/** The options with every default filled in, the engine's own detector when none is named. */
export const detectOptions = (engine: FaceEngine, opts: DetectOptions = {}): Required<DetectOptions> =>
  ({ ...DEFAULT_DETECT, ...opts, detector: opts.detector ?? DEFAULT_DETECTOR[engine.name] });

/** Runs detection (+ landmarks, + descriptors) on one RGB frame (`looks`: in a video, see FaceEngine.firstLook). */
export async function detectFaces(engine: FaceEngine, frame: RgbFrame, opts: DetectOptions = {}, looks?: FirstLooks): Promise<DetectedFace[]> {
  const o = detectOptions(engine, opts);
  const ch = frame.channels ?? 3;
  if (ch !== 3) throw new Error(`detectFaces wants rgb24 frames (3 channels), got ${ch}`);
  if (frame.data.length !== frame.width * frame.height * 3) {
    throw new Error(`frame buffer is ${frame.data.length} bytes, expected ${frame.width}x${frame.height}x3`);
  }
  if (!DESCRIPTOR_MODES.includes(o.descriptor)) {
    throw new Error(`descriptor must be one of ${DESCRIPTOR_MODES.join(', ')}, got ${String(o.descriptor)}`);
  }
  if (o.descriptors && o.descriptor === 'faceapi' && engine.name !== 'faceapi') {
    throw new Error(`descriptor 'faceapi' (face-api's unaligned box) needs engine faceapi, not ${engine.name}`);
  }
  const found = await engine.detect(frame, o, looks);
  if (o.landmarks || o.descriptors) {
    const todo = found.filter((d) => !d.landmarks);
    const lms = await engine.landmarks(frame, todo.map((d) => d.box));
    todo.forEach((d, i) => { d.landmarks = lms[i]; });
  }
  if (o.descriptors && o.descriptor !== 'faceapi') {
    const usable = found.filter((d) => d.landmarks && sizeInFrame(d.box, frame.width, frame.height) >= o.minUsableSize);
    // The dlib chip from the 68 landmarks, also for detectors that give 5 points: YuNet's points keep the
    // eyes level on tilted heads, and chips warped from them describe a face up to 0.6 away from itself.
    const chips = usable.map((d) => dlibChip(frame, d.landmarks!));
    const described = await engine.describe(o.descriptor === 'flip' ? chips.flatMap((c) => [c, mirrorChip(c)]) : chips);
    usable.forEach((d, i) => {
      d.descriptor = o.descriptor === 'flip' ? meanOf(described[2 * i], described[2 * i + 1]) : described[i];
    });
  }
  const frameArea = frame.width * frame.height;
  const faces: DetectedFace[] = [];
  for (const r of found) {
    const box = clipBox(r.box, frame.width, frame.height) ?? { x: 0, y: 0, w: 0, h: 0 };
    const exact = inFrame(r.box, frame);
    const landmarks = r.landmarks ?? null;
    const pose = landmarks ? poseFromLandmarks(landmarks) : null;
    faces.push({
      box: exact,
      score: r.score,
      landmarks,
      descriptor: r.descriptor ? Float32Array.from(r.descriptor) : null,
      quality: {
        size: sizeInFrame(r.box, frame.width, frame.height),
        areaShare: frameArea ? (exact.w * exact.h) / frameArea : 0,
        frontal: pose ? pose.frontal : null,
        yaw: pose ? pose.yaw : null,
        rollDeg: pose ? pose.rollDeg : null,
        blur: box.w > 0 ? blurScore(frame, box, o.blurSize) : 0,
      },
    });
  }
  // Deterministic order: best score first, ties by position.
  faces.sort((a, b) => b.score - a.score || a.box.y - b.box.y || a.box.x - b.box.x);
  return faces;
}

/** The detector's box clipped to the frame, keeping its sub-pixel precision. */
function inFrame(b: Box, frame: RgbFrame): Box {
  const x0 = Math.max(0, b.x), y0 = Math.max(0, b.y);
  const x1 = Math.min(frame.width, b.x + b.w), y1 = Math.min(frame.height, b.y + b.h);
  return { x: x0, y: y0, w: Math.max(0, x1 - x0), h: Math.max(0, y1 - y0) };
}

const meanOf = (a: Float32Array, b: Float32Array) => Float32Array.from(a, (x, i) => (x + b[i]) / 2);

/**
 * The descriptor of one face's dlib-style chip ('aligned'), or the mean of that and the chip mirrored
 * left-right ('flip'), from its 68 landmarks.
 */
export async function chipDescriptor(engine: FaceEngine, frame: RgbFrame, landmarks: Point[], mirror: boolean): Promise<Float32Array> {
  const chip = dlibChip(frame, landmarks);
  const d = await engine.describe(mirror ? [chip, mirrorChip(chip)] : [chip]);
  return mirror ? meanOf(d[0], d[1]) : d[0];
}

/** Euclidean distance between two descriptors. */
export function descriptorDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`descriptor lengths differ: ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) { const d = a[i] - b[i]; s += d * d; }
  return Math.sqrt(s);
}
