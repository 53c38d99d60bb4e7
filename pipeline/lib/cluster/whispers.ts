// Chinese whispers (Biemann 2006; dlib's face clustering) over the k-nearest-neighbour graph, kept
// as a measured alternative to average linkage (cluster.method: whispers). Edges join items closer
// than the threshold (same-video cuts that never share a frame count `sameVideoBonus` closer),
// weighted 1; every node repeatedly takes the label with the most edge weight among its
// neighbours. Deterministic: nodes visited in input order, ties to the smaller label, a fixed number
// of rounds. Constraints: must-link groups are one node from the start; a node never takes a label
// holding an item it cannot be one person with.
import type { Neighbours } from './knn.ts';

export function whispers(n: number, graph: Neighbours, opt: {
  threshold: number; rounds?: number; dist: (i: number, j: number) => number; apart: (i: number, j: number) => boolean;
  nodeOf: Int32Array; extraEdges: Array<[number, number]>;
}): number[] {
  const nodes = Math.max(0, ...opt.nodeOf) + 1;
  const itemsOf: number[][] = Array.from({ length: nodes }, () => []);
  for (let i = 0; i < n; i++) itemsOf[opt.nodeOf[i]].push(i);
  const adj: Map<number, number>[] = Array.from({ length: nodes }, () => new Map());
  const link = (i: number, j: number) => {
    const a = opt.nodeOf[i], b = opt.nodeOf[j];
    if (a === b || opt.dist(i, j) > opt.threshold) return;
    adj[a].set(b, (adj[a].get(b) ?? 0) + 1); adj[b].set(a, (adj[b].get(a) ?? 0) + 1);
  };
  const seen = new Set<number>();
  const once = (i: number, j: number) => { const k = Math.min(i, j) * n + Math.max(i, j); if (!seen.has(k)) { seen.add(k); link(i, j); } };
  for (let i = 0; i < n; i++) for (let r = 0; r < graph.k; r++) { const j = graph.idx[i * graph.k + r]; if (j >= 0) once(i, j); }
  for (const [i, j] of opt.extraEdges) once(i, j);
  const label = Int32Array.from({ length: nodes }, (_, a) => a);
  const membersOf = new Map<number, Set<number>>(Array.from({ length: nodes }, (_, a) => [a, new Set([a])]));
  const conflicts = (a: number, l: number) => {
    for (const b of membersOf.get(l) ?? []) if (b !== a) for (const x of itemsOf[a]) for (const y of itemsOf[b]) if (opt.apart(x, y)) return true;
    return false;
  };
  for (let round = 0; round < (opt.rounds ?? 20); round++) {
    let changed = 0;
    for (let a = 0; a < nodes; a++) {
      const votes = new Map<number, number>();
      for (const [b, w] of adj[a]) votes.set(label[b], (votes.get(label[b]) ?? 0) + w);
      let best = label[a], bestW = votes.get(label[a]) ?? 0;
      for (const [l, w] of [...votes].sort((x, y) => y[1] - x[1] || x[0] - y[0])) {
        if (w < bestW || (w === bestW && l >= best)) break;
        if (!conflicts(a, l)) { best = l; bestW = w; break; }
      }
      if (best !== label[a]) {
        membersOf.get(label[a])!.delete(a);
        if (!membersOf.has(best)) membersOf.set(best, new Set());
        membersOf.get(best)!.add(a);
        label[a] = best; changed++;
      }
    }
    if (!changed) break;
  }
  return Array.from({ length: n }, (_, i) => label[opt.nodeOf[i]]);
}
