// The final row ledger: after dedup, a kept row whose video shows no usable face is no_face, and
// one whose video shows faces but nobody credited (e.g. only printed photos) is no_person.
import type { Row } from '../warehouse/index.ts';

export interface VideoFaceSummary { video_id: string; n_frames: number; n_usable_faces: number; error: string | null }

export function finalLedger(rows: Row[], videoFaces: VideoFaceSummary[], creditedVideos: Set<string>): Row[] {
  const info = new Map(videoFaces.map((v) => [v.video_id, v]));
  return rows.map((r) => {
    const v = r.video_id ? info.get(r.video_id as string) : undefined;
    if (!v || (r.status !== 'ok' && r.status !== 'duplicate')) return r;
    let status: string | null = null, why = '';
    if (v.n_usable_faces === 0) {
      status = 'no_face';
      why = v.error ? `video could not be decoded: ${v.error}` : `no usable face in ${v.n_frames} sampled frames`;
    } else if (!creditedVideos.has(v.video_id)) {
      status = 'no_person';
      why = 'faces found, but no credited person (kind or screen share below the cut)';
    }
    if (!status) return r;
    return { ...r, status, reason: r.status === 'duplicate' ? `${r.reason}; ${why}` : why };
  });
}
