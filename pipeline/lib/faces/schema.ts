// Table schemas of the extract and embed stages.
import type { TableSchema } from '../warehouse/index.ts';

export const facesSchema: TableSchema = {
  name: 'faces',
  orderBy: ['face_id'],
  columns: [
    { name: 'face_id', type: 'VARCHAR' }, { name: 'video_id', type: 'VARCHAR' }, { name: 'frame', type: 'INTEGER' }, { name: 't_s', type: 'DOUBLE' },
    { name: 'x', type: 'DOUBLE' }, { name: 'y', type: 'DOUBLE' }, { name: 'w', type: 'DOUBLE' }, { name: 'h', type: 'DOUBLE' },
    { name: 'frame_width', type: 'INTEGER' }, { name: 'frame_height', type: 'INTEGER' },
    { name: 'det_score', type: 'DOUBLE' }, { name: 'size_px', type: 'DOUBLE' }, { name: 'area_share', type: 'DOUBLE' },
    { name: 'frontal', type: 'DOUBLE' }, { name: 'blur', type: 'DOUBLE' }, { name: 'quality', type: 'DOUBLE' },
    /** ok, or the quality gate that rejected the face: too_small, low_score, not_frontal, blurry */
    { name: 'gate', type: 'VARCHAR' }, { name: 'track_id', type: 'VARCHAR' }, { name: 'crop_path', type: 'VARCHAR' },
    { name: 'landmarks', type: 'FLOAT[]' },
  ],
};

export const faceDescriptorsSchema: TableSchema = {
  name: 'face_descriptors', orderBy: ['face_id'],
  columns: [{ name: 'face_id', type: 'VARCHAR' }, { name: 'vector', type: 'FLOAT[]' }],
};

export const videoFacesSchema: TableSchema = {
  name: 'video_faces', orderBy: ['video_id'],
  columns: [
    { name: 'video_id', type: 'VARCHAR' }, { name: 'n_frames', type: 'INTEGER' }, { name: 'n_faces', type: 'INTEGER' },
    { name: 'n_usable_faces', type: 'INTEGER' }, { name: 'n_tracks', type: 'INTEGER' }, { name: 'error', type: 'VARCHAR' },
  ],
};

export const embeddingsSchema: TableSchema = {
  name: 'embeddings', orderBy: ['face_id'],
  columns: [
    { name: 'face_id', type: 'VARCHAR' }, { name: 'track_id', type: 'VARCHAR' }, { name: 'model', type: 'VARCHAR' },
    { name: 'model_version', type: 'VARCHAR' }, { name: 'vector', type: 'FLOAT[]' },
  ],
};

export const tracksSchema: TableSchema = {
  name: 'tracks', orderBy: ['track_id'],
  columns: [
    { name: 'track_id', type: 'VARCHAR' }, { name: 'video_id', type: 'VARCHAR' },
    /** live, depicted or overlay (faces/kind.ts), the share of the live tests passed, and why */
    { name: 'kind', type: 'VARCHAR' }, { name: 'kind_score', type: 'DOUBLE' }, { name: 'kind_evidence', type: 'VARCHAR' },
    { name: 'n_faces', type: 'INTEGER' }, { name: 'first_t_s', type: 'DOUBLE' }, { name: 'last_t_s', type: 'DOUBLE' },
    /** mean share of the frame the face covers, over all sampled frames of the video */
    { name: 'screen_share', type: 'DOUBLE' }, { name: 'exemplar_face_id', type: 'VARCHAR' },
    { name: 'vector', type: 'FLOAT[]' },
  ],
};

export const influencersSchema: TableSchema = {
  name: 'influencers', orderBy: ['influencer_id'],
  columns: [
    { name: 'influencer_id', type: 'VARCHAR' }, { name: 'centroid', type: 'FLOAT[]' }, { name: 'exemplar_face_id', type: 'VARCHAR' },
    { name: 'n_videos', type: 'INTEGER' }, { name: 'n_tracks', type: 'INTEGER' }, { name: 'n_faces', type: 'INTEGER' },
  ],
};

export const appearancesSchema: TableSchema = {
  name: 'appearances', orderBy: ['video_id', 'influencer_id'],
  columns: [
    { name: 'video_id', type: 'VARCHAR' }, { name: 'influencer_id', type: 'VARCHAR' }, { name: 'screen_share', type: 'DOUBLE' },
    { name: 'n_faces', type: 'INTEGER' }, { name: 'n_tracks', type: 'INTEGER' }, { name: 'credited', type: 'BOOLEAN' },
  ],
};

export const trackPeopleSchema: TableSchema = {
  name: 'track_people', orderBy: ['track_id'],
  columns: [{ name: 'track_id', type: 'VARCHAR' }, { name: 'video_id', type: 'VARCHAR' }, { name: 'influencer_id', type: 'VARCHAR' }],
};

export const influencerStatsSchema: TableSchema = {
  name: 'influencer_stats', orderBy: ['influencer_id'],
  columns: [
    { name: 'influencer_id', type: 'VARCHAR' }, { name: 'n_videos', type: 'INTEGER' }, { name: 'n_postings', type: 'INTEGER' },
    { name: 'mean', type: 'DOUBLE' }, { name: 'sd', type: 'DOUBLE' }, { name: 'cv', type: 'DOUBLE' },
    { name: 'ci_low', type: 'DOUBLE' }, { name: 'ci_high', type: 'DOUBLE' }, { name: 'reliability', type: 'DOUBLE' },
    { name: 'shrunken_mean', type: 'DOUBLE' }, { name: 'rank', type: 'INTEGER' },
  ],
};

export const reliabilitySchema: TableSchema = {
  name: 'reliability', orderBy: ['measure'],
  columns: [
    { name: 'measure', type: 'VARCHAR' }, { name: 'icc', type: 'DOUBLE' }, { name: 'ci_low', type: 'DOUBLE' }, { name: 'ci_high', type: 'DOUBLE' },
    { name: 'f', type: 'DOUBLE' }, { name: 'df1', type: 'DOUBLE' }, { name: 'df2', type: 'DOUBLE' }, { name: 'p', type: 'DOUBLE' },
    { name: 'n_groups', type: 'INTEGER' }, { name: 'n_obs', type: 'INTEGER' }, { name: 'k', type: 'DOUBLE' },
    { name: 'note', type: 'VARCHAR' }, { name: 'reading', type: 'VARCHAR' },
  ],
};
