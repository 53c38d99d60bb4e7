// A warehouse made by the real stages from the demo sample (batch 1, with the demo's params: params.yaml
// with params.demo.yaml laid over it, as `./run demo` runs it), in a fresh temp folder, for the report,
// demo and crash tests. Generating the sample (ffmpeg) and detecting faces take a minute or two cold;
// both are cached by content hash + params by design, so the sample files and the stage caches are kept
// between test runs in $TMPDIR/infsel-report-fixture (delete it, or set REPORT_FIXTURE_CACHE=0, for a
// cold run). Every stage still runs on every test run; only their per-video work comes from the caches
// (the extract cache is keyed by the face engine and its version, so an engine change redoes it).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { readTable } from '../../pipeline/lib/warehouse/index.ts';
import { ROOT, runStage } from '../helpers/project.ts';

const CACHE = join(tmpdir(), 'infsel-report-fixture');
const KEPT = ['raw', 'cache'];
export const UPSTREAM = ['ingest', 'dedup', 'extract', 'embed', 'cluster', 'aggregate'];

/** Writes the demo sample into `raw` (idempotent: rewrites nothing when the files match its plan) and, with `params`, the demo's params file. */
export function makeSample(raw: string, params?: string): void {
  execFileSync('node', ['--import', import.meta.resolve('tsx'), join(ROOT, 'scripts/make-sample.ts'), '--out', raw, ...(params ? ['--params', params] : [])], { stdio: 'ignore' });
}

/** Copies the sample and the stage caches of an earlier fixture build into `data` (when there is one). */
export function seedFrom(data: string): void {
  if (process.env.REPORT_FIXTURE_CACHE === '0') return;
  // Else the compare tests' seed (the same sample and stage caches: test/compare/fixture.ts), when it ran first.
  const seed = [CACHE, join(tmpdir(), 'infsel-runs-seed')].find((d) => KEPT.every((k) => existsSync(join(d, k))));
  if (seed) for (const k of KEPT) cpSync(join(seed, k), join(data, k), { recursive: true });
}

/** A temp project with the demo sample run through every stage before report; `patch` edits its params first. */
export function demoWarehouse(patch: (params: any) => void = () => {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'report-stage-'));
  const useCache = process.env.REPORT_FIXTURE_CACHE !== '0';
  mkdirSync(join(dir, 'data'), { recursive: true });
  seedFrom(join(dir, 'data'));
  makeSample(join(dir, 'data/raw'), join(dir, 'params.yaml'));
  const params = parse(readFileSync(join(dir, 'params.yaml'), 'utf8'));
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

/** A copy of a fixture project (a test that changes it leaves the original to the others). */
export function copyProject(dir: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'report-copy-'));
  cpSync(dir, copy, { recursive: true });
  return copy;
}

/**
 * Raises the credit cut (people.credit_min_screen_share) just above the largest screen share of the
 * person seen smallest, found in the project's own appearances, and reruns cluster and aggregate: that
 * person stays in the report, seen but credited with no video (unranked), next to the ranked others.
 */
export async function unrankOne(dir: string): Promise<{ cut: number; person: string }> {
  const app = await readTable<{ influencer_id: string; screen_share: number; credited: boolean }>(join(dir, 'data/processed/appearances.parquet'));
  const largest = new Map<string, number>();
  for (const a of app) if (a.credited) largest.set(a.influencer_id, Math.max(largest.get(a.influencer_id) ?? 0, a.screen_share));
  const [first, second] = [...largest.entries()].sort((a, b) => a[1] - b[1]);
  if (!second || !(second[1] > first[1])) throw new Error(`unrankOne: no person is seen smaller than the others (${JSON.stringify([...largest])})`);
  const cut = (first[1] + second[1]) / 2;
  const params = parse(readFileSync(join(dir, 'params.yaml'), 'utf8'));
  params.people.credit_min_screen_share = cut;
  writeFileSync(join(dir, 'params.yaml'), stringify(params));
  for (const s of ['cluster', 'aggregate']) runStage(s, dir);
  return { cut, person: first[0] };
}
