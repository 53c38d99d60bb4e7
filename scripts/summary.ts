// Prints what the last pipeline run produced: the row ledger and where the outputs are.
import { memoryConnection } from '../pipeline/lib/warehouse/index.ts';

const conn = await memoryConnection();
const q = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJS();
const ledger = await q(`SELECT status, count(*)::INT AS n FROM 'data/processed/rows.parquet' GROUP BY status ORDER BY status`);
const [videos] = await q(`SELECT count(*)::INT AS n FROM 'data/processed/videos.parquet'`);
console.log(`rows by status: ${ledger.map((r) => `${r.status} ${r.n}`).join(', ')}`);
console.log(`distinct videos: ${videos.n}`);
console.log('tables: data/warehouse.duckdb and data/processed/*.parquet');
