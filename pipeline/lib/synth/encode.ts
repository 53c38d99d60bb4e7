// Shared ffmpeg plumbing for synthetic videos: reproducible H.264/MP4 output arguments and
// write-then-rename so a half-written file never sits at the destination path.
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { runProgram } from '../frames/index.ts';
import { sha256File } from '../media/download.ts';

export interface VideoFile {
  path: string;
  /** Number of video frames written. */
  frames: number;
  /** Intended duration (frames / fps). */
  durationS: number;
  width: number;
  height: number;
  bytes: number;
  sha256: string;
}

/**
 * Output arguments for a reproducible MP4 (H.264, yuv420p): single-threaded encoding, no
 * metadata, bit-exact muxing. `-f mp4` is explicit because destinations may have no extension.
 */
export function mp4OutputArgs(rate: { crf: number } | { bitrate: string }, preset: string, gop: number): string[] {
  const rc = 'crf' in rate
    ? ['-crf', String(rate.crf)]
    : ['-b:v', rate.bitrate, '-maxrate', rate.bitrate, '-bufsize', rate.bitrate];
  return [
    '-an', '-sn', '-dn',
    '-c:v', 'libx264', '-preset', preset, ...rc,
    '-pix_fmt', 'yuv420p', '-profile:v', 'high', '-g', String(gop),
    '-threads', '1',
    '-map_metadata', '-1', '-map_chapters', '-1',
    '-fflags', '+bitexact', '-flags:v', '+bitexact',
    '-movflags', '+faststart',
    '-f', 'mp4',
  ];
}

/** Global ffmpeg arguments: quiet, no stdin, single-threaded filtering (reproducible). */
export const ffmpegGlobalArgs = ['-hide_banner', '-v', 'error', '-nostdin', '-y', '-filter_threads', '1', '-filter_complex_threads', '1'];

let tmpCounter = 0;

/** Runs ffmpeg with `outArgs` writing to a hidden temporary beside `dst`, then renames it into place. */
export async function ffmpegToFile(args: string[], dst: string, timeoutMs: number): Promise<void> {
  await mkdir(dirname(dst), { recursive: true });
  const tmp = join(dirname(dst), `.${basename(dst)}.${process.pid}.${tmpCounter++}.partial`);
  try {
    await runProgram('ffmpeg', [...ffmpegGlobalArgs, ...args, tmp], timeoutMs);
    await rename(tmp, dst);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Video frames in the file's first video stream, as the container records them. */
export async function countFrames(path: string): Promise<number> {
  const out = await runProgram('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=nb_frames', '-of', 'csv=p=0', '--', path]);
  const n = Number(out.toString().trim());
  if (!Number.isInteger(n)) throw new Error(`ffprobe gave no frame count for ${path}`);
  return n;
}

export async function describeFile(path: string, frames: number, fps: number, width: number, height: number): Promise<VideoFile> {
  const [st, sha256] = await Promise.all([stat(path), sha256File(path)]);
  return { path, frames, durationS: frames / fps, width, height, bytes: st.size, sha256 };
}
