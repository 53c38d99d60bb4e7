// The extract step over many videos: detections per video (cached by content hash + the params
// that affect detection), then quality gates and within-video tracks (cheap, never cached).
import { rm } from 'node:fs/promises';
import type { JsonCache } from '../cache/index.ts';
import { rgbSpec, type Sampling } from '../frames/index.ts';
import { extractSampling, handoffFile, holdsFrames } from '../frames/handoff.ts';
import { linkTracks, type TrackOptions } from '../tracks/index.ts';
import type { Params } from '../run/index.ts';
import type { Row } from '../warehouse/index.ts';
import { processVideos, type PoolOptions } from './pool.ts';
import type { VideoJob } from './video.ts';
import type { DetectOptions } from './detect.ts';
import { ENGINE_VERSION, type EngineName, type NetUse } from './engine.ts';

export interface CachedFace {
  frame: number;
  tS: number;
  box: { x: number; y: number; w: number; h: number };
  score: number;
  landmarks: number[] | null;
  descriptor: number[] | null;
  size: number;
  areaShare: number;
  frontal: number | null;
  blur: number;
  /** JPEG face crop, base64. */
  crop: string | null;
}

export interface CachedVideo { frameWidth: number; frameHeight: number; nFrames: number; faces: CachedFace[]; error: string | null }

export interface Gates { minSizePx: number; minScore: number; minFrontal: number; minBlur: number }

export interface VideoInput { video_id: string; sha256: string; path: string; width?: number | null; height?: number | null; duration_s?: number | null }

/** Why a face is not used for identity, or null when it passes every gate. */
export function gateOf(f: CachedFace, g: Gates): string | null {
  if (f.size < g.minSizePx) return 'too_small';
  if (f.score < g.minScore) return 'low_score';
  if (f.frontal !== null && f.frontal < g.minFrontal) return 'not_frontal';
  if (f.blur < g.minBlur) return 'blurry';
  return null;
}

/** One number to rank a track's faces: detector score × frontalness × size (capped). */
export const qualityOf = (f: CachedFace) => f.score * (f.frontal ?? 0.5) * Math.min(1, f.size / 112);

/** What extract computes per video, from params `faces`: also the cache namespace (every field is part of the key). */
export function extractJob(p: Params): ExtractJob {
  return {
    engine: p.engine,
    engineVersion: ENGINE_VERSION[p.engine as EngineName],
    sampling: extractSampling(p),
    // The descriptor mode is part of the cache key: changing it recomputes every video.
    detect: { detector: p.detector, minScore: p.min_score, descriptor: p.descriptor, closeUps: p.close_ups,
      rescoreBelow: p.rescore_below, minUsableSize: p.gates.min_size_px },
    cropPx: p.crop_px,
  };
}

export interface ExtractJob { engine: EngineName; engineVersion: number; sampling: Sampling; detect: DetectOptions; cropPx: number }

/** One video's work for the face pool; `known` is what ingest's probe measured (the displayed size,
 *  rotation applied), when the videos table has it. */
export const videoJob = (v: VideoInput, job: ExtractJob): VideoJob => ({
  path: v.path, sampling: job.sampling, detect: job.detect, crops: { size: job.cropPx },
  known: v.width && v.height ? { width: v.width, height: v.height, durationS: v.duration_s ?? 0 } : undefined,
});

/** Detects faces in every video not yet cached; returns each video's cached record, how many were computed (of
 *  which fromFiles read frames an earlier decode left, frames/handoff.ts, each file removed once its video is
 *  cached) and the engine's net runs for those that gave a result (summed over the worker threads; null when the
 *  engine does not count them). */
export async function detectAll(
  videos: VideoInput[], cache: JsonCache<CachedVideo>,
  job: ExtractJob, pool: Omit<PoolOptions, 'engine'>,
  onProgress: (done: number, total: number) => void,
): Promise<{ byVideo: Map<string, CachedVideo>; computed: number; fromFiles: number; nets: Record<string, NetUse> | null }> {
  const byVideo = new Map<string, CachedVideo>();
  const todo: VideoInput[] = [];
  for (const v of videos) {
    const hit = await cache.get(v.sha256);
    if (hit) byVideo.set(v.video_id, hit); else todo.push(v);
  }
  // Frames an earlier decode left on file (dedup's: frames/handoff.ts) are read, not decoded again.
  const jobs = await Promise.all(todo.map(async (v) => {
    const vj = videoJob(v, job);
    const spec = vj.known && rgbSpec(vj.sampling, vj.known.width, vj.known.height);
    const file = spec && handoffFile(v.sha256, spec);
    return file && await holdsFrames(file, spec) ? { ...vj, framesFile: file } : vj;
  }));
  const outcomes = todo.length ? await processVideos(jobs, { ...pool, engine: job.engine, onProgress }) : [];
  let nets: Record<string, NetUse> | null = null;
  for (const [i, o] of outcomes.entries()) {
    const v = todo[i];
    if (o.result?.timing.nets) nets ??= {};
    for (const [net, u] of Object.entries(o.result?.timing.nets ?? {})) {
      const sum = nets![net] ??= { runs: 0, ms: 0 };
      sum.runs += u.runs;
      sum.ms += u.ms;
    }
    let rec: CachedVideo;
    if (o.result) {
      rec = {
        frameWidth: o.result.frameWidth, frameHeight: o.result.frameHeight, nFrames: o.result.frames.length, error: null,
        faces: o.result.frames.flatMap((fr) => fr.faces.map((f) => ({
          frame: fr.index, tS: fr.tS, box: f.box, score: f.score,
          landmarks: f.landmarks ? f.landmarks.flat() : null,
          descriptor: f.descriptor ? Array.from(f.descriptor) : null,
          size: f.quality.size, areaShare: f.quality.areaShare, frontal: f.quality.frontal, blur: f.quality.blur,
          crop: f.crop ? Buffer.from(f.crop).toString('base64') : null,
        }))),
      };
    } else if (o.error?.name === 'MediaError' || o.error?.constructor?.name === 'MediaError') {
      rec = { frameWidth: 0, frameHeight: 0, nFrames: 0, faces: [], error: o.error.message }; // a property of the content: cached
    } else {
      throw new Error(`face extraction failed on ${v.path}: ${o.error?.message}`);
    }
    await cache.put(v.sha256, rec);
    if (jobs[i].framesFile) await rm(jobs[i].framesFile!, { force: true });
    byVideo.set(v.video_id, rec);
  }
  return { byVideo, computed: todo.length, fromFiles: jobs.filter((j) => j.framesFile).length, nets: todo.length ? nets : {} };
}

/** Face rows (with gate and track), descriptor rows and per-video summaries for the tables. */
export function faceTables(videos: VideoInput[], byVideo: Map<string, CachedVideo>, gates: Gates, tracking: TrackOptions) {
  const faces: Row[] = [];
  const descriptors: Row[] = [];
  const perVideo: Row[] = [];
  const rejected: Record<string, number> = {};
  for (const v of videos) {
    const rec = byVideo.get(v.video_id)!;
    const gated = rec.faces.map((f) => gateOf(f, gates));
    const usable = rec.faces.map((_, i) => i).filter((i) => gated[i] === null);
    const trackOf = linkTracks(usable.map((i) => ({ frame: rec.faces[i].frame, box: rec.faces[i].box, descriptor: rec.faces[i].descriptor, quality: qualityOf(rec.faces[i]) })), tracking);
    const track = new Map(usable.map((i, k) => [i, `${v.video_id}-t${String(trackOf[k]).padStart(3, '0')}`]));
    const perFrame = new Map<number, number>();
    rec.faces.forEach((f, i) => {
      const n = perFrame.get(f.frame) ?? 0;
      perFrame.set(f.frame, n + 1);
      const faceId = `${v.video_id}-${String(f.frame).padStart(4, '0')}-${n}`;
      if (gated[i]) rejected[gated[i]!] = (rejected[gated[i]!] ?? 0) + 1;
      faces.push({
        face_id: faceId, video_id: v.video_id, frame: f.frame, t_s: f.tS,
        x: f.box.x, y: f.box.y, w: f.box.w, h: f.box.h, frame_width: rec.frameWidth, frame_height: rec.frameHeight,
        det_score: f.score, size_px: f.size, area_share: f.areaShare, frontal: f.frontal, blur: f.blur,
        quality: qualityOf(f), gate: gated[i] ?? 'ok', track_id: track.get(i) ?? null,
        crop_path: f.crop ? `data/faces/${faceId}.jpg` : null, landmarks: f.landmarks,
      });
      if (f.descriptor && !gated[i]) descriptors.push({ face_id: faceId, vector: f.descriptor });
    });
    perVideo.push({
      video_id: v.video_id, n_frames: rec.nFrames, n_faces: rec.faces.length, n_usable_faces: usable.length,
      n_tracks: new Set(track.values()).size, error: rec.error,
    });
  }
  return { faces, descriptors, perVideo, rejected };
}
