// The report's charts: one small pure function per chart, table rows in, a Vega-Lite spec out.
// Shared by the HTML report and the notebooks (no I/O, no top-level await, types-only imports,
// so tslab's CommonJS compilation can load it too).
import type { TopLevelSpec } from 'vega-lite';
import type { Field } from 'vega-lite/build/src/channeldef.js';
import type { LayerSpec } from 'vega-lite/build/src/spec/index.js';

/** A row of `influencer_stats` (the columns the charts use). */
export interface StatRow {
  influencer_id: string; rank: number | null; n_videos: number; n_postings?: number | null;
  mean: number | null; sd?: number | null; ci_low: number | null; ci_high: number | null;
  reliability: number | null; shrunken_mean: number | null;
  /** The analyst's name for the ID (people.yaml), shown beside it. */
  name?: string | null;
}
/** One credited video of one person with its score (appearances ⋈ videos, credited only). */
export interface PersonVideoScore { influencer_id: string; video_id: string; score: number; n_postings?: number | null }
/** A row of `reliability`. */
export interface ReliabilityRow {
  measure: string; icc: number | null; ci_low: number | null; ci_high: number | null;
  n_groups?: number | null; n_obs?: number | null; reading?: string | null;
}
/** A point of the Spearman-Brown curve (aggregate's `reliabilityCurve`, data/plots/reliability_curve.csv). */
export interface CurvePoint { n_videos: number; reliability: number }
/** A row of `duplicate_groups`. */
export interface DuplicateRow { video_id: string; row_number: number; performance: number | null; match?: string | null }

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
const WIDTH = 560;
const STEP = 18;
const RAW = '#4c78a8';
const SHRUNK = '#e45756';
const MUTED = '#9e9e9e';
const METRIC = 'performance (the sheet\u2019s metric)';
const config = { view: { stroke: null }, axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 11, titleFontSize: 11, orient: 'top' as const } };

/** How a person is named on chart axes: rank first, so the axis reads as the ranking; a name with the ID beside it. */
export const personLabel = (s: Pick<StatRow, 'influencer_id' | 'rank' | 'name'>) => {
  const who = s.name ? `${s.name} (${s.influencer_id})` : s.influencer_id;
  return s.rank === null ? who : `#${s.rank} ${who}`;
};

/** People with a mean, best rank first (the order of every per-person chart). */
export function rankedPeople(stats: StatRow[]): StatRow[] {
  return stats.filter((s) => s.mean !== null)
    .sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || a.influencer_id.localeCompare(b.influencer_id));
}

const meanOf = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
function sdOf(xs: number[]): number | null {
  const m = meanOf(xs);
  if (m === null || xs.length < 2) return null;
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

/**
 * The reference the per-person means are judged against: the grand mean of the credited video
 * scores (each person's videos counted for that person, as the aggregate stage does) and their SD.
 */
export function grandMean(scores: PersonVideoScore[]): { mean: number | null; sd: number | null; n: number } {
  const xs = scores.map((s) => s.score);
  return { mean: meanOf(xs), sd: sdOf(xs), n: xs.length };
}

/**
 * Caterpillar: per person (rank order) the raw mean with its 95% interval and the shrunken mean
 * it is ranked by, joined by a line that shows how far the estimate was pulled to the grand mean.
 */
export function caterpillarSpec(stats: StatRow[], scores: PersonVideoScore[] = []): TopLevelSpec {
  const people = rankedPeople(stats);
  const order = people.map(personLabel);
  // The x range covers the estimates and the videos behind them; an interval wider than that (two
  // videos far apart give a t interval many times wider) is cut at the edge and marked with an arrow.
  const values = [...people.flatMap((s) => [s.mean, s.shrunken_mean]), ...scores.filter((v) => order.length).map((v) => v.score)]
    .filter((x): x is number => x !== null && Number.isFinite(x));
  const span = values.length ? Math.max(...values) - Math.min(...values) : 0;
  const pad = span > 0 ? 0.08 * span : 0.5;
  const lo = values.length ? Math.min(...values) - pad : 0;
  const hi = values.length ? Math.max(...values) + pad : 1;
  const rows = people.map((s) => ({
    person: personLabel(s), influencer_id: s.influencer_id, n_videos: s.n_videos, mean: s.mean, shrunken_mean: s.shrunken_mean,
    ci_low: s.ci_low, ci_high: s.ci_high, reliability: s.reliability,
    low_shown: s.ci_low === null ? null : Math.max(lo, s.ci_low), high_shown: s.ci_high === null ? null : Math.min(hi, s.ci_high),
  }));
  const withCi = rows.filter((r) => r.ci_low !== null && r.ci_high !== null);
  const cut = [
    ...withCi.filter((r) => (r.ci_low as number) < lo).map((r) => ({ person: r.person, at: lo, side: 'left', ci_low: r.ci_low, ci_high: r.ci_high })),
    ...withCi.filter((r) => (r.ci_high as number) > hi).map((r) => ({ person: r.person, at: hi, side: 'right', ci_low: r.ci_low, ci_high: r.ci_high })),
  ];
  const points = people.flatMap((s) => [
    { person: personLabel(s), estimate: 'raw mean', value: s.mean, n_videos: s.n_videos },
    ...(s.shrunken_mean === null ? [] : [{ person: personLabel(s), estimate: 'shrunken mean (ranked by)', value: s.shrunken_mean, n_videos: s.n_videos }]),
  ]);
  const g = grandMean(scores).mean;
  const y = { field: 'person', type: 'nominal' as const, sort: order, title: null };
  const x = (field: string) => ({ field, type: 'quantitative' as const, title: METRIC, scale: { domain: [lo, hi], nice: false, zero: false } });
  const ciTip = [{ field: 'person' }, { field: 'ci_low', title: '95% low', format: '.3f' }, { field: 'ci_high', title: '95% high', format: '.3f' }];
  return {
    $schema: SCHEMA, config, width: WIDTH, height: { step: STEP },
    title: { text: 'Shrunken vs raw mean per person', subtitle: ['bars: 95% interval of the raw mean (none with one video; arrows: continues beyond the plot)', 'grey line: how far the estimate was pulled toward the grand mean (dashed)'] },
    layer: [
      ...(g === null ? [] : [{
        data: { values: [{ grand_mean: g }] },
        mark: { type: 'rule' as const, strokeDash: [4, 4], color: MUTED },
        encoding: { x: x('grand_mean'), tooltip: [{ field: 'grand_mean', title: 'grand mean', format: '.3f' }] },
      }]),
      {
        data: { values: withCi },
        mark: { type: 'rule', color: RAW, strokeWidth: 2, opacity: 0.6 },
        encoding: { y, x: x('low_shown'), x2: { field: 'high_shown' }, tooltip: ciTip },
      },
      ...(['left', 'right'] as const).map((side) => ({
        data: { values: cut.filter((c) => c.side === side) },
        mark: { type: 'point' as const, filled: true, color: RAW, opacity: 0.8, size: 60, shape: `triangle-${side}` },
        encoding: { y, x: x('at'), tooltip: ciTip },
      })),
      {
        data: { values: rows.filter((r) => r.shrunken_mean !== null) },
        mark: { type: 'rule', color: MUTED, strokeWidth: 1 },
        encoding: { y, x: x('mean'), x2: { field: 'shrunken_mean' } },
      },
      {
        data: { values: points },
        mark: { type: 'point', filled: true, size: 70, opacity: 1 },
        encoding: {
          y, x: x('value'),
          color: { field: 'estimate', type: 'nominal', title: null, scale: { domain: ['raw mean', 'shrunken mean (ranked by)'], range: [RAW, SHRUNK] } },
          shape: { field: 'estimate', type: 'nominal', title: null, scale: { domain: ['raw mean', 'shrunken mean (ranked by)'], range: ['circle', 'diamond'] } },
          tooltip: [{ field: 'person' }, { field: 'estimate' }, { field: 'value', format: '.3f' }, { field: 'n_videos', title: 'videos' }],
        },
      },
    ],
  };
}

/** Score spread: every credited video's score per person (rank order), the person's mean as a tick. */
export function spreadSpec(scores: PersonVideoScore[], stats: StatRow[]): TopLevelSpec {
  const people = rankedPeople(stats);
  const label = new Map(people.map((s) => [s.influencer_id, personLabel(s)]));
  const points = scores.filter((s) => label.has(s.influencer_id))
    .map((s) => ({ person: label.get(s.influencer_id)!, video_id: s.video_id, score: s.score, postings: s.n_postings ?? 1 }));
  const ranges = people.map((s) => {
    const xs = points.filter((p) => p.person === label.get(s.influencer_id)).map((p) => p.score);
    return { person: personLabel(s), min: Math.min(...xs), max: Math.max(...xs), mean: s.mean, n_videos: s.n_videos, sd: s.sd ?? null };
  }).filter((r) => Number.isFinite(r.min));
  const y = { field: 'person', type: 'nominal' as const, sort: people.map(personLabel), title: null };
  return {
    $schema: SCHEMA, config, width: WIDTH, height: { step: STEP },
    title: { text: 'Score spread per person', subtitle: 'dots: one per credited video (size: postings); tick: the person\u2019s raw mean' },
    layer: [
      {
        data: { values: ranges },
        mark: { type: 'rule', color: MUTED },
        encoding: { y, x: { field: 'min', type: 'quantitative', title: METRIC, scale: { zero: false } }, x2: { field: 'max' } },
      },
      {
        data: { values: points },
        mark: { type: 'point', filled: true, opacity: 0.75, color: RAW },
        encoding: {
          y, x: { field: 'score', type: 'quantitative' },
          size: { field: 'postings', type: 'quantitative', title: 'postings', scale: { range: [30, 200], zero: false }, legend: { orient: 'top', tickMinStep: 1, format: 'd' } },
          tooltip: [{ field: 'person' }, { field: 'video_id' }, { field: 'score', format: '.3f' }, { field: 'postings' }],
        },
      },
      {
        data: { values: ranges },
        mark: { type: 'tick', color: SHRUNK, thickness: 2, size: 14 },
        encoding: { y, x: { field: 'mean', type: 'quantitative' }, tooltip: [{ field: 'person' }, { field: 'mean', format: '.3f' }, { field: 'sd', format: '.3f' }, { field: 'n_videos', title: 'videos' }] },
      },
    ],
  };
}

/**
 * Funnel: each person's raw mean against their number of videos, with the band where means of n
 * videos drawn at random from everyone's videos would fall 95% of the time (grand mean ± 1.96·SD/√n).
 * People outside the funnel differ from the crowd by more than chance; inside it, by no more.
 */
export function funnelSpec(stats: StatRow[], scores: PersonVideoScore[]): TopLevelSpec {
  const people = rankedPeople(stats);
  const g = grandMean(scores);
  const maxN = Math.max(2, ...people.map((s) => s.n_videos));
  const band = g.mean === null || g.sd === null ? [] : Array.from({ length: 41 }, (_, k) => {
    const n = 1 + ((maxN - 1) * k) / 40;
    const half = (1.96 * (g.sd as number)) / Math.sqrt(n);
    return { n, low: (g.mean as number) - half, high: (g.mean as number) + half };
  });
  const x = { field: 'n', type: 'quantitative' as const, title: 'videos per person', scale: { domain: [0.8, maxN + 0.2], nice: false }, axis: maxN <= 12 ? { values: Array.from({ length: maxN }, (_, k) => k + 1), format: 'd' } : { tickMinStep: 1, format: 'd' } };
  return {
    $schema: SCHEMA, config, width: WIDTH, height: 300,
    title: { text: 'Mean vs number of videos (funnel)', subtitle: 'shaded: where the mean of n random videos falls 95% of the time; dashed: grand mean' },
    layer: [
      ...(band.length ? [
        { data: { values: band }, mark: { type: 'area' as const, color: MUTED, opacity: 0.18 }, encoding: { x, y: { field: 'low', type: 'quantitative' as const, title: METRIC, scale: { zero: false } }, y2: { field: 'high' } } },
        { data: { values: [{ grand_mean: g.mean }] }, mark: { type: 'rule' as const, strokeDash: [4, 4], color: MUTED }, encoding: { y: { field: 'grand_mean', type: 'quantitative' as const } } },
      ] : []),
      {
        data: { values: people.map((s) => ({ n: s.n_videos, mean: s.mean, person: personLabel(s), shrunken_mean: s.shrunken_mean })) },
        mark: { type: 'point', filled: true, size: 70, color: RAW },
        encoding: {
          x, y: { field: 'mean', type: 'quantitative', title: METRIC, scale: { zero: false } },
          tooltip: [{ field: 'person' }, { field: 'n', title: 'videos' }, { field: 'mean', title: 'raw mean', format: '.3f' }, { field: 'shrunken_mean', format: '.3f' }],
        },
      },
    ],
  };
}

/** Plain names of the reliability measures. */
export const measureLabel = (m: string) => ({
  influencer_icc1: 'people: consistency ICC(1)',
  metric_test_retest_icc1: 'metric: test-retest ICC(1)',
} as Record<string, string>)[m] ?? m;

/**
 * Reliability summary: left, each ICC with its 95% interval (drawn clipped to [-1, 1]); right, the
 * Spearman-Brown curve (reliability of a person's mean over n videos) with the people placed on it.
 */
export function reliabilitySpec(reliability: ReliabilityRow[], curve: CurvePoint[], stats: StatRow[]): TopLevelSpec {
  const clip = (v: number | null) => (v === null ? null : Math.max(-1, Math.min(1, v)));
  const iccRows = reliability.map((r) => ({
    measure: measureLabel(r.measure), icc: r.icc, icc_shown: clip(r.icc), low: clip(r.ci_low), high: clip(r.ci_high),
    ci_low: r.ci_low, ci_high: r.ci_high, groups: r.n_groups ?? null, observations: r.n_obs ?? null,
  }));
  const people = rankedPeople(stats).filter((s) => s.reliability !== null)
    .map((s) => ({ n_videos: s.n_videos, reliability: s.reliability, person: personLabel(s) }));
  const tooltip = [{ field: 'measure' }, { field: 'icc', format: '.3f' }, { field: 'ci_low', title: '95% low', format: '.3f' }, { field: 'ci_high', title: '95% high', format: '.3f' }, { field: 'groups' }, { field: 'observations' }];
  const y = { field: 'measure', type: 'nominal' as const, title: null };
  const iccPanel: LayerSpec<Field> = {
    width: 240, height: { step: 36 },
    title: 'ICC(1) with 95% interval',
    layer: [
      { data: { values: [{ zero: 0 }] }, mark: { type: 'rule', color: MUTED, strokeDash: [2, 2] }, encoding: { x: { field: 'zero', type: 'quantitative' } } },
      { data: { values: iccRows.filter((r) => r.low !== null && r.high !== null) }, mark: { type: 'rule', color: RAW, strokeWidth: 2 }, encoding: { y, x: { field: 'low', type: 'quantitative', scale: { domain: [-1, 1] }, title: 'ICC (interval clipped to [-1, 1])' }, x2: { field: 'high' }, tooltip } },
      { data: { values: iccRows.filter((r) => r.icc_shown !== null) }, mark: { type: 'point', filled: true, size: 80, color: RAW }, encoding: { y, x: { field: 'icc_shown', type: 'quantitative' }, tooltip } },
    ],
  };
  const curvePanel: LayerSpec<Field> = {
    width: 260, height: 180,
    title: 'Reliability of a person\u2019s mean (Spearman-Brown)',
    layer: [
      { data: { values: [{ r: 0.7 }] }, mark: { type: 'rule', color: MUTED, strokeDash: [4, 4] }, encoding: { y: { field: 'r', type: 'quantitative' }, tooltip: [{ field: 'r', title: 'a common bar for "reliable"' }] } },
      { data: { values: curve }, mark: { type: 'line', color: RAW, point: false }, encoding: { x: { field: 'n_videos', type: 'quantitative', title: 'videos per person' }, y: { field: 'reliability', type: 'quantitative', scale: { domain: [0, 1] }, title: 'reliability' }, tooltip: [{ field: 'n_videos' }, { field: 'reliability', format: '.2f' }] } },
      { data: { values: people }, mark: { type: 'point', filled: true, size: 60, color: SHRUNK }, encoding: { x: { field: 'n_videos', type: 'quantitative' }, y: { field: 'reliability', type: 'quantitative' }, tooltip: [{ field: 'person' }, { field: 'n_videos', title: 'videos' }, { field: 'reliability', format: '.2f' }] } },
    ],
  };
  return {
    $schema: SCHEMA, config,
    title: { text: 'Reliability summary', subtitle: 'red dots: the people, at their number of videos' },
    hconcat: [iccPanel, curvePanel],
    resolve: { scale: { x: 'independent', y: 'independent' } },
  };
}

/**
 * Duplicate postings: the scores the same video got each time it was posted (videos posted at
 * least twice with scores). How wide these spread is the metric's own noise.
 */
export function duplicatesSpec(rows: DuplicateRow[]): TopLevelSpec {
  const byVideo = new Map<string, DuplicateRow[]>();
  for (const r of rows) if (r.performance !== null) byVideo.set(r.video_id, [...(byVideo.get(r.video_id) ?? []), r]);
  const groups = [...byVideo.entries()].filter(([, rs]) => rs.length >= 2)
    .sort(([a, ra], [b, rb]) => rb.length - ra.length || a.localeCompare(b));
  const label = (id: string, n: number) => `${id} (${n})`;
  const points = groups.flatMap(([id, rs]) => rs.map((r) => ({ video: label(id, rs.length), row_number: r.row_number, performance: r.performance, match: r.match ?? null })));
  const means = groups.map(([id, rs]) => ({ video: label(id, rs.length), mean: meanOf(rs.map((r) => r.performance as number)), postings: rs.length }));
  const y = { field: 'video', type: 'nominal' as const, sort: groups.map(([id, rs]) => label(id, rs.length)), title: 'video (postings)' };
  return {
    $schema: SCHEMA, config, width: WIDTH, height: { step: 16 },
    title: { text: 'The same video, posted several times', subtitle: 'dots: the score of each posting; tick: the video\u2019s score (their mean)' },
    layer: [
      { data: { values: points }, mark: { type: 'point', filled: true, opacity: 0.6, color: RAW, size: 36 }, encoding: { y, x: { field: 'performance', type: 'quantitative', title: METRIC, scale: { zero: false } }, tooltip: [{ field: 'video' }, { field: 'row_number', title: 'row' }, { field: 'performance', format: '.3f' }, { field: 'match' }] } },
      { data: { values: means }, mark: { type: 'tick', color: SHRUNK, thickness: 2, size: 12 }, encoding: { y, x: { field: 'mean', type: 'quantitative' }, tooltip: [{ field: 'video' }, { field: 'mean', format: '.3f' }, { field: 'postings' }] } },
    ],
  };
}
