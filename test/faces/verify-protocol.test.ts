// The pure parts of bench/verify.ts: pairs, stratified folds, threshold choice, accuracy, ROC AUC, face pick.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../pipeline/lib/synth/prng.ts';
import {
  accuracyAt, balancedPairs, bestThreshold, differentPairs, kFold, pickFace, rocAuc, sampleDifferentPairs, samePairs,
  stratifiedFolds,
} from '../../bench/verify-protocol.ts';

const labels = ['a', 'a', 'a', 'b', 'b', 'c', 'c', 'c', 'c'];

test('same and different pairs cover every unordered pair once', () => {
  const same = samePairs(labels), diff = differentPairs(labels);
  assert.equal(same.length, 3 + 1 + 6);
  assert.equal(same.length + diff.length, (9 * 8) / 2);
  for (const p of same) assert.ok(p.a < p.b && labels[p.a] === labels[p.b] && p.same);
  for (const p of diff) assert.ok(p.a < p.b && labels[p.a] !== labels[p.b] && !p.same);
});

test('random different pairs are distinct, different-label, seeded and balanced', () => {
  const many = Array.from({ length: 60 }, (_, i) => `p${i % 12}`);
  const a = balancedPairs(many, mulberry32(7));
  const b = balancedPairs(many, mulberry32(7));
  assert.deepEqual(a, b);
  const nSame = a.filter((p) => p.same).length;
  assert.equal(nSame, 12 * 10);
  assert.equal(a.length, 2 * nSame);
  const keys = new Set(a.filter((p) => !p.same).map((p) => `${p.a}-${p.b}`));
  assert.equal(keys.size, nSame);
  for (const p of a.filter((q) => !q.same)) assert.ok(p.a < p.b && many[p.a] !== many[p.b]);
  assert.notDeepEqual(balancedPairs(many, mulberry32(8)), a);
  // Asking for (nearly) all of them switches to shuffling the full list; asking too many throws.
  assert.equal(sampleDifferentPairs(labels, differentPairs(labels).length, mulberry32(1)).length, differentPairs(labels).length);
  assert.throws(() => sampleDifferentPairs(labels, 100, mulberry32(1)), RangeError);
});

test('stratified folds give every fold the same share (±1) of each class', () => {
  const classes = [...Array(53).fill(true), ...Array(47).fill(false)];
  const folds = stratifiedFolds(classes, 10, mulberry32(3));
  assert.deepEqual(folds, stratifiedFolds(classes, 10, mulberry32(3)));
  for (const cls of [true, false]) {
    const counts = Array(10).fill(0);
    classes.forEach((c, i) => { if (c === cls) counts[folds[i]]++; });
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `${cls}: ${counts}`);
  }
  const sizes = Array(10).fill(0);
  for (const f of folds) sizes[f]++;
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes}`);
  assert.throws(() => stratifiedFolds(classes, 1, mulberry32(1)), RangeError);
});

test('accuracy: same ⇔ distance < threshold; NaN distances are errors', () => {
  const d = [0.2, 0.4, 0.6, 0.8, NaN];
  const s = [true, true, false, false, true];
  assert.equal(accuracyAt(d, s, 0.5), 4 / 5);
  assert.equal(accuracyAt(d, s, 0.1), 2 / 5);
  assert.equal(accuracyAt(d, s, 0.7), 3 / 5);
  assert.ok(Number.isNaN(accuracyAt([], [], 0.5)));
});

test('best threshold: the middle of the best gap; overlaps and ties', () => {
  const sep = bestThreshold([0.2, 0.3, 0.7, 0.9], [true, true, false, false]);
  assert.equal(sep.accuracy, 1);
  assert.ok(Math.abs(sep.threshold - 0.5) < 1e-12);
  assert.deepEqual(sep.range, [0.3, 0.7]);
  // One different pair inside the same-person range: one error at best.
  const ov = bestThreshold([0.1, 0.2, 0.25, 0.3, 0.8], [true, true, false, true, false]);
  assert.equal(ov.accuracy, 4 / 5);
  assert.equal(accuracyAt([0.1, 0.2, 0.25, 0.3, 0.8], [true, true, false, true, false], ov.threshold), 4 / 5);
  // Equal distances with both labels can't be split: the threshold moves past the whole group or not at all.
  const tie = bestThreshold([0.4, 0.4, 0.4, 0.9], [true, true, false, false]);
  assert.equal(tie.accuracy, 3 / 4);
  assert.ok(tie.threshold > 0.4 && tie.threshold < 0.9);
  // NaN pairs count in the denominator but never move the threshold.
  const withNaN = bestThreshold([0.2, 0.3, 0.7, 0.9, NaN], [true, true, false, false, true]);
  assert.equal(withNaN.accuracy, 4 / 5);
  assert.equal(withNaN.threshold, sep.threshold);
  // All one class: a threshold beyond every distance.
  assert.equal(bestThreshold([0.3, 0.5], [false, false]).accuracy, 1);
  assert.ok(bestThreshold([0.3, 0.5], [false, false]).threshold < 0.3);
  assert.ok(bestThreshold([0.3, 0.5], [true, true]).threshold > 0.5);
});

test('k-fold picks each threshold on the other folds and scores the held-out one', () => {
  const rng = mulberry32(11);
  const n = 400;
  const same = Array.from({ length: n }, (_, i) => i % 2 === 0);
  // Same pairs ~ U(0.2, 0.6), different ~ U(0.5, 0.9): overlap on [0.5, 0.6].
  const dist = same.map((s) => (s ? 0.2 + 0.4 * rng() : 0.5 + 0.4 * rng()));
  const folds = stratifiedFolds(same, 10, mulberry32(2));
  const r = kFold(dist, same, folds, 10);
  assert.equal(r.folds.length, 10);
  assert.equal(r.folds.reduce((a, f) => a + f.pairs, 0), n);
  for (const f of r.folds) {
    const train = dist.map((d, i) => ({ d, s: same[i], f: folds[i] })).filter((x) => x.f !== f.fold);
    assert.equal(f.threshold, bestThreshold(train.map((x) => x.d), train.map((x) => x.s)).threshold);
    const held = dist.map((d, i) => ({ d, s: same[i], f: folds[i] })).filter((x) => x.f === f.fold);
    assert.equal(f.accuracy, accuracyAt(held.map((x) => x.d), held.map((x) => x.s), f.threshold));
    assert.ok(f.threshold > 0.5 && f.threshold < 0.6, `threshold ${f.threshold}`);
  }
  // Any threshold t in [0.5, 0.6] errs on (0.6 − t)/0.4 of same and (t − 0.5)/0.4 of different pairs: accuracy 0.875.
  assert.ok(r.mean > 0.82 && r.mean < 0.93, `mean ${r.mean}`);
  const accs = r.folds.map((f) => f.accuracy);
  const m = accs.reduce((a, b) => a + b, 0) / 10;
  assert.ok(Math.abs(r.mean - m) < 1e-12);
  assert.ok(Math.abs(r.sd - Math.sqrt(accs.reduce((a, b) => a + (b - m) ** 2, 0) / 9)) < 1e-12);
  assert.ok(Math.abs(r.se - r.sd / Math.sqrt(10)) < 1e-12);
});

test('ROC AUC is the Mann-Whitney probability, ties count half, NaN left out', () => {
  assert.equal(rocAuc([0.1, 0.2, 0.8, 0.9], [true, true, false, false]), 1);
  assert.equal(rocAuc([0.8, 0.9, 0.1, 0.2], [true, true, false, false]), 0);
  // same {0.1, 0.5}, different {0.3, 0.5}: pairs (0.1<0.3 ✓, 0.1<0.5 ✓, 0.5>0.3 ✗, 0.5=0.5 ½) → 2.5/4.
  assert.equal(rocAuc([0.1, 0.5, 0.3, 0.5], [true, true, false, false]), 2.5 / 4);
  assert.equal(rocAuc([0.1, NaN, 0.3], [true, true, false]), 1);
  assert.ok(Number.isNaN(rocAuc([0.1, 0.2], [true, true])));
  // Against the O(n²) definition on random data with ties.
  const rng = mulberry32(5);
  const d = Array.from({ length: 300 }, () => Math.round(rng() * 20) / 20);
  const s = d.map(() => rng() < 0.4);
  let u = 0, np = 0, nn = 0;
  for (let i = 0; i < d.length; i++) if (s[i]) np++; else nn++;
  for (let i = 0; i < d.length; i++) if (s[i]) for (let j = 0; j < d.length; j++) if (!s[j]) u += d[i] < d[j] ? 1 : d[i] === d[j] ? 0.5 : 0;
  assert.ok(Math.abs(rocAuc(d, s) - u / (np * nn)) < 1e-12);
});

test('face pick: nearest the centre for centred crops, largest otherwise', () => {
  const boxes = [
    { x: 0, y: 0, w: 120, h: 120 },     // big, in a corner
    { x: 100, y: 100, w: 50, h: 50 },   // centred in 250x250
    { x: 200, y: 10, w: 40, h: 40 },
  ];
  assert.equal(pickFace(boxes, 250, 250, 'centre'), 1);
  assert.equal(pickFace(boxes, 250, 250, 'largest'), 0);
  assert.equal(pickFace([], 250, 250, 'centre'), -1);
});
