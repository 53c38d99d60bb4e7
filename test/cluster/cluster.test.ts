import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agglomerate } from '../../pipeline/lib/cluster/index.ts';
import { assignIds, emptyRegistry } from '../../pipeline/lib/registry/index.ts';

const at = (x: number, y = 0) => [x, y];

test('average linkage does not chain look-alikes that single linkage would join', () => {
  // A chain 0 — 0.4 — 0.8 — 1.2: neighbours are 0.4 apart, the ends 1.2 apart.
  const items = [0, 0.4, 0.8, 1.2].map((x, i) => ({ id: `t${i}`, vector: at(x) }));
  const labels = agglomerate(items, { threshold: 0.5, linkage: 'average' });
  assert.ok(new Set(labels).size >= 2, `chain split: ${labels}`);
  const tight = [0, 0.1, 0.2, 3, 3.1].map((x, i) => ({ id: `u${i}`, vector: at(x) }));
  assert.deepEqual(agglomerate(tight, { threshold: 0.5, linkage: 'average' }), [0, 0, 0, 1, 1]);
});

test('two tracks on screen together in one video are never one person', () => {
  const items = [
    { id: 'a', vector: at(0), group: 'v1', start: 0, end: 5 },
    { id: 'b', vector: at(0.05), group: 'v1', start: 2, end: 6 },
    { id: 'c', vector: at(0.02), group: 'v2', start: 0, end: 3 },
  ];
  const l = agglomerate(items, { threshold: 0.5, linkage: 'average' });
  assert.notEqual(l[0], l[1]);
});

test('registry: IDs carry over, new people get new IDs, merges and splits are events', () => {
  const r1 = assignIds(emptyRegistry(), [
    { track_ids: ['v1-t0', 'v2-t0'], vectors: [at(0), at(0.1)] },
    { track_ids: ['v3-t0'], vectors: [at(5)] },
    { track_ids: ['v4-t0'], vectors: [at(0.3)] },
  ], 0.45);
  assert.deepEqual(r1.ids, ['inf-0001', 'inf-0002', 'inf-0003']);
  assert.equal(r1.events.filter((e) => e.event === 'new').length, 3);

  // Run 2: inf-0001 and inf-0003 are now one cluster (merge), inf-0002 unchanged, two clusters of
  // new tracks.
  const r2 = assignIds(r1.registry, [
    { track_ids: ['v1-t0', 'v2-t0', 'v4-t0'], vectors: [at(0), at(0.1), at(0.3)] },
    { track_ids: ['v3-t0'], vectors: [at(5)] },
    { track_ids: ['v5-t0'], vectors: [at(5.1)] },
    { track_ids: ['v6-t0'], vectors: [at(9)] },
  ], 0.45);
  assert.deepEqual(r2.ids.slice(0, 2), ['inf-0001', 'inf-0002']);
  assert.deepEqual(r2.ids.slice(2), ['inf-0004', 'inf-0005'], 'one-to-one (inf-0002 is taken by its own tracks); new people get the next numbers');
  assert.deepEqual(r2.events.find((e) => e.event === 'merge'), { run_id: 2, event: 'merge', influencer_id: 'inf-0001', other_ids: ['inf-0003'] });
  assert.equal(r2.registry.people.find((p) => p.influencer_id === 'inf-0003')?.merged_into, 'inf-0001');

  // Run 3: inf-0001 splits back.
  const r3 = assignIds(r2.registry, [
    { track_ids: ['v1-t0', 'v2-t0'], vectors: [at(0), at(0.1)] },
    { track_ids: ['v4-t0'], vectors: [at(0.3)] },
  ], 0.45);
  assert.equal(r3.ids[0], 'inf-0001');
  const split = r3.events.find((e) => e.event === 'split');
  assert.deepEqual(split && [split.influencer_id, split.other_ids], ['inf-0001', [r3.ids[1]]]);

  // Nothing changed: no events, same registry.
  const again = assignIds(r3.registry, [
    { track_ids: ['v1-t0', 'v2-t0'], vectors: [at(0), at(0.1)] },
    { track_ids: ['v4-t0'], vectors: [at(0.3)] },
  ], 0.45);
  assert.deepEqual(again.ids, r3.ids);
  assert.equal(again.events.length, 0);
});

test('knn method: the same clusters as the whole-matrix algorithm, with cannot-link and must-link, whatever the input order', async () => {
  const { agglomerateFull, agglomerateKnn, cluster } = await import('../../pipeline/lib/cluster/index.ts');
  const { synthesise, scoreClusters } = await import('../../pipeline/lib/cluster/synthetic.ts');
  const { items, truth } = synthesise(400, 3);
  const opt = { threshold: 0.525, linkage: 'average' as const, k: 10, mustLink: [[0, 5, 9]], cannotLink: [[1, 2]] as [number, number][] };
  const full = agglomerateFull(items, opt);
  const viaKnn = agglomerateKnn(items, opt);
  assert.deepEqual(viaKnn, full);
  assert.equal(full[0], full[5]); assert.equal(full[0], full[9]); assert.notEqual(full[1], full[2]);
  assert.ok(scoreClusters(full, truth).precision > 0.97);
  // Reversed input: the same partition (read back in the original order).
  const rev = agglomerateKnn([...items].reverse(), { ...opt, mustLink: [[399, 394, 390]], cannotLink: [[398, 397]] }).reverse();
  const same = (a: number[], b: number[]) => a.every((x, i) => a.every((y, j) => (x === y) === (b[i] === b[j])));
  assert.ok(same(rev, full));
  // Quality weights (weighted average linkage), complete linkage too; the onnxruntime graph path gives the same labels.
  const weighted = items.map((t, i) => ({ ...t, weight: 1 / 3 + (i % 3) / 3 }));
  assert.deepEqual(agglomerateKnn(weighted, opt), agglomerateFull(weighted, opt));
  assert.deepEqual(agglomerateKnn(items, { ...opt, linkage: 'complete' }), agglomerateFull(items, { ...opt, linkage: 'complete' }));
  const big = synthesise(2500, 4);
  assert.deepEqual(await cluster(big.items, { threshold: 0.525, linkage: 'average', k: 10 }), agglomerateKnn(big.items, { threshold: 0.525, linkage: 'average', k: 10 }));
});

test('knn graph: onnxruntime and JavaScript agree; same-video bonus joins non-overlapping cuts only', async () => {
  const { knn } = await import('../../pipeline/lib/cluster/knn.ts');
  const { knnOrt } = await import('../../pipeline/lib/cluster/knn-ort.ts');
  const { synthesise } = await import('../../pipeline/lib/cluster/synthetic.ts');
  const v = synthesise(600, 5).items.map((t) => t.vector);
  assert.deepEqual([...(await knnOrt(v, 7)).idx], [...knn(v, 7).idx]);
  const cut = (id: string, x: number, start: number, end: number) => ({ id, vector: at(x), group: 'v1', start, end });
  const items = [cut('a', 0, 0, 2), cut('b', 0.6, 3, 5), cut('c', 0.62, 1, 4)];
  const opt = { threshold: 0.5, linkage: 'average' as const };
  assert.deepEqual(agglomerate(items, opt), [0, 1, 2]);
  const l = agglomerate(items, { ...opt, sameVideoBonus: 0.15 });
  assert.equal(l[0], l[1], 'a and b never share a frame: 0.6 - 0.15 ≤ 0.5');
  assert.notEqual(l[1], l[2], 'b and c overlap: never one person');
});

test('whispers method (measured alternative): clusters, keeps cannot-link apart, honours must-link', () => {
  const items = [0, 0.1, 0.2, 3, 3.1].map((x, i) => ({ id: `w${i}`, vector: at(x) }));
  const opt = { threshold: 0.5, linkage: 'average' as const, method: 'whispers' as const };
  assert.deepEqual(agglomerate(items, opt), [0, 0, 0, 1, 1]);
  const apart = agglomerate(items, { ...opt, cannotLink: [[0, 1]] });
  assert.notEqual(apart[0], apart[1]);
  const joined = agglomerate(items, { ...opt, mustLink: [[0, 4]] });
  assert.equal(joined[0], joined[4]);
});

test('shared-video bonus: two clusters holding cuts of one video join a little farther apart; both methods agree', async () => {
  const { agglomerateFull } = await import('../../pipeline/lib/cluster/index.ts');
  const items = [
    { id: 'a', vector: at(0), group: 'v1', start: 0, end: 2 }, { id: 'a2', vector: at(0.05), group: 'v2', start: 0, end: 2 },
    { id: 'b', vector: at(0.58), group: 'v1', start: 3, end: 5 }, { id: 'b2', vector: at(0.6), group: 'v3', start: 0, end: 2 },
  ];
  const opt = { threshold: 0.5, linkage: 'average' as const };
  assert.deepEqual(agglomerate(items, opt), [0, 0, 1, 1]);
  const l = agglomerate(items, { ...opt, sharedVideoBonus: 0.1 });
  assert.deepEqual(l, agglomerateFull(items, { ...opt, sharedVideoBonus: 0.1 }));
  assert.deepEqual(l, [0, 0, 0, 0], 'a and b: cuts of v1');
});
