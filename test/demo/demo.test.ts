// The demo as `./run demo` runs it, in a scratch copy of the project (a git + DVC repo whose params.yaml
// is the project's own, crediting live presenters only): make-sample writes the sample and the demo's
// params (params.demo.yaml over params.yaml), `dvc repro` runs every stage with PARAMS_FILE pointing
// at them, scripts/summary.ts closes. Then:
// - the sample's ground truth (its manifest) against the people found: every person found, no two
//   merged, none split, nobody extra, each video credited to exactly its people; the rows' fates;
// - the summary: five or more ranked people with intervals, both ICCs with intervals, the credit line,
//   the report's absolute paths, the notebooks command, adding a batch, running on one's own sheet;
// - adding the sample's second batch as the summary says (commit, copy, rerun): only its videos are
//   decoded, the new person gets a new ID, the old person's new video goes to their ID, and
//   `dvc metrics diff` and `compare` show it.
// The sample and the stage caches come from the report tests' fixture (test/report/fixture.ts) when it ran.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { readTable } from '../../pipeline/lib/warehouse/index.ts';
import { ROOT, scratchProject, toolEnv, type Scratch } from '../helpers/project.ts';
import { makeSample, seedFrom } from '../report/fixture.ts';

let p: Scratch;
let summary = '';
let truth: any;
const env = { ...toolEnv, PARAMS_FILE: 'data/params.demo.yaml' };
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: p.dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
const git = (args: string[]) => run('git', ['-c', 'user.name=tests', '-c', 'user.email=tests@example.invalid', '-c', 'commit.gpgsign=false', ...args]);
const tsx = (script: string, args: string[] = []) => run('node', ['--import', import.meta.resolve('tsx'), join(ROOT, script), ...args]);
const table = (name: string) => readTable<any>(join(p.dir, 'data/processed', `${name}.parquet`));

before(() => {
  const t0 = performance.now();
  p = scratchProject('infsel-demo-');
  // The project's own params (scratchProject credits every kind; the demo must get that from params.demo.yaml).
  for (const f of ['params.yaml', 'params.demo.yaml']) copyFileSync(join(ROOT, f), join(p.dir, f));
  git(['add', '-A']);
  git(['commit', '-qm', 'the project']);
  seedFrom(join(p.dir, 'data'));
  makeSample(join(p.dir, 'data/raw'), join(p.dir, 'data/params.demo.yaml'));
  run('dvc', ['repro']);
  summary = tsx('scripts/summary.ts');
  truth = JSON.parse(readFileSync(join(p.dir, 'data/raw/sample.manifest.json'), 'utf8')).truth;
  process.stderr.write(`demo in ${p.dir}: ${((performance.now() - t0) / 1000).toFixed(0)} s\n${summary}\n`);
}, { timeout: 900_000 });

after(() => { if (p) process.stderr.write(`demo test folder: ${p.dir}\n`); });

test('params: the demo credits every track kind through params.demo.yaml; params.yaml keeps live', () => {
  assert.deepEqual(parse(readFileSync(join(p.dir, 'params.yaml'), 'utf8')).people.credit_kinds, ['live']);
  const used = parse(readFileSync(join(p.dir, 'data/params.demo.yaml'), 'utf8'));
  assert.deepEqual(used.people.credit_kinds, ['live', 'depicted', 'overlay']);
  const base = parse(readFileSync(join(p.dir, 'params.yaml'), 'utf8'));
  assert.deepEqual({ ...used, people: base.people }, base, 'nothing else differs from params.yaml');
  assert.match(readFileSync(join(p.dir, 'reports/index.html'), 'utf8'), /credit_kinds:\n\s+- live\n\s+- depicted\n\s+- overlay/, 'the report prints the params it ran with');
  assert.match(summary, /^credited track kinds: live, depicted, overlay \(params\.demo\.yaml: the sample's videos are composed from still photos[^\n]*\); your own runs use params\.yaml: live$/m);
});

/** Per distinct video of `rows` (the manifest's), its people and the people credited with it. */
async function found(rows: any[]) {
  const ledger = await table('rows');
  const app = await table('appearances');
  const seen = new Set<string>();
  const out: { name: string; video_id: string; people: string[]; credited: string[] }[] = [];
  for (const t of rows) {
    if (t.reject || !t.content || seen.has(t.content)) continue;
    seen.add(t.content);
    const r = ledger.find((x) => x.url === t.url);
    assert.ok(r?.video_id, `${t.url} has a video`);
    out.push({ name: t.content, video_id: r.video_id, people: t.people, credited: app.filter((a) => a.video_id === r.video_id && a.credited).map((a) => a.influencer_id).sort() });
  }
  return out;
}

/** The person each influencer ID stands for (by votes over the videos); asserts a one-to-one match, video by video. */
async function scoreTruth(rows: any[]): Promise<Map<string, string>> {
  const videos = await found(rows);
  const votes = new Map<string, Map<string, number>>();
  for (const v of videos) for (const person of v.people) for (const id of v.credited) {
    const m = votes.get(person) ?? new Map<string, number>();
    m.set(id, (m.get(id) ?? 0) + 1);
    votes.set(person, m);
  }
  const idOf = new Map<string, string>();
  const expected = [...new Set(videos.flatMap((v) => v.people))].sort();
  for (const person of expected) {
    const best = [...(votes.get(person) ?? [])].sort((a, b) => b[1] - a[1])[0];
    assert.ok(best, `${person} is found`);
    idOf.set(person, best[0]);
  }
  const ids = [...idOf.values()];
  assert.equal(new Set(ids).size, ids.length, `no two people merged: ${JSON.stringify([...idOf])}`);
  for (const v of videos) {
    assert.deepEqual(v.credited, v.people.map((x) => idOf.get(x)!).sort(), `${v.name}: credited to exactly ${v.people.join(', ') || 'nobody'}`);
  }
  const people = (await table('influencers')).map((x) => x.influencer_id).sort();
  assert.deepEqual(people, [...ids].sort(), 'nobody else: no person split in two, no stray face made a person');
  return idOf;
}

test('ground truth: every person of the manifest found, none merged or split, each video credited to exactly its people', async () => {
  const idOf = await scoreTruth(truth.rows);
  assert.equal(idOf.size, truth.counts.people);
  assert.ok(idOf.size >= 5);
  // Every row ends as the manifest says.
  const ledger = await table('rows');
  assert.equal(ledger.length, truth.counts.rows);
  const first = new Map<string, number>();
  for (const t of truth.rows) {
    const r = ledger.find((x) => x.row_number === t.row_number);
    assert.equal(r.url, t.url);
    const want = t.reject ? 'rejected' : first.has(t.content) ? 'duplicate' : t.people.length ? 'ok' : 'no_face';
    assert.equal(r.status, want, `row ${t.row_number} (${t.url || 'no URL'}): ${r.status} (${r.reason})`);
    if (want === 'duplicate') assert.match(r.reason, new RegExp(`^duplicate of row ${first.get(t.content)} `));
    if (!t.reject && !first.has(t.content)) first.set(t.content, t.row_number);
  }
  // The figures follow the people's levels: the best ranks first, the worst last; the swinging person's scores spread most.
  const stats = await table('influencer_stats');
  const of = (person: string) => stats.find((s) => s.influencer_id === idOf.get(person));
  const byLevel = truth.people.filter((x: any) => idOf.has(x.id)).sort((a: any, b: any) => b.level - a.level);
  assert.equal(of(byLevel[0].id).rank, 1, `${byLevel[0].id} ranks first`);
  assert.equal(of(byLevel.at(-1).id).rank, idOf.size, `${byLevel.at(-1).id} ranks last`);
  const swinging = truth.people.find((x: any) => x.swings).id;
  assert.equal(of(swinging).sd, Math.max(...stats.map((s) => s.sd)), `${swinging}'s scores spread most`);
  for (const s of stats) assert.ok(s.n_videos >= 3 && s.ci_low !== null && s.reliability !== null, `${s.influencer_id}: three or more videos, an interval, a reliability`);
});

test('the summary: ranked people with intervals, both ICCs, the report, the notebooks, adding a batch, one\'s own sheet', async () => {
  const ranked = summary.split('\n').filter((l) => /^\d+\s+inf-\d{4}\s+\d+\s+-?\d\.\d{3}\s+-?\d\.\d{3}\s+\[-?\d\.\d{3}, -?\d\.\d{3}\]/.test(l));
  assert.ok(ranked.length >= 5, `five or more ranked people with intervals:\n${summary}`);
  for (const m of ['influencer_icc1', 'metric_test_retest_icc1']) assert.match(summary, new RegExp(`^${m}: -?\\d\\.\\d{3} \\[-?\\d\\.\\d{3}, -?\\d\\.\\d{3}\\]`, 'm'), `${m} is a number with its interval`);
  for (const f of ['reports/index.html', 'reports/influencers.pdf']) {
    assert.ok(summary.includes(join(p.dir, f)), `the absolute path of ${f}`);
    assert.ok(existsSync(join(p.dir, f)), `${f} written`);
  }
  assert.match(summary, /\.\/run notebooks/);
  assert.match(summary, /cp data\/raw\/next\/sample2\.csv data\/raw\/ && \.\/run demo/);
  assert.match(summary, /dvc metrics diff/);
  assert.match(summary, /input\.sheets: \[path\/to\/sheet\.xlsx\][^\n]*\n[^\n]*input\.media_dir/);
  assert.match(summary, /then \.\/run repro/);
});

test('adding the second batch as the summary says: a new person, an old person\'s new video, dvc metrics diff and compare show it', { timeout: 600_000 }, async () => {
  const idOf1 = await scoreTruth(truth.rows);
  const stats1 = await table('influencer_stats');
  // The summary's commands (./run demo = make-sample, then dvc repro with the demo's params).
  git(['add', 'dvc.lock']);
  git(['commit', '-qm', 'demo: batch 1']);
  copyFileSync(join(p.dir, 'data/raw/next/sample2.csv'), join(p.dir, 'data/raw/sample2.csv'));
  makeSample(join(p.dir, 'data/raw'), join(p.dir, 'data/params.demo.yaml'));
  run('dvc', ['repro']);
  const old = new Set(truth.rows.map((r: any) => r.content));
  const fresh = new Set(truth.next.rows.map((r: any) => r.content).filter((c: string | null) => c && !old.has(c)));
  assert.equal(p.log('extract').decoded, fresh.size, 'only the new batch\'s videos are decoded');

  const idOf = await scoreTruth([...truth.rows, ...truth.next.rows]);
  for (const [person, id] of idOf1) assert.equal(idOf.get(person), id, `${person} keeps ${id}`);
  const [newcomer] = truth.next.newPeople;
  assert.ok(newcomer && !idOf1.has(newcomer) && idOf.has(newcomer), `${newcomer} is new`);
  const events = (await table('registry_events')).filter((e) => e.run_id === 2);
  assert.deepEqual(events.map((e) => [e.event, e.influencer_id]), [['new', idOf.get(newcomer)]], 'run 2: one new person, nothing merged, split or retired');
  const batches = await table('batches');
  assert.deepEqual(batches.map((b) => b.batch), ['sample.csv', 'sample2.csv']);
  assert.equal(batches[1].repeated_urls, truth.next.repeatedUrls);
  // The old person with a new video: one more video credited to their ID.
  const stats = await table('influencer_stats');
  const returning = truth.next.rows.filter((r: any) => r.people.length && !r.people.includes(newcomer)).flatMap((r: any) => r.people);
  assert.ok(returning.length > 0);
  for (const person of returning) {
    const id = idOf.get(person)!;
    assert.equal(stats.find((s) => s.influencer_id === id).n_videos, stats1.find((s) => s.influencer_id === id).n_videos + 1, `${person} (${id}) has one more video`);
  }

  const diff = JSON.parse(run('dvc', ['metrics', 'diff', 'HEAD', '--json']))['data/metrics.json'];
  assert.deepEqual([diff.people.old, diff.people.new], [idOf1.size, idOf.size]);
  assert.equal(diff.rows.diff, truth.next.counts.rows);
  const md = tsx('pipeline/compare.ts', ['HEAD', '.', '--out', join(p.dir, 'reports/compare')]);
  assert.match(md, new RegExp(`\\| ${idOf.get(newcomer)} \\| new person \\| #\\d+ \\|`), 'compare lists the new person');
  for (const person of returning) {
    const n = stats1.find((s) => s.influencer_id === idOf.get(person)).n_videos;
    assert.match(md, new RegExp(`\\| ${idOf.get(person)} \\|[^\\n]*${n} → ${n + 1}`), `compare shows ${person}'s new video`);
  }
  assert.match(tsx('scripts/summary.ts'), /What the sample's second batch changed/);
});
