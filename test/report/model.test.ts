// The report's content from hand-made warehouse rows: what is shown for people, for what was not
// credited (an appearance under the cut, a depicted track, gated faces), the ledger reasons, the
// registry's merges and splits (with the surviving ID) — and the HTML that carries it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderHtml, SECTIONS, type RunInfo } from '../../pipeline/lib/report/html.ts';
import { buildModel, compactNumbers, describeEvent, facesShown, reasonPattern } from '../../pipeline/lib/report/model.ts';
import type { ReportTables } from '../../pipeline/lib/report/tables.ts';

const face = (face_id: string, video_id: string, t_s: number, track_id: string | null, gate = 'ok') =>
  ({ face_id, video_id, t_s, det_score: 0.9, size_px: 80, quality: 0.5, gate, track_id, crop_path: `data/faces/${face_id}.jpg` });
const track = (track_id: string, video_id: string, kind: string | null, n_faces: number, screen_share: number) =>
  ({ track_id, video_id, kind, kind_score: kind ? 0.9 : null, n_faces, first_t_s: 0, last_t_s: 3, screen_share, exemplar_face_id: `${track_id}-f0` });

function tables(): ReportTables {
  return {
    stats: [
      { influencer_id: 'inf-0001', n_videos: 2, n_postings: 3, mean: 1.1, sd: 0.1, cv: 0.09, ci_low: 0.2, ci_high: 2.0, reliability: 0.5, shrunken_mean: 1.0, rank: 1 },
      { influencer_id: 'inf-0002', n_videos: 0, n_postings: 0, mean: null, sd: null, cv: null, ci_low: null, ci_high: null, reliability: null, shrunken_mean: null, rank: null },
    ],
    reliability: [
      { measure: 'influencer_icc1', icc: 0.3, ci_low: -0.2, ci_high: 0.8, n_groups: 2, n_obs: 3, reading: 'People differ <somewhat>.' },
      { measure: 'metric_test_retest_icc1', icc: 0.1, ci_low: -0.1, ci_high: 0.4, n_groups: 1, n_obs: 2, reading: 'Noisy.' },
    ],
    influencers: [
      { influencer_id: 'inf-0001', exemplar_face_id: 'v1-t0-f0', n_videos: 2, n_tracks: 2, n_faces: 3 },
      { influencer_id: 'inf-0002', exemplar_face_id: 'v2-t1-f0', n_videos: 1, n_tracks: 1, n_faces: 1 },
    ],
    appearances: [
      { video_id: 'v1', influencer_id: 'inf-0001', screen_share: 0.2, n_faces: 2, n_tracks: 1, credited: true },
      { video_id: 'v2', influencer_id: 'inf-0001', screen_share: 0.1, n_faces: 1, n_tracks: 1, credited: true },
      { video_id: 'v2', influencer_id: 'inf-0002', screen_share: 0.001, n_faces: 1, n_tracks: 1, credited: false },
    ],
    faces: [
      face('v1-t0-f0', 'v1', 0, 'v1-t0'), face('v1-t0-f1', 'v1', 1, 'v1-t0'), face('v2-t0-f0', 'v2', 0, 'v2-t0'), face('v2-t1-f0', 'v2', 2, 'v2-t1'),
      face('v3-t0-f0', 'v3', 0, 'v3-t0'), face('v3-x', 'v3', 1, null, 'too_small'), face('v3-y', 'v3', 2, null, 'too_small'), face('v3-z', 'v3', 2, null, 'blurry'),
    ],
    tracks: [track('v1-t0', 'v1', 'live', 2, 0.2), track('v2-t0', 'v2', 'live', 1, 0.1), track('v2-t1', 'v2', 'live', 1, 0.001), track('v3-t0', 'v3', 'depicted', 1, 0.01)],
    trackPeople: [
      { track_id: 'v1-t0', video_id: 'v1', influencer_id: 'inf-0001' }, { track_id: 'v2-t0', video_id: 'v2', influencer_id: 'inf-0001' },
      { track_id: 'v2-t1', video_id: 'v2', influencer_id: 'inf-0002' }, { track_id: 'v3-t0', video_id: 'v3', influencer_id: null },
    ],
    videos: [
      { video_id: 'v1', canonical_url: 'https://cdn.example.invalid/a/v1', duration_s: 10, n_postings: 2, n_scored: 2, score: 1.0 },
      { video_id: 'v2', canonical_url: 'https://cdn.example.invalid/a/v2?x=<b>', duration_s: 10, n_postings: 1, n_scored: 1, score: 1.2 },
      { video_id: 'v3', canonical_url: 'https://cdn.example.invalid/a/v3', duration_s: 10, n_postings: 1, n_scored: 1, score: 0.4 },
    ],
    rows: [
      { row_number: 1, sheet_row: 2, url: 'https://cdn.example.invalid/a/v1', performance: 0.9, status: 'ok', reason: null, video_id: 'v1' },
      { row_number: 2, sheet_row: 3, url: 'https://cdn.example.invalid/b/v1', performance: 1.1, status: 'duplicate', reason: 'duplicate of row 1 (vid-0123456789ab, the same file)', video_id: 'v1' },
      { row_number: 3, sheet_row: 4, url: 'https://cdn.example.invalid/a/v2', performance: 1.2, status: 'ok', reason: null, video_id: 'v2' },
      { row_number: 4, sheet_row: 5, url: 'https://cdn.example.invalid/a/v3', performance: 0.4, status: 'no_person', reason: 'faces found, but no credited person', video_id: 'v3' },
      { row_number: 5, sheet_row: 6, url: 'https://cdn.example.invalid/a/v4', performance: 0.4, status: 'no_face', reason: 'no usable face in 12 sampled frames', video_id: 'v4' },
      { row_number: 6, sheet_row: 7, url: 'https://cdn.example.invalid/a/v5', performance: 0.4, status: 'no_face', reason: 'no usable face in 9 sampled frames', video_id: 'v5' },
      { row_number: 7, sheet_row: 8, url: '', performance: null, status: 'rejected', reason: 'empty URL', video_id: null },
    ],
    duplicateGroups: [
      { video_id: 'v1', row_number: 1, performance: 0.9, match: 'canonical' },
      { video_id: 'v1', row_number: 2, performance: 1.1, match: 'exact' },
    ],
    registryEvents: [
      { run_id: 1, event: 'new', influencer_id: 'inf-0001', other_ids: [] },
      { run_id: 1, event: 'new', influencer_id: 'inf-0002', other_ids: [] },
      { run_id: 1, event: 'new', influencer_id: 'inf-0003', other_ids: [] },
      { run_id: 2, event: 'merge', influencer_id: 'inf-0001', other_ids: ['inf-0003'] },
    ],
  };
}
const options = { creditMinScreenShare: 0.005, creditKinds: ['live'], minTrackFaces: 1, galleryMaxFaces: 200, gateExamples: 1 };

test('helpers: row numbers compacted, reasons grouped by pattern, events name the surviving ID', () => {
  assert.equal(compactNumbers([12, 3, 5, 6, 7, 8, 4, 20, 21]), '3\u20138, 12, 20, 21');
  assert.equal(compactNumbers([]), '');
  assert.equal(reasonPattern('duplicate of row 17 (vid-0123456789ab, the same file)'), 'duplicate of row N (V, the same file)');
  assert.equal(reasonPattern('no usable face in 12 sampled frames'), 'no usable face in N sampled frames');
  assert.equal(reasonPattern('HTTP 404 from https://x.invalid/hd-123'), 'HTTP N from https://x.invalid/hd-123');
  assert.equal(reasonPattern(null), '(no reason recorded)');
  assert.match(describeEvent({ run_id: 2, event: 'merge', influencer_id: 'inf-0001', other_ids: ['inf-0003', 'inf-0007'] }), /inf-0003, inf-0007 merged into inf-0001: inf-0001 is the surviving ID/);
  assert.match(describeEvent({ run_id: 2, event: 'split', influencer_id: 'inf-0002', other_ids: ['inf-0009'] }), /inf-0002 split: it keeps its ID \(surviving\), part of its faces are now inf-0009/);
});

test('the model: ranking order, galleries, what was not credited and why, ledger reasons, events', () => {
  const m = buildModel(tables(), options);
  assert.deepEqual(m.people.map((p) => p.influencer_id), ['inf-0001', 'inf-0002'], 'ranked first, then unranked');
  assert.deepEqual(m.people[0].faces.map((f) => f.face_id), ['v1-t0-f0', 'v1-t0-f1', 'v2-t0-f0']);
  assert.deepEqual(m.people[0].videos.map((v) => [v.video_id, v.credited]), [['v1', true], ['v2', true]]);
  assert.deepEqual(m.scores.map((s) => [s.influencer_id, s.video_id, s.score]), [['inf-0001', 'v1', 1.0], ['inf-0001', 'v2', 1.2]]);
  assert.equal(m.uncredited.length, 1);
  assert.equal(m.uncredited[0].face_id, 'v2-t1-f0');
  assert.match(m.uncredited[0].why, /screen share 0\.10% is below the credit cut of 0\.50%/);
  const close = buildModel({ ...tables(), appearances: [{ video_id: 'v2', influencer_id: 'inf-0002', screen_share: 0.004996, n_faces: 1, n_tracks: 1, credited: false }] }, options);
  assert.match(close.uncredited[0].why, /screen share 0\.4996% is below the credit cut of 0\.5000%/, 'a share just under the cut does not print as the cut');
  assert.deepEqual(m.unassigned.map((u) => [u.track_id, u.why]), [['v3-t0', 'kind "depicted" is not credited (people.credit_kinds: live)']]);
  assert.deepEqual(m.gates.map((g) => [g.gate, g.n, g.examples.length]), [['blurry', 1, 1], ['too_small', 2, 1]]);
  assert.deepEqual(m.byStatus.map((s) => [s.status, s.n]), [['ok', 2], ['duplicate', 1], ['no_person', 1], ['no_face', 2], ['media_unavailable', 0], ['rejected', 1]]);
  const noFace = m.reasons.find((r) => r.status === 'no_face')!;
  assert.deepEqual([noFace.reason, noFace.n, noFace.rows], ['no usable face in N sampled frames', 2, '5, 6']);
  assert.equal(m.duplicates.length, 1);
  assert.ok(Math.abs(m.duplicates[0].mean! - 1.0) < 1e-12);
  assert.deepEqual(m.events.map((e) => e.event), ['merge', 'new', 'new', 'new'], 'newest run first, merges before new people');
  assert.deepEqual(m.trackKinds, [{ kind: 'live', n: 3 }, { kind: 'depicted', n: 1 }]);
  assert.deepEqual(facesShown(m), ['v1-t0-f0', 'v1-t0-f1', 'v2-t0-f0', 'v2-t1-f0', 'v3-t0-f0', 'v3-x', 'v3-z']);
});

test('the HTML: every section, one ranking row per person, escaped text, specs that cannot close their script', () => {
  const t = tables();
  t.duplicateGroups.push({ video_id: '</script><b>x', row_number: 8, performance: 1, match: 'canonical' }, { video_id: '</script><b>x', row_number: 9, performance: 2, match: 'exact' });
  const m = buildModel(t, options);
  const run: RunInfo = { generated_at: '2026-01-01T00:00:00.000Z', data_version: 'ab'.repeat(32), sheet: 'data/raw/s.csv', code_version: 'c0ffee', node: 'v20', tables: { rows: 7 } };
  const html = renderHtml({ title: 'T <1>', model: m, thumbs: new Map([['v1-t0-f0', 'data:image/jpeg;base64,AAAA']]), run, params: { people: { credit_kinds: ['live'] } }, vendor: [{ name: 'vega', version: '5', code: '/* lib */' }] });
  for (const [id] of SECTIONS) assert.equal(html.split(`<section id="${id}">`).length, 2, `section ${id} once`);
  assert.equal((html.match(/<tr id="rank-/g) ?? []).length, 2);
  assert.match(html, /<title>T &lt;1&gt;<\/title>/);
  assert.match(html, /People differ &lt;somewhat&gt;\./, 'readings are escaped');
  assert.doesNotMatch(html, /v2\?x=<b>/, 'URLs are escaped');
  assert.match(html, /inf-0003 merged into inf-0001: inf-0001 is the surviving ID/);
  assert.match(html, /kind &quot;depicted&quot; is not credited/);
  assert.match(html, /src="data:image\/jpeg;base64,AAAA"/);
  assert.match(html, /src="data:image\/svg\+xml;base64,/, 'a missing thumbnail is a grey placeholder');
  const json = /<script type="application\/json" id="report-specs">([^]*?)<\/script>/.exec(html)![1];
  assert.doesNotMatch(json, /</, 'no "<" inside the specs element');
  const specs = JSON.parse(json);
  assert.ok(JSON.stringify(specs.duplicates).includes('</script><b>x (2)'), 'the label survives the escaping');
  assert.deepEqual(Object.keys(specs).sort(), ['caterpillar', 'duplicates', 'funnel', 'reliability', 'spread']);
  assert.match(html, /2026-01-01T00:00:00\.000Z/);
  assert.match(html, /credit_kinds:\n\s+- live/);
});

test('an empty warehouse still makes a report that says there is nothing', () => {
  const empty: ReportTables = { stats: [], reliability: [], influencers: [], appearances: [], faces: [], tracks: [], trackPeople: [], videos: [], rows: [], duplicateGroups: [], registryEvents: [] };
  const m = buildModel(empty, options);
  const run: RunInfo = { generated_at: 'now', data_version: null, sheet: null, code_version: null, node: 'v20', tables: {} };
  const html = renderHtml({ title: 'Empty', model: m, thumbs: new Map(), run, params: {}, vendor: [] });
  assert.match(html, /No people were found\./);
  assert.match(html, /unknown \(sheet not found\)/);
  assert.equal(JSON.parse(/id="report-specs">([^]*?)<\/script>/.exec(html)![1]).toString(), '[object Object]');
  assert.doesNotMatch(html, /class="chart"/, 'no chart without data');
});

test('corrections: the name beside the ID (escaped), marks from applied corrections only, tracks with their split lines, not_a_person with reason analyst', () => {
  const t = tables();
  t.tracks.push(track('v4-t0', 'v4', 'live', 3, 0.3));
  t.trackPeople.push({ track_id: 'v4-t0', video_id: 'v4', influencer_id: null });
  t.personNames = [{ influencer_id: 'inf-0001', name: 'Priya <S.>', corrected: true }, { influencer_id: 'inf-0002', name: null, corrected: false }];
  t.corrections = [
    { line: 2, kind: 'name', text: 'names: inf-0001: "Priya <S.>"', status: 'applied', note: null, influencer_ids: ['inf-0001'], track_ids: [] },
    { line: 4, kind: 'merge', text: 'merge: [inf-0001, inf-0003]', status: 'applied', note: null, influencer_ids: ['inf-0001'], track_ids: [] },
    { line: 6, kind: 'split', text: 'split: inf-0002: [vid-aaaaaaaaaaaa-t001]', status: 'stale', note: 'track … is not among', influencer_ids: [], track_ids: ['vid-aaaaaaaaaaaa-t001'] },
    { line: 8, kind: 'not_a_person', text: 'not_a_person: inf-0007', status: 'applied', note: null, influencer_ids: ['inf-0007'], track_ids: ['v4-t0'] },
  ];
  const m = buildModel(t, options);
  const p1 = m.people.find((p) => p.influencer_id === 'inf-0001')!;
  const p2 = m.people.find((p) => p.influencer_id === 'inf-0002')!;
  assert.equal(p1.name, 'Priya <S.>');
  assert.deepEqual(p1.marks.map((k) => k.label), ['named', 'merged by analyst']);
  assert.deepEqual(p2.marks, [], 'a stale correction marks nobody');
  assert.deepEqual(p1.tracks.map((x) => x.track_id), ['v1-t0', 'v2-t0']);
  assert.equal(m.stats.find((s) => s.influencer_id === 'inf-0001')?.name, 'Priya <S.>', 'the charts get the name');
  assert.deepEqual(m.notAPerson.map((n) => [n.ref, n.reason, n.track_ids, n.face_id]), [['inf-0007', 'analyst', ['v4-t0'], 'v4-t0-f0']]);
  assert.match(m.unassigned.find((u) => u.track_id === 'v4-t0')!.why, /^not a person \(reason: analyst; people\.yaml line 8: not_a_person: inf-0007\)$/);
  assert.ok(facesShown(m).includes('v4-t0-f0'));
  const run: RunInfo = { generated_at: 'now', data_version: null, sheet: null, code_version: null, node: 'v20', tables: {} };
  const html = renderHtml({ title: 'T', model: m, thumbs: new Map(), run, params: {}, vendor: [] });
  assert.doesNotMatch(html, /Priya <S\.>/, 'the name is escaped');
  assert.match(html, /<td class="id"><span class="pname">Priya &lt;S\.&gt;<\/span> <a href="#person-inf-0001">inf-0001<\/a> <span class="mark"[^>]*>named<\/span> <span class="mark"[^>]*>merged by analyst<\/span><\/td>/);
  assert.match(html, /<code class="fix">npx tsx pipeline\/people\.ts split inf-0001 --tracks v1-t0<\/code>/);
  assert.match(html, /<code class="fix">npx tsx pipeline\/people\.ts split inf-0001 --tracks v2-t0<\/code>/);
  assert.match(html, /the only track: <\/span><code class="fix">npx tsx pipeline\/people\.ts not-a-person v2-t1<\/code>/, 'one track: no split line');
  assert.match(html, /<table class="compact not-a-person">[^]*?<code>inf-0007<\/code>[^]*?<td>analyst<\/td>/);
  assert.match(html, /<table class="compact corrections">[^]*?split: inf-0002[^]*?<td>stale<\/td>/);
  assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handlers (CSP)');
});
