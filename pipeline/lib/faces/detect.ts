// Face detection + 68 landmarks + 128-d descriptors on one RGB frame, returned as plain objects.
import type * as FaceApiNS from '@vladmandic/face-api';
import { loadFaceEngine, type BackendOptions, type FaceEngine, type NetName } from './backend.ts';
import { blurScore, clipBox, poseFromLandmarks, type Box, type Point, type RawImage } from './quality.ts';

export type DetectorName = 'ssd' | 'tiny';

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
  /** Side of the grey patch the blur measure is computed on (default 64). */
  blurSize?: number;
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
  /** 128-d face descriptor (Euclidean distance ≈ < 0.5–0.55 means same person), or null when off. */
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
  blurSize: 64,
};

/** Nets a set of detect options needs. */
export function netsFor(opts: DetectOptions = {}): NetName[] {
  const o = { ...DEFAULT_DETECT, ...opts };
  const nets: NetName[] = [o.detector];
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

type FaceResult = {
  detection: FaceApiNS.FaceDetection;
  landmarks?: FaceApiNS.FaceLandmarks68;
  descriptor?: Float32Array;
};

/** Runs detection (+ landmarks, + descriptors) on one RGB frame. Disposes every tensor it makes. */
export async function detectFaces(engine: FaceEngine, frame: RgbFrame, opts: DetectOptions = {}): Promise<DetectedFace[]> {
  const o = { ...DEFAULT_DETECT, ...opts };
  const { faceapi, tf } = engine;
  const ch = frame.channels ?? 3;
  if (ch !== 3) throw new Error(`detectFaces wants rgb24 frames (3 channels), got ${ch}`);
  if (frame.data.length !== frame.width * frame.height * 3) {
    throw new Error(`frame buffer is ${frame.data.length} bytes, expected ${frame.width}x${frame.height}x3`);
  }
  const detOptions = o.detector === 'tiny'
    ? new faceapi.TinyFaceDetectorOptions({ inputSize: o.tinyInputSize, scoreThreshold: o.minScore })
    : new faceapi.SsdMobilenetv1Options({ minConfidence: o.minScore, maxResults: o.maxFaces });
  const pixels = new Uint8Array(frame.data.buffer, frame.data.byteOffset, frame.data.length);
  const input = tf.tensor3d(pixels, [frame.height, frame.width, 3], 'int32');
  let results: FaceResult[];
  try {
    const task = faceapi.detectAllFaces(input as unknown as FaceApiNS.TNetInput, detOptions);
    if (o.descriptors) results = await task.withFaceLandmarks().withFaceDescriptors();
    else if (o.landmarks) results = await task.withFaceLandmarks();
    else results = (await task).map((detection) => ({ detection }));
  } finally {
    input.dispose();
  }
  const frameArea = frame.width * frame.height;
  const faces: DetectedFace[] = [];
  for (const r of results) {
    const b = r.detection.box;
    const box = clipBox({ x: b.x, y: b.y, w: b.width, h: b.height }, frame.width, frame.height)
      ?? { x: 0, y: 0, w: 0, h: 0 };
    // Keep sub-pixel precision of the detector's box, only clipped to the frame.
    const x0 = Math.max(0, b.x), y0 = Math.max(0, b.y);
    const x1 = Math.min(frame.width, b.x + b.width), y1 = Math.min(frame.height, b.y + b.height);
    const exact: Box = { x: x0, y: y0, w: Math.max(0, x1 - x0), h: Math.max(0, y1 - y0) };
    const landmarks: Point[] | null = r.landmarks ? r.landmarks.positions.map((p) => [p.x, p.y] as Point) : null;
    const pose = landmarks ? poseFromLandmarks(landmarks) : null;
    faces.push({
      box: exact,
      score: r.detection.score,
      landmarks,
      descriptor: r.descriptor ? Float32Array.from(r.descriptor) : null,
      quality: {
        size: Math.min(exact.w, exact.h),
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

/** Euclidean distance between two descriptors. */
export function descriptorDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`descriptor lengths differ: ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) { const d = a[i] - b[i]; s += d * d; }
  return Math.sqrt(s);
}
