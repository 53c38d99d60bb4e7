// Thin wrappers over stdlib's F and t distributions: the only place this module touches them.
import fDist from '@stdlib/stats-base-dists-f';
import tDist from '@stdlib/stats-base-dists-t';

/** P(F > f) for F ~ F(df1, df2). */
export function fUpperTail(f: number, df1: number, df2: number): number {
  // P(F > f) = P(1/F < 1/f) with 1/F ~ F(df2, df1): avoids the cancellation in 1 - cdf for tiny p.
  // It also gives the right limits: f = 0 -> 1/f = Infinity -> 1, f = Infinity -> 0.
  return fDist.cdf(1 / f, df2, df1);
}

/** Quantile of F(df1, df2) at probability p. */
export function fQuantile(p: number, df1: number, df2: number): number {
  return fDist.quantile(p, df1, df2);
}

/** Quantile of Student's t with df degrees of freedom at probability p. */
export function tQuantile(p: number, df: number): number {
  return tDist.quantile(p, df);
}
