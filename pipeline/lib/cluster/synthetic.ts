// Synthetic track descriptors around known people, for the clustering's scale bench and tests:
// seeded and deterministic. 128-d vectors shaped like the flip descriptor's distances (same person
// ≈ 0.42 ± 0.07, different people ≈ 0.8 ± 0.09): a person is a centre plus two "looks" (photos
// years apart), a track is one look plus per-track noise of varying size (quality). Tracks are
// packed into videos the way campaign videos hold them: one person in one or two cuts that never
// share a frame, and in about one video of four a second person on screen at the same time (a
// cannot-link pair).
import type { ClusterItem } from './index.ts';
import { mulberry32 } from '../synth/prng.ts';

export interface SyntheticTracks { items: ClusterItem[]; truth: number[]; people: number }

export function synthesise(nTracks: number, seed = 1, dim = 128, perPerson = 10): SyntheticTracks {
  const r = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const vec = (scale: number) => Array.from({ length: dim }, () => scale * gauss());
  const people = Math.max(1, Math.round(nTracks / perPerson));
  const centres = Array.from({ length: people }, () => vec(0.0415 * (1 + 0.17 * gauss())));
  const looks = centres.map((c) => [0, 1].map(() => { const o = vec(0.011); return c.map((v, t) => v + o[t]); }));
  // How many tracks each person has: 1 to 2 × perPerson - 1, summing to nTracks.
  const quota = Array.from({ length: people }, () => 1 + Math.floor(r() * (2 * perPerson - 1)));
  let total = quota.reduce((s, q) => s + q, 0);
  for (let p = 0; total !== nTracks; p = (p + 1) % people) {
    if (total > nTracks && quota[p] > 1) { quota[p]--; total--; } else if (total < nTracks) { quota[p]++; total++; }
  }
  const track = (p: number) => {
    const look = looks[p][r() < 0.5 ? 0 : 1];
    const noise = vec(0.0235 * Math.exp(0.25 * gauss()));
    return look.map((v, t) => v + noise[t]);
  };
  const items: ClusterItem[] = [], truth: number[] = [];
  const left = [...quota];
  const open: number[] = [];
  for (let p = 0; p < people; p++) open.push(p);
  let video = 0;
  const take = () => {
    // A person with tracks left, chosen at random (then dropped when done).
    const i = Math.floor(r() * open.length);
    const p = open[i];
    if (--left[p] === 0) { open[i] = open[open.length - 1]; open.pop(); }
    return p;
  };
  while (open.length) {
    const group = `v${video++}`;
    const p = take();
    items.push({ id: `${group}-t0`, vector: track(p), group, start: 0, end: 4 }); truth.push(p);
    if (left[p] > 0 && r() < 0.35) {
      if (--left[p] === 0) open.splice(open.indexOf(p), 1);
      items.push({ id: `${group}-t1`, vector: track(p), group, start: 6, end: 9 }); truth.push(p);
    }
    if (open.length && r() < 0.25) {
      const q = take();
      items.push({ id: `${group}-t2`, vector: track(q), group, start: 2, end: 8 }); truth.push(q);
    }
  }
  return { items, truth, people };
}

/** BCubed precision / recall / F and pairwise-free summaries of a clustering against the truth. */
export function scoreClusters(labels: number[], truth: number[]) {
  const count = (xs: number[]) => { const m = new Map<number, number>(); for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1); return m; };
  const byLabel = count(labels), byTruth = count(truth);
  const both = new Map<string, number>();
  labels.forEach((l, i) => { const k = `${l}:${truth[i]}`; both.set(k, (both.get(k) ?? 0) + 1); });
  let p = 0, r = 0;
  labels.forEach((l, i) => { const c = both.get(`${l}:${truth[i]}`)!; p += c / byLabel.get(l)!; r += c / byTruth.get(truth[i])!; });
  p /= labels.length; r /= labels.length;
  // A predicted cluster is "pure" when it holds one true person; IDs per person counts the clusters
  // holding each person's tracks.
  const idsOf = new Map<number, Set<number>>();
  labels.forEach((l, i) => idsOf.set(truth[i], (idsOf.get(truth[i]) ?? new Set()).add(l)));
  const peopleOf = new Map<number, Set<number>>();
  labels.forEach((l, i) => peopleOf.set(l, (peopleOf.get(l) ?? new Set()).add(truth[i])));
  const mixed = [...peopleOf.values()].filter((s) => s.size > 1).length;
  const idsPerPerson = [...idsOf.values()].reduce((s, x) => s + x.size, 0) / idsOf.size;
  return { precision: p, recall: r, f: (2 * p * r) / (p + r), clusters: byLabel.size, people: byTruth.size, mixed, idsPerPerson };
}
