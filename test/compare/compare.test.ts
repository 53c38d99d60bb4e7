// The compare command on two real runs of the sample (batch A, then A + batch B; see fixture.ts):
// it lists the new people, the rank moves and the changed figures, the same from a git revision
// (fetched with `dvc get`) as from a folder; and `dvc metrics diff` / `dvc plots diff` between the runs.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { RunDiff } from '../../pipeline/lib/compare/diff.ts';
import { readTable } from '../../pipeline/lib/warehouse/index.ts';
import { ROOT, toolEnv as env } from '../helpers/project.ts';
import { buildRuns, type Runs } from './fixture.ts';

let runs: Runs;
before(() => {
  runs = buildRuns();
  console.error(`fixture: ${runs.project} (${runs.buildSeconds ? `built in ${runs.buildSeconds.toFixed(0)} s` : 'reused'})`);
}, { timeout: 600_000 });

const scratch: string[] = [];
const tempDir = (prefix: string) => { const d = mkdtempSync(join(tmpdir(), prefix)); scratch.push(d); return d; };
after(() => { for (const d of scratch) rmSync(d, { recursive: true, force: true }); });

function compare(a: string, b: string, cwd = ROOT) {
  const out = tempDir('compare-out-');
  const r = spawnSync('node', ['--import', import.meta.resolve('tsx'), join(ROOT, 'pipeline/compare.ts'), a, b, '--out', out], { cwd, env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return { stdout: r.stdout, stderr: r.stderr, md: readFileSync(join(out, 'compare.md'), 'utf8'), json: JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as RunDiff };
}

const stats = async (dir: string) => new Map((await readTable<any>(join(dir, 'data/processed/influencer_stats.parquet'))).map((s) => [s.influencer_id as string, s]));
const section = (md: string, title: string) => md.split(`## ${title}`)[1].split('\n## ')[0];

test('compare A → A+B lists the new people, the rank moves and the changed figures', { timeout: 120_000 }, async () => {
  const { stdout, md, json } = compare(runs.a, runs.project);
  assert.equal(stdout.trim(), md.trim(), 'prints what it writes');
  const [sa, sb] = [await stats(runs.a), await stats(runs.project)];

  // New people: every ID in B's stats that A lacks, among them the two people of vid-04 (a batch B video).
  const newIds = [...sb.keys()].filter((id) => !sa.has(id)).sort();
  assert.ok(newIds.length >= 2, `new people: ${newIds}`);
  assert.deepEqual(json.added.map((p) => p.influencer_id).sort(), newIds);
  const app = await readTable<any>(join(runs.project, 'data/processed/appearances.parquet'));
  const rows = await readTable<any>(join(runs.project, 'data/processed/rows.parquet'));
  const vid04 = rows.find((r) => r.url.endsWith('/campaign/vid-04')).video_id;
  const inVid04 = app.filter((x) => x.video_id === vid04 && x.credited).map((x) => x.influencer_id);
  assert.equal(inVid04.length, 2, 'vid-04 shows two people');
  const added = section(md, 'People added');
  for (const id of inVid04) assert.match(added, new RegExp(`\\| ${id} \\| new person \\| #${sb.get(id).rank} \\|`), `${id} is listed as new with its rank`);
  assert.match(section(md, 'People removed'), /None\./);

  // Rank moves: every person ranked in both runs whose rank changed, with both ranks.
  const moved = [...sa.keys()].filter((id) => sb.has(id) && sa.get(id).rank !== sb.get(id).rank);
  assert.ok(moved.length >= 1, 'some rank moved');
  const ranks = section(md, 'Rank moves');
  for (const id of moved) assert.match(ranks, new RegExp(`\\| ${id} \\| #${sa.get(id).rank} \\| #${sb.get(id).rank} \\| (up|down) \\d+`), `${id} moved`);
  assert.equal(json.rankMoves.length, moved.length);

  // Changed figures: person e (vid-05 in A) has a second video in B (vid-06): videos, mean, interval.
  const vid05 = rows.find((r) => r.url.endsWith('/campaign/vid-05')).video_id;
  const e = app.find((x) => x.video_id === vid05 && x.credited).influencer_id;
  assert.deepEqual([sa.get(e).n_videos, sb.get(e).n_videos], [1, 2]);
  const changed = section(md, 'Changed figures (people in both runs)');
  const line = changed.split('\n').find((l) => l.startsWith(`| ${e} |`));
  assert.ok(line, `${e} is in the changed figures:\n${changed}`);
  assert.ok(line.includes('1 → 2'), line);
  assert.ok(line.includes(`${sa.get(e).mean.toFixed(3)} → ${sb.get(e).mean.toFixed(3)}`), line);
  assert.ok(line.includes(`– → [${sb.get(e).ci_low.toFixed(3)}, ${sb.get(e).ci_high.toFixed(3)}]`), line);

  // Reliability: neither ICC is estimable on batch A (one video per person; one re-posted video); both are on A+B.
  const rel = section(md, 'Reliability before and after');
  assert.match(rel, /\| influencer_icc1 \| not estimable \| -?\d\.\d{3} \[/);
  assert.match(rel, /\| metric_test_retest_icc1 \| not estimable \| -?\d\.\d{3} \[/);
  assert.match(section(md, 'Counts'), /\| people \| \d+ \| \d+ \| \+\d+ \|/);
});

test('run A from its git revision (dvc get) gives the same comparison as from its folder', { timeout: 120_000 }, () => {
  const fromFolder = compare(runs.a, runs.project);
  const fromRev = compare('HEAD', '.', runs.project);
  const strip = (d: RunDiff) => ({ ...d, a: null, b: null });
  assert.deepEqual(strip(fromRev.json), strip(fromFolder.json));
  assert.match(fromRev.md, /A \(before\): `HEAD`/);
  // A source that is neither a path nor a revision is a clear error.
  const r = spawnSync('node', ['--import', import.meta.resolve('tsx'), join(ROOT, 'pipeline/compare.ts'), 'no-such-rev', '.'], { cwd: runs.project, env, encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no-such-rev: not a file or folder, nor a git revision or DVC experiment/);
});

test('dvc metrics diff and dvc plots diff between the runs (HEAD = run A, workspace = run B)', { timeout: 120_000 }, (t) => {
  const dvc = (args: string[]) => execFileSync('dvc', args, { cwd: runs.project, env, encoding: 'utf8' });
  const table = dvc(['metrics', 'diff', 'HEAD']);
  t.diagnostic(`dvc metrics diff HEAD\n${table}`);
  const diff = JSON.parse(dvc(['metrics', 'diff', 'HEAD', '--json']))['data/metrics.json'];
  const [sa, sb] = [JSON.parse(readFileSync(join(runs.a, 'data/metrics.json'), 'utf8')), JSON.parse(readFileSync(join(runs.project, 'data/metrics.json'), 'utf8'))];
  for (const k of ['people', 'people_ranked', 'videos', 'rows']) {
    assert.deepEqual(diff[k], { old: sa[k], new: sb[k], diff: sb[k] - sa[k] }, k);
    assert.ok(sb[k] > sa[k], `${k} grew`);
  }
  assert.equal(diff.influencer_icc1.old, null);
  assert.equal(typeof diff.influencer_icc1.new, 'number', 'the influencer ICC becomes estimable');
  assert.match(table, new RegExp(`data/metrics.json\\s+people\\s+${sa.people}\\s+${sb.people}\\s+${sb.people - sa.people}`));
  // Nothing but the sheet changed, so no params differ.
  assert.equal(dvc(['params', 'diff', 'HEAD']).trim(), '');
  const out = tempDir('plots-diff-');
  dvc(['plots', 'diff', 'HEAD', '-o', out]);
  const html = readFileSync(join(out, 'index.html'), 'utf8');
  assert.ok(existsSync(join(out, 'index.html')) && html.includes('influencer_means') && html.includes('reliability_curve'));
});
