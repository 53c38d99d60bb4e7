// A near-duplicate of a video: the same content at another bitrate and size, start trimmed —
// what a repost through another platform looks like.
import { probe } from '../frames/index.ts';
import { countFrames, describeFile, ffmpegToFile, mp4OutputArgs, type VideoFile } from './encode.ts';

export interface ReencodeOptions {
  /** Target bitrate for ffmpeg, e.g. '600k', or bits per second as a number. */
  bitrate: string | number;
  /** Output size; give one and the other keeps the aspect ratio (rounded to even); neither keeps the size. */
  width?: number;
  height?: number;
  /** Seconds cut from the start (frame-accurate). Default 0. */
  trimStartS?: number;
  /** x264 preset, default 'veryfast'. */
  preset?: string;
  timeoutMs?: number;
}

/** Re-encodes `src` into an H.264 MP4 at `dst` (no extension needed); reproducible like composeVideo. */
export async function reencode(src: string, dst: string, options: ReencodeOptions): Promise<VideoFile> {
  const info = await probe(src);
  const trim = options.trimStartS ?? 0;
  if (!(trim >= 0) || trim >= info.durationS) throw new RangeError(`trimStartS ${trim} outside [0, ${info.durationS})`);
  const bitrate = typeof options.bitrate === 'number' ? String(Math.round(options.bitrate)) : options.bitrate;
  if (!/^\d+(\.\d+)?[kKmM]?$/.test(bitrate)) throw new RangeError(`bad bitrate ${bitrate}`);
  const even = (v: number) => 2 * Math.max(1, Math.round(v / 2));
  let { width, height } = options;
  if (width === undefined && height === undefined) { width = info.width; height = info.height; }
  else if (width === undefined) width = even((height! * info.width) / info.height);
  else if (height === undefined) height = even((width * info.height) / info.width);
  if (width! % 2 || height! % 2) throw new RangeError(`size ${width}x${height} must be even`);
  const fps = Math.round(info.fps) || 25;
  const args: string[] = [];
  if (trim > 0) args.push('-ss', trim.toFixed(6));
  args.push('-i', src, '-map', '0:v:0',
    '-vf', `scale=${width}:${height}:flags=bicubic,setsar=1,format=yuv420p`,
    ...mp4OutputArgs({ bitrate }, options.preset ?? 'veryfast', fps * 2));
  await ffmpegToFile(args, dst, options.timeoutMs ?? 120_000);
  return describeFile(dst, await countFrames(dst), fps, width!, height!);
}
