// Frames one stage decodes for the next, so a video is decoded once: dedup decodes every new video for
// its fingerprints, and the same ffmpeg also writes the frames extract samples (decodeFrameBatch's
// `copy`) to a file here, named by the media's content hash and the sampling. Extract reads a video's
// frames from its file instead of decoding the video again, and removes the file once it has used it.
// The files are a hand-off, not a cache: raw RGB is ≈ 0.7 MB a frame, so dedup writes them only up to
// a budget (params dedup.extract_frames_mb), clears what an earlier run left when it starts, and
// extract clears the folder when it ends. Local runs only: distributed units decode for themselves.
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, rm, stat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { channelsOf, decodeFramesAfter, frameBytes, rgbSpec, type Frame, type FrameCopy, type FrameSpec, type Sampling } from './index.ts';

export const FRAMES_HANDOFF = 'data/cache/frames';

/** The sampling extract uses, from params `faces` (also what dedup's decode copies for it). */
export const extractSampling = (p: Record<string, number>): Sampling =>
  ({ fps: p.fps, longSide: p.long_side, maxFrames: Math.ceil(p.fps * p.max_seconds), refsOnly: true });

/** The file holding the frames `spec` samples of the media with this content hash. */
export function handoffFile(sha256: string, spec: FrameSpec, dir = FRAMES_HANDOFF): string {
  const { fps, width, height, pixFmt, maxFrames, startS, refsOnly } = spec;
  const key = createHash('sha256').update(JSON.stringify([fps, width, height, pixFmt, maxFrames ?? 0, startS ?? 0, !!refsOnly])).digest('hex').slice(0, 16);
  return join(dir, `${sha256}-${key}.${pixFmt}`);
}

/**
 * What a decode should also write for extract (decodeFrameBatch's `copy`): the frames `sampling` takes of a
 * media, while they fit in what is left of `budgetBytes`; nothing for a media of unknown size or duration.
 */
export function handoffPlanner(sampling: Sampling, budgetBytes: number, dir = FRAMES_HANDOFF) {
  let left = budgetBytes;
  return (m: { sha256: string; width: number | null; height: number | null; durationS: number | null }): FrameCopy | undefined => {
    if (!m.width || !m.height || !m.durationS) return undefined;
    const spec = rgbSpec(sampling, m.width, m.height);
    const bytes = frameBytes(spec) * Math.min(spec.maxFrames ?? Infinity, Math.ceil(m.durationS * spec.fps) + 1);
    if (!(bytes <= left)) return undefined; // (no budget given: nothing)
    left -= bytes;
    return { spec, file: handoffFile(m.sha256, spec, dir) };
  };
}

/** Whether `file` holds whole frames of `spec` (at least one). */
export async function holdsFrames(file: string, spec: FrameSpec): Promise<boolean> {
  const size = await stat(file).then((s) => s.size, () => 0);
  return size > 0 && size % frameBytes(spec) === 0;
}

/**
 * The frames of the video at `path` that `spec` samples, read from `file` (an earlier decode's, holding
 * exactly these frames); should the file fail (gone, cut inside a frame), the rest come from decoding.
 */
export async function* handedOverFrames(file: string, path: string, spec: FrameSpec): AsyncGenerator<Frame> {
  let given = 0;
  try {
    for await (const frame of readFrameFile(file, spec)) { given++; yield frame; }
    return;
  } catch (e) {
    process.stderr.write(`frames of ${path} from ${file}: ${(e as Error).message}; decoding the rest\n`);
  }
  yield* decodeFramesAfter(path, spec, given);
}

/** The frames in `file`, as decodeFrames would yield them for `spec`. */
export async function* readFrameFile(file: string, spec: FrameSpec): AsyncGenerator<Frame> {
  const bytes = frameBytes(spec);
  const fh = await open(file, 'r');
  try {
    for (let index = 0; ; index++) {
      const data = new Uint8Array(bytes);
      let got = 0;
      for (let n = -1; got < bytes && n !== 0; got += n) n = (await fh.read(data, got, bytes - got, index * bytes + got)).bytesRead;
      if (got === 0) return;
      if (got < bytes) throw new Error(`${file}: ends inside frame ${index}`);
      yield { index, tS: (spec.startS ?? 0) + index / spec.fps, width: spec.width, height: spec.height, channels: channelsOf(spec), data };
    }
  } finally {
    await fh.close();
  }
}

/** Removes every hand-off file (extract's end: what was not used is not kept). */
export const clearHandoff = (dir = FRAMES_HANDOFF) => rm(dir, { recursive: true, force: true });

/**
 * Dedup's start: files an earlier run left are removed (extract did not run after it, or dedup runs
 * again: they would only add to the budget), and the planner for this run's decodes is returned. The
 * budget is at most half the disk's free space: a full disk would fail the decodes that write copies.
 */
export async function startHandoff(sampling: Sampling, budgetBytes: number, dir = FRAMES_HANDOFF) {
  await clearHandoff(dir);
  await mkdir(dir, { recursive: true });
  const disk = await statfs(dir);
  return handoffPlanner(sampling, Math.min(budgetBytes, (disk.bavail * disk.bsize) / 2), dir);
}

/** The videos and bytes waiting for extract. */
export async function handedOver(dir = FRAMES_HANDOFF): Promise<{ videos: number; bytes: number }> {
  const files = await readdir(dir).catch(() => [] as string[]);
  const sizes = await Promise.all(files.map((f) => stat(join(dir, f)).then((s) => s.size, () => 0)));
  return { videos: files.length, bytes: sizes.reduce((a, b) => a + b, 0) };
}
