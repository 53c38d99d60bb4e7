// Table schemas of the ingest and dedup stages (the warehouse contract; see DESIGN.md).
import type { TableSchema } from '../warehouse/index.ts';

export const ingestRowsSchema: TableSchema = {
  name: 'ingest_rows',
  orderBy: ['row_number'],
  columns: [
    { name: 'row_number', type: 'INTEGER' },
    { name: 'source_file', type: 'VARCHAR' },
    /** the batch (sheet file) the row came from, and its 1-based position among that file's rows */
    { name: 'batch', type: 'VARCHAR' },
    { name: 'batch_row', type: 'INTEGER' },
    { name: 'sheet_row', type: 'INTEGER' },
    { name: 'url', type: 'VARCHAR' },
    { name: 'score_text', type: 'VARCHAR' },
    { name: 'performance', type: 'DOUBLE' },
    { name: 'status', type: 'VARCHAR' },
    { name: 'reason', type: 'VARCHAR' },
    { name: 'media_sha256', type: 'VARCHAR' },
    { name: 'media_origin', type: 'VARCHAR' },
    { name: 'extra', type: 'VARCHAR' },
  ],
};

/** One row per batch (input sheet file), in batch order, counting its rows. */
export const batchesSchema: TableSchema = {
  name: 'batches',
  orderBy: ['batch_index'],
  columns: [
    { name: 'batch_index', type: 'INTEGER' },
    { name: 'batch', type: 'VARCHAR' },
    { name: 'source_file', type: 'VARCHAR' },
    { name: 'n_rows', type: 'INTEGER' },
    { name: 'first_row', type: 'INTEGER' },
    { name: 'last_row', type: 'INTEGER' },
    { name: 'ok', type: 'INTEGER' },
    { name: 'rejected', type: 'INTEGER' },
    { name: 'media_unavailable', type: 'INTEGER' },
    /** rows whose URL an earlier batch already posted (dedup makes them duplicate) */
    { name: 'repeated_urls', type: 'INTEGER' },
    /** distinct media first seen in this batch */
    { name: 'new_media', type: 'INTEGER' },
  ],
};

export const mediaSchema: TableSchema = {
  name: 'media',
  orderBy: ['sha256'],
  columns: [
    { name: 'sha256', type: 'VARCHAR' },
    { name: 'path', type: 'VARCHAR' },
    { name: 'bytes', type: 'DOUBLE' },
    { name: 'n_rows', type: 'INTEGER' },
    { name: 'first_row', type: 'INTEGER' },
    { name: 'playable', type: 'BOOLEAN' },
    { name: 'error', type: 'VARCHAR' },
    { name: 'format', type: 'VARCHAR' },
    { name: 'video_codec', type: 'VARCHAR' },
    { name: 'duration_s', type: 'DOUBLE' },
    { name: 'width', type: 'INTEGER' },
    { name: 'height', type: 'INTEGER' },
    { name: 'fps', type: 'DOUBLE' },
  ],
};

/** The ledger after dedup (status duplicate, video_id). */
export const dedupRowsSchema: TableSchema = {
  name: 'dedup_rows',
  orderBy: ['row_number'],
  columns: [...ingestRowsSchema.columns, { name: 'video_id', type: 'VARCHAR' }],
};

/** The ledger as the latest stage that changes statuses leaves it (now: embed, adding no_face). */
export const rowsSchema: TableSchema = { ...dedupRowsSchema, name: 'rows' };

export const videosSchema: TableSchema = {
  name: 'videos',
  orderBy: ['video_id'],
  columns: [
    { name: 'video_id', type: 'VARCHAR' },
    { name: 'canonical_url', type: 'VARCHAR' },
    { name: 'sha256', type: 'VARCHAR' },
    { name: 'path', type: 'VARCHAR' },
    { name: 'duration_s', type: 'DOUBLE' },
    { name: 'width', type: 'INTEGER' },
    { name: 'height', type: 'INTEGER' },
    { name: 'first_row', type: 'INTEGER' },
    { name: 'n_postings', type: 'INTEGER' },
    { name: 'n_media', type: 'INTEGER' },
    { name: 'n_scored', type: 'INTEGER' },
    { name: 'score', type: 'DOUBLE' },
  ],
};

export const duplicateGroupsSchema: TableSchema = {
  name: 'duplicate_groups',
  orderBy: ['video_id', 'row_number'],
  columns: [
    { name: 'video_id', type: 'VARCHAR' },
    { name: 'row_number', type: 'INTEGER' },
    { name: 'url', type: 'VARCHAR' },
    { name: 'sha256', type: 'VARCHAR' },
    /** canonical (the first posting), exact (same bytes) or perceptual (re-encoded/trimmed copy) */
    { name: 'match', type: 'VARCHAR' },
    { name: 'match_fraction', type: 'DOUBLE' },
    { name: 'offset_s', type: 'DOUBLE' },
    { name: 'performance', type: 'DOUBLE' },
  ],
};
