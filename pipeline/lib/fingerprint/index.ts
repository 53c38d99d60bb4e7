// Perceptual video fingerprints: per sampled frame a 64-bit DCT hash (pHash) and a 12x16 grid of
// block means, plus duration. The hash survives re-encoding, resizing and trims, and two different
// videos sharing a branded intro or outro differ in most frames. The block grid catches what a
// global hash cannot: the same footage with a local edit (another price on the end card), which
// is a different ad. Measured on the real sheet: re-encodes differ by ≤ 3 grey levels per block,
// such edits by 70+.
import type { JsonCache } from '../cache/index.ts';
import { decodeFrameBatch, MediaError, type FrameCopy, type FrameSpec } from '../frames/index.ts';
import { mapLimit } from '../run/index.ts';

export interface Fingerprint {
  durationS: number;
  fps: number;
  /** One 64-bit hash per sampled frame, as 16 hex digits. */
  frames: string[];
  /** Per frame, 12x16 block means (0-255) of the grey frame, base64. */
  blocks: string[];
}

export interface FingerprintOptions {
  fps: number;
  maxFrames: number;
  /**
   * Decode reference frames only (ffmpeg `-skip_frame noref`): the B-frames nothing refers to are
   * not decoded (a quarter less decoding on the replica), so a sample may show a frame up to a
   * couple of frames early.
   */
  refsOnly?: boolean;
}

/** What dedup computes per media, from params `dedup`: also the fingerprint cache namespace. */
export const fingerprintOptions = (p: { fps: number; max_seconds: number }): FingerprintOptions => ({ fps: p.fps, maxFrames: Math.ceil(p.fps * p.max_seconds), refsOnly: true });

const W = 96, H = 128; // frames are scaled to 96x128 grey inside ffmpeg
const N = 32; // the hash is taken on a 32x32 box-filtered copy
const BX = 12, BY = 16; // block grid (8x8-pixel blocks)
const K = 8; // the 8x8 lowest frequencies make the hash

const COS: Float64Array = (() => {
  const c = new Float64Array(K * N);
  for (let u = 0; u < K; u++) for (let x = 0; x < N; x++) c[u * N + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * N));
  return c;
})();

/** pHash of a 32x32 grey image: bits of the 8x8 low DCT coefficients above their median (DC excluded). */
export function phash(grey: Uint8Array): string {
  const rows = new Float64Array(N * K); // DCT along x for every row
  for (let y = 0; y < N; y++) for (let u = 0; u < K; u++) {
    let s = 0;
    for (let x = 0; x < N; x++) s += grey[y * N + x] * COS[u * N + x];
    rows[y * K + u] = s;
  }
  const coef = new Float64Array(K * K);
  for (let v = 0; v < K; v++) for (let u = 0; u < K; u++) {
    let s = 0;
    for (let y = 0; y < N; y++) s += rows[y * K + u] * COS[v * N + y];
    coef[v * K + u] = s;
  }
  const ac = Array.from(coef).slice(1).sort((a, b) => a - b);
  const median = (ac[31] + ac[32]) / 2;
  let hex = '';
  for (let nib = 0; nib < 16; nib++) {
    let d = 0;
    for (let b = 0; b < 4; b++) d = (d << 1) | (coef[nib * 4 + b] > median ? 1 : 0);
    hex += d.toString(16);
  }
  return hex;
}

function boxDown(grey: Uint8Array, w: number, h: number, ow: number, oh: number): Uint8Array {
  const out = new Uint8Array(ow * oh);
  const fx = w / ow, fy = h / oh;
  for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) {
    let s = 0;
    for (let yy = y * fy; yy < (y + 1) * fy; yy++) for (let xx = x * fx; xx < (x + 1) * fx; xx++) s += grey[yy * w + xx];
    out[y * ow + x] = Math.round(s / (fx * fy));
  }
  return out;
}

/** A video to fingerprint; `copy`: also write another sampling of it from the same decode (frames/decodeFrameBatch). */
export interface Video { path: string; durationS: number; copy?: FrameCopy }

/** Videos one ffmpeg process decodes (frames/decodeFrameBatch: a spawn costs ≈ 70 ms of CPU here). */
const BATCH = 8;

function addFrame(fp: Fingerprint, grey: Uint8Array) {
  fp.frames.push(phash(boxDown(grey, W, H, N, N)));
  fp.blocks.push(Buffer.from(boxDown(grey, W, H, BX, BY)).toString('base64'));
}

/**
 * Fingerprints `videos`, up to BATCH per ffmpeg process and `concurrency` processes at a time.
 * A video that cannot be decoded gets a MediaError, the others are unaffected; like a player, a video
 * keeps what decoded before an error. `onResult` sees each result when its batch ends, in order.
 */
export async function fingerprintVideos(videos: Video[], opt: FingerprintOptions, concurrency = 1,
  onResult: (index: number, result: Fingerprint | MediaError) => Promise<void> | void = () => {}): Promise<(Fingerprint | MediaError)[]> {
  const out: (Fingerprint | MediaError)[] = new Array(videos.length);
  const size = Math.min(BATCH, Math.ceil(videos.length / concurrency));
  const batches: number[][] = [];
  for (let i = 0; i < videos.length; i += size) batches.push(videos.slice(i, i + size).map((_, k) => i + k));
  const spec: FrameSpec = { fps: opt.fps, width: W, height: H, pixFmt: 'gray', maxFrames: opt.maxFrames, refsOnly: opt.refsOnly };
  await mapLimit(batches, concurrency, async (batch) => {
    // The batch's streams are read side by side, so each frame is hashed as it comes (none wait in memory).
    const streams = decodeFrameBatch(batch.map((i) => ({ path: videos[i].path, spec, copy: videos[i].copy })));
    const results = await Promise.all(batch.map(async (i, k): Promise<Fingerprint | MediaError> => {
      const fp: Fingerprint = { durationS: videos[i].durationS, fps: opt.fps, frames: [], blocks: [] };
      try {
        for await (const f of streams[k]) addFrame(fp, f.data);
        return fp;
      } catch (e) {
        if (e instanceof MediaError) return e;
        throw e;
      }
    }));
    for (const [k, i] of batch.entries()) {
      out[i] = results[k];
      await onResult(i, out[i]);
    }
  });
  return out;
}

/** Where the dedup stage (and a distributed fingerprint task) caches fingerprints by content hash. */
export const FINGERPRINT_CACHE = 'data/cache/dedup/fingerprints';

/**
 * Every media's fingerprint, from the cache or computed (fingerprintVideos) and cached as it comes. A
 * video that cannot be decoded gets null and its reason in `failed`; that is not cached (it is tried
 * again next time). `onEach` sees every media once, cached or computed; `copyFor` is asked, in order, for
 * each media that is decoded, what else its decode should write (frames/handoff.ts).
 */
export async function cachedFingerprints(media: (Video & { sha256: string })[], cache: JsonCache<Fingerprint>, opt: FingerprintOptions,
  concurrency: number, onEach: () => void = () => {}, copyFor: (index: number) => FrameCopy | undefined = () => undefined,
): Promise<{ fingerprints: (Fingerprint | null)[]; computed: number; failed: { index: number; reason: string }[] }> {
  const fingerprints: (Fingerprint | null)[] = [];
  for (const m of media) {
    const hit = (await cache.get(m.sha256)) ?? null;
    fingerprints.push(hit);
    if (hit) onEach();
  }
  const todo = media.flatMap((_, i) => (fingerprints[i] ? [] : [i]));
  const failed: { index: number; reason: string }[] = [];
  await fingerprintVideos(todo.map((i) => ({ ...media[i], copy: copyFor(i) })), opt, concurrency, async (k, r) => {
    const i = todo[k];
    if (r instanceof Error) failed.push({ index: i, reason: r.message });
    else {
      await cache.put(media[i].sha256, r);
      fingerprints[i] = r;
    }
    onEach();
  });
  return { fingerprints, computed: todo.length - failed.length, failed };
}

/** Fingerprint of one video; throws MediaError when it cannot be decoded. */
export async function fingerprintVideo(path: string, durationS: number, opt: FingerprintOptions): Promise<Fingerprint> {
  const [r] = await fingerprintVideos([{ path, durationS }], opt);
  if (r instanceof MediaError) throw r;
  return r;
}

export interface MatchOptions {
  /** Largest time shift tried between the two videos (covers trims at the start). */
  maxOffsetS: number;
  /** Frames within this many differing bits (of 64) count as the same picture. */
  maxFrameHamming: number;
  /** Share of the overlapping frames that must match. */
  minMatchFraction: number;
  /** The overlap must cover this share of the shorter video. */
  minOverlap: number;
  durationToleranceS: number;
  /** A frame pair whose block means differ by more than this (grey levels) shows a local edit. */
  editThreshold: number;
  /** This many edited frames make the two a different video (a variant), not a duplicate. */
  minEditedFrames: number;
}

/** MatchOptions from params `dedup`. */
export const matchOptions = (p: Record<string, number>): MatchOptions => ({
  maxOffsetS: p.max_offset_s, maxFrameHamming: p.max_frame_hamming, minMatchFraction: p.min_match_fraction,
  minOverlap: p.min_overlap, durationToleranceS: p.duration_tolerance_s,
  editThreshold: p.edit_threshold, minEditedFrames: p.min_edited_frames,
});

export interface Match {
  same: boolean;
  /** b's time shift against a lies between this many sample steps and one more. */
  offsetFrames: number;
  matchFraction: number;
  meanHamming: number;
  editedFrames: number;
}

/** A fingerprint as numbers: two 32-bit words per hash, 192 block means per frame. */
interface Packed { hash: Uint32Array; blocks: Uint8Array }
const packed = new WeakMap<Fingerprint, Packed>();
function pack(f: Fingerprint): Packed {
  let p = packed.get(f);
  if (!p) {
    const hash = new Uint32Array(2 * f.frames.length);
    f.frames.forEach((h, i) => { hash[2 * i] = parseInt(h.slice(0, 8), 16); hash[2 * i + 1] = parseInt(h.slice(8), 16); });
    const blocks = new Uint8Array(BX * BY * f.blocks.length);
    f.blocks.forEach((b, i) => blocks.set(Buffer.from(b, 'base64'), i * BX * BY));
    packed.set(f, p = { hash, blocks });
  }
  return p;
}

const popcount = (x: number) => {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
};
const ham = (a: Uint32Array, i: number, b: Uint32Array, j: number) => popcount(a[2 * i] ^ b[2 * j]) + popcount(a[2 * i + 1] ^ b[2 * j + 1]);

/** Largest difference of one block's mean between frame i of a and frame j of b. */
function blockDiff(a: Uint8Array, i: number, b: Uint8Array, j: number): number {
  let worst = 0;
  for (let k = 0, x = i * BX * BY, y = j * BX * BY; k < BX * BY; k++) worst = Math.max(worst, Math.abs(a[x + k] - b[y + k]));
  return worst;
}

/**
 * Best alignment of two fingerprints over the allowed offsets, and whether they are one video.
 * A trim is rarely a whole number of sample steps, so at a shift of `off` steps each frame i of a
 * lies in time between frames i+off and i+off+1 of b and is compared with both (the nearer
 * picture counts): a sample just before a cut in one video and just after it in the other is
 * then no mismatch and no "local edit".
 */
export function compare(a: Fingerprint, b: Fingerprint, opt: MatchOptions): Match {
  const none: Match = { same: false, offsetFrames: 0, matchFraction: 0, meanHamming: 64, editedFrames: 0 };
  const na = a.frames.length, nb = b.frames.length;
  if (Math.abs(a.durationS - b.durationS) > opt.durationToleranceS || !na || !nb) return none;
  const A = pack(a), B = pack(b);
  const nearer = (d: (i: number, j: number) => number, i: number, j: number) => (j + 1 < nb ? Math.min(d(i, j), d(i, j + 1)) : d(i, j));
  const hashDistance = (i: number, j: number) => ham(A.hash, i, B.hash, j);
  const maxOff = Math.round(opt.maxOffsetS * a.fps);
  const shorter = Math.min(na, nb);
  let best = none;
  for (let off = -maxOff; off <= maxOff; off++) {
    let n = 0, matched = 0, sum = 0;
    for (let i = Math.max(0, -off); i < na && i + off < nb; i++) {
      const d = nearer(hashDistance, i, i + off);
      n++; sum += d;
      if (d <= opt.maxFrameHamming) matched++;
    }
    if (n === 0 || n < opt.minOverlap * shorter) continue;
    const m: Match = { same: false, offsetFrames: off, matchFraction: matched / n, meanHamming: sum / n, editedFrames: 0 };
    if (m.matchFraction > best.matchFraction || (m.matchFraction === best.matchFraction && m.meanHamming < best.meanHamming)) best = m;
  }
  if (best.matchFraction < opt.minMatchFraction) return best;
  const off = best.offsetFrames;
  const blockDistance = (i: number, j: number) => blockDiff(A.blocks, i, B.blocks, j);
  for (let i = Math.max(0, -off); i < na && i + off < nb; i++) {
    if (nearer(blockDistance, i, i + off) > opt.editThreshold) best.editedFrames++;
  }
  return { ...best, same: best.editedFrames < opt.minEditedFrames };
}
