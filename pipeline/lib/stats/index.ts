// Pure statistics for the aggregate stage: ANOVA, ICCs, Spearman-Brown, t intervals, shrinkage.
// No dependence on the rest of the pipeline.
export { oneWayAnova, twoWayAnova, type OneWayAnova, type TwoWayAnova } from './anova.ts';
export { iccOneWay, iccTwoWay, type OneWayIcc, type TwoWayIcc } from './icc.ts';
export { spearmanBrown, reliabilityOfMean } from './reliability.ts';
export { meanInterval, type MeanInterval } from './interval.ts';
export { shrinkMean, shrunkenMeans, type ShrunkenGroup, type ShrinkageResult, type ShrinkageOptions } from './shrinkage.ts';
export { fUpperTail, fQuantile, tQuantile } from './distributions.ts';
export type { IccResult, IccOptions } from './types.ts';
