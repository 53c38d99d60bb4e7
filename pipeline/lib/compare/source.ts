// Where a run to compare comes from: a path (warehouse file, parquet folder, project folder), or a
// git revision / DVC experiment of this repository, whose tables DVC fetches from its cache with
// `dvc get . data/processed --rev REV` (no checkout, the working tree is untouched).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadSnapshot, type Snapshot } from './snapshot.js';

export interface SourceOptions {
  /** The repository a revision belongs to (default: the working directory). */
  repo?: string;
  /** Where fetched revisions go (default: <system temp>/infsel-compare). */
  cacheDir?: string;
}

const run = (cmd: string, args: string[], cwd: string) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/**
 * Fetches a git revision's (or a DVC experiment's) tables into a folder and returns it. The commit
 * id names the folder, so a revision is fetched once.
 */
export function fetchRevision(rev: string, opt: SourceOptions = {}): string {
  const repo = resolve(opt.repo ?? '.');
  let sha: string;
  try {
    sha = run('git', ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], repo);
  } catch {
    // A DVC experiment name: DVC keeps experiments as git refs under refs/exps.
    const ref = run('git', ['for-each-ref', '--format=%(objectname) %(refname)', 'refs/exps'], repo).split('\n')
      .map((l) => l.split(' ')).filter(([, name]) => name?.split('/').pop() === rev).map(([id]) => id);
    if (ref.length !== 1) throw new Error(`${rev}: not a file or folder, nor a git revision or DVC experiment of ${repo}`);
    sha = ref[0];
  }
  const out = join(opt.cacheDir ?? join(tmpdir(), 'infsel-compare'), sha, 'processed');
  if (existsSync(join(out, 'influencer_stats.parquet'))) return out;
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, '..'), { recursive: true });
  try {
    run('dvc', ['get', '.', 'data/processed', '--rev', sha, '-o', out], repo);
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const why = (err.stderr || err.message).split('\n').filter((l) => l.trim() && !/^Having any troubles/.test(l)).join(' ').trim();
    throw new Error(`could not fetch the tables of ${rev} (${sha.slice(0, 8)}) with dvc get: ${why}`);
  }
  return out;
}

/**
 * Reads a run given as a path or a revision. A revision's face crops are looked up in the
 * repository's data/faces (face IDs are stable and crops are kept across runs).
 */
export async function openRun(arg: string, opt: SourceOptions = {}): Promise<Snapshot> {
  if (existsSync(arg)) return loadSnapshot(arg);
  const dir = fetchRevision(arg, opt);
  const s = await loadSnapshot(dir);
  return { ...s, source: arg, root: resolve(opt.repo ?? '.') };
}
