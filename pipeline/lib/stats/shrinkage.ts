// Empirical-Bayes (Kelley) shrinkage of group means toward the grand mean.
import { assertFinite, mean as exactMean } from './anova.ts';
import { iccOneWay } from './icc.ts';
import { reliabilityOfMean } from './reliability.ts';
import type { IccResult } from './types.ts';

/** grand + R·(mean − grand). R must be in [0, 1]. */
export function shrinkMean(groupMean: number, grandMean: number, reliability: number): number {
  if (!(reliability >= 0 && reliability <= 1)) throw new RangeError(`shrinkMean: reliability must be in [0, 1], got ${reliability}`);
  return grandMean + reliability * (groupMean - grandMean);
}

export interface ShrunkenGroup {
  n: number;
  /** Raw group mean; null for an empty group. */
  mean: number | null;
  /** Spearman-Brown reliability at n with ICC clamped to [0, 1]; null if empty or ICC unknown. */
  reliability: number | null;
  /** Shrunken mean; the raw mean when the ICC is unknown; null for an empty group. */
  shrunkenMean: number | null;
}

export interface ShrinkageResult {
  /** Grand mean used as the shrinkage target; null when there are no observations. */
  grandMean: number | null;
  /** The single-measure ICC(1) computed from the groups (absent when an ICC was supplied). */
  icc?: IccResult;
  /** ICC actually used, clamped to [0, 1]; null when unknown (then no shrinkage is applied). */
  iccUsed: number | null;
  /** One entry per input group, same order (empty groups included, with nulls). */
  groups: ShrunkenGroup[];
  note?: string;
}

export interface ShrinkageOptions {
  /** Use this single-measure ICC instead of estimating ICC(1) from the groups. */
  icc?: number;
  /** Shrink toward this value instead of the mean of all observations. */
  grandMean?: number;
}

/**
 * Shrunken means grand + R_i·(mean_i − grand), R_i = Spearman-Brown reliability of a mean of n_i
 * values at the (clamped) ICC(1). The default grand mean is the mean of all observations, i.e.
 * the one-way ANOVA grand mean. If the ICC is undefined (e.g. every group has one value) the raw
 * means are returned unshrunk, reliability is null and `note` says why.
 */
export function shrunkenMeans(groups: readonly (readonly number[])[], options: ShrinkageOptions = {}): ShrinkageResult {
  groups.forEach((g, i) => g.forEach((x) => assertFinite(x, `group ${i}`)));
  const all = groups.flat();
  if (options.grandMean !== undefined) assertFinite(options.grandMean, 'grandMean option');
  const grandMean = options.grandMean ?? (all.length > 0 ? exactMean(all) : null);

  let icc: IccResult | undefined;
  let raw: number | null;
  if (options.icc !== undefined) {
    assertFinite(options.icc, 'icc option');
    raw = options.icc;
  } else {
    icc = iccOneWay(groups).single;
    raw = icc.icc;
  }
  const iccUsed = raw === null ? null : Math.min(1, Math.max(0, raw));

  const out: ShrunkenGroup[] = groups.map((g) => {
    if (g.length === 0) return { n: 0, mean: null, reliability: null, shrunkenMean: null };
    const m = exactMean(g);
    if (iccUsed === null || grandMean === null) return { n: g.length, mean: m, reliability: null, shrunkenMean: m };
    const r = reliabilityOfMean(iccUsed, g.length);
    return { n: g.length, mean: m, reliability: r, shrunkenMean: shrinkMean(m, grandMean, r) };
  });

  const result: ShrinkageResult = { grandMean, iccUsed, groups: out };
  if (icc) result.icc = icc;
  if (iccUsed === null) result.note = `no shrinkage applied: ${icc?.note ?? 'ICC unknown'}`;
  else if (raw !== null && raw !== iccUsed) result.note = `ICC ${raw} clamped to ${iccUsed} for shrinkage`;
  return result;
}
