// From clustered tracks to the people tables: influencers, appearances (who is in which video,
// how much of the screen, and whether the video's score is credited to them), track assignments.
import { meanVector } from '../tracks/index.ts';
import type { Row } from '../warehouse/index.ts';

export interface TrackRow {
  track_id: string; video_id: string; kind: string | null; n_faces: number; first_t_s: number; last_t_s: number;
  screen_share: number; exemplar_face_id: string; vector: number[];
}

export interface CreditRule { kinds: string[]; minScreenShare: number }

/** Tracks that may become people: their kind is credited (an unclassified track counts as any kind). */
export const eligible = (t: TrackRow, rule: CreditRule, minFaces: number) => t.n_faces >= minFaces && (t.kind === null || rule.kinds.includes(t.kind));

export function peopleTables(tracks: TrackRow[], personOf: Map<string, string>, rule: CreditRule) {
  const byPerson = new Map<string, TrackRow[]>();
  for (const t of tracks) {
    const p = personOf.get(t.track_id);
    if (p) byPerson.set(p, [...(byPerson.get(p) ?? []), t]);
  }
  const influencers: Row[] = [];
  const appearances: Row[] = [];
  for (const [id, ts] of [...byPerson.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const exemplar = [...ts].sort((a, b) => b.n_faces - a.n_faces || a.track_id.localeCompare(b.track_id))[0];
    const videos = [...new Set(ts.map((t) => t.video_id))].sort();
    influencers.push({
      influencer_id: id, centroid: meanVector(ts.map((t) => t.vector)), exemplar_face_id: exemplar.exemplar_face_id,
      n_videos: videos.length, n_tracks: ts.length, n_faces: ts.reduce((s, t) => s + t.n_faces, 0),
    });
    for (const v of videos) {
      const here = ts.filter((t) => t.video_id === v);
      const share = here.reduce((s, t) => s + t.screen_share, 0);
      appearances.push({
        video_id: v, influencer_id: id, screen_share: share, n_faces: here.reduce((s, t) => s + t.n_faces, 0),
        n_tracks: here.length, credited: share >= rule.minScreenShare,
      });
    }
  }
  const trackPeople: Row[] = tracks.map((t) => ({ track_id: t.track_id, video_id: t.video_id, influencer_id: personOf.get(t.track_id) ?? null }));
  return { influencers, appearances, trackPeople };
}
