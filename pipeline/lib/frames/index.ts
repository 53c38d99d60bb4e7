// Video decoding through ffmpeg/ffprobe (Debian packages) as plain child processes.
// No shell is involved and no temporary image files: frames arrive as raw pixels on a pipe (or, as a
// second sampling of one decode, in a raw file ffmpeg writes: FrameCopy, frames/handoff.ts).
import { spawn } from 'node:child_process';
import { rename, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';

export interface ProbeInfo {
  formatName: string;
  durationS: number;
  width: number;
  height: number;
  videoCodec: string;
  /** Average frame rate of the video stream (frames per second). */
  fps: number;
}

export class MediaError extends Error {}

/** Runs a program to completion and returns stdout; rejects with stderr's tail on failure or timeout. */
export function runProgram(cmd: string, args: string[], timeoutMs = 60_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => { err = (err + b.toString()).slice(-2000); });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new MediaError(`${cmd} ${signal ? `killed (${signal}, timeout ${timeoutMs} ms)` : `exited ${code}`}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

/**
 * The only demuxers ffmpeg/ffprobe may use on our inputs. Self-contained containers, raw streams,
 * still images (so they can be told apart) and common audio (so "no video stream" can be said).
 * Left out on purpose: formats that open further files or URLs named inside the input — hls, dash,
 * concat, imf, mlv, sdp/rtp/rtsp, image2 sequences — so a downloaded playlist can never make
 * ffmpeg read a local file outside the allowed roots or fetch anything from the network.
 */
export const SAFE_FORMATS = [
  'mov', 'mp4', 'm4a', '3gp', '3g2', 'mj2', 'matroska', 'webm', 'avi', 'flv', 'live_flv', 'mpegts', 'mpeg', 'mpegvideo',
  'asf', 'ogg', 'h264', 'hevc', 'm4v', 'mxf', 'nut', 'rm', 'dv', 'ivf', 'obu', 'av1', 'vc1', 'wtv', 'yuv4mpegpipe', 'mjpeg',
  'gif', 'apng', 'gif_pipe', 'png_pipe', 'jpeg_pipe', 'webp_pipe', 'bmp_pipe', 'tiff_pipe', 'mp3', 'aac', 'wav', 'flac', 'caf', 'w64',
].join(',');

/**
 * ffmpeg reads "name:rest" as a protocol (pipe:, concat:, http:, …) and "-x" as an option; an
 * absolute path is always a plain file.
 */
const inputPath = (path: string) => resolve(path);

/** A readable reason from ffmpeg's "Format X not on whitelist" refusal, or null. */
function refusedFormat(stderr: string): string | null {
  const m = /\[([\w,.-]+) @ [^\]]*\] Format not on whitelist/.exec(stderr);
  if (!m) return null;
  return /^(image2|.*_pipe)$/.test(m[1])
    ? `a still image (${m[1]}), not a video`
    : `unsupported format "${m[1]}" (playlists and other formats that open further files or URLs are not read)`;
}

function parseRate(r: string | undefined): number {
  if (!r) return 0;
  const [n, d] = r.split('/').map(Number);
  return d ? n / d : n || 0;
}

/** Packets of the video stream probe reads and decodes with `decode` (a first frame may need a few). */
const DECODE_PACKETS = 8;

/**
 * Reads container and first video stream facts; throws MediaError when there is no video stream. With
 * `decode`, it also checks that a frame decodes (a container can look fine while its samples are
 * garbage): the same ffprobe decodes the video's first packets, and only where no frame comes out of
 * them (a stream cut mid-GOP) does ffmpeg look further for the first frame (firstFrameDecodes).
 */
export async function probe(path: string, timeoutMs = 30_000, { decode = false } = {}): Promise<ProbeInfo> {
  let out: Buffer;
  try {
    out = await runProgram('ffprobe', [
      '-v', 'error', '-format_whitelist', SAFE_FORMATS, '-print_format', 'json', '-show_format', '-show_streams',
      ...(decode ? ['-select_streams', 'V:0', '-read_intervals', `%+#${DECODE_PACKETS}`, '-show_entries', 'frame=width'] : []),
      '--', inputPath(path),
    ], timeoutMs);
  } catch (e) {
    const refused = refusedFormat((e as Error).message);
    throw refused ? new MediaError(refused) : e;
  }
  const json = JSON.parse(out.toString());
  const video = (json.streams ?? []).find((s: any) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const formatName: string = json.format?.format_name ?? '';
  if (!video) throw new MediaError(`no video stream (format ${formatName || 'unknown'})`);
  if (/^(image2|png_pipe|jpeg_pipe|webp_pipe|gif)/.test(formatName) || /^(png|mjpeg|webp|bmp)$/.test(video.codec_name) && !(Number(json.format?.duration) > 0.5)) {
    throw new MediaError(`a still image (${video.codec_name}), not a video`);
  }
  const durationS = Number(json.format?.duration ?? video.duration);
  // Phone videos are often stored sideways with a rotation to apply on display; ffmpeg applies it
  // when decoding, so the size frames come out at is the displayed one.
  const rotation = Number((video.side_data_list ?? []).find((d: any) => d.rotation !== undefined)?.rotation ?? video.tags?.rotate ?? 0);
  const sideways = Math.abs(Math.round(rotation / 90)) % 2 === 1;
  const [w, h] = [Number(video.width) || 0, Number(video.height) || 0];
  if (decode && !json.frames?.length) await firstFrameDecodes(path, timeoutMs);
  return {
    formatName,
    durationS: Number.isFinite(durationS) ? durationS : 0,
    width: sideways ? h : w,
    height: sideways ? w : h,
    videoCodec: String(video.codec_name),
    fps: parseRate(video.avg_frame_rate) || parseRate(video.r_frame_rate),
  };
}

/** Throws MediaError unless a first video frame decodes (ffmpeg reads until one does; scaled to 16x16). */
async function firstFrameDecodes(path: string, timeoutMs: number): Promise<void> {
  let out: Buffer;
  try {
    out = await runProgram('ffmpeg', [
      '-v', 'error', '-nostdin', '-format_whitelist', SAFE_FORMATS, '-i', inputPath(path), '-map', '0:V:0',
      '-frames:v', '1', '-vf', 'scale=16:16', '-pix_fmt', 'gray', '-f', 'rawvideo', 'pipe:1',
    ], timeoutMs);
  } catch (e) {
    throw new MediaError(`no frame could be decoded (${(e as Error).message.slice(0, 300)})`);
  }
  if (out.length < 256) throw new MediaError('no frame could be decoded');
}

export interface FrameSpec {
  /** Frames per second to sample. */
  fps: number;
  /** Output size in pixels; both must be given (use fitLongSide to compute them). */
  width: number;
  height: number;
  pixFmt: 'rgb24' | 'gray';
  /** Stop after this many frames (bounds work on very long videos). */
  maxFrames?: number;
  /** Skip this many seconds at the start. */
  startS?: number;
  timeoutMs?: number;
  /**
   * Decode reference frames only (ffmpeg `-skip_frame noref`, ≈ 30% less decoding): a sample that falls on
   * a B-frame nothing refers to is taken from the frame before it (at most one source frame earlier).
   */
  refsOnly?: boolean;
}

export interface Frame {
  index: number;
  /** Presentation time of the sampled frame, seconds from the start of the video. */
  tS: number;
  width: number;
  height: number;
  channels: number;
  /** A plain Uint8Array, not a Buffer: the face code reads frames and its own padded copies (Uint8Arrays)
   *  through the same functions, which V8 keeps fast only while they see one kind of array. */
  data: Uint8Array;
}

/** How a video is sampled for the face engine: frames per second, the long side in pixels (default 640;
 *  never upscales), at most maxFrames, from startS, reference frames only (FrameSpec.refsOnly). */
export interface Sampling {
  fps: number;
  longSide?: number;
  maxFrames?: number;
  startS?: number;
  /** ffmpeg time limit (default 300 s). */
  timeoutMs?: number;
  refsOnly?: boolean;
}

/** The RGB frames `s` samples of a video displayed at width x height. */
export function rgbSpec(s: Sampling, width: number, height: number): FrameSpec {
  const { fps, maxFrames, startS, timeoutMs, refsOnly } = s;
  return { fps, ...fitLongSide(width, height, s.longSide ?? 640), pixFmt: 'rgb24', maxFrames, startS, timeoutMs, refsOnly };
}

/** Bytes per pixel of a sampling's frames. */
export const channelsOf = (spec: FrameSpec) => (spec.pixFmt === 'rgb24' ? 3 : 1);

/** Bytes of one of a sampling's frames. */
export const frameBytes = (spec: FrameSpec) => spec.width * spec.height * channelsOf(spec);

/** Output size with the given long side, keeping aspect ratio, even dimensions (never upscales). */
export function fitLongSide(width: number, height: number, longSide: number): { width: number; height: number } {
  const scale = Math.min(1, longSide / Math.max(width, height));
  const even = (v: number) => Math.max(2, 2 * Math.round((v * scale) / 2));
  return { width: even(width), height: even(height) };
}

/** ffmpeg's options for one input: the video, read by one decoding thread (callers run one decode per core). */
const inputArgs = (path: string, spec: FrameSpec): string[] => [
  '-format_whitelist', SAFE_FORMATS, ...(spec.startS ? ['-ss', String(spec.startS)] : []),
  ...(spec.refsOnly ? ['-skip_frame', 'noref'] : []), '-threads', '1', '-i', inputPath(path),
];

/** The filters that sample and scale a video's frames. */
const sampleFilters = (spec: FrameSpec) => `fps=${spec.fps},scale=${spec.width}:${spec.height}:flags=area`;

/** The options after an output's stream (`-vf` or a filtered `-map`): its raw pixels on `target`. */
const rawOutput = (spec: FrameSpec, target: string): string[] => [
  '-pix_fmt', spec.pixFmt, ...(spec.maxFrames ? ['-frames:v', String(spec.maxFrames)] : []), '-f', 'rawvideo', target,
];

/** ffmpeg's options for one output: the sampled frames, scaled, as raw pixels on `target`. */
const outputArgs = (spec: FrameSpec, target: string, stream?: string): string[] => [
  ...(stream ? ['-map', stream] : []), '-an', '-sn', '-dn', '-vf', sampleFilters(spec), ...rawOutput(spec, target),
];

/**
 * A second sampling of a video, taken from the same decode: the frames `spec` samples, written by ffmpeg
 * itself to `file` (raw pixels, frame after frame), e.g. dedup's decode keeping the frames extract will
 * look at (frames/handoff.ts). The file appears only when the whole decode succeeded.
 */
export interface FrameCopy { spec: FrameSpec; file: string }

/** Two samplings can share a decode when they read the input alike. */
const sameInput = (a: FrameSpec, b: FrameSpec) => (a.startS ?? 0) === (b.startS ?? 0) && !!a.refsOnly === !!b.refsOnly;

let copyFiles = 0;

/** Cuts a stream of raw pixels into frames; each frame is filled chunk by chunk into its own buffer
 *  (joining chunks as they came copied a frame's bytes once per chunk: gigabytes over a video set). */
function frameCutter(spec: FrameSpec): (chunk: Buffer) => Frame[] {
  const channels = channelsOf(spec);
  const bytes = frameBytes(spec);
  let data = new Uint8Array(bytes);
  let filled = 0;
  let index = 0;
  return (chunk) => {
    const frames: Frame[] = [];
    for (let off = 0; off < chunk.length;) {
      const n = Math.min(bytes - filled, chunk.length - off);
      chunk.copy(data, filled, off, off + n);
      filled += n;
      off += n;
      if (filled < bytes) continue;
      frames.push({ index, tS: (spec.startS ?? 0) + index / spec.fps, width: spec.width, height: spec.height, channels, data });
      index++;
      data = new Uint8Array(bytes);
      filled = 0;
    }
    return frames;
  };
}

const ffmpegError = (stderr: string, code: number | null, signal: NodeJS.Signals | null) =>
  signal ? `killed (${signal})` : stderr.trim().split('\n').slice(-2).join(' | ') || `exit ${code}`;

/**
 * Decodes sampled frames as raw pixels, scaled inside ffmpeg. Yields frames as they arrive. The
 * video is the file's first video stream (`0:V:0`, not a cover picture), as in decodeFrameBatch.
 */
export async function* decodeFrames(path: string, spec: FrameSpec): AsyncGenerator<Frame> {
  const args = ['-v', 'error', '-nostdin', ...inputArgs(path, spec), ...outputArgs(spec, 'pipe:1', '0:V:0')];
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let spawnError: Error | null = null;
  child.on('error', (e) => { spawnError = e; }); // ffmpeg missing, no processes left: thrown below
  child.stderr.on('data', (b: Buffer) => { err = (err + b.toString()).slice(-2000); });
  const exit = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (code, signal) => resolve([code, signal])));
  const timer = setTimeout(() => child.kill('SIGKILL'), spec.timeoutMs ?? 300_000);
  const cut = frameCutter(spec);
  let decoded = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      for (const frame of cut(chunk)) { decoded++; yield frame; }
    }
    const [code, signal] = await exit;
    if (spawnError) throw spawnError;
    if (code !== 0 && decoded === 0) throw new MediaError(`ffmpeg could not decode: ${ffmpegError(err, code, signal)}`);
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/** The frames decodeFrames gives of a video after its first `given` (a source that failed part-way, decoded again). */
export async function* decodeFramesAfter(path: string, spec: FrameSpec, given: number): AsyncGenerator<Frame> {
  let n = 0;
  for await (const frame of decodeFrames(path, spec)) if (n++ >= given) yield frame;
}

/**
 * The frames of several videos from one ffmpeg process (one output pipe each): starting ffmpeg costs
 * ≈ 70 ms of CPU here (it loads ~200 shared libraries), as much as decoding a few seconds of video.
 * Each returned stream yields what decodeFrames would for its video. ffmpeg writes the outputs side by
 * side, so every pipe is read as data comes and frames wait in memory until their stream is read (at
 * most maxFrames a video). When the process fails, a video is decoded again on its own: its stream goes
 * on from the frames it already gave, or ends with that video's own error. A video's `copy` is written
 * by the same process (FrameCopy); its stream ends once the copy is in place, or removed when the
 * process failed (a video decoded again on its own writes none).
 */
export function decodeFrameBatch(videos: { path: string; spec: FrameSpec; copy?: FrameCopy }[]): AsyncGenerator<Frame>[] {
  const copies = videos.map((v) => (v.copy && sameInput(v.spec, v.copy.spec) ? { ...v.copy, tmp: `${v.copy.file}.tmp-${process.pid}-${++copyFiles}` } : null));
  if (videos.length <= 1 && !copies[0]) return videos.map((v) => decodeFrames(v.path, v.spec));
  const args = ['-v', 'error', '-nostdin'];
  for (const v of videos) args.push(...inputArgs(v.path, v.spec));
  // A video with a copy is split after decoding: each branch samples and scales on its own, as ffmpeg
  // would for that output alone (the same bytes as two separate decodes).
  const split = videos.flatMap((v, k) => copies[k] ? [`[${k}:V:0]split=2[in${k}][cin${k}];[in${k}]${sampleFilters(v.spec)}[out${k}];[cin${k}]${sampleFilters(copies[k]!.spec)}[copy${k}]`] : []);
  if (split.length) args.push('-filter_complex', split.join(';'));
  videos.forEach((v, k) => {
    const c = copies[k];
    if (c) args.push('-map', `[out${k}]`, ...rawOutput(v.spec, `pipe:${k + 3}`), '-map', `[copy${k}]`, ...rawOutput(c.spec, c.tmp));
    else args.push(...outputArgs(v.spec, `pipe:${k + 3}`, `${k}:V:0`));
  });
  // ffmpeg's complaints are not kept: a failed batch redoes each video alone, which says its own.
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'ignore', ...videos.map(() => 'pipe' as const)] });
  } catch {
    return videos.map((v) => decodeFrames(v.path, v.spec)); // spawn refused outright: each alone, with its own error
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), videos.reduce((t, v) => t + (v.spec.timeoutMs ?? 300_000), 0));
  const exited = new Promise<boolean>((resolve) => {
    child.on('error', () => { clearTimeout(timer); resolve(true); });
    child.on('close', (code) => { clearTimeout(timer); resolve(code !== 0); });
  });
  // The copies are renamed into place once ffmpeg has exited without error, removed otherwise.
  const failed = exited.then(async (bad) => {
    await Promise.all(copies.map((c) => c && (bad ? rm(c.tmp, { force: true }) : rename(c.tmp, c.file).catch(() => rm(c.tmp, { force: true })))));
    return bad;
  });
  const streams = videos.map((v, k) => {
    const frames: Frame[] = [];
    let ended = false, dropped = false;
    let wake: (() => void) | null = null;
    const cut = frameCutter(v.spec);
    const pipe = child.stdio[k + 3] as Readable | null;
    const poke = () => { wake?.(); wake = null; };
    if (!pipe) ended = true; // the process could not start
    // Read to the end even when nobody wants the frames any more (ffmpeg would block on a full pipe).
    pipe?.on('data', (chunk: Buffer) => { const got = cut(chunk); if (!dropped) frames.push(...got); poke(); });
    pipe?.on('close', () => { ended = true; poke(); });
    return {
      frames, isEnded: () => ended, wait: () => new Promise<void>((r) => { wake = r; }),
      drop: () => { dropped = true; frames.length = 0; },
    };
  });
  return videos.map((v, k) => (async function* (): AsyncGenerator<Frame> {
    const s = streams[k];
    let given = 0;
    try {
      for (;;) {
        if (s.frames.length) { given++; yield s.frames.shift()!; continue; }
        if (s.isEnded()) break;
        await s.wait();
      }
    } finally {
      s.drop(); // read to its end, or left early by its reader
    }
    if (!(await failed)) return;
    try {
      yield* decodeFramesAfter(v.path, v.spec, given);
    } catch (e) {
      if (given === 0) throw e;
    }
  })());
}
