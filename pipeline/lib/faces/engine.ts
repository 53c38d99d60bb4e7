// A face engine: the three model calls the face pipeline makes, whatever runs them. detect.ts composes
// them into faces with landmarks, descriptors and quality; one folder per engine implements them.
//
//   onnx     (default) YuNet detector + face-api's landmark and recognition nets rebuilt as ONNX, on
//            onnxruntime-node (native CPU here; CUDA where its execution provider is installed). onnx/
//   faceapi  @vladmandic/face-api (SSD MobileNet v1 or the tiny detector, landmarks, recognition) on a
//            TensorFlow.js backend (WASM here). faceapi/
//
// Both describe faces with the same net (face-api's port of dlib's ResNet), so descriptors, thresholds
// and LFW figures mean the same; detections (boxes, scores, which faces) differ.
import type { DetectOptions } from './detect.ts';
import type { Box, Point, RawImage } from './quality.ts';

export type EngineName = 'onnx' | 'faceapi';
export const ENGINES: readonly EngineName[] = ['onnx', 'faceapi'];
/**
 * Bumped whenever an engine gives other faces, landmarks or descriptors for the same frame (its code or
 * its models changed): part of the extract cache key, so cached detections of an older engine are redone.
 */
export const ENGINE_VERSION: Record<EngineName, number> = { onnx: 9, faceapi: 1 };

export interface EngineOptions {
  /** 'onnx' (default) or 'faceapi'. */
  engine?: EngineName;
  /** Where the engine runs. onnx: 'cpu' (default) or 'cuda'; faceapi: 'wasm' (default), 'tensorflow' or 'cpu'. */
  backend?: string;
  /** Folder of the engine's weights (default: models/ for onnx, the npm package's model/ for faceapi). */
  modelDir?: string;
}

/** One face as a detector reports it, in frame pixels (the box not clipped to the frame). */
export interface Detection {
  box: Box;
  score: number;
  /** Eye centres (image-left first), nose tip, mouth corners; null when the detector gives none. */
  points: Point[] | null;
  /** 68 landmarks when the detector computed them already (face-api's chain), else filled in by detect.ts. */
  landmarks?: Point[];
  /** face-api's own descriptor (descriptor mode 'faceapi'), only from the faceapi engine. */
  descriptor?: Float32Array;
}

/**
 * In a video, an engine may decide how hard to look at a frame from a cheap first look at it and at the
 * frames around it (onnx: YuNet's faces decide where SSD runs). Without them, detect looks at one picture.
 */
export interface FirstLooks {
  /** The first look at this frame. */
  own: Detection[];
  /** First looks at the frames up to `lookAround` samples before and after it (fewer at the ends). */
  nearby: Detection[][];
}

/** How often a net ran and the wall-clock time from each call to its result in this thread, since the engine
 *  loaded (onnxruntime-node starts a run from setImmediate, so this includes what the event loop serves meanwhile). */
export interface NetUse { runs: number; ms: number }

export interface FaceEngine {
  readonly name: EngineName;
  /** Where it actually runs (e.g. cpu, cuda, wasm). */
  readonly backend: string;
  /** Versions of the runtime and models, for run metadata. */
  readonly versions: Record<string, string>;
  /** Each net's runs so far in this thread, by net name (absent: the engine does not count them). */
  readonly nets?: Readonly<Record<string, NetUse>>;
  /** Samples before and after a video frame whose first looks detect uses (absent: none, no firstLook). */
  readonly lookAround?: number;
  /** The cheap first look at a video frame that detect takes for it and its neighbours. */
  firstLook?(frame: RawImage, opts: Required<DetectOptions>): Promise<Detection[]>;
  /** Faces in an rgb24 frame (`looks`: in a video, the first looks at it and around it). */
  detect(frame: RawImage, opts: Required<DetectOptions>, looks?: FirstLooks): Promise<Detection[]>;
  /** 68 landmarks (iBUG order, frame pixels) of the face in each box. */
  landmarks(frame: RawImage, boxes: Box[]): Promise<Point[][]>;
  /** 128-d descriptors of 150x150 rgb24 face chips (align.ts). */
  describe(chips: Uint8Array[]): Promise<Float32Array[]>;
}

/** Loads the engine once per thread (later calls return the same one). */
export async function loadEngine(opts: EngineOptions = {}): Promise<FaceEngine> {
  const name = opts.engine ?? 'onnx';
  if (name === 'onnx') return (await import('./onnx/engine.ts')).loadOnnxEngine(opts);
  if (name === 'faceapi') return (await import('./faceapi/engine.ts')).loadFaceApiEngine(opts);
  throw new Error(`faces.engine must be one of ${ENGINES.join(', ')}, got ${String(name)}`);
}
