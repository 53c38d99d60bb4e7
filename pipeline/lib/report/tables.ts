// The warehouse tables the report reads, as typed rows. Everything else in the report is computed
// from these by pure functions (model.ts), so notebooks and tests can feed rows of their own.
import { existsSync } from 'node:fs';
import { defaultPaths, parquetPath, readTable, type WarehousePaths } from '../warehouse/index.ts';
import type { DuplicateRow, ReliabilityRow, StatRow } from './charts.ts';

export interface InfluencerRow { influencer_id: string; exemplar_face_id: string | null; n_videos: number; n_tracks: number; n_faces: number }
export interface AppearanceRow { video_id: string; influencer_id: string; screen_share: number; n_faces: number; n_tracks: number; credited: boolean }
export interface FaceRow {
  face_id: string; video_id: string; t_s: number; det_score: number; size_px: number; quality: number;
  gate: string; track_id: string | null; crop_path: string | null;
}
export interface TrackRow {
  track_id: string; video_id: string; kind: string | null; kind_score: number | null; kind_evidence?: string | null; n_faces: number;
  first_t_s: number; last_t_s: number; screen_share: number; exemplar_face_id: string | null;
}
export interface TrackPersonRow { track_id: string; video_id: string; influencer_id: string | null }
export interface VideoRow { video_id: string; canonical_url: string | null; duration_s: number | null; n_postings: number; n_scored: number; score: number | null }
export interface LedgerRow { row_number: number; batch?: string | null; batch_row?: number | null; sheet_row: number | null; url: string | null; performance: number | null; status: string; reason: string | null; video_id: string | null }
export interface RegistryEventRow { run_id: number; event: string; influencer_id: string; other_ids: string[]; source?: string; detail?: string | null }
/** A row of `corrections` (the cluster stage's reading of people.yaml). */
export interface CorrectionRow { line: number; kind: string; text: string; status: string; note: string | null; influencer_ids: string[]; track_ids: string[] }
/** A row of `person_names`: the analyst's name for an ID (null: none) and whether a correction touched it. */
export interface PersonNameRow { influencer_id: string; name: string | null; corrected: boolean }

export interface ReportTables {
  stats: (StatRow & { n_postings: number; sd: number | null; cv: number | null })[];
  reliability: ReliabilityRow[];
  influencers: InfluencerRow[];
  appearances: AppearanceRow[];
  faces: FaceRow[];
  tracks: TrackRow[];
  trackPeople: TrackPersonRow[];
  videos: VideoRow[];
  rows: LedgerRow[];
  duplicateGroups: DuplicateRow[];
  registryEvents: RegistryEventRow[];
  /** The analyst's corrections (people.yaml) and names; absent in a warehouse made before them. */
  corrections?: CorrectionRow[];
  personNames?: PersonNameRow[];
}

/** Table name in the warehouse for each field of ReportTables. */
export const TABLES: Record<keyof ReportTables, string> = {
  stats: 'influencer_stats', reliability: 'reliability', influencers: 'influencers', appearances: 'appearances',
  faces: 'faces', tracks: 'tracks', trackPeople: 'track_people', videos: 'videos', rows: 'rows',
  duplicateGroups: 'duplicate_groups', registryEvents: 'registry_events', corrections: 'corrections', personNames: 'person_names',
};

/** Tables a report can do without (an empty section says so). */
const OPTIONAL = new Set<keyof ReportTables>(['registryEvents', 'duplicateGroups', 'corrections', 'personNames']);

/** Reads the report's tables from data/processed (parquet). Heavy columns (vectors) are dropped. */
export async function loadTables(paths: WarehousePaths = defaultPaths): Promise<ReportTables> {
  const out: Partial<Record<keyof ReportTables, unknown[]>> = {};
  await Promise.all((Object.keys(TABLES) as (keyof ReportTables)[]).map(async (key) => {
    const file = parquetPath(TABLES[key], paths);
    if (!existsSync(file)) {
      if (OPTIONAL.has(key)) { out[key] = []; return; }
      throw new Error(`report: table ${TABLES[key]} not found at ${file} (run the stages before report)`);
    }
    out[key] = (await readTable<Record<string, unknown>>(file)).map((r) => {
      const { vector, centroid, landmarks, ...rest } = r;
      void vector; void centroid; void landmarks;
      return rest;
    });
  }));
  return out as unknown as ReportTables;
}
