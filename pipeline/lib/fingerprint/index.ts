// Perceptual video fingerprints: per sampled frame a 64-bit DCT hash (pHash) and a 12x16 grid of
// block means, plus duration. The hash survives re-encoding, resizing and a trim of a second or
// two, and two different videos sharing a branded intro or outro differ in most frames. The block
// grid catches what a global hash cannot: the same footage with a local edit (another price on
// the end card), which is a different ad. Measured on the real sheet: re-encodes differ by ≤ 3
// grey levels per block, such edits by 70+.
import { decodeFrames } from '../frames/index.ts';

export interface Fingerprint {
  durationS: number;
  fps: number;
  /** One 64-bit hash per sampled frame, as 16 hex digits. */
  frames: string[];
  /** Per frame, 12x16 block means (0-255) of the grey frame, base64. */
  blocks: string[];
}

export interface FingerprintOptions { fps: number; maxFrames: number }

/** What dedup computes per media, from params `dedup`: also the fingerprint cache namespace. */
export const fingerprintOptions = (p: { fps: number; max_seconds: number }): FingerprintOptions => ({ fps: p.fps, maxFrames: Math.ceil(p.fps * p.max_seconds) });

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

const POPCOUNT = Array.from({ length: 16 }, (_, i) => (i & 1) + ((i >> 1) & 1) + ((i >> 2) & 1) + ((i >> 3) & 1));

export function hamming(a: string, b: string): number {
  let d = 0;
  for (let i = 0; i < 16; i++) d += POPCOUNT[parseInt(a[i], 16) ^ parseInt(b[i], 16)];
  return d;
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

export async function fingerprintVideo(path: string, durationS: number, opt: FingerprintOptions): Promise<Fingerprint> {
  const frames: string[] = [];
  const blocks: string[] = [];
  for await (const f of decodeFrames(path, { fps: opt.fps, width: W, height: H, pixFmt: 'gray', maxFrames: opt.maxFrames })) {
    frames.push(phash(boxDown(f.data, W, H, N, N)));
    blocks.push(Buffer.from(boxDown(f.data, W, H, BX, BY)).toString('base64'));
  }
  return { durationS, fps: opt.fps, frames, blocks };
}

/** Largest difference of one block's mean between two frames' block grids. */
function maxBlockDiff(a: string, b: string): number {
  const x = Buffer.from(a, 'base64'), y = Buffer.from(b, 'base64');
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
  return worst;
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

export interface Match { same: boolean; offsetFrames: number; matchFraction: number; meanHamming: number; editedFrames: number }

/** Best alignment of two fingerprints over the allowed offsets, and whether they are one video. */
export function compare(a: Fingerprint, b: Fingerprint, opt: MatchOptions): Match {
  const none: Match = { same: false, offsetFrames: 0, matchFraction: 0, meanHamming: 64, editedFrames: 0 };
  if (Math.abs(a.durationS - b.durationS) > opt.durationToleranceS || !a.frames.length || !b.frames.length) return none;
  const maxOff = Math.round(opt.maxOffsetS * a.fps);
  const shorter = Math.min(a.frames.length, b.frames.length);
  let best = none;
  for (let off = -maxOff; off <= maxOff; off++) {
    let n = 0, matched = 0, sum = 0;
    for (let i = Math.max(0, -off); i < a.frames.length && i + off < b.frames.length; i++) {
      const d = hamming(a.frames[i], b.frames[i + off]);
      n++; sum += d;
      if (d <= opt.maxFrameHamming) matched++;
    }
    if (n === 0 || n < opt.minOverlap * shorter) continue;
    const m: Match = { same: false, offsetFrames: off, matchFraction: matched / n, meanHamming: sum / n, editedFrames: 0 };
    if (m.matchFraction > best.matchFraction || (m.matchFraction === best.matchFraction && m.meanHamming < best.meanHamming)) best = m;
  }
  if (best.matchFraction < opt.minMatchFraction) return best;
  const off = best.offsetFrames;
  for (let i = Math.max(0, -off); i < a.blocks.length && i + off < b.blocks.length; i++) {
    if (maxBlockDiff(a.blocks[i], b.blocks[i + off]) > opt.editThreshold) best.editedFrames++;
  }
  return { ...best, same: best.editedFrames < opt.minEditedFrames };
}
