// What every stage script shares: params, bounded concurrency, progress and the one-line summary.
import { readFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';

export type Params = Record<string, any>;

/**
 * Loads the given top-level sections of params.yaml (the same keys the stage declares in dvc.yaml),
 * so a stage cannot read a param whose change would not rerun it.
 */
export function loadParams(sections: string[], file = process.env.PARAMS_FILE ?? 'params.yaml'): Params {
  const all = parse(readFileSync(file, 'utf8')) ?? {};
  const out: Params = {};
  for (const s of sections) {
    if (!(s in all)) throw new Error(`${file}: missing section "${s}"`);
    out[s] = all[s];
  }
  return out;
}

/** Runs `fn` over items with at most `limit` in flight; results keep the input order. */
export async function mapLimit<I, O>(items: I[], limit: number, fn: (item: I, index: number) => Promise<O>): Promise<O[]> {
  const out = new Array<O>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return out;
}

/** A progress line on stderr, redrawn in place on a terminal, printed every 10% otherwise. */
export function progress(label: string, total: number) {
  let done = 0;
  let lastDecile = -1;
  const tty = process.stderr.isTTY;
  return {
    tick(n = 1) {
      done += n;
      const decile = total ? Math.floor((10 * done) / total) : 10;
      if (tty) process.stderr.write(`\r${label} ${done}/${total}${done >= total ? '\n' : ''}`);
      else if (decile !== lastDecile && total > 20) { lastDecile = decile; process.stderr.write(`${label} ${done}/${total}\n`); }
    },
  };
}

let tmpFiles = 0;

/**
 * Writes a file so that a reader (or a rerun after a crash) sees either the old file or the whole
 * new one: a temp file in the same folder (`<file>.tmp-<pid>-<n>`), then renamed into place.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${++tmpFiles}`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

/** Removes the temp files writeFileAtomic left in `dir` when its process was killed mid-write. */
export async function removeStaleTemps(dir: string): Promise<void> {
  for (const f of await readdir(dir)) if (/\.tmp-\d+-\d+$/.test(f)) await rm(join(dir, f), { force: true });
}

/** Prints the stage's one-line summary and records its counters in data/logs/<stage>.json. */
export async function summarise(stage: string, line: string, counters: Record<string, unknown>) {
  process.stderr.write(`${stage}: ${line}\n`);
  await mkdir('data/logs', { recursive: true });
  await writeFileAtomic(`data/logs/${stage}.json`, JSON.stringify(counters, null, 1) + '\n');
}
