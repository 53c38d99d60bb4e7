import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shrinkMean, shrunkenMeans, iccOneWay } from '../../pipeline/lib/stats/index.ts';
import { assertNoNaN, close } from './helpers.ts';

// Same unbalanced example as the ICC test: ICC(1) = 477/607, grand mean 66/9.
const groups = [
  [1, 3],
  [4, 6, 8],
  [8, 10, 12, 14],
];
const icc = 477 / 607;
const grand = 22 / 3;
const sb = (n: number) => (n * icc) / (1 + (n - 1) * icc);

test('shrinkMean formula', () => {
  assert.equal(shrinkMean(10, 4, 0.5), 7);
  assert.equal(shrinkMean(10, 4, 0), 4);
  assert.equal(shrinkMean(10, 4, 1), 10);
  assert.throws(() => shrinkMean(10, 4, 1.1), RangeError);
  assert.throws(() => shrinkMean(10, 4, -0.1), RangeError);
});

test('shrunken means use Spearman-Brown at each n_i', () => {
  const r = shrunkenMeans(groups);
  close(r.grandMean, grand, 1e-12, 'grand');
  close(r.iccUsed, icc, 1e-12, 'icc');
  close(r.icc?.icc, icc, 1e-12, 'icc result');
  const means = [2, 6, 11];
  r.groups.forEach((g, i) => {
    const n = groups[i]!.length;
    assert.equal(g.n, n);
    assert.equal(g.mean, means[i]);
    close(g.reliability, sb(n), 1e-12, `R_${i}`);
    close(g.shrunkenMean, grand + sb(n) * (means[i]! - grand), 1e-12, `shrunk_${i}`);
    // Shrinkage moves toward the grand mean, never past it.
    assert.ok(Math.abs(g.shrunkenMean! - grand) < Math.abs(means[i]! - grand));
    assert.ok(Math.sign(g.shrunkenMean! - grand) === Math.sign(means[i]! - grand));
  });
  // Larger groups are more reliable, so shrunk less.
  assert.ok(r.groups[0]!.reliability! < r.groups[1]!.reliability! && r.groups[1]!.reliability! < r.groups[2]!.reliability!);
  assert.equal(r.note, undefined);
});

test('a supplied ICC and grand mean override the estimates', () => {
  const r = shrunkenMeans(groups, { icc: 0.5, grandMean: 0 });
  assert.equal(r.icc, undefined);
  assert.equal(r.iccUsed, 0.5);
  close(r.groups[0]!.shrunkenMean, (2 * 0.5) / 1.5 * 2, 1e-12, 'R = 2/3, mean 2 → 4/3');
});

test('negative ICC is clamped to 0 for shrinkage: everything goes to the grand mean', () => {
  const g = [
    [1, 5],
    [2, 6],
    [3, 4],
  ];
  const raw = iccOneWay(g).single.icc!;
  assert.ok(raw < 0);
  const r = shrunkenMeans(g);
  assert.equal(r.icc?.icc, raw, 'the negative estimate is still reported');
  assert.equal(r.iccUsed, 0);
  assert.match(r.note!, /clamped/);
  for (const x of r.groups) {
    assert.equal(x.reliability, 0);
    assert.equal(x.shrunkenMean, 3.5);
  }
});

test('zero within variance: ICC 1, no shrinkage', () => {
  const r = shrunkenMeans([
    [1, 1],
    [2, 2, 2],
  ]);
  assert.equal(r.iccUsed, 1);
  assert.deepEqual(
    r.groups.map((g) => [g.reliability, g.shrunkenMean]),
    [
      [1, 1],
      [1, 2],
    ],
  );
});

test('undefined ICC (groups of size 1 only): raw means, reliability null, note', () => {
  const r = shrunkenMeans([[1], [2], [6]]);
  assert.equal(r.iccUsed, null);
  assert.match(r.note!, /no shrinkage applied: .*single observation/);
  assert.deepEqual(
    r.groups.map((g) => [g.mean, g.reliability, g.shrunkenMean]),
    [
      [1, null, 1],
      [2, null, 2],
      [6, null, 6],
    ],
  );
  assertNoNaN(r);
});

test('one group and all-equal data: no NaN, means unchanged', () => {
  const one = shrunkenMeans([[1, 2, 3]]);
  assert.equal(one.groups[0]!.shrunkenMean, 2);
  assert.equal(one.iccUsed, null);
  const flat = shrunkenMeans([
    [5, 5],
    [5],
  ]);
  assert.deepEqual(
    flat.groups.map((g) => g.shrunkenMean),
    [5, 5],
  );
  assertNoNaN([one, flat]);
});

test('empty groups keep their slot with nulls and do not change the others', () => {
  const base = shrunkenMeans(groups);
  const r = shrunkenMeans([groups[0]!, [], groups[1]!, groups[2]!]);
  assert.equal(r.groups.length, 4);
  assert.deepEqual(r.groups[1], { n: 0, mean: null, reliability: null, shrunkenMean: null });
  assert.equal(r.groups[0]!.shrunkenMean, base.groups[0]!.shrunkenMean);
  assert.equal(r.groups[3]!.shrunkenMean, base.groups[2]!.shrunkenMean);
  assertNoNaN(r);
});

test('no data at all', () => {
  const r = shrunkenMeans([[], []]);
  assert.equal(r.grandMean, null);
  assert.equal(r.iccUsed, null);
  assert.ok(r.groups.every((g) => g.shrunkenMean === null));
  assertNoNaN(r);
});
