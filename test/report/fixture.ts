// A warehouse made by the real stages on the demo sample, in a fresh temp folder, for the report tests.
// Generating the sample (ffmpeg) and detecting faces (face-api) take ~2 minutes cold; both are cached
// by content hash + params by design, so the sample files and the stage caches are kept between test
// runs in $TMPDIR/infsel-report-fixture (delete it, or set REPORT_FIXTURE_CACHE=0, for a cold run).
// Every stage still runs on every test run; only their per-video work comes from the caches.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { creditAllKinds, ROOT, runStage } from '../helpers/project.ts';

const CACHE = join(tmpdir(), 'infsel-report-fixture');
const KEPT = ['raw', 'cache'];
export const UPSTREAM = ['ingest', 'dedup', 'extract', 'embed', 'cluster', 'aggregate'];

/** A temp project with the demo sample run through every stage before report; `patch` edits its params first. */
export function demoWarehouse(patch: (params: any) => void = () => {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'report-stage-'));
  const useCache = process.env.REPORT_FIXTURE_CACHE !== '0';
  mkdirSync(join(dir, 'data'), { recursive: true });
  // Else the compare tests' seed (the same sample and stage caches: test/compare/fixture.ts), when it ran first.
  const seed = [CACHE, join(tmpdir(), 'infsel-runs-seed')].find((d) => KEPT.every((k) => existsSync(join(d, k))));
  if (useCache && seed) for (const k of KEPT) cpSync(join(seed, k), join(dir, 'data', k), { recursive: true });
  // Idempotent: rewrites nothing when the kept files still match its plan.
  execFileSync('node', ['--import', import.meta.resolve('tsx'), join(ROOT, 'scripts/make-sample.ts'), '--out', join(dir, 'data/raw')], { stdio: 'ignore' });
  const params = parse(readFileSync(join(ROOT, 'params.yaml'), 'utf8'));
  creditAllKinds(params);
  patch(params);
  writeFileSync(join(dir, 'params.yaml'), stringify(params));
  for (const s of UPSTREAM) runStage(s, dir);
  if (useCache) {
    const tmp = `${CACHE}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    for (const k of KEPT) cpSync(join(dir, 'data', k), join(tmp, k), { recursive: true });
    try {
      rmSync(CACHE, { recursive: true, force: true });
      renameSync(tmp, CACHE);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another run saved it first: theirs is as good
    }
  }
  return dir;
}
