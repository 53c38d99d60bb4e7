// Within-video tracks: faces in successive sampled frames that overlap (IoU) or look alike
// (descriptor distance) are one person on screen, so a person shown for 20 s is one track.

export interface TrackFace {
  frame: number;
  box: { x: number; y: number; w: number; h: number };
  descriptor: ArrayLike<number> | null;
  /** Higher is better; used to pick the faces that describe the track. */
  quality: number;
}

export interface TrackOptions {
  /** A track ends when it has not been seen for more than this many sampled frames. */
  maxGapFrames: number;
  /** A face within this descriptor distance of the track's last face continues it... */
  maxDistance: number;
  /** ...or, when a descriptor is missing, a box overlapping the last one at least this much. */
  minIou: number;
}

export function iou(a: TrackFace['box'], b: TrackFace['box']): number {
  const x = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const y = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  const inter = x * y;
  return inter / (a.w * a.h + b.w * b.h - inter || 1);
}

export function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/**
 * Assigns a track number (0-based, in order of first appearance) to every face. Faces are taken
 * frame by frame; within a frame, candidate links are made best-first and one-to-one, so two
 * people side by side never share a track.
 */
export function linkTracks(faces: TrackFace[], opt: TrackOptions): number[] {
  const order = faces.map((_, i) => i).sort((a, b) => faces[a].frame - faces[b].frame || a - b);
  const trackOf = new Array<number>(faces.length).fill(-1);
  const tracks: { last: number }[] = []; // index of the track's latest face
  for (let s = 0; s < order.length;) {
    let e = s;
    while (e < order.length && faces[order[e]].frame === faces[order[s]].frame) e++;
    const here = order.slice(s, e);
    const frame = faces[here[0]].frame;
    const links: { f: number; t: number; cost: number }[] = [];
    tracks.forEach((t, ti) => {
      const prev = faces[t.last];
      if (frame - prev.frame > opt.maxGapFrames) return;
      for (const f of here) {
        const o = iou(prev.box, faces[f].box);
        // With descriptors on both sides they decide: boxes overlap across a cut between two people.
        const both = prev.descriptor && faces[f].descriptor;
        const d = both ? distance(prev.descriptor!, faces[f].descriptor!) : Infinity;
        if (both ? d <= opt.maxDistance : o >= opt.minIou) links.push({ f, t: ti, cost: both ? d : 1 - o });
      }
    });
    links.sort((a, b) => a.cost - b.cost || a.f - b.f);
    const usedT = new Set<number>();
    for (const l of links) {
      if (trackOf[l.f] >= 0 || usedT.has(l.t)) continue;
      trackOf[l.f] = l.t;
      usedT.add(l.t);
      tracks[l.t].last = l.f;
    }
    for (const f of here) if (trackOf[f] < 0) { trackOf[f] = tracks.length; tracks.push({ last: f }); }
    s = e;
  }
  return trackOf;
}

/** The indices of a track's best faces (highest quality first, ties by frame), at most k. */
export function bestFaces(faces: TrackFace[], members: number[], k: number): number[] {
  return [...members].sort((a, b) => faces[b].quality - faces[a].quality || faces[a].frame - faces[b].frame).slice(0, k);
}

/** Mean of descriptors (the track's or person's centroid). */
export function meanVector(vectors: ArrayLike<number>[]): number[] {
  const out = new Array<number>(vectors[0].length).fill(0);
  for (const v of vectors) for (let i = 0; i < out.length; i++) out[i] += v[i] / vectors.length;
  return out;
}
