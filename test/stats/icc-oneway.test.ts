import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iccOneWay, oneWayAnova, fUpperTail } from '../../pipeline/lib/stats/index.ts';
import { assertNoNaN, close } from './helpers.ts';

// Hand-computed unbalanced example.
// g1 = [1,3] (sum 4, SS 2), g2 = [4,6,8] (sum 18, SS 8), g3 = [8,10,12,14] (sum 44, SS 20).
// N = 9, a = 3, T = 66. SSB = Σ S_i²/n_i − T²/N = (8 + 108 + 484) − 484 = 116 → MSB = 58.
// SSW = 30, df2 = 6 → MSW = 5. n0 = (9 − 29/9)/2 = 26/9 (not the mean size 3).
// ICC(1) = (58 − 5)/(58 + (26/9 − 1)·5) = 477/607; ICC(1,k) = 53/58; F = 11.6 on (2, 6).
// F(2, d2) has closed forms: P(F > x) = (1 + 2x/d2)^(−d2/2) and its quantile
// q(p) = (d2/2)·((1 − p)^(−2/d2) − 1), so p = (1 + 23.2/6)^−3 = (15/73)^3 = 3375/389017,
// qf(.975; 2, 6) = 3·(40^(1/3) − 1) and qf(.975; 6, 2) = 1/qf(.025; 2, 6) = 1/(3·(0.975^(−1/3) − 1)).
const groups = [
  [1, 3],
  [4, 6, 8],
  [8, 10, 12, 14],
];
const n0 = 26 / 9;
const F = 11.6;
const fL = F / (3 * (Math.cbrt(40) - 1));
const fU = F / (3 * (Math.pow(0.975, -1 / 3) - 1));

test('oneWayAnova on an unbalanced example', () => {
  const a = oneWayAnova(groups);
  assert.equal(a.a, 3);
  assert.equal(a.N, 9);
  assert.deepEqual(a.sizes, [2, 3, 4]);
  assert.deepEqual(a.means, [2, 6, 11]);
  close(a.grandMean, 22 / 3, 1e-12, 'grand mean');
  close(a.msb, 58, 1e-12, 'MSB');
  close(a.msw, 5, 1e-12, 'MSW');
  assert.equal(a.df1, 2);
  assert.equal(a.df2, 6);
  close(a.n0, n0, 1e-12, 'n0');
});

test('ICC(1) on unbalanced groups uses n0', () => {
  const { single, average } = iccOneWay(groups);
  close(single.icc, 477 / 607, 1e-12, 'ICC(1)');
  close(single.f, F, 1e-12, 'F');
  assert.equal(single.df1, 2);
  assert.equal(single.df2, 6);
  close(single.p, 3375 / 389017, 1e-12, 'p');
  close(single.ciLow, (fL - 1) / (fL + n0 - 1), 1e-9, 'lower');
  close(single.ciHigh, (fU - 1) / (fU + n0 - 1), 1e-9, 'upper');
  close(single.k, n0, 1e-12, 'k = n0');
  assert.equal(single.nGroups, 3);
  assert.equal(single.nObs, 9);
  assert.equal(single.note, undefined);

  close(average.icc, 53 / 58, 1e-12, 'ICC(1,k)');
  close(average.ciLow, 1 - 1 / fL, 1e-9, 'ICC(1,k) lower');
  close(average.ciHigh, 1 - 1 / fU, 1e-9, 'ICC(1,k) upper');
  close(average.p, single.p!, 0, 'same p');
});

test('ICC(1) interval level is configurable and nests', () => {
  const r95 = iccOneWay(groups).single;
  const r80 = iccOneWay(groups, { level: 0.8 }).single;
  assert.equal(r80.level, 0.8);
  assert.equal(r80.icc, r95.icc);
  assert.ok(r80.ciLow! > r95.ciLow! && r80.ciHigh! < r95.ciHigh!);
  assert.throws(() => iccOneWay(groups, { level: 1 }), RangeError);
  assert.throws(() => iccOneWay(groups, { level: 0 }), RangeError);
});

test('fUpperTail matches the F(2, d2) closed form and its limits', () => {
  close(fUpperTail(F, 2, 6), 3375 / 389017, 1e-15, 'p');
  close(fUpperTail(1, 2, 10), Math.pow(1 + 2 / 10, -5), 1e-15, 'p');
  assert.equal(fUpperTail(0, 3, 7), 1);
  assert.equal(fUpperTail(Infinity, 3, 7), 0);
});

test('tiny p values keep relative precision (no 1 − cdf cancellation)', () => {
  // P(F(2,6) > x) = (1 + x/3)^−3; at x = 3e6 that is ≈ 1e−18, far below 1 − cdf resolution.
  const x = 3e6;
  const exact = Math.pow(1 + x / 3, -3);
  const p = fUpperTail(x, 2, 6);
  assert.ok(Math.abs(p - exact) / exact < 1e-9, `${p} vs ${exact}`);
});

// ── Degenerate cases ────────────────────────────────────────────────────────────────────────

test('one group: ICC undefined with a reason', () => {
  const r = iccOneWay([[1, 2, 3]]);
  assert.equal(r.single.icc, null);
  assert.equal(r.average.icc, null);
  assert.match(r.single.note!, /at least 2 non-empty groups/);
  assert.equal(r.single.nGroups, 1);
  assert.equal(r.single.nObs, 3);
  for (const k of ['ciLow', 'ciHigh', 'f', 'df1', 'df2', 'p', 'k'] as const) assert.equal(r.single[k], null, k);
  assertNoNaN(r);
});

test('no groups at all', () => {
  const r = iccOneWay([]);
  assert.equal(r.single.icc, null);
  assert.equal(r.single.nObs, 0);
  assert.equal(r.anova.grandMean, null);
  assertNoNaN(r);
});

test('one non-empty group among empty ones is still "one group"', () => {
  const r = iccOneWay([[], [1, 2], []]);
  assert.equal(r.single.icc, null);
  assert.match(r.single.note!, /at least 2/);
  assert.match(r.single.note!, /2 empty group\(s\) skipped/);
});

test('groups of size 1 only: ICC undefined with a reason', () => {
  const r = iccOneWay([[1], [2], [5]]);
  assert.equal(r.single.icc, null);
  assert.equal(r.average.icc, null);
  assert.match(r.single.note!, /single observation/);
  assert.equal(r.anova.msw, null);
  close(r.anova.msb, 13 / 3, 1e-12, 'MSB'); // SSB = (1−8/3)²+(2−8/3)²+(5−8/3)² = 26/3, df 2
  assertNoNaN(r);
});

test('zero within-group variance: ICC = 1, F infinite, p = 0, degenerate interval', () => {
  const r = iccOneWay([
    [1, 1],
    [2, 2, 2],
    [0.1, 0.1, 0.1], // constant non-representable values must still give exactly zero variance
  ]);
  for (const x of [r.single, r.average]) {
    assert.equal(x.icc, 1);
    assert.equal(x.f, Infinity);
    assert.equal(x.p, 0);
    assert.equal(x.ciLow, 1);
    assert.equal(x.ciHigh, 1);
    assert.match(x.note!, /zero within-group variance/);
  }
  assertNoNaN(r);
});

test('all values equal: ICC undefined with a reason', () => {
  const r = iccOneWay([
    [0.1, 0.1, 0.1],
    [0.1, 0.1],
  ]);
  assert.equal(r.single.icc, null);
  assert.equal(r.average.icc, null);
  assert.match(r.single.note!, /all values are equal/);
  assertNoNaN(r);
});

test('empty groups are skipped and reported', () => {
  const base = iccOneWay(groups).single;
  const r = iccOneWay([[], groups[0]!, [], groups[1]!, groups[2]!]);
  assert.equal(r.single.icc, base.icc);
  assert.equal(r.single.ciLow, base.ciLow);
  assert.equal(r.single.nGroups, 3);
  assert.equal(r.anova.skippedEmpty, 2);
  assert.match(r.single.note!, /2 empty group\(s\) skipped/);
});

test('negative ICC is reported as computed', () => {
  // Means 3, 4, 3.5 (grand 3.5): SSB = 1, MSB = 0.5; SSW = 8 + 8 + 0.5, MSW = 5.5; n0 = 2.
  const r = iccOneWay([
    [1, 5],
    [2, 6],
    [3, 4],
  ]);
  close(r.single.icc, (0.5 - 5.5) / (0.5 + 5.5), 1e-12, 'ICC(1)');
  close(r.average.icc, (0.5 - 5.5) / 0.5, 1e-12, 'ICC(1,k)');
  assert.ok(r.single.ciLow! < r.single.icc! && r.single.icc! < r.single.ciHigh!);
  assert.ok(r.single.p! > 0.5);
});

test('equal group means: minimum ICC(1), F = 0, p = 1, ICC(1,k) null', () => {
  // Means 2 and 2, MSB = 0, MSW = 1, n0 = 2 → ICC(1) = −1/(n0 − 1) = −1.
  const r = iccOneWay([
    [1, 3],
    [2, 2],
  ]);
  assert.equal(r.single.icc, -1);
  assert.equal(r.single.f, 0);
  assert.equal(r.single.p, 1);
  assert.equal(r.single.ciLow, -1);
  assert.equal(r.single.ciHigh, -1);
  assert.equal(r.average.icc, null);
  assert.match(r.average.note!, /unbounded below/);
  assertNoNaN(r);
});

test('non-finite input throws', () => {
  assert.throws(() => iccOneWay([[1, NaN], [2, 3]]), RangeError);
  assert.throws(() => iccOneWay([[1, Infinity], [2, 3]]), RangeError);
});

test('rounding noise in sums of squares is treated as zero', () => {
  // Both means are 0.15 mathematically; floating point may not agree to the last ulp.
  const r = iccOneWay([
    [0.1, 0.2],
    [0.2, 0.1],
    [0.05, 0.25],
  ]);
  assert.equal(r.anova.msb, 0);
  assert.equal(r.single.f, 0);
  assert.equal(r.average.icc, null);
  // A genuinely small between-group difference is not swallowed.
  const s = iccOneWay([
    [0.1, 0.2],
    [0.1 + 1e-9, 0.2 + 1e-9],
  ]);
  assert.ok(s.anova.msb! > 0);
  assert.ok(s.average.icc !== null);
});
