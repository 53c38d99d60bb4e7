// Student-t confidence interval for a mean.
import { assertFinite, mean as exactMean } from './anova.ts';
import { tQuantile } from './distributions.ts';
import { checkLevel } from './types.ts';

export interface MeanInterval {
  n: number;
  /** null when n = 0. */
  mean: number | null;
  /** Sample SD (n − 1 denominator); null when n < 2. */
  sd: number | null;
  /** Standard error sd/√n; null when n < 2. */
  se: number | null;
  /** n − 1; null when n < 2. */
  df: number | null;
  /** null when n < 2; equal to the mean when sd = 0. */
  ciLow: number | null;
  ciHigh: number | null;
  level: number;
  note?: string;
}

/**
 * Two-sided t interval mean ± t_{1−α/2, n−1}·sd/√n (what R's t.test reports).
 * n = 0 → all null; n = 1 → mean only (no spread, no interval); sd = 0 → zero-width interval.
 * Throws RangeError on non-finite values or a level outside (0, 1).
 */
export function meanInterval(values: readonly number[], level = 0.95): MeanInterval {
  checkLevel(level);
  values.forEach((x, i) => assertFinite(x, `meanInterval value ${i}`));
  const n = values.length;
  const none = { sd: null, se: null, df: null, ciLow: null, ciHigh: null, level };
  if (n === 0) return { n, mean: null, ...none, note: 'no values' };
  const m = exactMean(values);
  if (n === 1) return { n, mean: m, ...none, note: 'single value: no spread, interval undefined' };
  let ss = 0;
  for (const x of values) ss += (x - m) ** 2;
  const sd = Math.sqrt(ss / (n - 1));
  const se = sd / Math.sqrt(n);
  const half = tQuantile(1 - (1 - level) / 2, n - 1) * se;
  return {
    n,
    mean: m,
    sd,
    se,
    df: n - 1,
    ciLow: m - half,
    ciHigh: m + half,
    level,
    ...(sd === 0 ? { note: 'all values equal: zero-width interval' } : {}),
  };
}
