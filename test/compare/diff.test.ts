// compareRuns on hand-made runs: people added and removed with the reason (merge, retire), merges
// and splits from the registry events B has and A lacks, rank moves, changed figures, reliability
// before/after, counts; and the Markdown and charts made from it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareRuns, differs } from '../../pipeline/lib/compare/diff.ts';
import { meanChangeSpec, rankChangeSpec, reliabilityChangeSpec } from '../../pipeline/lib/compare/charts.ts';
import { toMarkdown } from '../../pipeline/lib/compare/format.ts';
import type { EventRow, ReliabilityRow, Snapshot, StatsRow } from '../../pipeline/lib/compare/snapshot.ts';
import { svgOf } from '../../pipeline/lib/compare/view.ts';

const stat = (id: string, rank: number | null, n: number, mean: number | null, extra: Partial<StatsRow> = {}): StatsRow => ({
  influencer_id: id, n_videos: n, n_postings: n, mean, sd: null, cv: null, ci_low: null, ci_high: null, reliability: null, shrunken_mean: mean, rank, ...extra,
});
const rel = (measure: string, icc: number | null, lo: number | null = null, hi: number | null = null): ReliabilityRow => ({
  measure, icc, ci_low: lo, ci_high: hi, f: null, p: null, n_groups: 3, n_obs: 6, note: null, reading: icc === null ? 'not estimable' : `reads ${icc}`,
});
const ev = (run_id: number, event: string, influencer_id: string, other_ids: string[] = []): EventRow => ({ run_id, event, influencer_id, other_ids });

function snapshot(source: string, stats: StatsRow[], events: EventRow[], reliability: ReliabilityRow[], rows: string[]): Snapshot {
  return {
    source, location: source, root: null, fromParquet: [], stats,
    people: stats.map((s) => ({ influencer_id: s.influencer_id, exemplar_face_id: null, n_videos: s.n_videos, n_tracks: 1, n_faces: 3 })),
    appearances: stats.filter((s) => s.n_videos > 0).map((s) => ({ video_id: `v-${s.influencer_id}`, influencer_id: s.influencer_id, screen_share: 0.2, n_faces: 3, credited: true })),
    events, reliability,
    rows: rows.map((status, i) => ({ row_number: i + 1, url: `https://x.invalid/${i}`, performance: 1, status, reason: null, video_id: null })),
    videos: stats.map((s) => ({ video_id: `v-${s.influencer_id}`, canonical_url: null, duration_s: 5, n_postings: 1, n_scored: 1, score: s.mean })),
    faces: [], duplicates: [], trackPeople: [],
  };
}

// Run 1: p1..p4. Run 2: p2 merged into p1, p4 retired, p3 split (part became p6), p5 new.
const A = snapshot('A', [stat('inf-0001', 2, 2, 1.0, { ci_low: 0.5, ci_high: 1.5, reliability: 0.3 }), stat('inf-0002', 1, 1, 1.4), stat('inf-0003', 3, 1, 0.7), stat('inf-0004', 4, 1, 0.2)],
  [ev(1, 'new', 'inf-0001'), ev(1, 'new', 'inf-0002'), ev(1, 'new', 'inf-0003'), ev(1, 'new', 'inf-0004')],
  [rel('influencer_icc1', null), rel('metric_test_retest_icc1', 0.2, -0.1, 0.6)], ['ok', 'ok', 'ok', 'duplicate', 'rejected']);
const B = snapshot('B', [stat('inf-0001', 1, 3, 1.2, { ci_low: 0.9, ci_high: 1.5, reliability: 0.5 }), stat('inf-0003', 3, 1, 0.7), stat('inf-0005', 2, 1, 1.1), stat('inf-0006', null, 0, null)],
  [...A.events, ev(2, 'merge', 'inf-0001', ['inf-0002']), ev(2, 'retire', 'inf-0004'), ev(2, 'split', 'inf-0003', ['inf-0006']), ev(2, 'new', 'inf-0005')],
  [rel('influencer_icc1', 0.25, -0.2, 0.7), rel('metric_test_retest_icc1', 0.2, -0.1, 0.6)], ['ok', 'ok', 'ok', 'duplicate', 'rejected', 'ok', 'no_face']);

test('people added and removed, with how and why', () => {
  const d = compareRuns(A, B);
  assert.deepEqual(d.added.map((p) => [p.influencer_id, p.note]), [['inf-0005', 'new person'], ['inf-0006', 'split from inf-0003']]);
  assert.deepEqual(d.removed.map((p) => [p.influencer_id, p.note]), [['inf-0002', 'merged into inf-0001'], ['inf-0004', 'retired: no longer seen in any video']]);
  assert.deepEqual(d.merged, [{ run_id: 2, into: 'inf-0001', from: ['inf-0002'] }]);
  assert.deepEqual(d.split, [{ run_id: 2, from: 'inf-0003', into: ['inf-0006'] }]);
  assert.deepEqual(d.retired, [{ run_id: 2, influencer_id: 'inf-0004' }]);
  assert.equal(d.events.length, 4, 'only the events B has and A lacks');
  assert.deepEqual(d.added[0].videos, ['v-inf-0005']);
});

test('rank moves and changed figures of the people in both runs', () => {
  const d = compareRuns(A, B);
  assert.deepEqual(d.rankMoves.map((m) => [m.influencer_id, m.before, m.after, m.move, m.text]), [['inf-0001', 2, 1, 1, 'up 1 (#2 → #1)']]);
  const p1 = d.people.find((p) => p.influencer_id === 'inf-0001')!;
  assert.deepEqual(p1.changed, ['rank', 'n_videos', 'n_postings', 'mean', 'ci_low', 'reliability', 'shrunken_mean']);
  assert.deepEqual(d.people.find((p) => p.influencer_id === 'inf-0003')!.changed, [], 'inf-0003 is unchanged');
  const mean = d.figureChanges.find((c) => c.influencer_id === 'inf-0001' && c.figure === 'mean')!;
  assert.equal(mean.before, 1.0);
  assert.equal(mean.after, 1.2);
  assert.ok(Math.abs(mean.delta! - 0.2) < 1e-12);
  // People in B's rank order, unranked and removed last.
  assert.deepEqual(d.people.map((p) => p.influencer_id), ['inf-0001', 'inf-0005', 'inf-0003', 'inf-0002', 'inf-0004', 'inf-0006']);
});

test('reliability before and after, and the counts', () => {
  const d = compareRuns(A, B);
  const icc = d.reliability.find((r) => r.measure === 'influencer_icc1')!;
  assert.equal(icc.before?.icc, null);
  assert.equal(icc.after?.icc, 0.25);
  assert.equal(icc.delta, null, 'no change figure against a run where it was not estimable');
  assert.equal(d.reliability.find((r) => r.measure === 'metric_test_retest_icc1')!.delta, 0);
  const count = (name: string) => d.counts.find((c) => c.name === name)!;
  assert.deepEqual([count('rows').before, count('rows').after, count('rows').delta], [5, 7, 2]);
  assert.deepEqual([count('rows: no_face').before, count('rows: no_face').after], [0, 1]);
  assert.deepEqual([count('people').before, count('people').after], [4, 4]);
  assert.deepEqual([count('people ranked').before, count('people ranked').after], [4, 3]);
});

test('a run compared with itself has no changes', () => {
  const d = compareRuns(A, A);
  assert.equal(d.added.length + d.removed.length + d.merged.length + d.split.length + d.rankMoves.length + d.figureChanges.length, 0);
  assert.match(toMarkdown(d), /No person present in both runs changed rank/);
});

test('differs: nulls, rounding', () => {
  assert.equal(differs(null, null), false);
  assert.equal(differs(null, 0), true);
  assert.equal(differs(1, 1 + 1e-12), false);
  assert.equal(differs(1, 1.001), true);
});

test('the Markdown names every change', () => {
  const md = toMarkdown(compareRuns(A, B));
  for (const s of ['## People added', '| inf-0005 | new person | #2 |', 'split from inf-0003', '| inf-0002 | merged into inf-0001 |', 'inf-0002 merged into inf-0001',
    'inf-0003 split; part of its faces are now inf-0006', 'inf-0004 retired', '| inf-0001 | #2 | #1 | up 1 (#2 → #1) |', '1.000 → 1.200', '[0.500, 1.500] → [0.900, 1.500]',
    '| influencer_icc1 | not estimable | 0.250 [-0.200, 0.700] |', '| rows: no_face | 0 | 1 | +1 |']) {
    assert.ok(md.includes(s), `markdown lacks ${JSON.stringify(s)}:\n${md}`);
  }
});

test('the comparison charts render', async () => {
  const d = compareRuns(A, B);
  for (const [spec, title] of [[rankChangeSpec(d), 'Rank moves between the runs'], [meanChangeSpec(d), 'before and after'], [reliabilityChangeSpec(d), 'Reliability before and after']] as const) {
    const svg = await svgOf(spec);
    assert.ok(svg.startsWith('<svg') && svg.includes(title), title);
    assert.match(svg, /mark-symbol/, `${title}: points drawn`);
  }
  // No data at all still renders.
  const empty = compareRuns(snapshot('E', [], [], [], []), snapshot('E', [], [], [], []));
  for (const spec of [rankChangeSpec(empty), meanChangeSpec(empty), reliabilityChangeSpec(empty)]) assert.ok((await svgOf(spec)).startsWith('<svg'));
});

test('the analyst\'s corrections that differ (added, gone, applied differently) and names beside IDs', () => {
  const row = (line: number, kind: string, text: string, status: string, ids: string[]) => ({ line, kind, text, status, note: status === 'stale' ? 'gone' : null, influencer_ids: ids, track_ids: [] });
  const a = { ...A, names: [{ influencer_id: 'inf-0003', name: 'Old Name', corrected: true }], corrections: [row(2, 'merge', 'merge: [inf-0001, inf-0002]', 'applied', ['inf-0001']), row(4, 'not_a_person', 'not_a_person: inf-0009', 'applied', ['inf-0009'])] };
  const b = { ...B, names: [{ influencer_id: 'inf-0001', name: 'Priya S.', corrected: true }, { influencer_id: 'inf-0003', name: null, corrected: false }],
    corrections: [row(2, 'name', 'names: inf-0001: "Priya S."', 'applied', ['inf-0001']), row(4, 'merge', 'merge: [inf-0001, inf-0002]', 'applied', ['inf-0001']), row(6, 'split', 'split: inf-0003: [vid-aaaaaaaaaaaa-t001]', 'stale', [])] };
  const d = compareRuns(a, b);
  assert.deepEqual(d.corrections.map((c) => [c.change, c.text, c.line_a, c.line_b]), [
    ['added', 'names: inf-0001: "Priya S."', null, 2], ['added', 'split: inf-0003: [vid-aaaaaaaaaaaa-t001]', null, 6], ['removed', 'not_a_person: inf-0009', 4, null],
  ], 'the merge is in both runs, applied the same: not listed');
  const restale = compareRuns(b, { ...b, corrections: b.corrections.map((c) => (c.kind === 'merge' ? { ...c, status: 'stale' } : c)) });
  assert.deepEqual(restale.corrections.map((c) => [c.change, c.status_a, c.status_b]), [['status', 'applied', 'stale']]);
  assert.deepEqual(d.names, { 'inf-0001': 'Priya S.', 'inf-0003': 'Old Name' }, "B's names, with A's for IDs B does not name");
  assert.equal(d.people.find((p) => p.influencer_id === 'inf-0001')?.name, 'Priya S.');
  const md = toMarkdown(d);
  assert.match(md, /## Analyst corrections \(people\.yaml\) that differ\n\n\| change \| correction \|.*\n.*\n\| added in B \| `names: inf-0001: "Priya S\."` \| – → 2 \| – → applied \| Priya S\. \(inf-0001\) \|/);
  assert.match(md, /\| gone in B \| `not_a_person: inf-0009` \| 4 → – \| applied → – \|/);
  assert.match(md, /inf-0002 merged into Priya S\. \(inf-0001\)/);
  assert.match(toMarkdown(compareRuns(A, A)), /None: both runs applied the same corrections\./);
  assert.ok(JSON.stringify(rankChangeSpec(d)).includes('"Priya S. (inf-0001)"'), 'the rank chart labels the person with the name');
});
