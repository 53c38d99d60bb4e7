// Corrections on a small generated identity benchmark (bench/identity-gen.ts from ../shared/data/faces:
// 9 people, 18 one-person videos, 360x640), the real stages up to cluster: a merge, a split, a
// must-link (same), a not_a_person and a name each change what they say and nothing else (every
// other ID keeps exactly its tracks), hold through a second batch and a full rerun, and are each one
// analyst event in registry_events, recorded once. (test/corrections/real.test.ts does the same on the
// real replica.) The benchmark and extract's per-video cache are kept in $TMPDIR between runs.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULTS, generate } from '../../bench/identity-gen.ts';
import { projectPeople } from './helpers.ts';
import { scratchProject, SHARED } from '../helpers/project.ts';

const FACES = join(SHARED, 'data/faces');
const BENCH = join(tmpdir(), 'infsel-corrections-bench');
const CACHE = join(tmpdir(), 'infsel-corrections-bench-cache');
const UPTO_CLUSTER = ['ingest', 'dedup', 'extract', 'embed', 'cluster'];

test('identity benchmark: each correction changes what it says and nothing else, across a second batch and a full rerun', { skip: !existsSync(join(FACES, 'MANIFEST.csv')) && 'needs ../shared/data/faces', timeout: 900_000 }, async () => {
  await generate(FACES, BENCH, { ...DEFAULTS, seed: 7, people: 9, videos: 18, width: 360, height: 640, duo: 0, none: 0, reposts: 0, repeats: 0 }, 2, false, () => {});
  const p = scratchProject('infsel-corr-bench-');
  mkdirSync(join(p.dir, 'data/raw'), { recursive: true });
  if (existsSync(join(CACHE, 'extract'))) cpSync(CACHE, join(p.dir, 'data/cache'), { recursive: true });
  p.setParams((x) => { x.input.media_dir = join(BENCH, 'media'); });
  // Two batches: the sheet's first 12 rows, then the rest.
  const [head, ...rows] = readFileSync(join(BENCH, 'sheet.csv'), 'utf8').trim().split('\n');
  const batch = (n: number, lines: string[]) => writeFileSync(join(p.dir, `data/raw/${n}.csv`), [head, ...lines].join('\n') + '\n');
  const { stages, table, people, personOf } = projectPeople(p.dir);

  batch(1, rows.slice(0, 12));
  stages(UPTO_CLUSTER);
  cpSync(join(p.dir, 'data/cache'), CACHE, { recursive: true });
  const before = await people();
  // C (most tracks) loses one track; A and B merged; R's and S's first tracks are one person; D not a person; N named.
  const ids = [...before.keys()].sort((x, y) => before.get(y)!.length - before.get(x)!.length || x.localeCompare(y));
  assert.ok(ids.length >= 7 && before.get(ids[0])!.length >= 2, `seven or more people, one with two or more tracks: ${JSON.stringify([...before])}`);
  const [C, A, B, R, S, D, N] = ids;
  const splitOut = before.get(C)!.at(-1)!;
  const [r, s] = [before.get(R)![0], before.get(S)![0]];
  const NAME = 'Priya S.';

  writeFileSync(join(p.dir, 'people.yaml'), [
    'names:', `  ${N}: "${NAME}"`,
    'merge:', `  - [${A}, ${B}]`,
    'split:', `  ${C}: [${splitOut}]`,
    'same:', `  - [${r}, ${s}]`,
    'not_a_person:', `  - ${D}`,
  ].join('\n') + '\n');
  stages(['cluster']);

  const check = async (label: string, exact: boolean) => {
    const now = await people();
    const mine = (id: string, ts: string[]) => (exact ? now.get(id) : now.get(id)?.filter((t) => ts.includes(t)));
    assert.deepEqual(mine(A, [...before.get(A)!, ...before.get(B)!]), [...before.get(A)!, ...before.get(B)!].sort(), `${label}: merge: ${A} holds exactly ${A}'s and ${B}'s tracks`);
    assert.ok(!now.has(B), `${label}: ${B} is gone (merged)`);
    const released = await personOf(splitOut);
    assert.ok(released !== C && released !== null, `${label}: split: ${splitOut} left ${C} (now ${released})`);
    assert.deepEqual(mine(C, before.get(C)!), before.get(C)!.filter((t) => t !== splitOut), `${label}: ${C} keeps its other tracks`);
    assert.ok(!now.has(D) && (await Promise.all(before.get(D)!.map(personOf))).every((x) => x === null), `${label}: not_a_person: ${D}'s tracks are nobody's`);
    assert.equal(await personOf(r), await personOf(s), `${label}: same: ${r} and ${s} are one person`);
    assert.ok(await personOf(r), `${label}: ${r} is someone`);
    for (const [id, ts] of before) {
      if ([A, B, C, D, R, S].includes(id)) continue;
      assert.deepEqual(mine(id, ts), ts, `${label}: ${id} is unchanged`);
    }
    const names = await table('person_names');
    assert.deepEqual(names.filter((x) => x.name).map((x) => [x.influencer_id, x.name]), [[N, NAME]], `${label}: the name is ${N}'s only`);
    const corrections = await table('corrections');
    assert.deepEqual(corrections.map((c) => c.status), ['applied', 'applied', 'applied', 'applied', 'applied'], `${label}: every correction applied`);
  };
  await check('corrected', true);
  const analyst = async () => (await table('registry_events')).filter((e) => e.source === 'analyst');
  const events = await analyst();
  assert.deepEqual(events.map((e) => e.event).sort(), ['merge', 'name', 'not_a_person', 'same', 'split']);
  assert.deepEqual(events.map((e) => e.detail).sort(), [`merge: [${A}, ${B}]`, `names: ${N}: "${NAME}"`, `not_a_person: ${D}`, `same: [${r}, ${s}]`, `split: ${C}: [${splitOut}]`].sort());
  assert.deepEqual([events.find((e) => e.event === 'merge').influencer_id, [...events.find((e) => e.event === 'merge').other_ids]], [A, [B]]);
  assert.equal(events.find((e) => e.event === 'split').influencer_id, C);
  // The clustering's own events of that run are only what the corrections explain: no merge or split of anyone else.
  const run = events[0].run_id;
  const clustering = (await table('registry_events')).filter((e) => e.run_id === run && e.source !== 'analyst' && e.event !== 'new');
  assert.deepEqual(clustering.filter((e) => ![A, B, C, D, R, S].includes(e.influencer_id)), [], `no other person changed: ${JSON.stringify(clustering)}`);

  batch(2, rows.slice(12));
  stages(UPTO_CLUSTER);
  cpSync(join(p.dir, 'data/cache'), CACHE, { recursive: true });
  await check('second batch', false);
  stages(UPTO_CLUSTER);
  await check('full rerun', false);
  assert.deepEqual((await analyst()).map((e) => e.run_id), events.map(() => run), 'each correction is one analyst event, recorded when first applied');
  rmSync(p.dir, { recursive: true, force: true });
});
