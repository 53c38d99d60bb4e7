// Two real runs of the pipeline on the demo sample, shared by the compare and notebook tests:
// run A on batch A, committed to git (so DVC can diff against it), then run B on A + batch B in the
// same project, through real `dvc repro` (the stages' caches make run B decode only the new videos).
//
//   batch A: vid-01 (person a) posted twice (vid-10 is a byte copy), vid-02 (people b and f),
//            vid-05 (person e)
//   batch B: vid-04 (new people c and d), vid-06 (d and e side by side), vid-03 (a and b) with its
//            re-encode vid-09, vid-07 (no face), spring/vid-01 (vid-01's third posting). People get
//            second videos, so ranks, means and intervals move, and both ICCs become estimable.
// (Rows picked from the sample's first batch, data/raw/sample.csv, so that run A has one video per person
// and nothing estimable; the sample's own second batch is tested by test/demo/demo.test.ts.)
//
// The build takes a minute or two cold (face detection dominates), so it is kept in the system temp
// folder under a key hashed from everything that shapes it (pipeline code, DVC files, params, the
// sample generator, the lockfile, this file): the test files of one `./run test` share it, and a
// rerun with unchanged code reuses it. After a code change the rebuild starts from the sample and
// the stages' own content-addressed caches kept from the last build ($TMPDIR/infsel-runs-seed), so
// it decodes nothing; every stage still runs. INFSEL_FIXTURE_REBUILD=1 forces a rebuild (in
// each test file that asks); INFSEL_FIXTURE_REBUILD=cold also ignores the seed. Fixtures of older code
// versions are dropped, keeping the last two.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ROOT, scratchProject } from '../helpers/project.ts';

export interface Runs {
  /** The project after run B: data/warehouse.duckdb, data/faces, a git + DVC repo whose HEAD is run A. */
  project: string;
  /** A copy of run A's outputs: data/warehouse.duckdb, data/processed, data/metrics.json, data/faces. */
  a: string;
  /** Sample video names in each batch. */
  batchA: string[];
  batchB: string[];
  /** Seconds the build took (0 when reused). */
  buildSeconds: number;
}

export const BATCH_A = ['campaign/vid-01', 'campaign/vid-02', 'campaign/vid-05', 'campaign/vid-10'];
// Two rows naming the same media file must not be in one batch: the ingest stage's file-hash cache
// races on them (one row ends media_unavailable "ENOENT"); spring/vid-01 in batch B finds vid-01's
// hash cached by run A.
export const BATCH_B = ['campaign/vid-04', 'campaign/vid-06', 'campaign/vid-03', 'campaign/vid-09', 'campaign/vid-07', 'spring/vid-01'];

/** What does not shape runs up to `aggregate` (the report and compare code, the notebooks). */
const NOT_UPSTREAM = ['pipeline/lib/report', 'pipeline/lib/compare', 'pipeline/compare.ts', 'pipeline/stages/report.ts'];

/** Files whose content decides what the fixture contains. */
function fixtureKey(): string {
  const h = createHash('sha256');
  const walk = (p: string) => {
    if (!existsSync(p) || NOT_UPSTREAM.includes(relative(ROOT, p))) return;
    if (statSync(p).isDirectory()) { for (const f of readdirSync(p).sort()) walk(join(p, f)); return; }
    h.update(relative(ROOT, p)).update('\0').update(readFileSync(p)).update('\0');
  };
  for (const p of ['pipeline', 'scripts/make-sample.ts', 'dvc.yaml', 'params.yaml', 'package-lock.json', 'test/helpers/project.ts', 'test/compare/fixture.ts']) walk(join(ROOT, p));
  return h.digest('hex').slice(0, 16);
}

const git = (dir: string, args: string[]) => execFileSync('git', ['-c', 'user.name=tests', '-c', 'user.email=tests@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd: dir, stdio: 'ignore' });

const SEED = join(tmpdir(), 'infsel-runs-seed');
const SEEDED = ['raw', 'cache'];

/** Removes the runs a pointer file names (only folders this fixture makes), and the pointer. */
function dropPointer(pointer: string) {
  try {
    const old = JSON.parse(readFileSync(pointer, 'utf8')) as Runs;
    for (const d of [old.project, old.a]) if (d.startsWith(join(tmpdir(), 'infsel-runs-'))) rmSync(d, { recursive: true, force: true });
  } catch { /* unreadable pointer: just drop it */ }
  rmSync(pointer, { force: true });
}

/** Keeps the fixtures of the two most recent other code versions (a test run may still use them). */
function dropStale(keep: string) {
  const others = readdirSync(tmpdir()).filter((f) => /^infsel-runs-[0-9a-f]{16}\.json$/.test(f)).map((f) => join(tmpdir(), f))
    .filter((f) => f !== keep).sort((x, y) => statSync(y).mtimeMs - statSync(x).mtimeMs);
  for (const f of others.slice(2)) dropPointer(f);
}

/** Builds runs A and A+B (or finds them already built for this code). */
export function buildRuns(): Runs {
  const pointer = join(tmpdir(), `infsel-runs-${fixtureKey()}.json`);
  const rebuild = process.env.INFSEL_FIXTURE_REBUILD;
  if (!rebuild && existsSync(pointer)) {
    const found = JSON.parse(readFileSync(pointer, 'utf8')) as Runs;
    if (existsSync(join(found.project, 'data/warehouse.duckdb')) && existsSync(join(found.a, 'data/warehouse.duckdb'))) return { ...found, buildSeconds: 0 };
  }
  const t0 = performance.now();
  const p = scratchProject('infsel-runs-');
  const data = join(p.dir, 'data');
  const raw = join(data, 'raw');
  // The demo sample and the stage caches of the last build, else a sample made before (make-sample
  // checks every file's hash against its manifest and regenerates only what differs).
  // The report tests keep a sample too ($TMPDIR/infsel-report-fixture/raw): whichever runs first makes it.
  if (rebuild !== 'cold' && SEEDED.every((k) => existsSync(join(SEED, k)))) for (const k of SEEDED) cpSync(join(SEED, k), join(data, k), { recursive: true });
  else {
    const sample = [join(tmpdir(), 'infsel-report-fixture/raw'), join(ROOT, 'data/raw')].find((d) => existsSync(join(d, 'sample.manifest.json')));
    if (sample) cpSync(sample, raw, { recursive: true });
  }
  execFileSync('node', ['--import', import.meta.resolve('tsx'), join(ROOT, 'scripts/make-sample.ts'), '--out', raw], { stdio: 'ignore' });
  const sheet = join(raw, 'sample.csv');
  const lines = readFileSync(sheet, 'utf8').trimEnd().split('\n');
  const pick = (paths: string[]) => paths.map((path) => {
    const line = lines.find((l) => l.startsWith(`https://cdn.example.invalid/${path},`));
    if (!line) throw new Error(`fixture: ${path} is not in the sample sheet`);
    return line;
  });
  const a = [lines[0], ...pick(BATCH_A)];
  writeFileSync(sheet, a.join('\n') + '\n');
  p.run('dvc', ['repro', 'aggregate']);
  git(p.dir, ['add', '-A']);
  git(p.dir, ['commit', '-q', '-m', 'run A']);
  const snapA = `${p.dir}-a`;
  rmSync(snapA, { recursive: true, force: true });
  for (const f of ['warehouse.duckdb', 'metrics.json', 'processed', 'faces', 'plots']) cpSync(join(data, f), join(snapA, 'data', f), { recursive: true });

  writeFileSync(sheet, [...a, ...pick(BATCH_B)].join('\n') + '\n');
  p.run('dvc', ['repro', 'aggregate']);
  // Restore the full sample sheet in the seed, so make-sample finds its files as it wrote them.
  const tmp = `${SEED}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  for (const k of SEEDED) cpSync(join(data, k), join(tmp, k), { recursive: true });
  writeFileSync(join(tmp, 'raw/sample.csv'), lines.join('\n') + '\n');
  try {
    rmSync(SEED, { recursive: true, force: true });
    renameSync(tmp, SEED);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another build saved its seed first: as good
  }
  const runs: Runs = { project: p.dir, a: snapA, batchA: BATCH_A, batchB: BATCH_B, buildSeconds: (performance.now() - t0) / 1000 };
  if (existsSync(pointer)) dropPointer(pointer); // a forced rebuild replaces the runs it names
  writeFileSync(pointer, JSON.stringify(runs, null, 1));
  dropStale(pointer);
  return runs;
}
