// Exact k nearest neighbours (Euclidean) of every vector among all others, without an n × n matrix:
// Float32 dot products over tiles of rows × columns (so a tile's vectors stay in cache), each pair
// computed once and offered to both ends' lists. 50,000 × 128-d vectors: 1.25e9 pairs, 1.6e11
// multiply-adds (minutes here: cluster() hands inputs over 2,000 to knn-ort.ts).

export interface Neighbours {
  k: number;
  /** idx[i * k + r]: the r-th nearest other item of i (-1 where fewer than k others exist). */
  idx: Int32Array;
}

const ROWS = 32, COLS = 512;

export function knn(vectors: ArrayLike<number>[], k: number): Neighbours {
  const n = vectors.length, dim = n ? vectors[0].length : 0;
  k = Math.max(0, Math.min(k, n - 1));
  const x = new Float32Array(n * dim);
  const norm = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = 0; t < dim; t++) { const v = vectors[i][t]; x[i * dim + t] = v; s += v * v; }
    norm[i] = s;
  }
  const idx = new Int32Array(n * k).fill(-1);
  const dist2 = new Float32Array(n * k).fill(Infinity);
  const worst = new Float32Array(n).fill(Infinity);
  // Insert j at distance d into i's sorted list (ties: the smaller index first, so the result does
  // not depend on the order pairs are visited).
  const offer = (i: number, j: number, d: number) => {
    const base = i * k;
    let r = k - 1;
    if (d > dist2[base + r] || (d === dist2[base + r] && idx[base + r] >= 0 && j > idx[base + r])) return;
    while (r > 0 && (dist2[base + r - 1] > d || (dist2[base + r - 1] === d && idx[base + r - 1] > j))) {
      dist2[base + r] = dist2[base + r - 1]; idx[base + r] = idx[base + r - 1]; r--;
    }
    dist2[base + r] = d; idx[base + r] = j;
    worst[i] = dist2[base + k - 1];
  };
  if (k === 0) return { k, idx };
  for (let i0 = 0; i0 < n; i0 += ROWS) {
    const i1 = Math.min(n, i0 + ROWS);
    for (let j0 = i0; j0 < n; j0 += COLS) {
      const j1 = Math.min(n, j0 + COLS);
      for (let i = i0; i < i1; i++) {
        const a = i * dim, ni = norm[i];
        for (let j = Math.max(j0, i + 1); j < j1; j++) {
          const b = j * dim;
          let s0 = 0, s1 = 0, s2 = 0, s3 = 0, t = 0;
          for (; t + 3 < dim; t += 4) {
            s0 += x[a + t] * x[b + t]; s1 += x[a + t + 1] * x[b + t + 1];
            s2 += x[a + t + 2] * x[b + t + 2]; s3 += x[a + t + 3] * x[b + t + 3];
          }
          for (; t < dim; t++) s0 += x[a + t] * x[b + t];
          const d = Math.max(0, ni + norm[j] - 2 * (s0 + s1 + s2 + s3));
          if (d <= worst[i]) offer(i, j, d);
          if (d <= worst[j]) offer(j, i, d);
        }
      }
    }
  }
  return { k, idx };
}
