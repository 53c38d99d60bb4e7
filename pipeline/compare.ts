// Compare two runs: who is new, who is gone, merges and splits, the analyst's corrections that differ
// (people.yaml), rank moves, changed means and intervals, and the reliability figures before and after.
// People are shown by the analyst's name with the stable ID beside it.
//
//   npx tsx pipeline/compare.ts A B [--out DIR]
//
// A (before) and B (after) are each a warehouse file (data/warehouse.duckdb), a folder of parquet
// tables (data/processed, or what `dvc get` fetched), a project folder, or a git revision / DVC
// experiment name of this repository (its tables are fetched with `dvc get . data/processed --rev`).
// Prints the comparison as Markdown and writes DIR/compare.md and DIR/compare.json
// (default DIR: reports/compare). Exit status 2 on a usage or input error.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compareRuns } from './lib/compare/diff.ts';
import { toMarkdown } from './lib/compare/format.ts';
import { openRun } from './lib/compare/source.ts';

const USAGE = 'usage: npx tsx pipeline/compare.ts A B [--out DIR]   (A, B: warehouse file, parquet folder, project folder, git revision or DVC experiment)';

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ allowPositionals: true, options: { out: { type: 'string', default: 'reports/compare' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.values.help) { console.log(USAGE); return 0; }
  if (args.positionals.length !== 2) { console.error(USAGE); return 2; }
  const [a, b] = args.positionals;
  let diff;
  try {
    diff = compareRuns(await openRun(a), await openRun(b));
  } catch (e) {
    console.error(`compare: ${(e as Error).message}`);
    return 2;
  }
  const md = toMarkdown(diff);
  const out = args.values.out!;
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'compare.md'), md + '\n');
  await writeFile(join(out, 'compare.json'), JSON.stringify(diff, null, 1) + '\n');
  console.log(md);
  console.error(`compare: ${diff.added.length} added, ${diff.removed.length} removed, ${diff.merged.length} merges, ${diff.split.length} splits, ${diff.rankMoves.length} rank moves, ${diff.figureChanges.length} changed figures, ${diff.corrections.length} corrections differ; wrote ${join(out, 'compare.md')} and compare.json`);
  return 0;
}

process.exitCode = await main();
