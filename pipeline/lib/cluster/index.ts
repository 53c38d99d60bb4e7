// Who is who across videos: average-linkage agglomerative clustering of track descriptors.
// Single linkage chains different people together through look-alike intermediates on real data;
// average linkage asks the whole cluster to be close. Two tracks seen in the same frames of one
// video are two people, so they are never merged (cannot-link).
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
  const d: Float64Array[] = items.map(() => new Float64Array(n));
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
    const v = cannotLink(items[i], items[j]) ? Infinity : distance(items[i].vector, items[j].vector);
    d[i][j] = v; d[j][i] = v;
  }
  const size = new Array<number>(n).fill(1);
  const alive = new Array<boolean>(n).fill(true);
  const members: number[][] = items.map((_, i) => [i]);
  for (;;) {
    let bi = -1, bj = -1, best = Infinity;
    for (let i = 0; i < n; i++) if (alive[i]) for (let j = i + 1; j < n; j++) {
      if (alive[j] && d[i][j] < best) { best = d[i][j]; bi = i; bj = j; }
    }
    if (bi < 0 || best > opt.threshold) break;
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
  }
  const label = new Array<number>(n).fill(-1);
  let next = 0;
  for (let i = 0; i < n; i++) {
    if (label[i] >= 0) continue;
    const root = members.findIndex((m, r) => alive[r] && m.includes(i));
    for (const m of members[root]) label[m] = next;
    next++;
  }
  return label;
}
