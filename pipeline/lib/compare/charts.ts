// Charts of a run comparison: one small pure function per chart, a RunDiff in, a Vega-Lite spec out
// (the same rule as pipeline/lib/report/charts.ts, whose per-run charts the notebooks use as they are).
import type { TopLevelSpec } from 'vega-lite';
import type { RunDiff } from './diff.js';
import { withName } from './snapshot.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
const BEFORE = '#9e9e9e';
const AFTER = '#e45756';
const config = { view: { stroke: null }, axis: { labelFontSize: 11, titleFontSize: 12 }, legend: { labelFontSize: 11, titleFontSize: 11, orient: 'top' } };
const STATUS = { domain: ['kept', 'added', 'removed'], range: ['#4c78a8', '#54a24b', '#bab0ac'] };

export interface RunLabels { a: string; b: string }
const DEFAULT_LABELS: RunLabels = { a: 'A (before)', b: 'B (after)' };
/** A person on a chart: the analyst's name with the ID beside it (the ID alone when unnamed). */
const who = (d: RunDiff, id: string) => withName(d.names, id);
const clip = (v: number | null | undefined) => (v === null || v === undefined ? null : Math.max(-1, Math.min(1, v)));

/**
 * Rank moves: each person's rank in A and in B joined by a line (best rank on top). New people have
 * a point in B only, removed people in A only.
 */
export function rankChangeSpec(d: RunDiff, labels: RunLabels = DEFAULT_LABELS): TopLevelSpec {
  const points = d.people.flatMap((p) => [
    ...(p.before?.rank != null ? [{ person: who(d, p.influencer_id), run: labels.a, rank: p.before.rank, status: p.status, move: p.rank_move }] : []),
    ...(p.after?.rank != null ? [{ person: who(d, p.influencer_id), run: labels.b, rank: p.after.rank, status: p.status, move: p.rank_move }] : []),
  ]);
  const maxRank = Math.max(1, ...points.map((x) => x.rank));
  const x = { field: 'run', type: 'ordinal' as const, sort: [labels.a, labels.b], title: null, axis: { labelAngle: 0, orient: 'top' as const }, scale: { padding: 0.6 } };
  const y = { field: 'rank', type: 'quantitative' as const, scale: { reverse: true, domain: [0.5, maxRank + 0.5], nice: false }, axis: { tickMinStep: 1, format: 'd' }, title: 'rank (by shrunken mean)' };
  const tooltip = [{ field: 'person' }, { field: 'run' }, { field: 'rank' }, { field: 'status' }, { field: 'move', title: 'move (+ = up)' }];
  return {
    $schema: SCHEMA, config, width: 320, height: Math.max(160, 26 * maxRank),
    title: { text: 'Rank moves between the runs', subtitle: 'lines join a person\u2019s ranks; green: new people, grey: people gone' },
    data: { values: points },
    layer: [
      { mark: { type: 'line', strokeWidth: 1.5, opacity: 0.7 }, encoding: { x, y, detail: { field: 'person' }, color: { field: 'status', type: 'nominal', scale: STATUS, title: null } } },
      { mark: { type: 'point', filled: true, size: 70 }, encoding: { x, y, color: { field: 'status', type: 'nominal', scale: STATUS, title: null }, tooltip } },
      { transform: [{ filter: `datum.run === ${JSON.stringify(labels.b)}` }], mark: { type: 'text', align: 'left', dx: 8, fontSize: 11 }, encoding: { x, y, text: { field: 'person' } } },
      { transform: [{ filter: `datum.run === ${JSON.stringify(labels.a)} && datum.status === 'removed'` }], mark: { type: 'text', align: 'right', dx: -8, fontSize: 11, color: '#888' }, encoding: { x, y, text: { field: 'person' } } },
    ],
  } as TopLevelSpec;
}

/**
 * Each person's estimate in A and in B: the raw mean's 95% interval (a bar, none with one video) and
 * the shrunken mean they are ranked by (a diamond). People in B's rank order; removed people last.
 */
export function meanChangeSpec(d: RunDiff, labels: RunLabels = DEFAULT_LABELS): TopLevelSpec {
  const order = d.people.map((p) => who(d, p.influencer_id));
  const rows = d.people.flatMap((p) => [
    ...(p.before ? [{ person: who(d, p.influencer_id), run: labels.a, ...p.before, status: p.status }] : []),
    ...(p.after ? [{ person: who(d, p.influencer_id), run: labels.b, ...p.after, status: p.status }] : []),
  ]).filter((r) => r.mean !== null);
  // The axis spans the means (an interval from two videos can be 20 times wider than the data):
  // intervals running past it are cut at the edge, their numbers are in the tooltip.
  const xs = rows.flatMap((r) => [r.mean, r.shrunken_mean]).filter((v): v is number => v !== null);
  const lo = xs.length ? Math.min(...xs) : 0;
  const hi = xs.length ? Math.max(...xs) : 1;
  const pad = Math.max(0.25 * (hi - lo), 0.05 * Math.abs((lo + hi) / 2), 0.05);
  const scale = { domain: [lo - pad, hi + pad], nice: false, zero: false };
  const y = { field: 'person', type: 'nominal' as const, sort: order, title: null };
  const yOffset = { field: 'run', type: 'nominal' as const, sort: [labels.a, labels.b] };
  const color = { field: 'run', type: 'nominal' as const, title: null, scale: { domain: [labels.a, labels.b], range: [BEFORE, AFTER] } };
  const tooltip = [{ field: 'person' }, { field: 'run' }, { field: 'rank' }, { field: 'n_videos', title: 'videos' }, { field: 'mean', title: 'raw mean', format: '.3f' },
    { field: 'ci_low', title: '95% low', format: '.3f' }, { field: 'ci_high', title: '95% high', format: '.3f' }, { field: 'reliability', format: '.2f' }, { field: 'shrunken_mean', format: '.3f' }];
  return {
    $schema: SCHEMA, config, width: 520, height: { step: 30 },
    title: { text: 'Each person\u2019s estimate, before and after', subtitle: ['bar: 95% interval of the raw mean (cut at the plot\u2019s edge); circle: raw mean;', 'diamond: shrunken mean (ranked by)'] },
    data: { values: rows },
    encoding: { y, yOffset, color },
    layer: [
      { transform: [{ filter: 'datum.ci_low !== null && datum.ci_high !== null' }], mark: { type: 'rule', strokeWidth: 2, opacity: 0.7, clip: true }, encoding: { x: { field: 'ci_low', type: 'quantitative', title: 'performance (the sheet\u2019s metric)', scale }, x2: { field: 'ci_high' }, tooltip } },
      { mark: { type: 'point', size: 50, filled: false }, encoding: { x: { field: 'mean', type: 'quantitative' }, tooltip } },
      { transform: [{ filter: 'datum.shrunken_mean !== null' }], mark: { type: 'point', shape: 'diamond', size: 80, filled: true }, encoding: { x: { field: 'shrunken_mean', type: 'quantitative' }, tooltip } },
    ],
  } as TopLevelSpec;
}

/** The reliability figures (ICC with 95% interval, drawn clipped to [−1, 1]) in A and in B. */
export function reliabilityChangeSpec(d: RunDiff, labels: RunLabels = DEFAULT_LABELS): TopLevelSpec {
  const rows = d.reliability.flatMap((r) => [
    ...(r.before ? [{ ...r.before, run: labels.a }] : []),
    ...(r.after ? [{ ...r.after, run: labels.b }] : []),
  ]).map((r) => ({ measure: r.measure, run: r.run, icc: r.icc, ci_low: r.ci_low, ci_high: r.ci_high, groups: r.n_groups, observations: r.n_obs, shown: clip(r.icc), low: clip(r.ci_low), high: clip(r.ci_high) }));
  const y = { field: 'measure', type: 'nominal' as const, title: null };
  const yOffset = { field: 'run', type: 'nominal' as const, sort: [labels.a, labels.b] };
  const color = { field: 'run', type: 'nominal' as const, title: null, scale: { domain: [labels.a, labels.b], range: [BEFORE, AFTER] } };
  const tooltip = [{ field: 'measure' }, { field: 'run' }, { field: 'icc', format: '.3f' }, { field: 'ci_low', title: '95% low', format: '.3f' }, { field: 'ci_high', title: '95% high', format: '.3f' }, { field: 'groups' }, { field: 'observations' }];
  return {
    $schema: SCHEMA, config, width: 420, height: { step: 44 },
    title: { text: 'Reliability before and after', subtitle: 'ICC(1) with 95% interval, clipped to [\u22121, 1]; a missing point: not estimable in that run' },
    layer: [
      { data: { values: [{ zero: 0 }] }, mark: { type: 'rule', color: '#bbb', strokeDash: [2, 2] }, encoding: { x: { field: 'zero', type: 'quantitative' } } },
      { data: { values: rows.filter((r) => r.low !== null && r.high !== null) }, mark: { type: 'rule', strokeWidth: 2 }, encoding: { y, yOffset, color, x: { field: 'low', type: 'quantitative', scale: { domain: [-1, 1] }, title: 'ICC(1)' }, x2: { field: 'high' }, tooltip } },
      { data: { values: rows.filter((r) => r.shown !== null) }, mark: { type: 'point', filled: true, size: 80 }, encoding: { y, yOffset, color, x: { field: 'shown', type: 'quantitative' }, tooltip } },
    ],
  } as TopLevelSpec;
}
