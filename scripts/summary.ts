// Prints what the last pipeline run produced: the ranking, the reliabilities and the row ledger.
import { memoryConnection } from '../pipeline/lib/warehouse/index.ts';

const conn = await memoryConnection();
const q = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJS();
const f = (x: unknown, d = 3) => (typeof x === 'number' ? x.toFixed(d) : 'n/a');
const people = await q(`SELECT * FROM 'data/processed/influencer_stats.parquet' ORDER BY rank NULLS LAST, influencer_id`);
console.log('\nrank  influencer  videos  shrunken  raw mean  95% interval        reliability');
for (const p of people) {
  console.log(`${String(p.rank ?? '-').padEnd(6)}${String(p.influencer_id).padEnd(12)}${String(p.n_videos).padEnd(8)}${f(p.shrunken_mean).padEnd(10)}${f(p.mean).padEnd(10)}${`[${f(p.ci_low)}, ${f(p.ci_high)}]`.padEnd(20)}${f(p.reliability, 2)}`);
}
for (const r of await q(`SELECT * FROM 'data/processed/reliability.parquet' ORDER BY measure`)) {
  console.log(`\n${r.measure}: ${f(r.icc)} [${f(r.ci_low)}, ${f(r.ci_high)}], ${r.n_groups} groups, ${r.n_obs} observations\n  ${r.reading}`);
}
const ledger = await q(`SELECT status, count(*)::INT AS n FROM 'data/processed/rows.parquet' GROUP BY status ORDER BY status`);
console.log(`\nrows by status: ${ledger.map((r) => `${r.status} ${r.n}`).join(', ')}`);
console.log('tables: data/warehouse.duckdb and data/processed/*.parquet; metrics: data/metrics.json');
