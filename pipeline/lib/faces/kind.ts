// Live presenter, printed photo or overlay? Each track gets a kind from what its on-screen person does
// across the video's sampled frames (DESIGN "Faces"; measured on hand-labelled real footage by
// bench/live.ts). At one frame per second a presenter is seen again and again, large, confidently
// detected and with a changing face (expression, pose); printed photos on products, posters and
// drawings are small, seen once, detected with less confidence or rigid; a still picture held on
// screen (a meme intro, a composited avatar) repeats the identical face.
//
// The tracks of one video are first grouped into on-screen persons (average-linkage on track
// descriptors; tracks seen at the same time are different persons), and every track of a group gets
// the group's kind:
//   frozen  - two of its faces are nearly identical (descriptor distance < frozen_distance): a still
//             picture → 'overlay' when small (face height < overlay_max_height of the frame), else 'depicted';
//   live    - seen in ≥ min_frames sampled frames, best detector score ≥ min_score, largest face height
//             ≥ min_height of the frame, the face shape changes (median landmark residual after
//             a similarity fit ≤ max_shape_change: a rigid print moved in 3-D changes less than an
//             expression, but different printed photos grouped together change far more), and its
//             sharpest face has a blur measure ≥ min_sharpness (a print filmed again is soft);
//   else    - 'depicted', except a person who is large enough and sharp enough and whose face is not
//             frozen and not wildly changing, but was seen in too few frames or with too low a detector score: that is
//             live when a live person is on screen in the same frame (a second person in live
//             footage), or when their face is within known_distance of a person live in another
//             video (a presenter seen only briefly here: at one frame per second a cut of under two
//             seconds).
// kind_score is the share of the five live tests passed (1 = live).
import { agglomerate } from '../cluster/index.ts';
import { distance } from '../tracks/index.ts';
import { fitSimilarity } from './crop.ts';
import type { Point } from './quality.ts';

export type TrackKind = 'live' | 'depicted' | 'overlay';

export interface KindParams {
  group_distance: number;
  min_frames: number;
  min_score: number;
  min_height: number;
  max_shape_change: number;
  frozen_distance: number;
  overlay_max_height: number;
  known_distance: number;
  min_sharpness: number;
}

export interface KindFace {
  face_id: string; track_id: string | null; frame: number; h: number; frame_height: number;
  det_score: number; landmarks: number[] | null;
  /** Variance of the Laplacian of the face (quality.ts blurScore; higher = sharper). */
  blur: number;
}
export interface KindTrack { track_id: string; video_id: string; first_t_s: number; last_t_s: number; vector: number[] }
export interface KindDecision { kind: TrackKind; kind_score: number; evidence: string }

/** 68 landmarks (flat x,y) centred and scaled to unit RMS radius. */
function normalisedShape(flat: number[]): Point[] {
  const pts: Point[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pts.push([flat[i], flat[i + 1]]);
  const mx = pts.reduce((s, p) => s + p[0], 0) / pts.length, my = pts.reduce((s, p) => s + p[1], 0) / pts.length;
  const c = pts.map(([x, y]) => [x - mx, y - my] as Point);
  const r = Math.sqrt(c.reduce((s, [x, y]) => s + x * x + y * y, 0) / c.length) || 1;
  return c.map(([x, y]) => [x / r, y / r]);
}

/** RMS residual of the best similarity fit of shape a onto shape b (both normalised). */
export function shapeChange(a: Point[], b: Point[]): number {
  const t = fitSimilarity(a, b);
  let r = 0;
  for (let i = 0; i < a.length; i++) {
    r += (t.ar * a[i][0] - t.ai * a[i][1] + t.bx - b[i][0]) ** 2 + (t.ai * a[i][0] + t.ar * a[i][1] + t.by - b[i][1]) ** 2;
  }
  return Math.sqrt(r / a.length);
}

const median = (xs: number[]) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The kind of every track, by on-screen person within its video. */
export function classifyTracks(tracks: KindTrack[], faces: KindFace[], vectors: Map<string, number[]>, p: KindParams): Map<string, KindDecision> {
  const facesOf = new Map<string, KindFace[]>();
  for (const f of faces) if (f.track_id) facesOf.set(f.track_id, [...(facesOf.get(f.track_id) ?? []), f]);
  const byVideo = new Map<string, KindTrack[]>();
  for (const t of tracks) byVideo.set(t.video_id, [...(byVideo.get(t.video_id) ?? []), t]);
  const out = new Map<string, KindDecision>();
  const unsure: KindTrack[] = [];
  for (const vt of byVideo.values()) {
    const labels = agglomerate(vt.map((t) => ({ id: t.track_id, vector: t.vector, group: t.video_id, start: t.first_t_s, end: t.last_t_s })),
      { threshold: p.group_distance, linkage: 'average' });
    const groups = [...new Set(labels)].map((k) => {
      const members = vt.filter((_, i) => labels[i] === k);
      const fs = members.flatMap((t) => facesOf.get(t.track_id) ?? []);
      return { members, frames: new Set(fs.map((f) => f.frame)), ...decide(fs, vectors, p) };
    });
    const liveFrames = new Set(groups.filter((g) => g.kind === 'live').flatMap((g) => [...g.frames]));
    for (const g of groups) {
      const beside = g.corroborable && [...g.frames].some((f) => liveFrames.has(f));
      const decision = beside ? { kind: 'live' as const, kind_score: 1, evidence: `${g.evidence}, beside a live person` } : { kind: g.kind, kind_score: g.kind_score, evidence: g.evidence };
      for (const t of g.members) out.set(t.track_id, decision);
      if (g.corroborable && !beside) unsure.push(...g.members);
    }
  }
  // Unsure here, live elsewhere: compared with the tracks live on their own evidence only (no chains).
  const live = tracks.filter((t) => out.get(t.track_id)!.kind === 'live');
  for (const t of unsure) {
    const near = live.filter((l) => l.video_id !== t.video_id).map((l) => ({ l, d: distance(t.vector, l.vector) })).sort((a, b) => a.d - b.d)[0];
    if (near && near.d <= p.known_distance) {
      const d = out.get(t.track_id)!;
      out.set(t.track_id, { kind: 'live', kind_score: 1, evidence: `${d.evidence}, the face of a person live in ${near.l.video_id} (distance ${near.d.toFixed(2)})` });
    }
  }
  return out;
}

/** A person's own evidence; `corroborable`: not live on it, failing only the frames and/or score tests. */
function decide(fs: KindFace[], vectors: Map<string, number[]>, p: KindParams): KindDecision & { corroborable: boolean } {
  const frames = new Set(fs.map((f) => f.frame)).size;
  const score = Math.max(0, ...fs.map((f) => f.det_score));
  const height = Math.max(0, ...fs.map((f) => f.h / f.frame_height));
  const sharpness = Math.max(0, ...fs.map((f) => f.blur));
  const shapes = fs.filter((f) => f.landmarks && f.landmarks.length >= 136).map((f) => normalisedShape(f.landmarks!));
  const changes: number[] = [];
  const near: number[] = [];
  for (let i = 0; i < fs.length; i++) for (let j = i + 1; j < fs.length; j++) {
    const a = vectors.get(fs[i].face_id), b = vectors.get(fs[j].face_id);
    if (a && b && fs[i].frame !== fs[j].frame) near.push(distance(a, b));
  }
  for (let i = 0; i < shapes.length; i++) for (let j = i + 1; j < shapes.length; j++) changes.push(shapeChange(shapes[i], shapes[j]));
  const change = median(changes);
  const frozen = near.length > 0 && Math.min(...near) < p.frozen_distance;
  const ok = {
    frames: frames >= p.min_frames, score: score >= p.min_score, height: height >= p.min_height,
    shape: !(change > p.max_shape_change) && !frozen, sharp: sharpness >= p.min_sharpness,
  };
  const tests = Object.values(ok);
  const passed = tests.filter(Boolean).length;
  const kind: TrackKind = frozen ? (height < p.overlay_max_height ? 'overlay' : 'depicted') : passed === tests.length ? 'live' : 'depicted';
  const evidence = `${frames} frame${frames === 1 ? '' : 's'}, score ${score.toFixed(2)}, height ${(100 * height).toFixed(0)}%, ` +
    `shape change ${Number.isNaN(change) ? '-' : change.toFixed(2)}, sharpness ${sharpness.toFixed(0)}${frozen ? ', identical face repeated' : ''}`;
  return { kind, kind_score: passed / tests.length, evidence, corroborable: passed < tests.length && ok.height && ok.shape && ok.sharp };
}
