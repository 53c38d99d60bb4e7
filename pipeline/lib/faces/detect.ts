// Face detection + 68 landmarks + 128-d descriptors on one RGB frame, returned as plain objects.
import type * as FaceApiNS from '@vladmandic/face-api';
import { CHIP, dlibChip } from './align.ts';
import { loadFaceEngine, type BackendOptions, type FaceEngine, type NetName } from './backend.ts';
import { iou } from '../tracks/index.ts';
import { blurScore, clipBox, poseFromLandmarks, type Box, type Point, type RawImage } from './quality.ts';

export type DetectorName = 'ssd' | 'tiny';

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
  /** 'ssd' (SSD MobileNet v1, default: finds more, slower) or 'tiny' (Tiny Face Detector). */
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
   * by the frame edges), which SSD misses: the frame is padded on every side by half its long side
   * and searched with the tiny detector (default true).
   */
  closeUps?: boolean;
  /**
   * SSD's score for one face swings with the scale it is seen at (0.56 on a frame, 0.93 on the same frame
   * padded by a quarter): a face found with a score below this, at least minUsableSize px, is looked at
   * again on a padded copy of the frame and keeps the higher score (default 0 = off, as bench/verify measured
   * the descriptors; the pipeline sets it from params faces.rescore_below).
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

export const DEFAULT_DETECT: Required<DetectOptions> = {
  detector: 'ssd',
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

/** The second look pads the frame by this share of its long side on every side. */
const RESCORE_PAD = 0.25;

/** The tiny detector's input size for the close-up pass: a face filling the frame is large there. */
const CLOSE_UP_INPUT = 224;

/** Nets a set of detect options needs. */
export function netsFor(opts: DetectOptions = {}): NetName[] {
  const o = { ...DEFAULT_DETECT, ...opts };
  const nets: NetName[] = [o.detector];
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

/** Loads the engine (once per thread) with the nets the options need, and returns a detector. */
export async function createDetector(backend: BackendOptions = {}, opts: DetectOptions = {}): Promise<FaceDetector> {
  const engine = await loadFaceEngine({ ...backend, nets: backend.nets ?? netsFor(opts) });
  return { engine, detect: (frame, o) => detectFaces(engine, frame, { ...opts, ...o }) };
}

/** One face as the nets return it, in frame pixels (the box not clipped to the frame). */
interface FaceResult { box: Box; score: number; landmarks: Point[] | null; descriptor?: Float32Array }

type NetResult = { detection: FaceApiNS.FaceDetection; landmarks?: FaceApiNS.FaceLandmarks68; descriptor?: Float32Array };

/** Net results shifted back by (dx, dy) (the padding of a padded frame). */
const toFrame = (r: NetResult, dx: number, dy: number): FaceResult => ({
  box: { x: r.detection.box.x - dx, y: r.detection.box.y - dy, w: r.detection.box.width, h: r.detection.box.height },
  score: r.detection.score,
  landmarks: r.landmarks ? r.landmarks.positions.map((q) => [q.x - dx, q.y - dy] as Point) : null,
  descriptor: r.descriptor,
});

/** Runs detection (+ landmarks, + descriptors) on one RGB frame. Disposes every tensor it makes. */
export async function detectFaces(engine: FaceEngine, frame: RgbFrame, opts: DetectOptions = {}): Promise<DetectedFace[]> {
  const o = { ...DEFAULT_DETECT, ...opts };
  const { faceapi, tf } = engine;
  const ch = frame.channels ?? 3;
  if (ch !== 3) throw new Error(`detectFaces wants rgb24 frames (3 channels), got ${ch}`);
  if (frame.data.length !== frame.width * frame.height * 3) {
    throw new Error(`frame buffer is ${frame.data.length} bytes, expected ${frame.width}x${frame.height}x3`);
  }
  if (!DESCRIPTOR_MODES.includes(o.descriptor)) {
    throw new Error(`descriptor must be one of ${DESCRIPTOR_MODES.join(', ')}, got ${String(o.descriptor)}`);
  }
  const detOptions = o.detector === 'tiny'
    ? new faceapi.TinyFaceDetectorOptions({ inputSize: o.tinyInputSize, scoreThreshold: o.minScore })
    : new faceapi.SsdMobilenetv1Options({ minConfidence: o.minScore, maxResults: o.maxFaces });
  const pixels = new Uint8Array(frame.data.buffer, frame.data.byteOffset, frame.data.length);
  const input = tf.tensor3d(pixels, [frame.height, frame.width, 3], 'int32');
  // The main detector with what the options ask for (face-api's own descriptor comes from its chain).
  const run = async (image: unknown): Promise<NetResult[]> => {
    const task = faceapi.detectAllFaces(image as FaceApiNS.TNetInput, detOptions);
    if (o.descriptors && o.descriptor === 'faceapi') return task.withFaceLandmarks().withFaceDescriptors();
    if (o.descriptors || o.landmarks) return task.withFaceLandmarks();
    return (await task).map((detection) => ({ detection }));
  };
  let results: FaceResult[];
  try {
    results = (await run(input)).map((r) => toFrame(r, 0, 0));
    if (!results.length && o.closeUps) {
      const pad = Math.round(Math.max(frame.width, frame.height) / 2);
      results = await withPadded(engine, input, pad, async (padded) => {
        // The tiny detector is cheap enough to ask on every empty frame; where it finds a face, the
        // main detector looks at the padded frame too and its answer (comparable scores) is kept.
        const tiny = new faceapi.TinyFaceDetectorOptions({ inputSize: CLOSE_UP_INPUT, scoreThreshold: o.minScore });
        const found = (await faceapi.detectAllFaces(padded as unknown as FaceApiNS.TNetInput, tiny)).length > 0;
        return (found ? await run(padded) : []).map((r) => toFrame(r, pad, pad))
          .filter((r) => r.box.x < frame.width && r.box.y < frame.height && r.box.x + r.box.w > 0 && r.box.y + r.box.h > 0);
      });
    } else if (o.detector === 'ssd' && o.rescoreBelow > 0) {
      await rescore(engine, input, frame, results, detOptions, o);
    }
  } finally {
    input.dispose();
  }
  if (o.descriptors && o.descriptor !== 'faceapi') {
    for (const r of results) {
      if (r.landmarks && sizeOf(inFrame(r.box, frame)) >= o.minUsableSize) r.descriptor = await chipDescriptor(engine, frame, r.landmarks, o.descriptor === 'flip');
    }
  }
  const frameArea = frame.width * frame.height;
  const faces: DetectedFace[] = [];
  for (const r of results) {
    const box = clipBox(r.box, frame.width, frame.height) ?? { x: 0, y: 0, w: 0, h: 0 };
    const exact = inFrame(r.box, frame);
    const landmarks = r.landmarks;
    const pose = landmarks ? poseFromLandmarks(landmarks) : null;
    faces.push({
      box: exact,
      score: r.score,
      landmarks,
      descriptor: r.descriptor ? Float32Array.from(r.descriptor) : null,
      quality: {
        size: sizeOf(exact),
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

/** A face's size as the size gate measures it: the shorter side of its box in the frame, px. */
const sizeOf = (b: Box) => Math.min(b.w, b.h);

/** Runs `fn` on the frame padded by `pad` px of grey on every side; disposes the padded tensor. */
async function withPadded<T>(engine: FaceEngine, input: unknown, pad: number, fn: (padded: unknown) => Promise<T>): Promise<T> {
  const padded = engine.tf.pad(input as Parameters<typeof engine.tf.pad>[0], [[pad, pad], [pad, pad], [0, 0]], 114);
  try {
    return await fn(padded);
  } finally {
    padded.dispose();
  }
}

/** The second look (see DetectOptions.rescoreBelow): raises the scores of `results` in place. */
async function rescore(engine: FaceEngine, input: unknown, frame: RgbFrame, results: FaceResult[], options: unknown, o: Required<DetectOptions>): Promise<void> {
  const doubtful = results.filter((r) => r.score < o.rescoreBelow && sizeOf(inFrame(r.box, frame)) >= o.minUsableSize);
  if (!doubtful.length) return;
  const pad = Math.round(Math.max(frame.width, frame.height) * RESCORE_PAD);
  const again = await withPadded(engine, input, pad, async (padded) =>
    (await engine.faceapi.detectAllFaces(padded as FaceApiNS.TNetInput, options as FaceApiNS.SsdMobilenetv1Options)).map((detection) => toFrame({ detection }, pad, pad)));
  for (const r of doubtful) {
    for (const d of again) if (iou(r.box, d.box) >= 0.5) r.score = Math.max(r.score, d.score);
  }
}

/**
 * The descriptor net on the dlib-style chip of one face ('aligned'), or the mean of that and the chip
 * mirrored left-right ('flip'). Disposes its tensors.
 */
export async function chipDescriptor(engine: FaceEngine, frame: RgbFrame, landmarks: Point[], mirror: boolean): Promise<Float32Array> {
  const { tf, faceapi } = engine;
  const chip = dlibChip(frame, landmarks);
  const net = faceapi.nets.faceRecognitionNet;
  const t = tf.tensor3d(new Uint8Array(chip.buffer, chip.byteOffset, chip.length), [CHIP, CHIP, 3], 'int32');
  let flipped: typeof t | undefined;
  try {
    const a = (await net.computeFaceDescriptor(t as unknown as FaceApiNS.TNetInput)) as Float32Array;
    if (!mirror) return Float32Array.from(a);
    flipped = tf.reverse(t, 1);
    const b = (await net.computeFaceDescriptor(flipped as unknown as FaceApiNS.TNetInput)) as Float32Array;
    const out = new Float32Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = (a[i] + b[i]) / 2;
    return out;
  } finally {
    t.dispose();
    flipped?.dispose();
  }
}

/** Euclidean distance between two descriptors. */
export function descriptorDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`descriptor lengths differ: ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) { const d = a[i] - b[i]; s += d * d; }
  return Math.sqrt(s);
}
