// One whole video through the face engine, in the current thread: decode sampled frames with ffmpeg
// (frames/decodeFrames, scaled inside ffmpeg; or given, from a decode shared with other videos:
// frames/decodeFrameBatch; or read from a file an earlier decode wrote: frames/handoff.ts), detect faces
// on each, optionally cut crops.
// The pool runs this inside worker threads; it also runs on its own (tests, one-off scripts).
import { decodeFrames, probe, rgbSpec, type Frame, type FrameSpec, type Sampling } from '../frames/index.ts';
import { handedOverFrames } from '../frames/handoff.ts';
import { faceCrop, type CropOptions } from './crop.ts';
import { detectFaces, detectOptions, type DetectOptions, type DetectedFace } from './detect.ts';
import type { Detection, FaceEngine, NetUse } from './engine.ts';

export interface VideoJob {
  path: string;
  sampling: Sampling;
  detect?: DetectOptions;
  /** Cut a JPEG crop of every face (in `crop`); off when absent or false. */
  crops?: CropOptions | false;
  /** The video's displayed size and duration when already known (ingest probed it): skips ffprobe. */
  known?: { width: number; height: number; durationS: number };
  /** A file holding the frames this job samples, decoded earlier (frames/handoff.ts): read instead of decoding. */
  framesFile?: string;
}

export interface FaceInFrame extends DetectedFace {
  /** JPEG bytes when the job asked for crops. */
  crop?: Uint8Array;
}

export interface FrameFaces {
  /** Sampled frame number, 0-based. */
  index: number;
  /** Frame time in seconds from the video start. */
  tS: number;
  faces: FaceInFrame[];
}

export interface VideoFaces {
  path: string;
  /** Source video facts. */
  source: { width: number; height: number; durationS: number };
  /** Size of the decoded frames that boxes and landmarks refer to. */
  frameWidth: number;
  frameHeight: number;
  /** Every sampled frame, in order, including frames with no face. */
  frames: FrameFaces[];
  /** Timings (wall-clock; keep out of deterministic artifacts); `nets`: the engine's net runs in this thread while the video was processed. */
  timing: { totalMs: number; detectMs: number; decodeMs: number; cropMs: number; nets?: Record<string, NetUse> };
}

export type ProgressFn = (p: { frame: number; tS: number; faces: number; durationS: number }) => void;

/** What to decode of a video: its facts (ffprobe unless the job knows them) and the frames to sample. */
export async function sampling(job: VideoJob): Promise<{ info: VideoFaces['source']; spec: FrameSpec }> {
  const info = job.known ?? await probe(job.path);
  return { info: { width: info.width, height: info.height, durationS: info.durationS }, spec: rgbSpec(job.sampling, info.width, info.height) };
}

/**
 * Decodes and detects one video in this thread (`source`: its sampling and frames, when decoded
 * together with others: frames/decodeFrameBatch). Throws MediaError when the video can't be decoded.
 * `timing.nets` is the engine's runs while it ran: calls overlapping on one engine count each other's.
 */
export async function processVideo(engine: FaceEngine, job: VideoJob, onProgress?: ProgressFn,
  source?: { info: VideoFaces['source']; spec: FrameSpec; frames: AsyncIterable<Frame> }): Promise<VideoFaces> {
  const t0 = performance.now();
  const netsBefore = structuredClone(engine.nets);
  const { info, spec } = source ?? await sampling(job);
  const frames: FrameFaces[] = [];
  let detectMs = 0, cropMs = 0, waitMs = 0;
  let tWait = performance.now();
  // An engine that looks around (FaceEngine.lookAround) gets each frame once the first looks at the frames
  // after it are taken: frames wait in `queue` until then.
  const around = engine.firstLook ? engine.lookAround ?? 0 : 0;
  const opts = detectOptions(engine, job.detect);
  const looks: Detection[][] = [];
  const queue: Frame[] = [];
  const finish = async (f: Frame) => {
    const position = frames.length; // frames are finished in order
    const td = performance.now();
    const nearby = around ? looks.slice(Math.max(0, position - around), position + around + 1).filter((_, k) => k !== Math.min(around, position)) : [];
    const faces: FaceInFrame[] = await detectFaces(engine, f, opts, around ? { own: looks[position], nearby } : undefined);
    detectMs += performance.now() - td;
    if (job.crops) {
      const tc = performance.now();
      for (const face of faces) face.crop = new Uint8Array(await faceCrop(f, face, job.crops));
      cropMs += performance.now() - tc;
    }
    frames.push({ index: f.index, tS: f.tS, faces });
    onProgress?.({ frame: f.index, tS: f.tS, faces: faces.length, durationS: info.durationS });
  };
  for await (const f of source?.frames ?? (job.framesFile ? handedOverFrames(job.framesFile, job.path, spec) : decodeFrames(job.path, spec))) {
    waitMs += performance.now() - tWait;
    if (around) {
      const td = performance.now();
      looks.push(await engine.firstLook!(f, opts));
      detectMs += performance.now() - td;
      queue.push(f);
      if (queue.length > around) await finish(queue.shift()!);
    } else {
      await finish(f);
    }
    tWait = performance.now();
  }
  for (const f of queue) await finish(f);
  return {
    path: job.path,
    source: info,
    frameWidth: spec.width,
    frameHeight: spec.height,
    frames,
    timing: { totalMs: performance.now() - t0, detectMs, decodeMs: waitMs, cropMs, nets: engine.nets && netUseSince(netsBefore ?? {}, engine.nets) },
  };
}

/** The runs and time of each net since `before` (a copy of the engine's counts taken then). */
function netUseSince(before: Readonly<Record<string, NetUse>>, now: Readonly<Record<string, NetUse>>): Record<string, NetUse> {
  return Object.fromEntries(Object.entries(now).map(([net, u]) => [net, { runs: u.runs - (before[net]?.runs ?? 0), ms: u.ms - (before[net]?.ms ?? 0) }]));
}
