// Corrections on real footage (../shared): the analyst's merge, split, must-link (same), not_a_person
// and name each change what they say and nothing else, hold through a second batch and a full rerun,
// and are in registry_events; a stale correction is reported; a contradiction fails naming its line.
// Extract's per-video cache is kept in $TMPDIR/infsel-corrections-cache between runs.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { projectPeople } from './helpers.ts';
import { FUELGROWTH, hasShared, ROOT, scratchProject } from '../helpers/project.ts';

const CACHE = join(tmpdir(), 'infsel-corrections-cache');
// Batch 1: two ads with the same four presenters, two with other people; batch 2: two more ads.
const BATCH1 = ['hd-932703258597949', 'hd-965108935263649', 'hd-958774641659407', 'hd-992064161877405'];
const BATCH2 = ['hd-887363366529815', 'hd-6720438181324436'];
const UPTO_CLUSTER = ['ingest', 'dedup', 'extract', 'embed', 'cluster'];

test('real footage: each correction changes what it says and nothing else, across batches and reruns', { skip: !hasShared && 'needs ../shared', timeout: 900_000 }, async () => {
  const p = scratchProject('infsel-corr-');
  mkdirSync(join(p.dir, 'media'));
  mkdirSync(join(p.dir, 'data/raw'), { recursive: true });
  if (existsSync(join(CACHE, 'extract'))) cpSync(CACHE, join(p.dir, 'data/cache'), { recursive: true });
  for (const m of [...BATCH1, ...BATCH2]) symlinkSync(join(FUELGROWTH, 'media/facebook-assets', m), join(p.dir, 'media', m));
  const batch = (n: number, ms: string[]) => writeFileSync(join(p.dir, `data/raw/${n}.csv`), 'Video URL,Performance\n' + ms.map((m, i) => `https://example.invalid/${m},${n + i}`).join('\n') + '\n');
  // Every track kind is credited (scratchProject): the people of the first two ads are printed photos
  // of the same four faces, real faces whose tracks the clustering sees as any other.
  p.setParams((x) => { x.input.media_dir = 'media'; });
  const { stages, table, people, personOf } = projectPeople(p.dir);

  batch(1, BATCH1);
  stages(UPTO_CLUSTER);
  cpSync(join(p.dir, 'data/cache'), CACHE, { recursive: true });
  const before = await people();
  const videoOf = (t: string) => t.replace(/-t\d+$/, '');
  // Two people seen more than once (one is split, one named), five seen once (two merged, one not a
  // person, two joined by a must-link of their tracks), the rest left alone.
  const multi = [...before.keys()].filter((id) => before.get(id)!.length >= 2).sort();
  const single = [...before.keys()].filter((id) => before.get(id)!.length === 1).sort();
  assert.ok(multi.length >= 3 && single.length >= 5, JSON.stringify([...before]));
  const [C, N] = multi;
  const [A, B, D, R, S] = single;
  assert.notEqual(videoOf(before.get(A)![0]), videoOf(before.get(B)![0]));
  assert.notEqual(videoOf(before.get(R)![0]), videoOf(before.get(S)![0]));
  const splitOut = before.get(C)![1];
  const [r, s] = [before.get(R)![0], before.get(S)![0]];

  writeFileSync(join(p.dir, 'people.yaml'), [
    'names:', `  ${N}: "Priya S."`,
    'merge:', `  - [${A}, ${B}]`,
    'split:', `  ${C}: [${splitOut}]`,
    'same:', `  - [${r}, ${s}]`,
    'not_a_person:', `  - ${D}`, '  - vid-000000000000-t000',
  ].join('\n') + '\n');
  const log = stages(['cluster']);
  assert.match(log, /people\.yaml line 11 \(not_a_person: vid-000000000000-t000\) stale: track vid-000000000000-t000 is not among/, 'a correction naming a missing track is reported, not fatal');

  const check = async (label: string, exact = false) => {
    const now = await people();
    assert.deepEqual(now.get(A)?.filter((t) => before.get(A)!.includes(t) || before.get(B)!.includes(t)), [...before.get(A)!, ...before.get(B)!].sort(), `${label}: merge: ${A} holds ${B}'s tracks`);
    assert.ok(!now.has(B), `${label}: ${B} is gone (merged)`);
    assert.notEqual(await personOf(splitOut), C, `${label}: split: ${splitOut} left ${C}`);
    assert.ok(now.get(C)?.includes(before.get(C)![0]), `${label}: ${C} keeps its other track`);
    assert.ok(!now.has(D) && (await Promise.all(before.get(D)!.map(personOf))).every((x) => x === null), `${label}: not_a_person: ${D}'s tracks are nobody's`);
    assert.equal(await personOf(r), await personOf(s), `${label}: same: ${r} and ${s} are one person`);
    for (const [id, ts] of before) {
      if ([A, B, C, D, R, S].includes(id)) continue;
      assert.deepEqual(exact ? now.get(id) : now.get(id)?.filter((t) => ts.includes(t)), ts, `${label}: ${id} is unchanged`);
    }
    const names = await table('person_names');
    assert.deepEqual(names.filter((x) => x.name).map((x) => [x.influencer_id, x.name]), [[N, 'Priya S.']], `${label}: the name is ${N}'s only`);
    assert.deepEqual(names.filter((x) => x.corrected).map((x) => x.influencer_id).sort(), [...new Set([A, C, N, await personOf(r), await personOf(splitOut)])].sort(), `${label}: corrected people are marked`);
  };
  await check('corrected', true);
  const events = (await table('registry_events')).filter((e) => e.source === 'analyst');
  assert.deepEqual(events.map((e) => e.event).sort(), ['merge', 'name', 'not_a_person', 'same', 'split']);
  assert.deepEqual(events.find((e) => e.event === 'merge').other_ids, [B]);
  assert.equal(events.find((e) => e.event === 'merge').influencer_id, A);
  assert.equal(events.find((e) => e.event === 'split').influencer_id, C);
  const analystRun = events[0].run_id;

  batch(2, BATCH2);
  stages(UPTO_CLUSTER);
  cpSync(join(p.dir, 'data/cache'), CACHE, { recursive: true });
  await check('second batch');
  stages([...UPTO_CLUSTER]);
  await check('full rerun');
  const after = (await table('registry_events')).filter((e) => e.source === 'analyst');
  assert.ok(after.every((e) => e.run_id === analystRun), 'each correction is recorded once, when first applied');

  // A contradiction: the merged people marked not_same. The stage fails naming the line.
  writeFileSync(join(p.dir, 'people.yaml'), readFileSync(join(p.dir, 'people.yaml'), 'utf8') + `not_same:\n  - [${B}, ${A}]\n`);
  assert.throws(() => stages(['cluster']), /people\.yaml line 13: not_same: \[.*\] contradicts line 4 \(merge/);
  rmSync(p.dir, { recursive: true, force: true });
});

test('people.yaml is a dependency of the cluster stage only', () => {
  const dvc = parse(readFileSync(join(ROOT, 'dvc.yaml'), 'utf8'));
  const users = Object.entries<any>(dvc.stages).filter(([, s]) => (s.deps ?? []).includes('people.yaml')).map(([n]) => n);
  assert.deepEqual(users, ['cluster']);
});
