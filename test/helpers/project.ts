// Test support: a scratch copy of the project (code, dvc.yaml, params) in a temp folder, with its
// own git + DVC repo, so tests run the real `dvc repro` without touching the working tree. Its params
// credit every track kind (creditAllKinds); a test on real footage sets people.credit_kinds back.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';

export const ROOT = resolve(import.meta.dirname, '../..');
export const SHARED = resolve(ROOT, '../shared');
export const FUELGROWTH = join(SHARED, 'data/fuelgrowth');
export const hasShared = existsSync(join(FUELGROWTH, 'Assignment Data.xlsx'));

/** The environment tests and benchmarks run tools in: the project's venv (DVC) and npm bins first, no analytics. */
export const toolEnv = {
  ...process.env,
  DVC_NO_ANALYTICS: '1',
  PATH: `${ROOT}/.venv/bin:${ROOT}/node_modules/.bin:${process.env.PATH}`,
};

/**
 * The demo sample and the synthetic benchmarks are composed from still photos, so their faces are
 * "depicted" by construction (DESIGN): tests that count people in them credit every kind.
 */
export function creditAllKinds(params: any): void {
  params.people.credit_kinds = ['live', 'depicted', 'overlay'];
}

/**
 * Writes `dir`/params.yaml for a run on the real replica (../shared/data/fuelgrowth): the project's
 * params with the replica's sheet and media, changed by `patch`. Returns the params written.
 */
export function replicaParams(dir: string, patch: (p: any) => void = () => {}): any {
  const params = parse(readFileSync(join(ROOT, 'params.yaml'), 'utf8'));
  params.input.sheet = join(FUELGROWTH, 'Assignment Data.xlsx');
  params.input.media_dir = join(FUELGROWTH, 'media/facebook-assets');
  patch(params);
  writeFileSync(join(dir, 'params.yaml'), stringify(params));
  return params;
}

export interface Scratch { dir: string; run(cmd: string, args: string[]): string; setParams(patch: (p: any) => void): void; log(stage: string): any }

export function scratchProject(prefix = 'infsel-'): Scratch {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const f of ['pipeline', 'dvc.yaml', 'params.yaml', 'people.yaml', 'package.json', 'tsconfig.json', '.dvcignore']) {
    if (existsSync(join(ROOT, f))) cpSync(join(ROOT, f), join(dir, f), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  // The face models (not the registry, which each project writes for itself).
  mkdirSync(join(dir, 'models'));
  for (const m of ['yunet', 'faceapi']) symlinkSync(join(ROOT, 'models', m), join(dir, 'models', m));
  writeFileSync(join(dir, '.gitignore'), 'node_modules\n/data\n/models/registry.json\n');
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: dir, env: toolEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  const params = parse(readFileSync(join(dir, 'params.yaml'), 'utf8'));
  creditAllKinds(params);
  writeFileSync(join(dir, 'params.yaml'), stringify(params));
  run('git', ['init', '-q']);
  run('dvc', ['init', '-q']);
  run('dvc', ['config', 'core.analytics', 'false']);
  run('dvc', ['config', 'core.check_update', 'false']);
  return {
    dir,
    run,
    setParams(patch) {
      const p = parse(readFileSync(join(dir, 'params.yaml'), 'utf8'));
      patch(p);
      writeFileSync(join(dir, 'params.yaml'), stringify(p));
    },
    log: (stage) => JSON.parse(readFileSync(join(dir, 'data/logs', `${stage}.json`), 'utf8')),
  };
}

/** Node's arguments that run one stage script (pipeline/stages/<stage>.ts) through tsx. */
export const stageArgs = (stage: string) => ['--import', import.meta.resolve('tsx'), join(ROOT, 'pipeline/stages', `${stage}.ts`)];

/** Runs a stage script of the real tree in `cwd` (no DVC); returns stderr, throws if it fails. */
export function runStage(stage: string, cwd: string, extraEnv: Record<string, string> = {}): string {
  const r = spawnSync('node', stageArgs(stage), {
    cwd, env: { ...toolEnv, ...extraEnv }, encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`stage ${stage} failed (${r.status}): ${r.stderr}`);
  return r.stderr;
}

/** A small real video made by ffmpeg's test source (no external media needed). */
export function makeTestVideo(path: string, opts: { seconds?: number; size?: string; source?: string } = {}) {
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `${opts.source ?? 'testsrc2'}=size=${opts.size ?? '128x224'}:rate=10:duration=${opts.seconds ?? 3}`,
    '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-f', 'mp4', path]);
}
