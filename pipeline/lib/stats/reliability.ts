// Spearman-Brown prophecy: reliability of the mean of n measurements.

/**
 * Reliability of a mean of n measurements given the single-measure ICC:
 * n·ICC / (1 + (n − 1)·ICC). Negative ICCs are passed through unchanged (for n > 1 this gives
 * the ICC(1,k)-style value, which can be very negative).
 * Throws RangeError when n < 1 or ICC is not finite, or when 1 + (n − 1)·ICC ≤ 0 (only reachable
 * with ICC ≤ −1/(n − 1), below the attainable range).
 */
export function spearmanBrown(icc: number, n: number): number {
  if (!Number.isFinite(icc)) throw new RangeError(`spearmanBrown: ICC must be finite, got ${icc}`);
  if (!(n >= 1) || !Number.isFinite(n)) throw new RangeError(`spearmanBrown: n must be a finite number >= 1, got ${n}`);
  const den = 1 + (n - 1) * icc;
  if (den <= 0) throw new RangeError(`spearmanBrown: 1 + (n - 1)·ICC = ${den} is not positive (ICC ${icc}, n ${n})`);
  return (n * icc) / den;
}

/**
 * Reliability of a group mean for shrinkage: Spearman-Brown at n with the ICC clamped to [0, 1]
 * first (a negative estimate means "no detectable between-group signal", i.e. reliability 0).
 * n = 0 (no data) gives 0. Result is always in [0, 1].
 */
export function reliabilityOfMean(icc: number, n: number): number {
  if (!Number.isFinite(icc)) throw new RangeError(`reliabilityOfMean: ICC must be finite, got ${icc}`);
  if (!(n >= 0) || !Number.isFinite(n)) throw new RangeError(`reliabilityOfMean: n must be a finite number >= 0, got ${n}`);
  const r = Math.min(1, Math.max(0, icc));
  if (n === 0 || r === 0) return 0;
  if (r === 1) return 1;
  return (n * r) / (1 + (n - 1) * r);
}
