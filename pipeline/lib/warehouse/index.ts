// The warehouse: every table is a parquet file under data/processed (the DVC outs) and the same
// table inside data/warehouse.duckdb for SQL users, notebooks and the report.
// Writes are crash-safe: parquet goes to a temp file then is renamed; the DuckDB replace is one
// transaction (test/hardening/crash.test.ts kills every stage mid-write).
import { DuckDBConnection, DuckDBInstance, FLOAT, LIST, VARCHAR, type DuckDBValue } from '@duckdb/node-api';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

export type ColumnType = 'VARCHAR' | 'DOUBLE' | 'INTEGER' | 'BOOLEAN' | 'FLOAT[]' | 'VARCHAR[]';
export interface Column { name: string; type: ColumnType }
export interface TableSchema { name: string; columns: Column[]; /** sort key, so outputs are deterministic */ orderBy: string[] }
export type Row = Record<string, unknown>;

export interface WarehousePaths { processedDir: string; warehouseFile: string }
export const defaultPaths: WarehousePaths = { processedDir: 'data/processed', warehouseFile: 'data/warehouse.duckdb' };

export const parquetPath = (table: string, paths: WarehousePaths = defaultPaths) => `${paths.processedDir}/${table}.parquet`;

/** A SQL string literal and a quoted SQL identifier. */
export const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;
export const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;

export async function memoryConnection(): Promise<DuckDBConnection> {
  return (await DuckDBInstance.create(':memory:')).connect();
}

function appendValue(appender: ReturnType<DuckDBConnection['createAppender']> extends Promise<infer A> ? A : never, type: ColumnType, v: unknown) {
  if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return appender.appendNull();
  switch (type) {
    case 'VARCHAR': return appender.appendVarchar(String(v));
    case 'DOUBLE': return appender.appendDouble(Number(v));
    case 'INTEGER': return appender.appendInteger(Number(v));
    case 'BOOLEAN': return appender.appendBoolean(Boolean(v));
    // Typed lists: an empty list has no item type to infer.
    case 'FLOAT[]': return appender.appendList(Array.from(v as ArrayLike<number>) as DuckDBValue[], LIST(FLOAT));
    case 'VARCHAR[]': return appender.appendList((v as string[]).map(String), LIST(VARCHAR));
  }
}

/** Loads records into a (temporary) table of the given schema on the connection. */
export async function loadRecords(conn: DuckDBConnection, schema: TableSchema, records: Row[]): Promise<void> {
  const cols = schema.columns.map((c) => `${ident(c.name)} ${c.type}`).join(', ');
  await conn.run(`CREATE OR REPLACE TABLE ${ident(schema.name)} (${cols})`);
  const appender = await conn.createAppender(schema.name);
  for (const r of records) {
    for (const c of schema.columns) appendValue(appender, c.type, r[c.name]);
    appender.endRow();
  }
  appender.closeSync();
}

/** Writes a table (already on `conn`) to parquet atomically and replaces it in the warehouse file. */
export async function publishTable(conn: DuckDBConnection, schema: TableSchema, paths: WarehousePaths = defaultPaths): Promise<void> {
  const out = parquetPath(schema.name, paths);
  await mkdir(dirname(out), { recursive: true });
  const tmp = `${out}.tmp-${process.pid}`;
  const order = schema.orderBy.length ? ` ORDER BY ${schema.orderBy.map(ident).join(', ')}` : '';
  await conn.run(`COPY (SELECT * FROM ${ident(schema.name)}${order}) TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
  await rename(tmp, out);
  await mirrorToWarehouse([schema.name], paths);
}

/** Copies the named tables' parquet files into the warehouse file, in one transaction. */
export async function mirrorToWarehouse(tables: string[], paths: WarehousePaths = defaultPaths): Promise<void> {
  await mkdir(dirname(paths.warehouseFile), { recursive: true });
  // A new warehouse is created aside and renamed into place: killed between creating the file and
  // writing its header, DuckDB would leave a file it then refuses to open ("not a valid DuckDB
  // database file"). Once it exists, DuckDB's WAL makes each transaction all or nothing.
  if (!existsSync(paths.warehouseFile)) {
    const tmp = `${paths.warehouseFile}.tmp-${process.pid}`;
    await rm(tmp, { force: true });
    (await DuckDBInstance.create(tmp)).closeSync();
    await rename(tmp, paths.warehouseFile);
  }
  // One instance per call, closed at the end: two open instances on one file overwrite each
  // other's tables when they checkpoint.
  const instance = await DuckDBInstance.create(paths.warehouseFile);
  const conn = await instance.connect();
  try {
    await conn.run('BEGIN TRANSACTION');
    for (const t of tables) {
      await conn.run(`CREATE OR REPLACE TABLE ${ident(t)} AS SELECT * FROM read_parquet(${sqlString(resolve(parquetPath(t, paths)))})`);
    }
    await conn.run('COMMIT');
  } catch (e) {
    await conn.run('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Builds the table from records and publishes it (parquet + warehouse). */
export async function writeTable(schema: TableSchema, records: Row[], paths: WarehousePaths = defaultPaths): Promise<void> {
  const conn = await memoryConnection();
  try {
    await loadRecords(conn, schema, records);
    await publishTable(conn, schema, paths);
  } finally {
    conn.closeSync();
  }
}

/** Reads a parquet table as plain JS objects (lists as arrays, numbers as numbers). */
export async function readTable<T = Row>(path: string): Promise<T[]> {
  const conn = await memoryConnection();
  try {
    const reader = await conn.runAndReadAll(`SELECT * FROM read_parquet(${sqlString(path)})`);
    return reader.getRowObjectsJS().map((r) => normalise(r)) as T[];
  } finally {
    conn.closeSync();
  }
}

function normalise(r: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(r)) out[k] = typeof v === 'bigint' ? Number(v) : v;
  return out;
}
