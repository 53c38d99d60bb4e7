// The embed step: each track is described by its best faces' descriptors, and gets its kind (kind.ts).
import { bestFaces, meanVector } from '../tracks/index.ts';
import type { Row } from '../warehouse/index.ts';
import { classifyTracks, type KindFace, type KindParams, type KindTrack } from './kind.ts';

export interface FaceRow extends KindFace { video_id: string; t_s: number; area_share: number; quality: number; gate: string }
export interface VideoFacesRow { video_id: string; n_frames: number; n_usable_faces: number; error: string | null }

export function embedTracks(faces: FaceRow[], vectors: Map<string, number[]>, videoFaces: VideoFacesRow[], perTrack: number, model: { name: string; version: string }, kinds: KindParams) {
  const nFrames = new Map(videoFaces.map((v) => [v.video_id, v.n_frames]));
  const byTrack = new Map<string, FaceRow[]>();
  for (const f of faces) if (f.track_id && vectors.has(f.face_id)) byTrack.set(f.track_id, [...(byTrack.get(f.track_id) ?? []), f]);
  const embeddings: Row[] = [];
  const described: (KindTrack & Row)[] = [];
  for (const [trackId, members] of [...byTrack.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const asTrack = members.map((f) => ({ frame: f.frame, box: { x: 0, y: 0, w: 0, h: 0 }, descriptor: null, quality: f.quality }));
    const best = bestFaces(asTrack, members.map((_, i) => i), perTrack).map((i) => members[i]);
    for (const f of best) embeddings.push({ face_id: f.face_id, track_id: trackId, model: model.name, model_version: model.version, vector: vectors.get(f.face_id) });
    const frames = nFrames.get(members[0].video_id) || 1;
    described.push({
      track_id: trackId, video_id: members[0].video_id, n_faces: members.length,
      first_t_s: Math.min(...members.map((f) => f.t_s)), last_t_s: Math.max(...members.map((f) => f.t_s)),
      screen_share: members.reduce((s, f) => s + f.area_share, 0) / frames,
      exemplar_face_id: best[0].face_id, vector: meanVector(best.map((f) => vectors.get(f.face_id)!)),
    });
  }
  const decisions = classifyTracks(described, faces.filter((f) => vectors.has(f.face_id)), vectors, kinds);
  const tracks: Row[] = described.map((t) => {
    const d = decisions.get(t.track_id)!;
    return { ...t, kind: d.kind, kind_score: d.kind_score, kind_evidence: d.evidence };
  });
  return { embeddings, tracks };
}
