// Short social-style videos composed from stills: each segment is one still picture with a slow
// pan/zoom (Ken Burns), segments are cut together, and an optional branded title card opens the
// video. One ffmpeg process does it all (zoompan per segment, concat, H.264), no shell involved.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeFile, ffmpegToFile, mp4OutputArgs, type VideoFile } from './encode.ts';
import { mulberry32, seedOf, uniform, type Rng } from './prng.ts';
import {
  colorStill, noiseStill, pairStill, photoStill, randomColor, titleCard,
  type PairLayout, type PhotoSource, type RawImage, type Rgb,
} from './stills.ts';

/**
 * A slow camera move over a still: zoom factor (1 = whole picture) and the pan position, as a
 * fraction (0..1, per axis) of the room the zoom leaves, at the start and end of the segment.
 */
export interface KenBurns {
  zoomFrom: number;
  zoomTo: number;
  panFrom: readonly [number, number];
  panTo: readonly [number, number];
}

/** No motion: the whole picture, still. */
export const STILL: KenBurns = { zoomFrom: 1, zoomTo: 1, panFrom: [0.5, 0.5], panTo: [0.5, 0.5] };

interface SegmentBase {
  durationS: number;
  /** Camera move; seeded random when left out. */
  motion?: KenBurns;
}
export interface PhotoSegment extends SegmentBase { kind: 'photo'; photo: PhotoSource }
/** Two photos in one frame (two people in one video): stacked or side by side. */
export interface PairSegment extends SegmentBase { kind: 'pair'; photos: readonly [PhotoSource, PhotoSource]; layout: PairLayout }
/** A plain coloured backdrop (no face); colour seeded random when left out. */
export interface ColorSegment extends SegmentBase { kind: 'color'; color?: Rgb }
/** Smooth colour noise (no face). `cellPx` is the blob size in output pixels. */
export interface NoiseSegment extends SegmentBase { kind: 'noise'; cellPx?: number; seed?: number }
/** A text-free title card (see titleCard); still unless a motion is given. */
export interface CardSegment extends SegmentBase { kind: 'card'; seed: number }

export type Segment = PhotoSegment | PairSegment | ColorSegment | NoiseSegment | CardSegment;

export interface IntroSpec {
  /** Brand seed: videos with the same intro seed (and size, fps) open on identical frames. */
  seed: number;
  /** Default 1 s. */
  durationS?: number;
}

export interface ComposeOptions {
  /** Output size; default 720 x 1280 (portrait). Must be even. */
  width?: number;
  height?: number;
  /** Default 25. */
  fps?: number;
  /** Seed for every random choice (motions, colours, noise) not fixed by the segments. Default 0. */
  seed?: number;
  /** A still title card before the segments. */
  intro?: IntroSpec | null;
  /** x264 constant rate factor, default 23. */
  crf?: number;
  /** x264 preset, default 'veryfast'. */
  preset?: string;
  /** Stills are rendered this much larger than the output so the pan/zoom moves smoothly; default 1.5. */
  supersample?: number;
  timeoutMs?: number;
}

export const DEFAULT_SIZE = { width: 720, height: 1280 } as const;

/** A random but gentle camera move: zoom in or out by 8–22 %, drifting across the picture. */
export function randomMotion(rng: Rng): KenBurns {
  const far = uniform(rng, 1.08, 1.22);
  const zoomIn = rng() < 0.5;
  const pos = (): [number, number] => [uniform(rng, 0.2, 0.8), uniform(rng, 0.2, 0.8)];
  return { zoomFrom: zoomIn ? 1 : far, zoomTo: zoomIn ? far : 1, panFrom: pos(), panTo: pos() };
}

/** Frames a segment of the given duration gets (at least one). */
export function segmentFrames(durationS: number, fps: number): number {
  return Math.max(1, Math.round(durationS * fps));
}

const num = (v: number) => {
  if (!Number.isFinite(v)) throw new RangeError(`not a finite number: ${v}`);
  return v.toFixed(6);
};

/** zoompan filter for one still input producing `frames` frames of width x height. */
export function zoompanFilter(m: KenBurns, frames: number, width: number, height: number, fps: number): string {
  for (const z of [m.zoomFrom, m.zoomTo]) if (!(z >= 1 && z <= 10)) throw new RangeError(`zoom ${z} outside [1, 10]`);
  const p = `on/${Math.max(1, frames - 1)}`;
  const lerp = (a: number, b: number) => `(${num(a)}+${num(b - a)}*${p})`;
  const z = lerp(m.zoomFrom, m.zoomTo);
  const x = `(iw-iw/zoom)*${lerp(m.panFrom[0], m.panTo[0])}`;
  const y = `(ih-ih/zoom)*${lerp(m.panFrom[1], m.panTo[1])}`;
  return `zoompan=z='${z}':x='${x}':y='${y}':d=${frames}:s=${width}x${height}:fps=${fps}`;
}

async function renderStill(seg: Segment, w: number, h: number, rng: Rng, segSeed: number): Promise<RawImage> {
  switch (seg.kind) {
    case 'photo': return photoStill(seg.photo, w, h);
    case 'pair': return pairStill(seg.photos, seg.layout, w, h, Math.max(2, Math.round(w / 120)));
    case 'color': return colorStill(seg.color ?? randomColor(rng), w, h);
    case 'noise': return noiseStill(seg.seed ?? segSeed, w, h, Math.round((seg.cellPx ?? 140) * w / 720));
    case 'card': return titleCard(seg.seed, w, h);
  }
}

/** Total duration (seconds) composeVideo will produce for these segments and options. */
export function plannedDuration(segments: readonly Segment[], options: ComposeOptions = {}): number {
  const fps = options.fps ?? 25;
  let frames = segments.reduce((n, s) => n + segmentFrames(s.durationS, fps), 0);
  if (options.intro) frames += segmentFrames(options.intro.durationS ?? 1, fps);
  return frames / fps;
}

/**
 * Composes `segments` (after the optional intro card) into an H.264 yuv420p MP4 at `dst`
 * (any file name; no extension needed). Same inputs and options give the same bytes.
 */
export async function composeVideo(dst: string, segments: readonly Segment[], options: ComposeOptions = {}): Promise<VideoFile> {
  const width = options.width ?? DEFAULT_SIZE.width;
  const height = options.height ?? DEFAULT_SIZE.height;
  const fps = options.fps ?? 25;
  const seed = options.seed ?? 0;
  const ss = options.supersample ?? 1.5;
  if (width % 2 || height % 2 || width <= 0 || height <= 0) throw new RangeError(`size ${width}x${height} must be positive and even`);
  if (!(fps > 0) || !Number.isInteger(fps)) throw new RangeError(`fps ${fps} must be a positive integer`);
  if (!(ss >= 1)) throw new RangeError(`supersample ${ss} must be >= 1`);
  const all: Segment[] = [];
  if (options.intro) all.push({ kind: 'card', seed: options.intro.seed, durationS: options.intro.durationS ?? 1, motion: STILL });
  all.push(...segments);
  if (all.length === 0) throw new RangeError('nothing to compose: no segments');
  for (const s of all) if (!(s.durationS > 0)) throw new RangeError(`segment duration ${s.durationS} must be > 0`);

  const sw = 2 * Math.round((width * ss) / 2);
  const sh = 2 * Math.round((height * ss) / 2);
  const dir = await mkdtemp(join(tmpdir(), 'synth-'));
  try {
    const inputs: string[] = [];
    const chains: string[] = [];
    let totalFrames = 0;
    for (let i = 0; i < all.length; i++) {
      const seg = all[i];
      // Each segment draws from its own stream, so editing one segment leaves the others' choices alone.
      const rng = mulberry32(seedOf(seed, i, seg.kind));
      const motion = seg.motion ?? randomMotion(rng);
      const still = await renderStill(seg, sw, sh, rng, seedOf(seed, i, 'noise'));
      const file = join(dir, `still-${i}.rgb`);
      await writeFile(file, still.data);
      inputs.push('-f', 'rawvideo', '-pixel_format', 'rgb24', '-video_size', `${sw}x${sh}`, '-framerate', String(fps), '-i', file);
      const frames = segmentFrames(seg.durationS, fps);
      totalFrames += frames;
      chains.push(`[${i}:v]${zoompanFilter(motion, frames, width, height, fps)},setsar=1,format=yuv420p[s${i}]`);
    }
    const labels = all.map((_, i) => `[s${i}]`).join('');
    const graph = `${chains.join(';')};${labels}concat=n=${all.length}:v=1:a=0,settb=1/${fps * 512},setpts=N/(${fps}*TB)[out]`;
    await ffmpegToFile([
      ...inputs,
      '-filter_complex', graph, '-map', '[out]',
      '-r', String(fps), '-frames:v', String(totalFrames),
      ...mp4OutputArgs({ crf: options.crf ?? 23 }, options.preset ?? 'veryfast', fps * 2),
    ], dst, options.timeoutMs ?? 120_000);
    return describeFile(dst, totalFrames, fps, width, height);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
