// The k-nearest-neighbour graph for tens of thousands of tracks: 50,000 × 50,000 pairs of 128-d
// descriptors is 1.6e11 multiply-adds, minutes in plain JavaScript, seconds in onnxruntime's CPU
// matrix multiply (already a dependency, for the face engine). A four-node ONNX graph, built here
// as protobuf bytes (no model file): scores = Q · Xᵀ − |x|²/2 (larger = nearer, since
// |q − x|² = |q|² + |x|² − 2 q·x), then TopK per row. The candidates it returns are re-ranked with
// exact double-precision distances and ties broken by index, so the graph does not depend on
// float rounding or on the order rows are processed (beyond ties at the margin).
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import { distance } from '../tracks/index.ts';
import type { Neighbours } from './knn.ts';

// Minimal protobuf writer.
const varint = (n: number): number[] => { const out: number[] = []; while (n > 127) { out.push((n & 127) | 128); n = Math.floor(n / 128); } out.push(n); return out; };
const key = (field: number, wire: number) => varint(field * 8 + wire);
const bytes = (field: number, b: number[]) => [...key(field, 2), ...varint(b.length), ...b];
const str = (field: number, s: string) => bytes(field, [...Buffer.from(s, 'utf8')]);
const int = (field: number, n: number) => [...key(field, 0), ...varint(n)];

const FLOAT = 1, INT64 = 7;
const dim = (d: number | string) => bytes(1, typeof d === 'number' ? int(1, d) : str(2, d));
const value = (name: string, type: number, dims: (number | string)[]) =>
  [...str(1, name), ...bytes(2, bytes(1, [...int(1, type), ...bytes(2, dims.flatMap(dim))]))];
const node = (op: string, inputs: string[], outputs: string[]) => [...inputs.flatMap((i) => str(1, i)), ...outputs.flatMap((o) => str(2, o)), ...str(4, op)];

function model(d: number): Uint8Array {
  const graph = [
    ...bytes(1, node('MatMul', ['q', 'xt'], ['dot'])),
    ...bytes(1, node('Sub', ['dot', 'half'], ['score'])),
    ...bytes(1, node('TopK', ['score', 'k'], ['values', 'indices'])),
    ...str(2, 'knn'),
    ...bytes(11, value('q', FLOAT, ['m', d])),
    ...bytes(11, value('xt', FLOAT, [d, 'n'])),
    ...bytes(11, value('half', FLOAT, [1, 'n'])),
    ...bytes(11, value('k', INT64, [1])),
    ...bytes(12, value('values', FLOAT, ['m', 'kk'])),
    ...bytes(12, value('indices', INT64, ['m', 'kk'])),
  ];
  return Uint8Array.from([...int(1, 7), ...str(2, 'influencer-selection'), ...bytes(7, graph), ...bytes(8, [...str(1, ''), ...int(2, 13)])]);
}

/** Exact k nearest neighbours of every vector (Euclidean), through onnxruntime on `threads` cores (default: all). */
export async function knnOrt(vectors: ArrayLike<number>[], k: number, threads = availableParallelism()): Promise<Neighbours> {
  const n = vectors.length, d = n ? vectors[0].length : 0;
  k = Math.max(0, Math.min(k, n - 1));
  const idx = new Int32Array(n * k).fill(-1);
  if (k === 0) return { k, idx };
  const session = await ort.InferenceSession.create(model(d), { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const xt = new Float32Array(d * n), half = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let t = 0; t < d; t++) { const v = vectors[i][t]; xt[t * n + i] = v; s += v * v; }
    half[i] = s / 2;
  }
  const xtT = new ort.Tensor('float32', xt, [d, n]);
  const halfT = new ort.Tensor('float32', half, [1, n]);
  // A few spare candidates, re-ranked exactly (self among them).
  const extra = Math.min(n, k + 1 + 4);
  const kT = new ort.Tensor('int64', BigInt64Array.from([BigInt(extra)]), [1]);
  const rows = Math.max(1, Math.min(n, Math.floor(2 ** 24 / n)));
  for (let i0 = 0; i0 < n; i0 += rows) {
    const m = Math.min(rows, n - i0);
    const q = new Float32Array(m * d);
    for (let i = 0; i < m; i++) for (let t = 0; t < d; t++) q[i * d + t] = vectors[i0 + i][t];
    const out = await session.run({ q: new ort.Tensor('float32', q, [m, d]), xt: xtT, half: halfT, k: kT });
    const cand = out.indices.data as BigInt64Array;
    for (let i = 0; i < m; i++) {
      const me = i0 + i;
      const list: { j: number; d: number }[] = [];
      for (let r = 0; r < extra; r++) {
        const j = Number(cand[i * extra + r]);
        if (j !== me) list.push({ j, d: distance(vectors[me], vectors[j]) });
      }
      list.sort((a, b) => a.d - b.d || a.j - b.j);
      for (let r = 0; r < k && r < list.length; r++) idx[me * k + r] = list[r].j;
    }
  }
  await session.release();
  return { k, idx };
}
