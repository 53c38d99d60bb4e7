// Stable identities through real DVC on the demo sample: batch A (vid-01 person a, vid-02 people
// b+f, vid-05 person e), then batch B appended (vid-04 new people c+d, vid-06 d+e side by side,
// vid-07 no face). Old IDs stay, e's new video goes to e's ID, the new people get new IDs, and
// only batch B's videos are decoded.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readTable } from '../../pipeline/lib/warehouse/index.ts';
import { ROOT, scratchProject } from '../helpers/project.ts';

test('batch A then A+B: IDs carry over, only new videos are decoded', { timeout: 600_000 }, async () => {
  const p = scratchProject();
  execFileSync('node', ['--import', import.meta.resolve('tsx'), join(ROOT, 'scripts/make-sample.ts'), '--out', join(p.dir, 'data/raw')], { stdio: 'ignore' });
  const sheet = join(p.dir, 'data/raw/sample.csv');
  const lines = readFileSync(sheet, 'utf8').trimEnd().split('\n');
  const pick = (names: string[]) => names.map((n) => lines.find((l) => l.includes(`/campaign/${n},`))!);
  const batchA = [lines[0], ...pick(['vid-01', 'vid-02', 'vid-05'])];
  const batchB = pick(['vid-04', 'vid-06', 'vid-07']);
  writeFileSync(sheet, batchA.join('\n') + '\n');

  const people = async () => {
    const rows = await readTable<any>(join(p.dir, 'data/processed/rows.parquet'));
    const app = await readTable<any>(join(p.dir, 'data/processed/appearances.parquet'));
    const byName = new Map<string, string[]>();
    for (const r of rows) {
      if (!r.video_id) continue;
      const name = r.url.split('/').pop();
      byName.set(name, app.filter((a) => a.video_id === r.video_id && a.credited).map((a) => a.influencer_id).sort());
    }
    return byName;
  };

  p.run('dvc', ['repro']);
  const a = await people();
  assert.equal(p.log('extract').decoded, 3);
  assert.equal(a.get('vid-05')?.length, 1, 'vid-05 shows one person');

  writeFileSync(sheet, [...batchA, ...batchB].join('\n') + '\n');
  p.run('dvc', ['repro']);
  const b = await people();
  assert.equal(p.log('extract').decoded, 3, 'only batch B videos are decoded');
  for (const v of ['vid-01', 'vid-02', 'vid-05']) assert.deepEqual(b.get(v), a.get(v), `${v} keeps its people's IDs`);
  const personE = a.get('vid-05')![0];
  assert.ok(b.get('vid-06')?.includes(personE), 'the old person\'s new video is credited to their ID');
  const oldIds = new Set([...a.values()].flat());
  const newcomers = b.get('vid-04')!;
  assert.equal(newcomers.length, 2, 'vid-04 shows two people');
  assert.ok(newcomers.every((id) => !oldIds.has(id)), 'new people get new IDs');
  const events = await readTable<any>(join(p.dir, 'data/processed/registry_events.parquet'));
  assert.ok(events.filter((e) => e.run_id === 2).every((e) => e.event === 'new'), 'run 2: no merges, splits or retirements');
});
