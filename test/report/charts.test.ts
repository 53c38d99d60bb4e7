// The chart functions: rows in, a Vega-Lite spec out that compiles and draws marks (rendered
// headless by vega in Node, no browser), in rank order, with edge cases (one video, no interval,
// an interval far wider than the data, a negative ICC, no data at all).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import {
  caterpillarSpec, duplicatesSpec, funnelSpec, grandMean, personLabel, rankedPeople, reliabilitySpec, spreadSpec,
  type PersonVideoScore, type ReliabilityRow, type StatRow,
} from '../../pipeline/lib/report/charts.ts';
import { reliabilityCurve } from '../../pipeline/lib/aggregate/index.ts';

const stats: StatRow[] = [
  { influencer_id: 'inf-0001', rank: 2, n_videos: 3, mean: 1.2, sd: 0.2, ci_low: 0.7, ci_high: 1.7, reliability: 0.4, shrunken_mean: 1.05 },
  { influencer_id: 'inf-0002', rank: 1, n_videos: 2, mean: 1.5, sd: 0.9, ci_low: -6.6, ci_high: 9.6, reliability: 0.3, shrunken_mean: 1.1 },
  { influencer_id: 'inf-0003', rank: 3, n_videos: 1, mean: 0.5, sd: null, ci_low: null, ci_high: null, reliability: 0.18, shrunken_mean: 0.85 },
  { influencer_id: 'inf-0004', rank: null, n_videos: 0, mean: null, sd: null, ci_low: null, ci_high: null, reliability: null, shrunken_mean: null },
];
const scores: PersonVideoScore[] = [
  { influencer_id: 'inf-0001', video_id: 'v1', score: 1.0, n_postings: 1 },
  { influencer_id: 'inf-0001', video_id: 'v2', score: 1.2, n_postings: 3 },
  { influencer_id: 'inf-0001', video_id: 'v3', score: 1.4, n_postings: 1 },
  { influencer_id: 'inf-0002', video_id: 'v4', score: 0.6, n_postings: 2 },
  { influencer_id: 'inf-0002', video_id: 'v5', score: 2.4, n_postings: 1 },
  { influencer_id: 'inf-0003', video_id: 'v6', score: 0.5, n_postings: 1 },
];
const reliability: ReliabilityRow[] = [
  { measure: 'influencer_icc1', icc: 0.17, ci_low: -1.38, ci_high: 0.81, n_groups: 3, n_obs: 6 },
  { measure: 'metric_test_retest_icc1', icc: 0.03, ci_low: -0.05, ci_high: 0.16, n_groups: 30, n_obs: 227 },
];

/** Renders a spec headless and returns its marks: mark name → number of items drawn. */
async function draw(spec: TopLevelSpec): Promise<{ marks: Map<string, number>; svg: string; view: View }> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  await view.runAsync();
  const marks = new Map<string, number>();
  const walk = (node: any) => {
    if (!node) return;
    if (node.marktype && node.role === 'mark') marks.set(node.name ?? node.marktype, (marks.get(node.name ?? node.marktype) ?? 0) + (node.items?.length ?? 0));
    for (const item of node.items ?? []) walk(item);
  };
  walk((view.scenegraph() as unknown as { root: unknown }).root);
  const svg = await view.toSVG();
  return { marks, svg, view };
}
const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

test('people are ordered by rank, unranked people (no mean) left out', () => {
  assert.deepEqual(rankedPeople(stats).map((s) => s.influencer_id), ['inf-0002', 'inf-0001', 'inf-0003']);
  assert.equal(personLabel(stats[0]), '#2 inf-0001');
  assert.equal(personLabel(stats[3]), 'inf-0004');
});

test('caterpillar: two estimates per person, intervals where there are some, cut with an arrow at the edge', async () => {
  const spec = caterpillarSpec(stats, scores);
  const { marks, svg } = await draw(spec);
  assert.ok(svg.startsWith('<svg'));
  const layers = (spec as any).layer as any[];
  const points = layers.find((l) => l.encoding?.color);
  assert.equal(points.data.values.length, 6, 'raw and shrunken mean for each of 3 people');
  const intervals = layers.find((l) => l.encoding?.x2?.field === 'high_shown');
  assert.deepEqual(intervals.data.values.map((r: any) => r.influencer_id), ['inf-0002', 'inf-0001'], 'no interval for one video');
  const [lo, hi] = intervals.encoding.x.scale.domain;
  const wide = intervals.data.values.find((r: any) => r.influencer_id === 'inf-0002');
  assert.ok(wide.low_shown === lo && wide.high_shown === hi, 'the wide interval is cut at the plot edges');
  assert.ok(lo < 0.5 && hi > 2.4 && hi < 3, `x range follows the data (${lo}, ${hi})`);
  const arrows = layers.filter((l) => String(l.mark.shape ?? '').startsWith('triangle'));
  assert.deepEqual(arrows.map((l) => l.data.values.length), [1, 1], 'one arrow each side for the cut interval');
  assert.deepEqual(intervals.encoding.y.sort, ['#1 inf-0002', '#2 inf-0001', '#3 inf-0003']);
  assert.ok(total(marks) >= 6 + 2 + 2 + 3 + 1, `marks drawn: ${JSON.stringify([...marks])}`);
});

test('spread: one dot per credited video, a mean tick per person', async () => {
  const spec = spreadSpec(scores, stats);
  const layers = (spec as any).layer as any[];
  assert.equal(layers[1].data.values.length, scores.length);
  assert.equal(layers[2].data.values.length, 3);
  const { marks } = await draw(spec);
  assert.ok(total(marks) >= scores.length + 3 + 3);
});

test('funnel: the band is grand mean ± 1.96·SD/√n of the credited video scores', async () => {
  const spec = funnelSpec(stats, scores);
  const g = grandMean(scores);
  assert.ok(Math.abs(g.mean! - 7.1 / 6) < 1e-12);
  const band = ((spec as any).layer as any[])[0].data.values;
  assert.ok(Math.abs(band[0].high - (g.mean! + 1.96 * g.sd!)) < 1e-12, 'n = 1');
  const last = band[band.length - 1];
  assert.equal(last.n, 3);
  assert.ok(Math.abs(last.low - (g.mean! - (1.96 * g.sd!) / Math.sqrt(3))) < 1e-12, 'n = 3');
  const { marks } = await draw(spec);
  assert.ok(total(marks) >= 3 + 1);
});

test('reliability: ICCs with intervals clipped to [-1, 1], the Spearman-Brown curve, people on it', async () => {
  const spec = reliabilitySpec(reliability, reliabilityCurve(0.17) as any, stats);
  const [icc, curve] = (spec as any).hconcat as any[];
  const intervals = icc.layer[1].data.values;
  assert.equal(intervals[0].low, -1, 'a lower bound of -1.38 is drawn at -1');
  assert.equal(intervals[0].ci_low, -1.38, 'and kept for the tooltip');
  assert.equal(curve.layer[1].data.values.length, 20);
  assert.equal(curve.layer[2].data.values.length, 3, 'ranked people with a reliability');
  const { marks } = await draw(spec);
  assert.ok(total(marks) >= 2 + 2 + 20 / 20 + 3);
});

test('duplicates: videos posted twice or more, one dot per scored posting', async () => {
  const spec = duplicatesSpec([
    { video_id: 'vid-a', row_number: 1, performance: 1.0, match: 'canonical' },
    { video_id: 'vid-a', row_number: 4, performance: 0.2, match: 'exact' },
    { video_id: 'vid-a', row_number: 7, performance: null, match: 'exact' },
    { video_id: 'vid-b', row_number: 2, performance: 0.5, match: 'canonical' },
    { video_id: 'vid-c', row_number: 3, performance: 0.5, match: 'canonical' },
    { video_id: 'vid-c', row_number: 5, performance: 0.9, match: 'perceptual' },
    { video_id: 'vid-c', row_number: 6, performance: 0.7, match: 'exact' },
  ]);
  const layers = (spec as any).layer as any[];
  assert.equal(layers[0].data.values.length, 5, 'unscored postings and single postings are left out');
  assert.deepEqual(layers[0].encoding.y.sort, ['vid-c (3)', 'vid-a (2)'], 'most postings first');
  const { marks } = await draw(spec);
  assert.ok(total(marks) >= 5 + 2);
});

test('no data: every chart function still returns a spec that compiles and renders', async () => {
  for (const spec of [caterpillarSpec([], []), spreadSpec([], []), funnelSpec([], []), reliabilitySpec([], [], []), duplicatesSpec([])]) {
    const { svg } = await draw(spec);
    assert.ok(svg.startsWith('<svg'));
  }
});
