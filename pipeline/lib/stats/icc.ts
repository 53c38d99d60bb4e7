// Intraclass correlations after Shrout & Fleiss (1979) and McGraw & Wong (1996), with the
// confidence intervals exactly as R psych::ICC computes them.
import { oneWayAnova, twoWayAnova, type OneWayAnova, type TwoWayAnova } from './anova.ts';
import { fQuantile, fUpperTail } from './distributions.ts';
import { checkLevel, guardIcc, nullIcc, type IccOptions, type IccResult } from './types.ts';

export interface OneWayIcc {
  /** ICC(1) = ICC(1,1): reliability of a single measurement. */
  single: IccResult;
  /** ICC(1,k): reliability of the mean of k (= n0 when unbalanced) measurements. */
  average: IccResult;
  anova: OneWayAnova;
}

/**
 * One-way random-effects ICC(1) and ICC(1,k) of values grouped by target, for unbalanced groups.
 * The unbalanced case replaces k by n0 in the estimator and in the F-based interval.
 *
 * Degenerate data (all fields null, `note` says why): fewer than 2 non-empty groups; every group
 * of size 1; every value equal. Zero within-group variance (but some between) gives ICC = 1,
 * F = Infinity, p = 0, interval [1, 1]. Equal group means with within variance give the minimum
 * ICC(1) = -1/(n0 - 1) and a null ICC(1,k) (unbounded below). Empty groups are skipped.
 */
export function iccOneWay(groups: readonly (readonly number[])[], options: IccOptions = {}): OneWayIcc {
  const level = options.level ?? 0.95;
  checkLevel(level);
  const anova = oneWayAnova(groups);
  const { a, N, msb, msw, n0, df1, df2 } = anova;
  const skipped = anova.skippedEmpty > 0 ? `${anova.skippedEmpty} empty group(s) skipped` : undefined;
  const withSkip = (note?: string): string | undefined => (skipped && note ? `${note}; ${skipped}` : (note ?? skipped));
  const both = (note: string): OneWayIcc => {
    const r = nullIcc(a, N, level, withSkip(note)!);
    return { single: r, average: { ...r }, anova };
  };

  if (a < 2) return both(`ICC undefined: needs at least 2 non-empty groups, got ${a}`);
  if (msw === null) return both('ICC undefined: every group has a single observation, so within-group variance cannot be estimated');
  if (msb === null || n0 === null) throw new Error('unreachable: a >= 2 implies msb and n0');
  if (msb === 0 && msw === 0) return both('ICC undefined: all values are equal, there is no variance to apportion');

  const base = { level, df1, df2, nGroups: a, nObs: N, k: n0 };
  if (msw === 0) {
    const note = withSkip('zero within-group variance: ICC = 1, F infinite, interval degenerate at 1')!;
    const r: IccResult = { ...base, icc: 1, ciLow: 1, ciHigh: 1, f: Infinity, p: 0, note };
    return { single: r, average: { ...r }, anova };
  }

  const f = msb / msw;
  const p = fUpperTail(f, df1, df2);
  const q = 1 - (1 - level) / 2;
  const fL = f / fQuantile(q, df1, df2);
  const fU = f * fQuantile(q, df2, df1);
  const single: IccResult = guardIcc({
    ...base,
    icc: (msb - msw) / (msb + (n0 - 1) * msw),
    ciLow: (fL - 1) / (fL + n0 - 1),
    ciHigh: (fU - 1) / (fU + n0 - 1),
    f,
    p,
    note: withSkip(),
  });
  const average: IccResult =
    msb === 0
      ? nullIcc(a, N, level, withSkip('ICC(1,k) undefined: all group means are equal (between-group mean square 0), the estimate is unbounded below')!)
      : guardIcc({ ...base, icc: (msb - msw) / msb, ciLow: 1 - 1 / fL, ciHigh: 1 - 1 / fU, f, p, note: withSkip() });
  return { single, average, anova };
}

export interface TwoWayIcc {
  /** ICC(1,1): one-way random, single measure (judges not modelled). */
  icc1: IccResult;
  /** ICC(2,1) = McGraw & Wong ICC(A,1): two-way random, absolute agreement, single measure. */
  icc2: IccResult;
  /** ICC(3,1) = McGraw & Wong ICC(C,1): two-way mixed, consistency, single measure. */
  icc3: IccResult;
  /** ICC(1,k): mean of k judges, one-way random. */
  icc1k: IccResult;
  /** ICC(2,k) = ICC(A,k). */
  icc2k: IccResult;
  /** ICC(3,k) = ICC(C,k). */
  icc3k: IccResult;
  anova: TwoWayAnova;
}

/**
 * All six Shrout & Fleiss ICCs of a balanced targets (rows) × judges (columns) matrix with one
 * observation per cell. Throws RangeError on a ragged matrix or non-finite values.
 *
 * ICC(2,1)'s interval uses the Satterthwaite-style degrees of freedom of McGraw & Wong, as
 * psych::ICC does. Degenerate data: fewer than 2 targets or judges → all null. Zero residual
 * variance → ICC(3) = 1 with F = Infinity, p = 0, interval [1, 1]; ICC(2) is still estimated.
 * No between-target and no residual variance → ICC(2)/ICC(3) null.
 */
export function iccTwoWay(matrix: readonly (readonly number[])[], options: IccOptions = {}): TwoWayIcc {
  const level = options.level ?? 0.95;
  checkLevel(level);
  const anova = twoWayAnova(matrix);
  const { n, k, msr, msc, mse } = anova;
  const nObs = n * k;
  // ICC(1) is the one-way model with each row a group (balanced, so n0 = k).
  const one = iccOneWay(matrix, { level });

  const allNull = (note: string): Omit<TwoWayIcc, 'icc1' | 'icc1k' | 'anova'> => {
    const r = (): IccResult => nullIcc(n, nObs, level, note);
    return { icc2: r(), icc3: r(), icc2k: r(), icc3k: r() };
  };
  const out = (rest: Omit<TwoWayIcc, 'icc1' | 'icc1k' | 'anova'>): TwoWayIcc => ({
    icc1: one.single,
    icc1k: one.average,
    ...rest,
    anova,
  });

  if (n < 2) return out(allNull(`ICC undefined: needs at least 2 targets (rows), got ${n}`));
  if (k < 2) return out(allNull(`ICC undefined: needs at least 2 judges (columns), got ${k}`));
  if (msr === null || msc === null || mse === null) throw new Error('unreachable: n, k >= 2 implies all mean squares');
  if (msr === 0 && mse === 0) return out(allNull('ICC(2)/ICC(3) undefined: no between-target and no residual variance'));

  const df1 = n - 1;
  const df2 = (n - 1) * (k - 1);
  const q = 1 - (1 - level) / 2;
  const base = { level, df1, df2, nGroups: n, nObs, k };
  const zeroNote = mse === 0 ? 'zero residual variance: F infinite' : undefined;

  const f = msr / mse; // Infinity when mse = 0
  const p = fUpperTail(f, df1, df2);

  // ICC(3,1) / ICC(3,k): consistency; F-based interval.
  let icc3: IccResult;
  let icc3k: IccResult;
  if (mse === 0) {
    icc3 = { ...base, icc: 1, ciLow: 1, ciHigh: 1, f, p, note: `${zeroNote}; ICC(3) = 1, interval degenerate at 1` };
    icc3k = { ...icc3 };
  } else {
    const fL = f / fQuantile(q, df1, df2);
    const fU = f * fQuantile(q, df2, df1);
    icc3 = guardIcc({
      ...base,
      icc: (msr - mse) / (msr + (k - 1) * mse),
      ciLow: (fL - 1) / (fL + k - 1),
      ciHigh: (fU - 1) / (fU + k - 1),
      f,
      p,
    });
    icc3k =
      msr === 0
        ? nullIcc(n, nObs, level, 'ICC(3,k) undefined: between-target mean square is 0, the estimate is unbounded below')
        : guardIcc({ ...base, icc: (msr - mse) / msr, ciLow: 1 - 1 / fL, ciHigh: 1 - 1 / fU, f, p });
  }

  // ICC(2,1): absolute agreement. Its interval (McGraw & Wong 1996, Table 7) needs approximate
  // denominator df v for the F reference distribution.
  const icc2Den = msr + (k - 1) * mse + (k * (msc - mse)) / n;
  const icc2Value = (msr - mse) / icc2Den;
  // fj = JMS/EMS; when EMS = 0 take its limit (Infinity if judges differ, else 0, which is then
  // irrelevant because the interval collapses to [1, 1]).
  const fj = mse > 0 ? msc / mse : msc > 0 ? Infinity : 0;
  let v: number;
  if (fj === Infinity) {
    v = k - 1; // limit of the expression below as fj → ∞
  } else {
    const c = n * (1 + (k - 1) * icc2Value) - k * icc2Value;
    const vn = (k - 1) * (n - 1) * (k * icc2Value * fj + c) ** 2;
    const vd = (n - 1) * k ** 2 * icc2Value ** 2 * fj ** 2 + c ** 2;
    v = vn / vd;
  }
  const f2U = fQuantile(q, n - 1, v);
  const f2L = fQuantile(q, v, n - 1);
  const common = k * msc + (k * n - k - n) * mse;
  const l2 = (n * (msr - f2U * mse)) / (f2U * common + n * msr);
  const u2 = (n * (f2L * msr - mse)) / (common + n * f2L * msr);
  const icc2 =
    icc2Den > 0
      ? guardIcc({ ...base, icc: icc2Value, ciLow: l2, ciHigh: u2, f, p, note: zeroNote })
      : nullIcc(n, nObs, level, 'ICC(2,1) undefined: its denominator is not positive for these data');
  const icc2kDen = msr + (msc - mse) / n;
  const icc2k =
    icc2kDen > 0 && icc2.icc !== null
      ? guardIcc({
          ...base,
          icc: (msr - mse) / icc2kDen,
          // Spearman-Brown step-up of the ICC(2,1) bounds, as psych::ICC does.
          ciLow: (l2 * k) / (1 + l2 * (k - 1)),
          ciHigh: (u2 * k) / (1 + u2 * (k - 1)),
          f,
          p,
          note: zeroNote,
        })
      : nullIcc(n, nObs, level, 'ICC(2,k) undefined: its denominator is not positive for these data');

  return out({ icc2, icc3, icc2k, icc3k });
}
