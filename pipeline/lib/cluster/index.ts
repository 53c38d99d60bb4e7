// Who is who across videos: average-linkage agglomerative clustering of track descriptors.
// Single linkage chains different people together through look-alike intermediates on real data;
// average linkage asks the whole cluster to be close. Two tracks seen in the same frames of one
// video are two people, so they are never merged (cannot-link). The analyst's corrections enter as
// constraints of the same agglomeration: must-link groups are merged first, whatever their distance,
// and cannot-link pairs are infinitely far apart, so nothing ever joins them (Lance-Williams keeps
// an infinite distance infinite under both linkages).
import { distance } from '../tracks/index.ts';

export interface ClusterItem {
  id: string;
  vector: ArrayLike<number>;
  /** Items sharing a group and overlapping in [start, end] cannot be one person. */
  group?: string;
  start?: number;
  end?: number;
}

export interface ClusterOptions {
  /** Merging stops when the closest pair of clusters is farther apart (average distance) than this. */
  threshold: number;
  linkage: 'average' | 'complete';
  /** Groups of item indices that are one person (merged before anything else). */
  mustLink?: number[][];
  /** Pairs of item indices that are never one person. */
  cannotLink?: [number, number][];
}

/** A must-link group holds two items that cannot be one person. */
export class ConstraintConflict extends Error {
  constructor(readonly group: number, readonly a: string, readonly b: string) { super(`must-link group ${group} joins ${a} and ${b}, which cannot be one person`); }
}

function cannotLink(a: ClusterItem, b: ClusterItem): boolean {
  return a.group !== undefined && a.group === b.group && (a.start ?? 0) <= (b.end ?? 0) && (b.start ?? 0) <= (a.end ?? 0);
}

/**
 * Returns the cluster index of every item (clusters numbered by their first item, so the result
 * depends only on the input order). O(n³) time, O(n²) memory: fine for thousands of tracks.
 */
export function agglomerate(items: ClusterItem[], opt: ClusterOptions): number[] {
  const n = items.length;
  const banned = new Set((opt.cannotLink ?? []).flatMap(([i, j]) => [i * n + j, j * n + i]));
  const apart = (i: number, j: number) => banned.has(i * n + j) || cannotLink(items[i], items[j]);
  const d: Float64Array[] = items.map(() => new Float64Array(n));
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
    const v = apart(i, j) ? Infinity : distance(items[i].vector, items[j].vector);
    d[i][j] = v; d[j][i] = v;
  }
  const size = new Array<number>(n).fill(1);
  const alive = new Array<boolean>(n).fill(true);
  const members: number[][] = items.map((_, i) => [i]);
  const rootOf = (i: number) => members.findIndex((m, r) => alive[r] && m.includes(i));
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
    members[bi].push(...members[bj]);
  };
  (opt.mustLink ?? []).forEach((group, g) => {
    for (const k of group.slice(1)) {
      const [a, b] = [rootOf(group[0]), rootOf(k)].sort((x, y) => x - y);
      if (a === b) continue;
      if (d[a][b] === Infinity) {
        const pair = members[a].flatMap((x) => members[b].filter((y) => apart(x, y)).map((y) => [x, y]))[0];
        throw new ConstraintConflict(g, items[pair[0]].id, items[pair[1]].id);
      }
      join(a, b);
    }
  });
  for (;;) {
    let bi = -1, bj = -1, best = Infinity;
    for (let i = 0; i < n; i++) if (alive[i]) for (let j = i + 1; j < n; j++) {
      if (alive[j] && d[i][j] < best) { best = d[i][j]; bi = i; bj = j; }
    }
    if (bi < 0 || best > opt.threshold) break;
    join(bi, bj);
  }
  const label = new Array<number>(n).fill(-1);
  let next = 0;
  for (let i = 0; i < n; i++) {
    if (label[i] >= 0) continue;
    for (const m of members[rootOf(i)]) label[m] = next;
    next++;
  }
  return label;
}
