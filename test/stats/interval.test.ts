import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meanInterval, tQuantile } from '../../pipeline/lib/stats/index.ts';
import { assertNoNaN, close } from './helpers.ts';

test('t quantiles match high-precision values', () => {
  // 40-digit values from mpmath (inverting the regularized incomplete beta); R's qt() agrees to
  // the digits it prints (2.776445, 2.262157, 4.604095).
  close(tQuantile(0.975, 4), 2.7764451051977944, 1e-12, 'qt(.975, 4)');
  close(tQuantile(0.975, 9), 2.2621571627982055, 1e-12, 'qt(.975, 9)');
  close(tQuantile(0.995, 4), 4.6040948713499932, 1e-12, 'qt(.995, 4)');
});

test('matches R t.test(1:5)', () => {
  // R: t.test(1:5)$conf.int → 1.036757 4.963243
  const r = meanInterval([1, 2, 3, 4, 5]);
  assert.equal(r.n, 5);
  assert.equal(r.mean, 3);
  close(r.sd, Math.sqrt(2.5), 1e-15, 'sd');
  close(r.se, Math.sqrt(0.5), 1e-15, 'se');
  assert.equal(r.df, 4);
  close(r.ciLow, 1.036757, 5e-7, 'lower');
  close(r.ciHigh, 4.963243, 5e-7, 'upper');
  assert.equal(r.note, undefined);
});

test('matches R t.test(sleep$extra[1:10])', () => {
  // R: mean 0.75, 95 percent confidence interval -0.5297804 2.0297804
  const r = meanInterval([0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]);
  close(r.mean, 0.75, 1e-12, 'mean');
  close(r.ciLow, -0.5297804, 5e-8, 'lower');
  close(r.ciHigh, 2.0297804, 5e-8, 'upper');
});

test('confidence level is configurable', () => {
  // R: t.test(1:5, conf.level = 0.99)$conf.int → 3 ∓ qt(.995, 4)·sqrt(.5) = −0.2555867 6.2555867
  const r = meanInterval([1, 2, 3, 4, 5], 0.99);
  assert.equal(r.level, 0.99);
  close(r.ciLow, -0.2555867, 5e-8, 'lower');
  close(r.ciHigh, 6.2555867, 5e-8, 'upper');
  assert.throws(() => meanInterval([1, 2], 1.5), RangeError);
});

test('degenerate inputs', () => {
  const empty = meanInterval([]);
  assert.equal(empty.mean, null);
  assert.equal(empty.ciLow, null);
  assert.match(empty.note!, /no values/);

  const one = meanInterval([4.2]);
  assert.equal(one.mean, 4.2);
  assert.equal(one.sd, null);
  assert.equal(one.ciLow, null);
  assert.equal(one.ciHigh, null);
  assert.match(one.note!, /single value/);

  const flat = meanInterval([0.1, 0.1, 0.1]);
  assert.equal(flat.mean, 0.1);
  assert.equal(flat.sd, 0);
  assert.equal(flat.ciLow, 0.1);
  assert.equal(flat.ciHigh, 0.1);
  assert.match(flat.note!, /zero-width/);

  assert.throws(() => meanInterval([1, NaN]), RangeError);
  assertNoNaN([empty, one, flat]);
});
