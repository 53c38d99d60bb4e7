// Pure parts of the face verification benchmark (bench/verify.ts): building pairs, stratified folds,
// threshold choice, accuracy, ROC AUC, picking the labelled face in a photo. No I/O, no face engine.
// (The dlib-style face chip the descriptor is computed on lives in pipeline/lib/faces/align.ts.)
//
// Convention: a pair is predicted "same person" when its descriptor distance is < threshold. A pair whose
// distance is NaN (an image without a detected face) is never predicted correctly: it counts as an error
// at every threshold (the conservative reading of LFW's "unrestricted" protocol, where every pair must be
// answered).
import { meanInterval } from '../pipeline/lib/stats/index.ts';
import { shuffle, type Rng } from '../pipeline/lib/synth/prng.ts';

export interface Pair {
  /** Indices into the image list, a < b. */
  a: number;
  b: number;
  same: boolean;
}

/** Every unordered pair of images with the same label, in index order. */
export function samePairs(labels: readonly string[]): Pair[] {
  const out: Pair[] = [];
  for (let a = 0; a < labels.length; a++) {
    for (let b = a + 1; b < labels.length; b++) if (labels[a] === labels[b]) out.push({ a, b, same: true });
  }
  return out;
}

/** Every unordered pair of images with different labels, in index order. */
export function differentPairs(labels: readonly string[]): Pair[] {
  const out: Pair[] = [];
  for (let a = 0; a < labels.length; a++) {
    for (let b = a + 1; b < labels.length; b++) if (labels[a] !== labels[b]) out.push({ a, b, same: false });
  }
  return out;
}

/**
 * `count` distinct random different-label pairs (uniform over all such unordered pairs, by rejection),
 * in sampling order. Throws when fewer exist.
 */
export function sampleDifferentPairs(labels: readonly string[], count: number, rng: Rng): Pair[] {
  const n = labels.length;
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  let sameTotal = 0;
  for (const c of counts.values()) sameTotal += (c * (c - 1)) / 2;
  const available = (n * (n - 1)) / 2 - sameTotal;
  if (count > available) throw new RangeError(`asked for ${count} different-person pairs, only ${available} exist`);
  if (count > available / 2) return shuffle(rng, differentPairs(labels)).slice(0, count);
  const seen = new Set<number>();
  const out: Pair[] = [];
  while (out.length < count) {
    let a = Math.floor(rng() * n), b = Math.floor(rng() * n);
    if (a === b || labels[a] === labels[b]) continue;
    if (a > b) [a, b] = [b, a];
    const key = a * n + b;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ a, b, same: false });
  }
  return out;
}

/** All same-label pairs plus as many random different-label pairs (seeded). */
export function balancedPairs(labels: readonly string[], rng: Rng): Pair[] {
  const same = samePairs(labels);
  return [...same, ...sampleDifferentPairs(labels, same.length, rng)];
}

/**
 * Fold index (0..k-1) per item, stratified by a boolean class: each class is shuffled (seeded) and dealt
 * round-robin, so every fold holds the same share (±1) of each class.
 */
export function stratifiedFolds(classes: readonly boolean[], k: number, rng: Rng): number[] {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`k must be an integer ≥ 2, got ${k}`);
  const fold = new Array<number>(classes.length).fill(-1);
  let offset = 0;
  for (const cls of [true, false]) {
    const idx = shuffle(rng, classes.flatMap((c, i) => (c === cls ? [i] : [])));
    idx.forEach((i, r) => { fold[i] = (r + offset) % k; });
    offset = (offset + idx.length) % k; // the next class continues where this one stopped
  }
  return fold;
}

/** Share of pairs answered correctly at a threshold (same ⇔ distance < threshold; NaN distance = wrong). */
export function accuracyAt(dist: readonly number[], same: readonly boolean[], threshold: number): number {
  if (dist.length === 0) return NaN;
  let ok = 0;
  for (let i = 0; i < dist.length; i++) {
    const d = dist[i];
    if (Number.isNaN(d)) continue;
    if ((d < threshold) === same[i]) ok++;
  }
  return ok / dist.length;
}

export interface ThresholdChoice {
  threshold: number;
  /** Accuracy at that threshold on the pairs it was chosen on. */
  accuracy: number;
  /** The range of thresholds that reach the same accuracy: [lo, hi). */
  range: [number, number];
}

/**
 * The distance threshold that maximizes accuracy. Candidates are the midpoints between consecutive
 * distinct distances (plus one below the least and one above the greatest); the accuracy is flat between
 * them. When several disjoint intervals tie, the first (smallest threshold) wins; within it, its midpoint.
 */
export function bestThreshold(dist: readonly number[], same: readonly boolean[]): ThresholdChoice {
  const items = dist.map((d, i) => ({ d, s: same[i] })).filter((x) => !Number.isNaN(x.d)).sort((x, y) => x.d - y.d);
  const n = dist.length;
  if (items.length === 0) return { threshold: NaN, accuracy: n ? 0 : NaN, range: [NaN, NaN] };
  // Threshold below everything: all "different" → correct = number of different pairs.
  let correct = items.filter((x) => !x.s).length;
  let best = correct, bestLo = -Infinity, bestHi = items[0].d;
  for (let i = 0; i < items.length;) {
    // Move the threshold above all items with this distance value.
    const v = items[i].d;
    while (i < items.length && items[i].d === v) { correct += items[i].s ? 1 : -1; i++; }
    const hi = i < items.length ? items[i].d : Infinity;
    if (correct > best) { best = correct; bestLo = v; bestHi = hi; }
  }
  const lo = bestLo, hi = bestHi;
  const threshold = Number.isFinite(lo) && Number.isFinite(hi) ? (lo + hi) / 2
    : Number.isFinite(lo) ? lo + 1e-6 : hi - 1e-6;
  return { threshold, accuracy: best / n, range: [lo, hi] };
}

export interface FoldResult {
  fold: number;
  /** Threshold chosen on the other folds. */
  threshold: number;
  /** Accuracy of that threshold on this fold. */
  accuracy: number;
  pairs: number;
}

export interface TenFoldResult {
  folds: FoldResult[];
  mean: number;
  /** Sample standard deviation of the fold accuracies (n − 1). */
  sd: number;
  /** Standard error of the mean (sd / √k), what the LFW results page reports beside the mean. */
  se: number;
  meanThreshold: number;
}

/** LFW-style k-fold: per fold, the threshold best on the other k−1 folds, accuracy on the held-out fold. */
export function kFold(dist: readonly number[], same: readonly boolean[], fold: readonly number[], k = 10): TenFoldResult {
  const folds: FoldResult[] = [];
  for (let f = 0; f < k; f++) {
    const trainD: number[] = [], trainS: boolean[] = [], testD: number[] = [], testS: boolean[] = [];
    for (let i = 0; i < dist.length; i++) {
      if (fold[i] === f) { testD.push(dist[i]); testS.push(same[i]); } else { trainD.push(dist[i]); trainS.push(same[i]); }
    }
    const { threshold } = bestThreshold(trainD, trainS);
    folds.push({ fold: f, threshold, accuracy: accuracyAt(testD, testS, threshold), pairs: testD.length });
  }
  const accs = folds.map((r) => r.accuracy);
  const { mean, sd, se } = meanInterval(accs);
  return { folds, mean: mean!, sd: sd!, se: se!, meanThreshold: folds.reduce((a, r) => a + r.threshold, 0) / k };
}

/**
 * ROC AUC of "smaller distance ⇒ same person": the probability that a random same pair is closer than a
 * random different pair (ties count half; Mann-Whitney U / (n_same · n_diff)). NaN distances are left out.
 */
export function rocAuc(dist: readonly number[], same: readonly boolean[]): number {
  const items = dist.map((d, i) => ({ d, s: same[i] })).filter((x) => !Number.isNaN(x.d)).sort((x, y) => x.d - y.d);
  let nPos = 0, nNeg = 0;
  for (const x of items) if (x.s) nPos++; else nNeg++;
  if (nPos === 0 || nNeg === 0) return NaN;
  // For each same pair, count the different pairs strictly farther (+ half the tied ones).
  let negBelow = 0, u = 0;
  for (let i = 0; i < items.length;) {
    const v = items[i].d;
    let pos = 0, neg = 0;
    while (i < items.length && items[i].d === v) { if (items[i].s) pos++; else neg++; i++; }
    u += pos * (nNeg - negBelow - neg) + pos * neg * 0.5;
    negBelow += neg;
  }
  return u / (nPos * nNeg);
}

export interface FaceBox { x: number; y: number; w: number; h: number }

/**
 * Index of the face that shows the labelled person: for centred crops (LFW), the one whose box centre is
 * nearest the image centre; otherwise the largest. -1 when there is none.
 */
export function pickFace(boxes: readonly FaceBox[], width: number, height: number, rule: 'centre' | 'largest'): number {
  let best = -1, bestKey = Infinity;
  boxes.forEach((b, i) => {
    const key = rule === 'centre'
      ? Math.hypot(b.x + b.w / 2 - width / 2, b.y + b.h / 2 - height / 2)
      : -(b.w * b.h);
    if (key < bestKey) { bestKey = key; best = i; }
  });
  return best;
}
