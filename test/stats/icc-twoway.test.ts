import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iccTwoWay } from '../../pipeline/lib/stats/index.ts';
import { assertNoNaN, close } from './helpers.ts';

const forms = ['icc1', 'icc2', 'icc3', 'icc1k', 'icc2k', 'icc3k'] as const;

test('ragged, empty or non-finite matrices throw', () => {
  assert.throws(() => iccTwoWay([[1, 2], [3]]), /balanced design required/);
  assert.throws(() => iccTwoWay([]), RangeError);
  assert.throws(() => iccTwoWay([[], []]), RangeError);
  assert.throws(() => iccTwoWay([[1, 2], [3, NaN]]), RangeError);
});

test('one target: every form null with a reason', () => {
  const r = iccTwoWay([[1, 2, 3]]);
  for (const f of forms) {
    assert.equal(r[f].icc, null, f);
    assert.match(r[f].note!, /at least 2/, f);
  }
  assertNoNaN(r);
});

test('one judge: every form null with a reason', () => {
  const r = iccTwoWay([[1], [2], [4]]);
  for (const f of forms) assert.equal(r[f].icc, null, f);
  assert.match(r.icc2.note!, /at least 2 judges/);
  assert.match(r.icc1.note!, /single observation/);
  assertNoNaN(r);
});

test('zero residual variance (additive data): ICC(3) = 1, ICC(2) still estimated', () => {
  // Rows 1.5, 3.5, 6.5 → MSR = 38/3; judge 2 is always 1 higher → MSC = 1.5; MSE = 0.
  // ICC(2,1) = MSR/(MSR + k·MSC/n) = (38/3)/(38/3 + 1) = 38/41.
  const m = [
    [1, 2],
    [3, 4],
    [6, 7],
  ];
  const r = iccTwoWay(m);
  assert.equal(r.anova.mse, 0);
  for (const f of ['icc3', 'icc3k'] as const) {
    assert.equal(r[f].icc, 1, f);
    assert.equal(r[f].ciLow, 1, f);
    assert.equal(r[f].ciHigh, 1, f);
    assert.equal(r[f].f, Infinity, f);
    assert.equal(r[f].p, 0, f);
    assert.match(r[f].note!, /zero residual variance/, f);
  }
  close(r.icc2.icc, 38 / 41, 1e-12, 'ICC(2,1)');
  close(r.icc2k.icc, (38 / 3) / (38 / 3 + 1.5 / 3), 1e-12, 'ICC(2,k)');
  assert.ok(r.icc2.ciLow! < r.icc2.icc! && r.icc2.icc! < r.icc2.ciHigh!, 'ICC(2,1) inside its interval');
  assert.ok(r.icc2.ciHigh! <= 1);

  // The zero-MSE branch uses the limit of the Satterthwaite df; a tiny perturbation of the data
  // must give (almost) the same interval through the ordinary formula.
  const eps = 1e-7;
  const p = iccTwoWay([
    [1, 2],
    [3, 4 + eps],
    [6, 7],
  ]);
  assert.ok(p.anova.mse! > 0);
  close(p.icc2.ciLow, r.icc2.ciLow!, 1e-5, 'continuity lower');
  close(p.icc2.ciHigh, r.icc2.ciHigh!, 1e-5, 'continuity upper');
  close(p.icc2k.ciLow, r.icc2k.ciLow!, 1e-5, 'continuity ICC(2,k) lower');
  assertNoNaN(r);
});

test('identical judges (MSC = MSE = 0): ICC(2) = ICC(3) = 1 with interval [1, 1]', () => {
  const r = iccTwoWay([
    [1, 1, 1],
    [4, 4, 4],
    [2, 2, 2],
  ]);
  for (const f of forms) {
    close(r[f].icc, 1, 1e-12, f);
    close(r[f].ciLow, 1, 1e-12, `${f} lower`);
    close(r[f].ciHigh, 1, 1e-12, `${f} upper`);
  }
  assertNoNaN(r);
});

test('all values equal: every form null', () => {
  const r = iccTwoWay([
    [3, 3],
    [3, 3],
    [3, 3],
  ]);
  for (const f of forms) assert.equal(r[f].icc, null, f);
  assert.match(r.icc3.note!, /no between-target and no residual variance/);
  assert.match(r.icc1.note!, /all values are equal/);
  assertNoNaN(r);
});

test('no between-target variance: minimum ICC(3), k-forms and zero-denominator ICC(2) null', () => {
  // Row means equal (MSR = 0), column means equal (MSC = 0), MSE = 1.
  // ICC(3,1) = −MSE/((k−1)·MSE) = −1; ICC(2,1)'s denominator is 0 + 1 + 2·(0 − 1)/2 = 0.
  const r = iccTwoWay([
    [1, 2],
    [2, 1],
  ]);
  assert.equal(r.icc3.icc, -1);
  assert.equal(r.icc3.f, 0);
  assert.equal(r.icc3.p, 1);
  assert.equal(r.icc3k.icc, null);
  assert.equal(r.icc2.icc, null);
  assert.match(r.icc2.note!, /denominator/);
  assert.equal(r.icc2k.icc, null);
  assertNoNaN(r);
});

test('twoWay ICC(1) agrees with the one-way model on rows', () => {
  const m = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
  ];
  const r = iccTwoWay(m);
  assert.equal(r.icc1.k, 4);
  assert.equal(r.icc3.k, 4);
  close(r.icc1.icc, (r.anova.msr! - r.anova.msw!) / (r.anova.msr! + 3 * r.anova.msw!), 1e-12, 'ICC(1)');
});
