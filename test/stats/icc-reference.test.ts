// Shrout & Fleiss (1979) Table 2, values as reported by R psych::ICC, matched to 1e-9.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { iccTwoWay, type IccResult, type TwoWayIcc } from '../../pipeline/lib/stats/index.ts';
import { close } from './helpers.ts';

const refPath = fileURLToPath(new URL('../../../shared/reference/icc_shrout_fleiss_1979.json', import.meta.url));

interface Reference {
  data_rows_are_targets: number[][];
  mean_squares: { MSR: number; MSC: number; MSE: number; MSW: number; n: number; k: number };
  icc: { type: string; icc: number; F: number; df1: number; df2: number; p: number; lower: number; upper: number }[];
}

const keyOf: Record<string, keyof Omit<TwoWayIcc, 'anova'>> = {
  ICC1: 'icc1',
  ICC2: 'icc2',
  ICC3: 'icc3',
  ICC1k: 'icc1k',
  ICC2k: 'icc2k',
  ICC3k: 'icc3k',
};

const TOL = 1e-9;

test('Shrout & Fleiss 1979 reference table', async (t) => {
  if (!existsSync(refPath)) {
    t.skip(`reference file not found at ${refPath}`);
    return;
  }
  const ref = JSON.parse(readFileSync(refPath, 'utf8')) as Reference;
  const res = iccTwoWay(ref.data_rows_are_targets);

  await t.test('mean squares', () => {
    const ms = ref.mean_squares;
    assert.equal(res.anova.n, ms.n);
    assert.equal(res.anova.k, ms.k);
    close(res.anova.msr, ms.MSR, TOL, 'MSR');
    close(res.anova.msc, ms.MSC, TOL, 'MSC');
    close(res.anova.mse, ms.MSE, TOL, 'MSE');
    close(res.anova.msw, ms.MSW, TOL, 'MSW');
  });

  const seen = new Set<string>();
  for (const row of ref.icc) {
    const tag = row.type.split(' ')[0]!;
    const key = keyOf[tag];
    await t.test(row.type, () => {
      assert.ok(key, `unknown reference type ${row.type}`);
      seen.add(key);
      const r: IccResult = res[key];
      assert.equal(r.note, undefined);
      close(r.icc, row.icc, TOL, `${tag} icc`);
      close(r.f, row.F, TOL, `${tag} F`);
      assert.equal(r.df1, row.df1);
      assert.equal(r.df2, row.df2);
      close(r.p, row.p, TOL, `${tag} p`);
      close(r.ciLow, row.lower, TOL, `${tag} lower`);
      close(r.ciHigh, row.upper, TOL, `${tag} upper`);
      assert.equal(r.nGroups, 6);
      assert.equal(r.nObs, 24);
      assert.equal(r.level, 0.95);
    });
  }
  await t.test('every form was checked', () => assert.equal(seen.size, 6));
});
