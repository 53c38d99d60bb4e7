import assert from 'node:assert/strict';
import { test } from 'node:test';
import { aggregate, readingOf } from '../../pipeline/lib/aggregate/index.ts';

function world(people: Record<string, number[]>) {
  const videos: { video_id: string; score: number; n_scored: number }[] = [];
  const appearances: { video_id: string; influencer_id: string; credited: boolean }[] = [];
  for (const [id, scores] of Object.entries(people)) scores.forEach((s, k) => {
    videos.push({ video_id: `${id}-v${k}`, score: s, n_scored: 1 });
    appearances.push({ video_id: `${id}-v${k}`, influencer_id: id, credited: true });
  });
  return { videos, appearances, ids: Object.keys(people) };
}

test('one lucky video does not outrank eight consistently good ones when reliability is low', () => {
  const noisy: Record<string, number[]> = {
    lucky: [3.0],
    steady: [1.75, 1.85, 1.8, 1.9, 1.7, 1.8, 1.85, 1.75],
  };
  // Ten others whose scores vary a lot within person, all around 1.0 (low ICC).
  for (let i = 0; i < 10; i++) noisy[`p${i}`] = [0.1 + i * 0.05, 1.9 - i * 0.05, 1.0, 0.4, 1.6];
  const w = world(noisy);
  const r = aggregate(w.videos, w.appearances, w.ids, []);
  const by = Object.fromEntries(r.stats.map((s) => [s.influencer_id, s]));
  assert.ok((r.influencerIcc.icc ?? 1) < 0.4, `low reliability: ICC ${r.influencerIcc.icc}`);
  assert.ok((by.lucky.mean as number) > (by.steady.mean as number), 'raw mean favours the lucky one');
  assert.ok((by.steady.rank as number) < (by.lucky.rank as number), `shrunken: steady ${by.steady.rank} beats lucky ${by.lucky.rank}`);
  assert.ok((by.lucky.reliability as number) < (by.steady.reliability as number));
});

test('degenerate cases: one person, one video each, all equal, no scored video', () => {
  const one = world({ a: [1, 2, 3] });
  const r1 = aggregate(one.videos, one.appearances, one.ids, []);
  assert.equal(r1.influencerIcc.icc, null);
  assert.equal(r1.stats[0].shrunken_mean, 2, 'no ICC: the raw mean stands');
  assert.equal(r1.stats[0].reliability, null);
  assert.equal(r1.stats[0].rank, 1);
  assert.match(r1.reliability[0].reading as string, /Not estimable/);

  const singles = world({ a: [1], b: [2], c: [3] });
  const r2 = aggregate(singles.videos, singles.appearances, singles.ids, []);
  assert.equal(r2.influencerIcc.icc, null);
  assert.ok(r2.stats.every((s) => s.sd === null && s.ci_low === null && s.mean !== null));

  const equal = world({ a: [1, 1], b: [1, 1] });
  const r3 = aggregate(equal.videos, equal.appearances, equal.ids, []);
  assert.ok(r3.stats.every((s) => s.shrunken_mean === 1 && !Number.isNaN(s.cv)));

  const r4 = aggregate([], [], ['ghost'], []);
  assert.deepEqual([r4.stats[0].n_videos, r4.stats[0].mean, r4.stats[0].rank], [0, null, null]);
  for (const row of [...r1.stats, ...r2.stats, ...r3.stats, ...r4.stats, ...r1.reliability]) {
    for (const v of Object.values(row)) assert.ok(!(typeof v === 'number' && Number.isNaN(v)), 'no NaN anywhere');
  }
});

test('metric test-retest ICC from duplicate postings; readings in plain words', () => {
  const postings = [
    { video_id: 'x', performance: 1 }, { video_id: 'x', performance: 1.1 },
    { video_id: 'y', performance: 3 }, { video_id: 'y', performance: 2.9 },
    { video_id: 'z', performance: 2 }, { video_id: 'z', performance: 2.1 }, { video_id: 'solo', performance: 9 },
  ];
  const r = aggregate([], [], [], postings);
  assert.ok((r.metricIcc.icc as number) > 0.95);
  assert.equal(r.metricIcc.nGroups, 3, 'videos posted once do not count');
  assert.match(readingOf(0.2, 'influencer'), /over 3 videos 0\.43/);
});
