// Video decoding through ffmpeg/ffprobe (Debian packages) as plain child processes.
// No shell is involved and no temporary image files: frames arrive as raw pixels on a pipe.
import { spawn } from 'node:child_process';

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

function parseRate(r: string | undefined): number {
  if (!r) return 0;
  const [n, d] = r.split('/').map(Number);
  return d ? n / d : n || 0;
}

/** Reads container and first video stream facts; throws MediaError when there is no decodable video stream. */
export async function probe(path: string, timeoutMs = 30_000): Promise<ProbeInfo> {
  const json = JSON.parse((await runProgram('ffprobe', [
    '-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '--', path,
  ], timeoutMs)).toString());
  const video = (json.streams ?? []).find((s: any) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const formatName: string = json.format?.format_name ?? '';
  if (!video) throw new MediaError(`no video stream (format ${formatName || 'unknown'})`);
  if (/^(image2|png_pipe|jpeg_pipe|webp_pipe|gif)/.test(formatName) || /^(png|mjpeg|webp|bmp)$/.test(video.codec_name) && !(Number(json.format?.duration) > 0.5)) {
    throw new MediaError(`a still image (${video.codec_name}), not a video`);
  }
  const durationS = Number(json.format?.duration ?? video.duration);
  return {
    formatName,
    durationS: Number.isFinite(durationS) ? durationS : 0,
    width: Number(video.width) || 0,
    height: Number(video.height) || 0,
    videoCodec: String(video.codec_name),
    fps: parseRate(video.avg_frame_rate) || parseRate(video.r_frame_rate),
  };
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
}

export interface Frame {
  index: number;
  /** Presentation time of the sampled frame, seconds from the start of the video. */
  tS: number;
  width: number;
  height: number;
  channels: number;
  data: Buffer;
}

/** Output size with the given long side, keeping aspect ratio, even dimensions (never upscales). */
export function fitLongSide(width: number, height: number, longSide: number): { width: number; height: number } {
  const scale = Math.min(1, longSide / Math.max(width, height));
  const even = (v: number) => Math.max(2, 2 * Math.round((v * scale) / 2));
  return { width: even(width), height: even(height) };
}

/** Decodes sampled frames as raw pixels, scaled inside ffmpeg. Yields frames as they arrive. */
export async function* decodeFrames(path: string, spec: FrameSpec): AsyncGenerator<Frame> {
  const channels = spec.pixFmt === 'rgb24' ? 3 : 1;
  const frameBytes = spec.width * spec.height * channels;
  const args = ['-v', 'error', '-nostdin'];
  if (spec.startS) args.push('-ss', String(spec.startS));
  args.push('-i', path, '-an', '-sn', '-dn',
    '-vf', `fps=${spec.fps},scale=${spec.width}:${spec.height}:flags=area`,
    '-pix_fmt', spec.pixFmt, '-f', 'rawvideo');
  if (spec.maxFrames) args.push('-frames:v', String(spec.maxFrames));
  args.push('pipe:1');
  const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (b: Buffer) => { err = (err + b.toString()).slice(-2000); });
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), spec.timeoutMs ?? 300_000);
  let pending: Buffer = Buffer.alloc(0);
  let index = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= frameBytes) {
        const data = Buffer.from(pending.subarray(0, frameBytes));
        pending = pending.subarray(frameBytes);
        yield { index, tS: (spec.startS ?? 0) + index / spec.fps, width: spec.width, height: spec.height, channels, data };
        index++;
      }
    }
    const code = await exit;
    if (code !== 0 && index === 0) throw new MediaError(`ffmpeg could not decode: ${err.trim().split('\n').slice(-2).join(' | ') || `exit ${code}`}`);
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
