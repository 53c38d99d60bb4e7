// Random-effects ANOVA building blocks for the ICCs.

/** Result of a one-way ANOVA over (possibly unbalanced) groups. Empty groups are skipped. */
export interface OneWayAnova {
  /** Number of non-empty groups. */
  a: number;
  /** Total number of observations. */
  N: number;
  /** Sizes of the non-empty groups, in input order. */
  sizes: number[];
  /** Means of the non-empty groups, in input order. */
  means: number[];
  /** Mean of all N observations (null when N = 0). */
  grandMean: number | null;
  /** Number of empty groups that were skipped. */
  skippedEmpty: number;
  ssb: number;
  ssw: number;
  /** a - 1 (0 when a <= 1). */
  df1: number;
  /** N - a. */
  df2: number;
  /** Between-group mean square; null when df1 = 0. */
  msb: number | null;
  /** Within-group mean square; null when df2 = 0 (every group has one observation). */
  msw: number | null;
  /** Average group size for unbalanced designs, (N - Σn_i²/N)/(a - 1); null when a < 2. */
  n0: number | null;
}

export function assertFinite(x: number, where: string): void {
  if (!Number.isFinite(x)) throw new RangeError(`${where}: non-finite value ${x}`);
}

/**
 * Mean that is exact for constant data. A plain sum/n can be off by an ulp (0.1 * 3 / 3), which
 * would turn "zero variance" into a tiny positive one and make the degenerate cases flaky.
 */
export function mean(xs: readonly number[]): number {
  const first = xs[0]!;
  if (xs.every((x) => x === first)) return first;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/**
 * Sums of squares that are pure rounding noise are set to exactly 0, so that "no variance"
 * degenerate cases are detected reliably (e.g. additive two-way data whose residuals should
 * vanish but come out ~1e-31 because the means are not representable). The floor is a
 * per-observation deviation of 64 ulps of the largest magnitude in the data.
 */
export function dropRoundoff(ss: number, values: readonly number[]): number {
  let maxAbs = 0;
  for (const x of values) maxAbs = Math.max(maxAbs, Math.abs(x));
  const perCell = 64 * Number.EPSILON * maxAbs;
  return ss <= values.length * perCell * perCell ? 0 : ss;
}

/** One-way ANOVA. Throws RangeError on non-finite values; empty groups are skipped, not errors. */
export function oneWayAnova(groups: readonly (readonly number[])[]): OneWayAnova {
  const used = groups.filter((g) => g.length > 0);
  used.forEach((g, i) => g.forEach((x) => assertFinite(x, `group ${i}`)));
  const a = used.length;
  const sizes = used.map((g) => g.length);
  const N = sizes.reduce((s, n) => s + n, 0);
  const means = used.map(mean);
  const grandMean = N > 0 ? mean(used.flat()) : null;

  let ssb = 0;
  let ssw = 0;
  used.forEach((g, i) => {
    const m = means[i]!;
    ssb += g.length * (m - grandMean!) ** 2;
    for (const x of g) ssw += (x - m) ** 2;
  });

  const flat = used.flat();
  ssb = dropRoundoff(ssb, flat);
  ssw = dropRoundoff(ssw, flat);

  const df1 = Math.max(a - 1, 0);
  const df2 = N - a;
  const sumSq = sizes.reduce((s, n) => s + n * n, 0);
  return {
    a,
    N,
    sizes,
    means,
    grandMean,
    skippedEmpty: groups.length - a,
    ssb,
    ssw,
    df1,
    df2,
    msb: df1 > 0 ? ssb / df1 : null,
    msw: df2 > 0 ? ssw / df2 : null,
    n0: a > 1 ? (N - sumSq / N) / (a - 1) : null,
  };
}

/** Two-way ANOVA (one observation per cell) of a balanced targets × judges matrix. */
export interface TwoWayAnova {
  /** Targets (rows). */
  n: number;
  /** Judges (columns). */
  k: number;
  grandMean: number;
  /** Between-targets mean square (Shrout & Fleiss BMS), df n - 1; null when n < 2. */
  msr: number | null;
  /** Between-judges mean square (JMS), df k - 1; null when k < 2. */
  msc: number | null;
  /** Residual mean square (EMS), df (n - 1)(k - 1); null when n < 2 or k < 2. */
  mse: number | null;
  /** Within-target mean square of the one-way model (WMS), df n(k - 1); null when k < 2. */
  msw: number | null;
}

/** Throws RangeError when the matrix is empty, ragged or holds non-finite values. */
export function twoWayAnova(matrix: readonly (readonly number[])[]): TwoWayAnova {
  const n = matrix.length;
  if (n === 0) throw new RangeError('two-way ANOVA: matrix has no rows');
  const k = matrix[0]!.length;
  if (k === 0) throw new RangeError('two-way ANOVA: matrix has no columns');
  matrix.forEach((row, i) => {
    if (row.length !== k) throw new RangeError(`two-way ANOVA: row ${i} has ${row.length} values, expected ${k} (balanced design required)`);
    row.forEach((x) => assertFinite(x, `two-way ANOVA row ${i}`));
  });
  const grandMean = mean(matrix.flat());
  const rowMeans = matrix.map(mean);
  const colMeans = Array.from({ length: k }, (_, j) => mean(matrix.map((r) => r[j]!)));

  let ssr = 0;
  for (const m of rowMeans) ssr += k * (m - grandMean) ** 2;
  let ssc = 0;
  for (const m of colMeans) ssc += n * (m - grandMean) ** 2;
  // Residuals computed directly rather than as SST - SSR - SSC, so exact-fit data give exactly 0.
  let sse = 0;
  matrix.forEach((row, i) =>
    row.forEach((x, j) => {
      sse += (x - rowMeans[i]! - colMeans[j]! + grandMean) ** 2;
    }),
  );
  const flat = matrix.flat();
  ssr = dropRoundoff(ssr, flat);
  ssc = dropRoundoff(ssc, flat);
  sse = dropRoundoff(sse, flat);
  const dfe = (n - 1) * (k - 1);
  return {
    n,
    k,
    grandMean,
    msr: n > 1 ? ssr / (n - 1) : null,
    msc: k > 1 ? ssc / (k - 1) : null,
    mse: dfe > 0 ? sse / dfe : null,
    msw: k > 1 ? (ssc + sse) / (n * (k - 1)) : null,
  };
}
