// One run's tables, read-only, from wherever a run's outputs are: the DuckDB warehouse
// (data/warehouse.duckdb), a folder of parquet tables (data/processed, or what `dvc get` fetched
// from a git revision), or a project folder holding either.
//
// Shared by the compare command and the tslab notebooks. tslab compiles imported .ts files itself
// (TypeScript 5.0, CommonJS, no allowImportingTsExtensions), so this folder imports its siblings
// as './x.js' (which tsc, tsx and tslab all resolve to x.ts), never uses import.meta or top-level await.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

export interface StatsRow {
  influencer_id: string; n_videos: number; n_postings: number; mean: number | null; sd: number | null; cv: number | null;
  ci_low: number | null; ci_high: number | null; reliability: number | null; shrunken_mean: number | null; rank: number | null;
}
export interface PersonRow { influencer_id: string; exemplar_face_id: string | null; n_videos: number; n_tracks: number | null; n_faces: number | null }
export interface AppearanceRow { video_id: string; influencer_id: string; screen_share: number; n_faces: number; credited: boolean }
export interface EventRow { run_id: number; event: string; influencer_id: string; other_ids: string[] }
export interface ReliabilityRow {
  measure: string; icc: number | null; ci_low: number | null; ci_high: number | null; f: number | null; p: number | null;
  n_groups: number | null; n_obs: number | null; note: string | null; reading: string | null;
}
export interface LedgerRow { row_number: number; url: string | null; performance: number | null; status: string; reason: string | null; video_id: string | null }
export interface VideoRow { video_id: string; canonical_url: string | null; duration_s: number | null; n_postings: number; n_scored: number | null; score: number | null }
export interface FaceRow {
  face_id: string; video_id: string; t_s: number; det_score: number; quality: number | null; gate: string;
  track_id: string | null; crop_path: string | null;
}
export interface DuplicateRow { video_id: string; row_number: number; url: string | null; match: string | null; performance: number | null }
export interface TrackPersonRow { track_id: string; video_id: string; influencer_id: string | null }
/** A row of `person_names`: the analyst's name for an ID (people.yaml), and whether a correction touched it. */
export interface PersonNameRow { influencer_id: string; name: string | null; corrected: boolean }
/** A row of `corrections`: one entry of people.yaml as the cluster stage applied it. */
export interface CorrectionRow { line: number; kind: string; text: string; status: string; note: string | null; influencer_ids: string[]; track_ids: string[] }

/** The tables of one run (heavy columns such as vectors and landmarks are left out). */
export interface Snapshot {
  /** What was read, as given. */
  source: string;
  /** The file or folder actually read. */
  location: string;
  /** The folder that face crop paths (data/faces/…) are relative to, when known. */
  root: string | null;
  /** Tables the warehouse file lacked, read from the parquet files beside it instead. */
  fromParquet: string[];
  stats: StatsRow[];
  people: PersonRow[];
  appearances: AppearanceRow[];
  events: EventRow[];
  reliability: ReliabilityRow[];
  rows: LedgerRow[];
  videos: VideoRow[];
  faces: FaceRow[];
  duplicates: DuplicateRow[];
  trackPeople: TrackPersonRow[];
  /** The analyst's names and corrections (absent or empty in a run made before people.yaml). */
  names?: PersonNameRow[];
  corrections?: CorrectionRow[];
}

export interface TableInfo { table: string; rows: number; columns: string[] }

/**
 * Where a run's tables are: a DuckDB file or a folder of <table>.parquet files. Beside a warehouse,
 * `parquetDir` (its data/processed) serves the tables the warehouse file lacks.
 */
export interface Location { kind: 'duckdb' | 'parquet'; path: string; root: string | null; parquetDir: string | null }

const hasParquet = (dir: string) => existsSync(dir) && statSync(dir).isDirectory() && readdirSync(dir).some((f) => f.endsWith('.parquet'));

/**
 * Finds the tables of a run at `path`: a .duckdb file; a folder with data/warehouse.duckdb,
 * warehouse.duckdb, data/processed/*.parquet or *.parquet (in that order). Throws with what it
 * looked for when there is none.
 */
export function locate(path: string): Location {
  const p = resolve(path);
  if (!existsSync(p)) throw new Error(`no such file or folder: ${path}`);
  const rootOfData = (dataDir: string) => (basename(dataDir) === 'data' ? dirname(dataDir) : null);
  const warehouse = (file: string, root: string | null): Location => {
    const processed = join(dirname(file), 'processed');
    return { kind: 'duckdb', path: file, root, parquetDir: hasParquet(processed) ? processed : null };
  };
  if (statSync(p).isFile()) return warehouse(p, rootOfData(dirname(p)) ?? dirname(p));
  if (existsSync(join(p, 'data/warehouse.duckdb'))) return warehouse(join(p, 'data/warehouse.duckdb'), p);
  if (existsSync(join(p, 'warehouse.duckdb'))) return warehouse(join(p, 'warehouse.duckdb'), rootOfData(p) ?? p);
  if (hasParquet(join(p, 'data/processed'))) return { kind: 'parquet', path: join(p, 'data/processed'), root: p, parquetDir: null };
  if (hasParquet(p)) return { kind: 'parquet', path: p, root: basename(p) === 'processed' ? rootOfData(dirname(p)) : null, parquetDir: null };
  throw new Error(`${path}: no run found (looked for a .duckdb file, data/warehouse.duckdb, warehouse.duckdb, data/processed/*.parquet, *.parquet)`);
}

// Copies of the warehouse's: this folder is also compiled by the notebooks' tslab kernel, which
// takes no '.ts' imports from the rest of pipeline/lib.
const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;
const ident = (s: string) => `"${s.replaceAll('"', '""')}"`;

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

/**
 * A read-only view of one run's tables through an in-memory DuckDB (the warehouse file is attached
 * READ_ONLY). Close it when done.
 */
export class RunReader {
  private constructor(
    readonly location: Location,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    private readonly inWarehouse: Set<string>,
    private readonly inParquet: Set<string>,
  ) {}

  static async open(path: string): Promise<RunReader> {
    const location = locate(path);
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    const parquetTables = (dir: string | null) => (dir ? readdirSync(dir).filter((f) => f.endsWith('.parquet')).map((f) => f.slice(0, -'.parquet'.length)) : []);
    try {
      if (location.kind === 'parquet') return new RunReader(location, instance, conn, new Set(), new Set(parquetTables(location.path)));
      let inWarehouse: string[] = [];
      try {
        await conn.run(`ATTACH ${sqlString(location.path)} AS run (READ_ONLY)`);
        const r = await conn.runAndReadAll(`SELECT table_name FROM duckdb_tables() WHERE database_name = 'run'`);
        inWarehouse = r.getRowObjectsJS().map((x) => String(x.table_name));
      } catch (e) {
        // A stage writing the warehouse holds its lock: the parquet files beside it are the same tables.
        if (!location.parquetDir) throw e;
      }
      return new RunReader(location, instance, conn, new Set(inWarehouse), new Set(parquetTables(location.parquetDir)));
    } catch (e) {
      conn.closeSync();
      instance.closeSync();
      throw e;
    }
  }

  get tables(): string[] { return [...new Set([...this.inWarehouse, ...this.inParquet])].sort(); }
  has(table: string): boolean { return this.inWarehouse.has(table) || this.inParquet.has(table); }

  /** Tables that a warehouse file lacks and that are read from the parquet files beside it. */
  get fromParquet(): string[] {
    return this.location.kind === 'duckdb' ? [...this.inParquet].filter((t) => !this.inWarehouse.has(t)).sort() : [];
  }

  /** The FROM clause item for a table. */
  ref(table: string): string {
    if (this.inWarehouse.has(table)) return `run.main.${ident(table)}`;
    const dir = this.location.kind === 'parquet' ? this.location.path : this.location.parquetDir;
    if (dir && this.inParquet.has(table)) return `read_parquet(${sqlString(join(dir, `${table}.parquet`))})`;
    throw new Error(`table ${table} not found in ${this.location.path}`);
  }

  /** Runs SQL; write {table} for a table (e.g. `SELECT * FROM {influencer_stats}`). Rows come back as plain JS (BIGINT as number). */
  async query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    const text = sql.replace(/\{([a-z_][a-z0-9_]*)\}/gi, (_, t: string) => this.ref(t));
    const r = await this.conn.runAndReadAll(text);
    return r.getRowObjectsJS().map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plain(v)]))) as T[];
  }

  async columns(table: string): Promise<string[]> {
    return (await this.query<{ column_name: string }>(`DESCRIBE SELECT * FROM {${table}}`)).map((c) => c.column_name);
  }

  /**
   * The named columns of a table (those it lacks come back null), sorted by `orderBy`; [] when the
   * table is missing and `optional`.
   */
  async read<T>(table: string, columns: string[], orderBy: string[], optional = false): Promise<T[]> {
    if (!this.has(table)) {
      if (optional) return [];
      throw new Error(`table ${table} not found in ${this.location.path}`);
    }
    const have = new Set(await this.columns(table));
    const select = columns.map((c) => (have.has(c) ? ident(c) : `NULL AS ${ident(c)}`)).join(', ');
    const order = orderBy.filter((c) => have.has(c)).map(ident).join(', ');
    return this.query<T>(`SELECT ${select} FROM {${table}}${order ? ` ORDER BY ${order}` : ''}`);
  }

  /** Every table with its number of rows and its columns. */
  async summary(): Promise<TableInfo[]> {
    const out: TableInfo[] = [];
    for (const table of this.tables) {
      const [{ n }] = await this.query<{ n: number }>(`SELECT count(*) AS n FROM {${table}}`);
      out.push({ table, rows: n, columns: await this.columns(table) });
    }
    return out;
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

const READ = ['influencer_stats', 'influencers', 'appearances', 'registry_events', 'reliability', 'rows', 'videos', 'faces', 'duplicate_groups', 'track_people', 'person_names', 'corrections'];

/** Reads the tables the notebooks and the compare command use. */
export async function loadSnapshot(path: string): Promise<Snapshot> {
  const r = await RunReader.open(path);
  try {
    const stats = await r.read<StatsRow>('influencer_stats', ['influencer_id', 'n_videos', 'n_postings', 'mean', 'sd', 'cv', 'ci_low', 'ci_high', 'reliability', 'shrunken_mean', 'rank'], ['influencer_id']);
    const people = await r.read<PersonRow>('influencers', ['influencer_id', 'exemplar_face_id', 'n_videos', 'n_tracks', 'n_faces'], ['influencer_id']);
    const appearances = (await r.read<AppearanceRow>('appearances', ['video_id', 'influencer_id', 'screen_share', 'n_faces', 'credited'], ['video_id', 'influencer_id']))
      .map((a) => ({ ...a, credited: Boolean(a.credited) }));
    const events = (await r.read<EventRow>('registry_events', ['run_id', 'event', 'influencer_id', 'other_ids'], ['run_id', 'event', 'influencer_id'], true))
      .map((e) => ({ ...e, other_ids: [...(e.other_ids ?? [])] }));
    const reliability = await r.read<ReliabilityRow>('reliability', ['measure', 'icc', 'ci_low', 'ci_high', 'f', 'p', 'n_groups', 'n_obs', 'note', 'reading'], ['measure']);
    const rows = await r.read<LedgerRow>('rows', ['row_number', 'url', 'performance', 'status', 'reason', 'video_id'], ['row_number']);
    const videos = await r.read<VideoRow>('videos', ['video_id', 'canonical_url', 'duration_s', 'n_postings', 'n_scored', 'score'], ['video_id']);
    const faces = await r.read<FaceRow>('faces', ['face_id', 'video_id', 't_s', 'det_score', 'quality', 'gate', 'track_id', 'crop_path'], ['face_id'], true);
    const duplicates = await r.read<DuplicateRow>('duplicate_groups', ['video_id', 'row_number', 'url', 'match', 'performance'], ['video_id', 'row_number'], true);
    const trackPeople = await r.read<TrackPersonRow>('track_people', ['track_id', 'video_id', 'influencer_id'], ['track_id'], true);
    const names = (await r.read<PersonNameRow>('person_names', ['influencer_id', 'name', 'corrected'], ['influencer_id'], true)).map((n) => ({ ...n, corrected: Boolean(n.corrected) }));
    const corrections = (await r.read<CorrectionRow>('corrections', ['line', 'kind', 'text', 'status', 'note', 'influencer_ids', 'track_ids'], ['line'], true))
      .map((c) => ({ ...c, influencer_ids: [...(c.influencer_ids ?? [])], track_ids: [...(c.track_ids ?? [])] }));
    return { source: path, location: r.location.path, root: r.location.root, fromParquet: r.fromParquet.filter((t) => READ.includes(t)), stats, people, appearances, events, reliability, rows, videos, faces, duplicates, trackPeople, names, corrections };
  } finally {
    r.close();
  }
}

/** Names by ID (person_names; people.yaml `names`): only the named. */
export function namesOf(s: Pick<Snapshot, 'names'>): Record<string, string> {
  return Object.fromEntries((s.names ?? []).filter((n) => n.name).map((n) => [n.influencer_id, n.name as string]));
}

/** The run's per-person stats, each with the analyst's name (people.yaml) or null. */
export const namedStats = (s: Pick<Snapshot, 'stats' | 'names'>, names = namesOf(s)) => s.stats.map((r) => ({ ...r, name: names[r.influencer_id] ?? null }));

/** "Priya S. (inf-0004)": the name with the ID beside it; the ID alone when unnamed. */
export const withName = (names: Record<string, string>, id: string) => (names[id] ? `${names[id]} (${id})` : id);

/** One credited, scored video of one person: what the aggregate stage averaged for that person. */
export interface CreditedScore { influencer_id: string; video_id: string; score: number; n_postings: number }

/** Every credited video with a score, per person (appearances.credited ⋈ videos.score). */
export function creditedScores(s: Pick<Snapshot, 'appearances' | 'videos'>): CreditedScore[] {
  const videos = new Map(s.videos.map((v) => [v.video_id, v]));
  return s.appearances
    .filter((a) => a.credited && videos.get(a.video_id)?.score != null)
    .map((a) => {
      const v = videos.get(a.video_id)!;
      return { influencer_id: a.influencer_id, video_id: a.video_id, score: v.score as number, n_postings: v.n_scored ?? v.n_postings };
    })
    .sort((x, y) => x.influencer_id.localeCompare(y.influencer_id) || x.video_id.localeCompare(y.video_id));
}
