// The numbers: per-person performance with intervals, reliability and shrinkage, and the two
// population reliabilities (influencers' consistency, the metric's own test-retest).
import { iccOneWay, meanInterval, reliabilityOfMean, shrinkMean, spearmanBrown, type IccResult } from '../stats/index.ts';
import type { Row } from '../warehouse/index.ts';

export interface VideoScore { video_id: string; score: number | null; n_scored: number }
export interface Appearance { video_id: string; influencer_id: string; credited: boolean }
export interface Posting { video_id: string | null; performance: number | null }

const round = (x: number | null, d = 3) => (x === null ? 'n/a' : x.toFixed(d));

/** What a reliability means for choosing people, in plain words. */
export function readingOf(icc: number | null, what: 'influencer' | 'metric'): string {
  if (icc === null) return what === 'influencer'
    ? 'Not estimable: it needs at least two people with two or more scored videos each.'
    : 'Not estimable: it needs videos posted more than once with scores.';
  if (what === 'metric') {
    return `The same video posted twice gets scores that correlate ${round(icc, 2)}: ${icc < 0.5 ? 'the metric itself is noisy, so single postings say little' : 'the metric is fairly repeatable'}.`;
  }
  const r = (n: number) => round(reliabilityOfMean(icc, n), 2);
  return `An average over 1 video has reliability ${r(1)}, over 3 videos ${r(3)}, over 10 videos ${r(10)}. ` +
    (icc <= 0.1 ? 'People barely differ beyond chance: rankings from a few videos are mostly noise.' :
      icc < 0.4 ? 'People differ, but a few videos per person rank them unreliably: prefer the shrunken mean.' :
        'People differ consistently: a few videos per person rank them reasonably.');
}

function reliabilityRow(measure: string, r: IccResult, what: 'influencer' | 'metric'): Row {
  return {
    measure, icc: r.icc, ci_low: r.ciLow, ci_high: r.ciHigh, f: Number.isFinite(r.f) ? r.f : null, df1: r.df1, df2: r.df2, p: r.p,
    n_groups: r.nGroups, n_obs: r.nObs, k: r.k, note: r.note ?? null, reading: readingOf(r.icc, what),
  };
}

export function aggregate(videos: VideoScore[], appearances: Appearance[], people: string[], postings: Posting[]) {
  const scoreOf = new Map(videos.map((v) => [v.video_id, v]));
  const groups = new Map<string, VideoScore[]>(people.map((p) => [p, []]));
  for (const a of appearances) {
    const v = scoreOf.get(a.video_id);
    if (a.credited && v && v.score !== null) groups.get(a.influencer_id)?.push(v);
  }
  const ids = [...groups.keys()].sort();
  const scores = ids.map((id) => groups.get(id)!.map((v) => v.score as number));

  const influencerIcc = iccOneWay(scores.filter((g) => g.length > 0)).single;
  const byVideo = new Map<string, number[]>();
  for (const p of postings) if (p.video_id && p.performance !== null) byVideo.set(p.video_id, [...(byVideo.get(p.video_id) ?? []), p.performance]);
  const metricIcc = iccOneWay([...byVideo.values()].filter((g) => g.length >= 2)).single;

  const all = scores.flat();
  const grand = all.length ? all.reduce((a, b) => a + b, 0) / all.length : null;
  const icc = influencerIcc.icc;
  const stats: Row[] = ids.map((id, i) => {
    const s = scores[i];
    const m = meanInterval(s);
    const rel = icc !== null && s.length ? reliabilityOfMean(icc, s.length) : null;
    return {
      influencer_id: id, n_videos: s.length, n_postings: groups.get(id)!.reduce((n, v) => n + v.n_scored, 0),
      mean: m.mean, sd: m.sd, cv: m.sd !== null && m.mean ? m.sd / Math.abs(m.mean) : null,
      ci_low: m.ciLow, ci_high: m.ciHigh, reliability: rel,
      // Without an estimable ICC nothing says how far to shrink: the raw mean stands (flagged by reliability = null).
      shrunken_mean: m.mean === null ? null : rel === null || grand === null ? m.mean : shrinkMean(m.mean, grand, rel),
      rank: null as number | null,
    };
  });
  stats.filter((r) => r.shrunken_mean !== null)
    // Ties (e.g. everyone shrunk to the grand mean) go to more evidence first, then the raw mean.
    .sort((a, b) => (b.shrunken_mean as number) - (a.shrunken_mean as number) || (b.n_videos as number) - (a.n_videos as number)
      || (b.mean as number) - (a.mean as number) || String(a.influencer_id).localeCompare(String(b.influencer_id)))
    .forEach((r, k) => { r.rank = k + 1; });

  const reliability = [
    reliabilityRow('influencer_icc1', influencerIcc, 'influencer'),
    reliabilityRow('metric_test_retest_icc1', metricIcc, 'metric'),
  ];
  return { stats, reliability, grandMean: grand, influencerIcc, metricIcc };
}

/** Reliability of a person's mean at n videos (the Spearman-Brown curve), for plots and reports. */
export function reliabilityCurve(icc: number | null, maxN = 20): Row[] {
  if (icc === null) return [];
  return Array.from({ length: maxN }, (_, k) => ({ n_videos: k + 1, reliability: spearmanBrown(Math.max(0, icc), k + 1) }));
}
