// Who is who across videos: average-linkage agglomerative clustering of track descriptors.
// Single linkage chains different people together through look-alike intermediates on real data;
// average linkage asks the whole cluster to be close: a person is all of their tracks (several
// exemplars), not one mean. Two tracks seen in the same frames of one video are two people, so they
// are never merged (cannot-link). The analyst's corrections enter as constraints of the same
// agglomeration: must-link groups are merged first, whatever their distance, and cannot-link pairs
// are infinitely far apart, so nothing ever joins them (an infinite distance stays infinite under
// both linkages).
//
// Two methods give the same linkage:
// - full: the classic algorithm over the whole distance matrix, O(n³) time and O(n²) memory (hours
//   and gigabytes for tens of thousands of tracks);
// - knn: the same merges restricted to clusters joined by an edge of the k-nearest-neighbour graph
//   (plus every pair of cuts of one video): the linkage of two candidate clusters is still exact
//   (the average over all their member pairs), only pairs of clusters with no near pair of members
//   are never considered, and those are never within an average-linkage threshold of each other in
//   practice. O(n² d) for the exact kNN (tiled Float32 dot products) plus ≈ O(n k log n) merges;
//   memory O(n k). With fewer than k + 1 tracks the graph is complete and both methods agree.
//
// Cuts of one video that never share a frame and look alike are likely one person: their distance
// counts `sameVideoBonus` less, and the linkage of two clusters holding cuts of one video counts
// `sharedVideoBonus` less (0 = off).
import { distance } from '../tracks/index.ts';
import { MergeHeap } from './heap.ts';
import { knn, type Neighbours } from './knn.ts';
import { knnOrt } from './knn-ort.ts';
import { whispers } from './whispers.ts';

export interface ClusterItem {
  id: string;
  vector: ArrayLike<number>;
  /** Items sharing a group and overlapping in [start, end] cannot be one person. */
  group?: string;
  start?: number;
  end?: number;
  /** Weight in the average linkage (quality; default 1). */
  weight?: number;
}

export interface ClusterOptions {
  /** Merging stops when the closest pair of clusters is farther apart (average distance) than this. */
  threshold: number;
  linkage: 'average' | 'complete';
  /**
   * full: whole distance matrix (O(n³)); knn (default): candidate merges along the k-nearest-neighbour
   * graph; whispers: Chinese whispers over the same graph's edges shorter than the threshold.
   */
  method?: 'full' | 'knn' | 'whispers';
  /** Neighbours per item in the knn method's graph. */
  k?: number;
  /** Subtracted from the distance of two items of one group that do not overlap in time. */
  sameVideoBonus?: number;
  /** Subtracted from the linkage of two clusters that hold items of one group (never overlapping: those are apart). */
  sharedVideoBonus?: number;
  /** Groups of item indices that are one person (merged before anything else). */
  mustLink?: number[][];
  /** Pairs of item indices that are never one person. */
  cannotLink?: [number, number][];
  /** The knn method's graph when already computed (see cluster()); otherwise computed here in JavaScript. */
  neighbours?: Neighbours;
}

/** A must-link group holds two items that cannot be one person. */
export class ConstraintConflict extends Error {
  constructor(readonly group: number, readonly a: string, readonly b: string) { super(`must-link group ${group} joins ${a} and ${b}, which cannot be one person`); }
}

const overlap = (a: ClusterItem, b: ClusterItem) => (a.start ?? 0) <= (b.end ?? 0) && (b.start ?? 0) <= (a.end ?? 0);

function cannotLink(a: ClusterItem, b: ClusterItem): boolean {
  return a.group !== undefined && a.group === b.group && overlap(a, b);
}

/** The pair distance both methods use: Infinity for cannot-link pairs, less the same-video bonus. */
function pairDistance(items: ClusterItem[], opt: ClusterOptions) {
  const n = items.length;
  const banned = new Set((opt.cannotLink ?? []).flatMap(([i, j]) => [i * n + j, j * n + i]));
  const bonus = opt.sameVideoBonus ?? 0;
  const apart = (i: number, j: number) => banned.has(i * n + j) || cannotLink(items[i], items[j]);
  const dist = (i: number, j: number) => {
    if (apart(i, j)) return Infinity;
    const d = distance(items[i].vector, items[j].vector);
    return bonus && items[i].group !== undefined && items[i].group === items[j].group ? Math.max(0, d - bonus) : d;
  };
  return { apart, dist };
}

/** Whether two clusters hold items of one group (the cluster-level same-video evidence). */
function sharesGroup(ga: Set<string>, gb: Set<string>): boolean {
  const [small, big] = ga.size <= gb.size ? [ga, gb] : [gb, ga];
  for (const g of small) if (big.has(g)) return true;
  return false;
}

/** Clusters numbered by their first item. */
function numbered(n: number, rootOf: (i: number) => number): number[] {
  const label = new Array<number>(n).fill(-1);
  const byRoot = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const r = rootOf(i);
    if (!byRoot.has(r)) byRoot.set(r, byRoot.size);
    label[i] = byRoot.get(r)!;
  }
  return label;
}

/**
 * Returns the cluster index of every item (clusters numbered by their first item, so the result
 * depends only on the input order).
 */
export function agglomerate(items: ClusterItem[], opt: ClusterOptions): number[] {
  return (opt.method ?? 'knn') === 'full' ? agglomerateFull(items, opt) : agglomerateKnn(items, opt);
}

/**
 * agglomerate() with the knn method's graph computed by onnxruntime's matrix multiply (seconds for
 * 50,000 tracks where plain JavaScript takes minutes); small inputs stay in JavaScript.
 */
export async function cluster(items: ClusterItem[], opt: ClusterOptions): Promise<number[]> {
  if ((opt.method ?? 'knn') !== 'full' && !opt.neighbours && items.length > 2000) {
    return agglomerate(items, { ...opt, neighbours: await knnOrt(items.map((t) => t.vector), opt.k ?? 10) });
  }
  return agglomerate(items, opt);
}

/** Must-link groups joined in order (the smaller root absorbs the other); throws on a contradiction. */
function joinMustLinks(items: ClusterItem[], opt: ClusterOptions, apart: (i: number, j: number) => boolean, root: (i: number) => number, join: (a: number, b: number) => void, members: number[][]) {
  (opt.mustLink ?? []).forEach((group, g) => {
    for (const k of group.slice(1)) {
      const [a, b] = [root(group[0]), root(k)].sort((x, y) => x - y);
      if (a === b) continue;
      for (const x of members[a]) for (const y of members[b]) if (apart(x, y)) throw new ConstraintConflict(g, items[x].id, items[y].id);
      join(a, b);
    }
  });
}

/** The whole-matrix algorithm (Lance-Williams updates). O(n³) time, O(n²) memory: fine for thousands of tracks. */
export function agglomerateFull(items: ClusterItem[], opt: ClusterOptions): number[] {
  const n = items.length;
  const { apart, dist } = pairDistance(items, opt);
  const d: Float64Array[] = items.map(() => new Float64Array(n));
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
    const v = dist(i, j);
    d[i][j] = v; d[j][i] = v;
  }
  const size = items.map((t) => t.weight ?? 1);
  const alive = new Array<boolean>(n).fill(true);
  const members: number[][] = items.map((_, i) => [i]);
  const owner = Int32Array.from(items, (_, i) => i);
  const join = (bi: number, bj: number) => {
    // Lance-Williams update: i absorbs j.
    for (let k = 0; k < n; k++) {
      if (!alive[k] || k === bi || k === bj) continue;
      const v = opt.linkage === 'average'
        ? (size[bi] * d[bi][k] + size[bj] * d[bj][k]) / (size[bi] + size[bj])
        : Math.max(d[bi][k], d[bj][k]);
      d[bi][k] = v; d[k][bi] = v;
    }
    size[bi] += size[bj];
    alive[bj] = false;
    for (const m of members[bj]) owner[m] = bi;
    members[bi].push(...members[bj]);
  };
  const shared = opt.sharedVideoBonus ?? 0;
  const groups = items.map((t) => new Set(t.group === undefined ? [] : [t.group]));
  const joinAll = (bi: number, bj: number) => { join(bi, bj); for (const g of groups[bj]) groups[bi].add(g); };
  joinMustLinks(items, opt, apart, (i) => owner[i], joinAll, members);
  for (;;) {
    let bi = -1, bj = -1, best = Infinity;
    for (let i = 0; i < n; i++) if (alive[i]) for (let j = i + 1; j < n; j++) {
      if (!alive[j]) continue;
      const v = shared && d[i][j] !== Infinity && sharesGroup(groups[i], groups[j]) ? d[i][j] - shared : d[i][j];
      if (v < best) { best = v; bi = i; bj = j; }
    }
    if (bi < 0 || best > opt.threshold) break;
    joinAll(bi, bj);
  }
  return numbered(n, (i) => owner[i]);
}

/** The same linkage with candidate merges along the k-nearest-neighbour graph. */
export function agglomerateKnn(items: ClusterItem[], opt: ClusterOptions): number[] {
  const n = items.length;
  const { apart, dist } = pairDistance(items, opt);
  const average = opt.linkage === 'average';
  const members: number[][] = items.map((_, i) => [i]);
  const owner = Int32Array.from(items, (_, i) => i);
  const version = new Int32Array(n);
  // Per cluster: neighbour cluster → sum (average) or max (complete) of its member pairs' distances.
  const near: Map<number, number>[] = items.map(() => new Map());
  const w = items.map((t) => t.weight ?? 1);
  const mass = [...w];
  const exact = (a: number, b: number) => {
    let s = 0;
    for (const x of members[a]) for (const y of members[b]) {
      const v = dist(x, y);
      if (v === Infinity) return Infinity;
      s = average ? s + w[x] * w[y] * v : Math.max(s, v);
    }
    return s;
  };
  const shared = opt.sharedVideoBonus ?? 0;
  const groups = items.map((t) => new Set(t.group === undefined ? [] : [t.group]));
  const linkage = (a: number, b: number, s: number) => (average ? s / (mass[a] * mass[b]) : s)
    - (shared && sharesGroup(groups[a], groups[b]) ? shared : 0);
  const absorb = (a: number, b: number) => {
    for (const m of members[b]) owner[m] = a;
    members[a].push(...members[b]);
    members[b] = [];
    mass[a] += mass[b]; mass[b] = 0;
    for (const g of groups[b]) groups[a].add(g);
    groups[b] = new Set();
  };
  joinMustLinks(items, opt, apart, (i) => owner[i], absorb, members);

  // Candidate pairs: each item's k nearest, and every two cuts of one video that do not overlap.
  const graph = opt.neighbours ?? knn(items.map((t) => t.vector), opt.k ?? 10);
  const edge = (i: number, j: number) => {
    const a = owner[i], b = owner[j];
    if (a === b || near[a].has(b)) return;
    const s = exact(a, b);
    near[a].set(b, s); near[b].set(a, s);
  };
  for (let i = 0; i < n; i++) for (let r = 0; r < graph.k; r++) {
    const j = graph.idx[i * graph.k + r];
    if (j >= 0) edge(i, j);
  }
  const byGroup = new Map<string, number[]>();
  items.forEach((t, i) => {
    if (t.group === undefined) return;
    const g = byGroup.get(t.group);
    if (g) g.push(i); else byGroup.set(t.group, [i]);
  });
  const sameVideo: Array<[number, number]> = [];
  for (const g of byGroup.values()) if (g.length <= 200) for (let x = 0; x < g.length; x++) for (let y = x + 1; y < g.length; y++) sameVideo.push([g[x], g[y]]);
  if (opt.method === 'whispers') {
    const labels = whispers(n, graph, { threshold: opt.threshold, dist, apart, nodeOf: owner, extraEdges: sameVideo });
    return numbered(n, (i) => labels[i]);
  }
  for (const [i, j] of sameVideo) edge(i, j);

  const heap = new MergeHeap();
  for (let a = 0; a < n; a++) for (const [b, s] of near[a]) {
    if (a < b && s !== Infinity) heap.push(linkage(a, b, s), a, b, version[a], version[b]);
  }
  for (let top = heap.pop(); top; top = heap.pop()) {
    const { key, a, b } = top;
    if (key > opt.threshold) break;
    if (version[a] !== top.va || version[b] !== top.vb || !members[a].length || !members[b].length) continue;
    // a (the smaller root, so a cluster's root is its first item) absorbs b.
    const merged = new Map<number, number>();
    for (const c of new Set([...near[a].keys(), ...near[b].keys()])) {
      if (c === a || c === b) continue;
      const sa = near[a].get(c) ?? exact(a, c), sb = near[b].get(c) ?? exact(b, c);
      const s = average ? sa + sb : Math.max(sa, sb);
      merged.set(c, s);
      near[c].delete(b); near[c].set(a, s);
    }
    absorb(a, b);
    near[a] = merged; near[b] = new Map();
    version[a]++; version[b]++;
    for (const [c, s] of merged) if (s !== Infinity) heap.push(linkage(a, c, s), a, c, version[a], version[c]);
  }
  return numbered(n, (i) => owner[i]);
}
