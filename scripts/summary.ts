// The closing summary of `./run demo` (it works after any run): the ranking, both reliabilities, the
// row ledger, which track kinds were credited and why, and where to go next (the report, the
// notebooks, adding a batch, running on your own sheet). Reads the tables of the current folder's run.
//
//   npx tsx scripts/summary.ts        (PARAMS_FILE: the params the run used, as for the stages)
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadParams } from '../pipeline/lib/run/index.ts';
import { memoryConnection } from '../pipeline/lib/warehouse/index.ts';

const conn = await memoryConnection();
const q = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, any>[];
const table = (name: string) => `'data/processed/${name}.parquet'`;
const f = (x: unknown, d = 3) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const out: string[] = [];
const say = (s = '') => out.push(s);

const people = await q(`SELECT * FROM ${table('influencer_stats')} ORDER BY rank NULLS LAST, influencer_id`);
const [counts] = await q(`SELECT (SELECT count(*) FROM ${table('rows')})::INT AS rows, (SELECT count(*) FROM ${table('videos')})::INT AS videos`);
const ranked = people.filter((p) => p.rank !== null).length;
say();
say(`${people.length} people found by their faces in ${counts.videos} distinct videos from ${counts.rows} sheet rows; ${ranked} ranked.`);
say();
say('rank  influencer  videos  shrunken  raw mean  95% interval      SD     reliability');
for (const p of people) {
  const ci = p.ci_low === null ? (p.mean === null ? '' : '(one video)') : `[${f(p.ci_low)}, ${f(p.ci_high)}]`;
  say(`${String(p.rank ?? '-').padEnd(6)}${String(p.influencer_id).padEnd(12)}${String(p.n_videos).padEnd(8)}${f(p.shrunken_mean).padEnd(10)}${f(p.mean).padEnd(10)}${ci.padEnd(18)}${f(p.sd).padEnd(7)}${f(p.reliability, 2)}`);
}
for (const r of await q(`SELECT * FROM ${table('reliability')} ORDER BY measure`)) {
  const ci = r.ci_low === null ? '' : ` [${f(r.ci_low)}, ${f(r.ci_high)}]`;
  say(`\n${r.measure}: ${f(r.icc)}${ci}, ${r.n_groups} groups, ${r.n_obs} observations\n  ${r.reading ?? r.note ?? ''}`);
}
const ledger = await q(`SELECT status, count(*)::INT AS n FROM ${table('rows')} GROUP BY status ORDER BY status`);
say(`\nrows by status: ${ledger.map((r) => `${r.status} ${r.n}`).join(', ')}`);

// Which track kinds became people: the params the run used (PARAMS_FILE, as the stages read them) against params.yaml.
const kinds = (file: string): string[] => {
  try { return loadParams(['people'], file).people.credit_kinds ?? []; } catch { return []; }
};
const used = process.env.PARAMS_FILE;
const base = kinds('params.yaml');
const usedKinds = used ? kinds(used) : base;
if (used && resolve(used) !== resolve('params.yaml') && usedKinds.join() !== base.join()) {
  const demo = existsSync('params.demo.yaml') && kinds('params.demo.yaml').join() === usedKinds.join();
  say(`credited track kinds: ${usedKinds.join(', ')} (${demo ? 'params.demo.yaml: the sample\'s videos are composed from still photos, which the live-presenter rule calls depicted' : used}); your own runs use params.yaml: ${base.join(', ')}`);
} else say(`credited track kinds: ${usedKinds.join(', ')} (people.credit_kinds)`);
say('tables: data/warehouse.duckdb and data/processed/*.parquet; metrics: data/metrics.json');

// Where to go next.
const pending = existsSync('data/raw/next/sample2.csv') && !existsSync('data/raw/sample2.csv');
say();
say('Next:');
say(`  report          ${resolve('reports/index.html')}`);
say(`                  ${resolve('reports/influencers.pdf')} (PDF), ${resolve('reports/influencers.xlsx')} (spreadsheet)`);
say('  notebooks       ./run notebooks   (explore, reliability, compare: reports/notebooks/<name>.html)');
say('  add a batch     put the new sheet beside the others (params.yaml input.sheets) and rerun: only its new videos are decoded.');
if (pending) {
  say('                  The sample\'s second batch (a new person, a new video of one already known) waits in data/raw/next/:');
  say('                    git add dvc.lock && git commit -m "demo: batch 1"    # keep this run to compare against');
  say('                    cp data/raw/next/sample2.csv data/raw/ && ./run demo');
  say('                    .venv/bin/dvc metrics diff && npx tsx pipeline/compare.ts HEAD .');
} else if (existsSync('data/raw/sample2.csv')) {
  say('                  What the sample\'s second batch changed (against the run you committed):');
  say('                    .venv/bin/dvc metrics diff && npx tsx pipeline/compare.ts HEAD .');
}
say('  your own sheet  in params.yaml set input.sheets: [path/to/sheet.xlsx] (files or globs), input.sheets_dir: their folder,');
say('                  input.media_dir: the folder of the videos (else their URLs are downloaded); then ./run repro');
say('                  (rm models/registry.json first to number your people from inf-0001).');
console.log(out.join('\n'));
conn.closeSync();
