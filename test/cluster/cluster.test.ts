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
