/**
 * One intraclass correlation with its test and confidence interval.
 *
 * When the coefficient is undefined for the data (too few groups, no replication, no variance at
 * all), `icc` and every derived field are null and `note` says why. Estimates below zero are
 * kept as computed. Zero residual variance gives `f = Infinity`, `p = 0` and, where the limit is
 * well defined, a degenerate interval at 1; `note` flags it.
 */
export interface IccResult {
  /** Point estimate; may be negative (reported as computed). */
  icc: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  /** Confidence level of [ciLow, ciHigh], e.g. 0.95. */
  level: number;
  /** F statistic of the test ICC = 0 (may be Infinity when the error mean square is 0). */
  f: number | null;
  df1: number | null;
  df2: number | null;
  /** Upper-tail p value of `f`. */
  p: number | null;
  /** Number of (non-empty) groups / targets used. */
  nGroups: number;
  /** Number of observations used. */
  nObs: number;
  /**
   * Measurements per target the formula assumes: k (judges) for the two-way forms, k for
   * balanced one-way data, n0 (the ANOVA average group size) for unbalanced one-way data.
   */
  k: number | null;
  note?: string;
}

export interface IccOptions {
  /** Confidence level of the interval; default 0.95. */
  level?: number;
}

export function checkLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
}

export function nullIcc(nGroups: number, nObs: number, level: number, note: string): IccResult {
  return { icc: null, ciLow: null, ciHigh: null, level, f: null, df1: null, df2: null, p: null, nGroups, nObs, k: null, note };
}

/**
 * Last line of defence against NaN soup: if any numeric field came out NaN (or the estimate is
 * not finite), return the null result with a reason instead of partial garbage.
 */
export function guardIcc(r: IccResult): IccResult {
  // f may legitimately be Infinity (zero error variance); the estimate, bounds and p may not.
  const mustBeFinite = [r.icc, r.ciLow, r.ciHigh, r.p];
  const bad = mustBeFinite.some((x) => x !== null && !Number.isFinite(x)) || (r.f !== null && Number.isNaN(r.f));
  if (!bad) return r;
  const why = 'numerically undefined for these data (a denominator is zero or negative)';
  return nullIcc(r.nGroups, r.nObs, r.level, r.note ? `${r.note}; ${why}` : why);
}
