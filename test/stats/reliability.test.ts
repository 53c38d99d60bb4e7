import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spearmanBrown, reliabilityOfMean } from '../../pipeline/lib/stats/index.ts';
import { close } from './helpers.ts';

test('Spearman-Brown values', () => {
  close(spearmanBrown(0.5, 1), 0.5, 1e-15, 'n = 1 is the identity');
  close(spearmanBrown(0.5, 3), 0.75, 1e-15, '3·0.5/(1 + 2·0.5)');
  close(spearmanBrown(0.2, 4), 0.8 / 1.6, 1e-15, '4·0.2/(1 + 3·0.2)');
  close(spearmanBrown(1, 10), 1, 1e-15, 'perfect stays perfect');
  close(spearmanBrown(0, 10), 0, 1e-15, 'zero stays zero');
  // Non-integer n (e.g. n0) is allowed.
  close(spearmanBrown(0.25, 2.5), (2.5 * 0.25) / (1 + 1.5 * 0.25), 1e-15, 'n = 2.5');
});

test('Spearman-Brown of ICC(1) at k reproduces ICC(1,k) = (MSB − MSW)/MSB', () => {
  const msb = 11.241666666666669;
  const msw = 6.2638888888888875;
  const k = 4;
  const icc1 = (msb - msw) / (msb + (k - 1) * msw);
  close(spearmanBrown(icc1, k), (msb - msw) / msb, 1e-12, 'ICC(1,k)');
});

test('Spearman-Brown keeps negative ICCs but rejects impossible ones', () => {
  close(spearmanBrown(-0.2, 3), -0.6 / 0.6, 1e-15, 'negative');
  assert.throws(() => spearmanBrown(-0.5, 3), RangeError); // 1 + 2·(−0.5) = 0
  assert.throws(() => spearmanBrown(0.5, 0), RangeError);
  assert.throws(() => spearmanBrown(NaN, 2), RangeError);
});

test('reliabilityOfMean clamps the ICC to [0, 1]', () => {
  assert.equal(reliabilityOfMean(-0.3, 5), 0);
  assert.equal(reliabilityOfMean(1.2, 5), 1);
  assert.equal(reliabilityOfMean(0.4, 0), 0);
  close(reliabilityOfMean(0.5, 3), 0.75, 1e-15, 'inside the range it is Spearman-Brown');
  assert.throws(() => reliabilityOfMean(0.5, -1), RangeError);
  for (const icc of [-2, -0.5, 0, 0.1, 0.9, 1, 3]) {
    for (const n of [0, 1, 2, 7, 100]) {
      const r = reliabilityOfMean(icc, n);
      assert.ok(r >= 0 && r <= 1, `${icc}, ${n} → ${r}`);
    }
  }
});
