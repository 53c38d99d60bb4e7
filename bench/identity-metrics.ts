// Clustering metrics for the identity benchmark: how well the pipeline's person IDs (influencer_id)
// group the appearances of the real people in a labelled benchmark (bench/identity-gen.ts).
// Pure functions, no I/O, no pipeline imports.
//
// METRICS (as in the face-clustering literature, e.g. learn-to-cluster's evaluation/metrics.py)
//   Every item has a true label (the person) and a predicted label (the cluster / influencer_id).
//   - Pairwise: over all unordered pairs of distinct items. precision = pairs in the same predicted
//     cluster that are also the same person / pairs in the same predicted cluster; recall = pairs
//     of the same person that share a predicted cluster / pairs of the same person. Computed from
//     the contingency table n_tc: TP = Σ C(n_tc, 2), P = Σ_c C(|c|, 2), T = Σ_t C(|t|, 2).
//     With no predicted pairs (all singletons) precision is 1 (no wrong link was made); with no
//     true pairs recall is 1 (none to find). learn-to-cluster would give NaN there.
//   - BCubed (Bagga & Baldwin 1998; Amigó, Gonzalo, Artiles & Verdejo 2009, "A comparison of
//     extrinsic clustering evaluation metrics based on formal constraints", Inf. Retrieval 12(4)):
//     per item i, precision_i = |C(i) ∩ L(i)| / |C(i)|, recall_i = |C(i) ∩ L(i)| / |L(i)| (C = its
//     predicted cluster, L = its true class, both including i), averaged over items.
//   - F = harmonic mean of precision and recall (0 when both are 0).
//   - nTrue / nPred: distinct true people / distinct predicted IDs among the items; nFound: true
//     people that are the plurality person of at least one predicted cluster ("people found").
//
// MISSING AND EXTRA (the generic `evaluate`)
//   The items are the union of both maps' keys. A missing or null predicted label (the pipeline
//   did not assign the item to any person: missed) makes the item a singleton predicted cluster —
//   it costs recall, never precision. A missing or null true label (the item is no benchmark
//   person: a background face, a false detection) makes it a singleton true class by default —
//   merging it into a person's cluster costs precision; `unlabeled: 'drop'` removes such items.
//   nUnassigned / nUnlabeled count them.
//
// WHAT AN ITEM IS — two levels, pick by what the pipeline outputs:
//
// 1. Track level (`identityAt`, `trackIdentity`; the full evaluation). Items = the pipeline's
//    face tracks (track_id), predicted label = the influencer_id the cluster stage gave the track
//    (null if none). The true label comes from the benchmark's timeline (truth.json,
//    media[name].timeline): the generator knows, for every moment of every media file, which
//    photo(s) are on screen, so a face at time t_s whose box centre is (cx, cy) (fractions of the
//    frame) belongs to that segment's person; in a two-person segment the screen position,
//    mapped back through the known pan/zoom, says which half (top/bottom or left/right) the face
//    is in. A track's true label is the plurality over its faces (null if most faces fall on
//    faceless segments). This covers two-person videos exactly. Known limitation: a background
//    face in a photo (LFW photos sometimes show another person at the edge) gets the photo's
//    person as its label; `backgroundTracks` finds those tracks (a larger face of the same label
//    in each of their frames), so they can be left out.
//
// 2. Video level (`videoItems`; a simple fallback needing only `appearances`). Items = the
//    distinct videos that show exactly one person; true label = that person; predicted label =
//    the influencer_id the pipeline put in that video with the largest weight (screen share; ties
//    by id), null if it found nobody (missed). Two-person videos are left out of the clustering
//    metric (without track-level truth there is no defensible way to pair their two predicted IDs
//    with their two people) and reported as counts (how many got 0, 1, 2, >2 predicted people).
//    `extra` counts predicted appearances beyond the first in one-person videos plus every
//    predicted appearance in a video with no person.
//
// WITH THE PIPELINE'S TABLES (a sketch for bench/identity.ts):
//   - row → media: truth.json rows[row_number - 1].media (the sheet is written in that order; the
//     URL's last segment is the media name); `rows.video_id` then gives video_id → content (the
//     `content` of its rows; a video_id whose rows have different contents is a dedup error).
//   - track level: the canonical media of a video is the last URL segment of videos.canonical_url;
//     its timeline is truth.media[name].timeline (times are in that file's own clock, so trimmed
//     reposts are handled). For each face of a track: tS = faces.t_s, cx = (x + w/2) / frame_width,
//     cy = (y + h/2) / frame_height → trackIdentity(timeline, faces) is the track's true label.
//   - video level: truth = content → truth.videos[content].identities, predicted = video's
//     appearances (influencer_id, screen_share as weight), both keyed by video_id.
//   - nTrue counts people among the items; the benchmark's total is truth.json counts.people.

export type Label = string | number;

export interface PRF { precision: number; recall: number; f: number }

export interface Evaluation {
  pairwise: PRF;
  bcubed: PRF;
  /** Items evaluated (after `unlabeled: 'drop'`). */
  nItems: number;
  /** Distinct true people among the items (null labels not counted). */
  nTrue: number;
  /** Distinct predicted IDs among the items (null labels not counted). */
  nPred: number;
  /** True people that are the plurality person of at least one predicted cluster. */
  nFound: number;
  /** Items without a predicted label (each a singleton predicted cluster). */
  nUnassigned: number;
  /** Items without a true label (each a singleton true class, or dropped). */
  nUnlabeled: number;
}

export interface EvaluateOptions {
  /** What to do with items whose true label is null or missing; default 'singleton'. */
  unlabeled?: 'singleton' | 'drop';
}

/** Harmonic mean; 0 when both are 0. */
export function fscore(precision: number, recall: number): number {
  return precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
}

/** Labels as small integers, one per distinct label; null gets a fresh integer per item. */
function encode(labels: ReadonlyArray<Label | null>): Int32Array {
  const ids = new Map<Label, number>();
  const out = new Int32Array(labels.length);
  let next = 0;
  labels.forEach((l, i) => {
    if (l === null) { out[i] = next++; return; }
    let id = ids.get(l);
    if (id === undefined) { id = next++; ids.set(l, id); }
    out[i] = id;
  });
  return out;
}

interface Contingency { cells: Map<number, number>; trueSizes: Map<number, number>; predSizes: Map<number, number>; n: number; stride: number }

function contingency(trueLabels: ReadonlyArray<Label | null>, predLabels: ReadonlyArray<Label | null>): Contingency {
  if (trueLabels.length !== predLabels.length) throw new RangeError(`label arrays differ in length: ${trueLabels.length} vs ${predLabels.length}`);
  const t = encode(trueLabels);
  const p = encode(predLabels);
  const stride = p.length + 1;
  const cells = new Map<number, number>();
  const trueSizes = new Map<number, number>();
  const predSizes = new Map<number, number>();
  for (let i = 0; i < t.length; i++) {
    const k = t[i] * stride + p[i];
    cells.set(k, (cells.get(k) ?? 0) + 1);
    trueSizes.set(t[i], (trueSizes.get(t[i]) ?? 0) + 1);
    predSizes.set(p[i], (predSizes.get(p[i]) ?? 0) + 1);
  }
  return { cells, trueSizes, predSizes, n: t.length, stride };
}

const pairs = (k: number) => (k * (k - 1)) / 2;

/**
 * Pairwise precision/recall/F of a predicted clustering against the true classes. The arrays hold
 * one label per item (same order); a null label is that item's own singleton.
 */
export function pairwise(trueLabels: ReadonlyArray<Label | null>, predLabels: ReadonlyArray<Label | null>): PRF {
  const c = contingency(trueLabels, predLabels);
  let tp = 0, pp = 0, tt = 0;
  for (const v of c.cells.values()) tp += pairs(v);
  for (const v of c.predSizes.values()) pp += pairs(v);
  for (const v of c.trueSizes.values()) tt += pairs(v);
  const precision = pp > 0 ? tp / pp : 1;
  const recall = tt > 0 ? tp / tt : 1;
  return { precision, recall, f: fscore(precision, recall) };
}

/** BCubed precision/recall/F (item-averaged), same conventions as `pairwise`. Empty input: all 1. */
export function bcubed(trueLabels: ReadonlyArray<Label | null>, predLabels: ReadonlyArray<Label | null>): PRF {
  const c = contingency(trueLabels, predLabels);
  if (c.n === 0) return { precision: 1, recall: 1, f: 1 };
  // Each item in cell (t, p) of size n has precision n/|p| and recall n/|t|: sum n²/|p| and n²/|t|.
  let pre = 0, rec = 0;
  for (const [k, v] of c.cells) {
    const t = Math.floor(k / c.stride);
    const p = k % c.stride;
    pre += (v * v) / c.predSizes.get(p)!;
    rec += (v * v) / c.trueSizes.get(t)!;
  }
  const precision = pre / c.n;
  const recall = rec / c.n;
  return { precision, recall, f: fscore(precision, recall) };
}

const cmpLabel = (a: Label, b: Label) => String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;

/**
 * Evaluates a predicted clustering of items (e.g. tracks → influencer_id) against the truth
 * (track → person). See the file header for how null/missing labels count.
 */
export function evaluate<K>(
  truth: ReadonlyMap<K, Label | null>, predicted: ReadonlyMap<K, Label | null>, options: EvaluateOptions = {},
): Evaluation {
  const unlabeled = options.unlabeled ?? 'singleton';
  const keys = new Set<K>([...truth.keys(), ...predicted.keys()]);
  const t: Array<Label | null> = [];
  const p: Array<Label | null> = [];
  let nUnassigned = 0, nUnlabeled = 0;
  for (const k of keys) {
    const tl = truth.get(k) ?? null;
    const pl = predicted.get(k) ?? null;
    if (tl === null) { nUnlabeled++; if (unlabeled === 'drop') continue; }
    if (pl === null) nUnassigned++;
    t.push(tl);
    p.push(pl);
  }
  const nTrue = new Set(t.filter((l) => l !== null)).size;
  const nPred = new Set(p.filter((l) => l !== null)).size;
  // Plurality person of each predicted cluster (ties: the smaller label), over labelled items.
  const byCluster = new Map<Label, Map<Label, number>>();
  t.forEach((tl, i) => {
    const pl = p[i];
    if (tl === null || pl === null) return;
    let m = byCluster.get(pl);
    if (!m) byCluster.set(pl, (m = new Map()));
    m.set(tl, (m.get(tl) ?? 0) + 1);
  });
  const found = new Set<Label>();
  for (const m of byCluster.values()) {
    const best = [...m.entries()].sort((a, b) => b[1] - a[1] || cmpLabel(a[0], b[0]))[0];
    found.add(best[0]);
  }
  return {
    pairwise: pairwise(t, p), bcubed: bcubed(t, p),
    nItems: t.length, nTrue, nPred, nFound: found.size, nUnassigned, nUnlabeled,
  };
}

// ---- track level: the benchmark's timeline -----------------------------------------------------

/** A slow camera move (the same shape as synth's KenBurns): zoom ≥ 1 and pan fractions 0..1. */
export interface Motion {
  zoomFrom: number;
  zoomTo: number;
  panFrom: readonly [number, number];
  panTo: readonly [number, number];
}

/**
 * One stretch of a media file as truth.json records it: [start_s, end_s) in the file's own time,
 * who is on screen, and for two-person segments how the frame is split.
 */
export interface TimelineSegment {
  start_s: number;
  end_s: number;
  kind: 'photo' | 'pair' | 'color' | 'noise' | 'card';
  /** People on screen: [] (no person), [a] (the whole frame), or [first, second] for a pair
   *  (first = top for 'stack', left for 'side'). */
  identities: string[];
  /** Photos shown (paths relative to the faces folder), parallel to `identities`. */
  photos?: string[];
  layout?: 'stack' | 'side';
  /** Where the two halves meet, as a fraction of the still along the split axis (y for stack, x for side). */
  split?: number;
  /** The pan/zoom over the still during the segment (linear from start to end of the segment). */
  motion?: Motion;
  /** Frames of the segment as composed, and their rate: the motion runs linearly over frames 0..frames-1. */
  frames?: number;
  fps?: number;
  /** Time in the media file of the segment's frame 0: start_s, or earlier when a repost trimmed the start. */
  motion_start_s?: number;
}

/** The segment playing at time t (seconds in the media file), or null outside the timeline. */
export function segmentAt(timeline: readonly TimelineSegment[], tS: number): TimelineSegment | null {
  for (const s of timeline) if (tS >= s.start_s && tS < s.end_s) return s;
  return null;
}

/**
 * The true person at screen position (cx, cy) (fractions 0..1 of the frame width and height) at
 * time tS in a media file: the segment's person, or for a two-person segment the person whose
 * half of the still contains the point after undoing the pan/zoom. Null on faceless segments.
 */
export function identityAt(timeline: readonly TimelineSegment[], tS: number, cx: number, cy: number): string | null {
  const s = segmentAt(timeline, tS);
  if (!s || s.identities.length === 0) return null;
  if (s.identities.length === 1) return s.identities[0];
  const axis = s.layout === 'side' ? 0 : 1;
  const screen = axis === 0 ? cx : cy;
  let still = screen;
  if (s.motion) {
    const t0 = s.motion_start_s ?? s.start_s;
    const fps = s.fps ?? 25;
    const frames = s.frames ?? Math.max(1, Math.round((s.end_s - t0) * fps));
    const progress = frames > 1 ? Math.min(1, Math.max(0, ((tS - t0) * fps) / (frames - 1))) : 0;
    const m = s.motion;
    const zoom = m.zoomFrom + (m.zoomTo - m.zoomFrom) * progress;
    const pan = m.panFrom[axis] + (m.panTo[axis] - m.panFrom[axis]) * progress;
    // zoompan shows the window [off, off + 1/zoom] of the still (as fractions), off = (1 - 1/zoom) * pan.
    still = (1 - 1 / zoom) * pan + screen / zoom;
  }
  return still < (s.split ?? 0.5) ? s.identities[0] : s.identities[1];
}

/** A face of a track: its time in the media file and its box centre as fractions of the frame. */
export interface FacePoint { tS: number; cx: number; cy: number }

/**
 * A track's true person: the plurality of `identityAt` over its faces, where faces on faceless
 * segments vote null. Ties go to a person over null, then to the smaller name. Empty track: null.
 */
export function trackIdentity(timeline: readonly TimelineSegment[], faces: readonly FacePoint[]): string | null {
  const votes = new Map<string | null, number>();
  for (const f of faces) {
    const id = identityAt(timeline, f.tS, f.cx, f.cy);
    votes.set(id, (votes.get(id) ?? 0) + 1);
  }
  let best: string | null = null, bestN = 0;
  for (const [id, n] of votes) {
    const better = n > bestN
      || (n === bestN && best === null && id !== null)
      || (n === bestN && id !== null && best !== null && id < best);
    if (better) { best = id; bestN = n; }
  }
  return best;
}

/** A detected face for `backgroundTracks`: its track, its sampled frame, its box height and its `identityAt` label. */
export interface LabelledFace { track: string | null; frame: string; h: number; label: string | null }

/**
 * Tracks that are background faces of the photo on screen: in every frame of the track another face
 * with the same label is larger. The timeline knows which photo is on screen, not which face in it is
 * the named person, so such a face (another person at the edge of an LFW photo) gets the photo's person
 * as its label (the known limitation above); evaluating with these tracks unlabelled removes that noise.
 */
export function backgroundTracks(faces: readonly LabelledFace[]): Set<string> {
  const byFrame = new Map<string, LabelledFace[]>();
  for (const f of faces) byFrame.set(f.frame, [...(byFrame.get(f.frame) ?? []), f]);
  const behind = (f: LabelledFace) => f.label !== null && byFrame.get(f.frame)!.some((g) => g !== f && g.label === f.label && g.h > f.h);
  const out = new Set<string>(), seen = new Set<string>();
  for (const f of faces) {
    if (f.track === null) continue;
    if (!seen.has(f.track)) { seen.add(f.track); out.add(f.track); }
    if (!behind(f)) out.delete(f.track);
  }
  return out;
}

// ---- video level -------------------------------------------------------------------------------

/** A person the pipeline put in a video (an `appearances` row): the ID and e.g. its screen share. */
export interface PredictedAppearance { id: string; weight?: number }

export interface VideoItems {
  /** One item per distinct video with exactly one true person: video key → person. */
  truth: Map<string, string>;
  /** Same keys: the video's top predicted ID, or null when the pipeline found nobody. */
  predicted: Map<string, string | null>;
  counts: {
    videos: number;
    /** Videos by how many true people they show. */
    byTruePeople: { none: number; one: number; two: number; more: number };
    /** One-person videos where the pipeline found nobody. */
    missed: number;
    /** Predicted appearances beyond the first in one-person videos, plus all in no-person videos. */
    extra: number;
    /** No-person videos in which the pipeline found somebody. */
    falseVideos: number;
    /** Videos with ≥ 2 true people, by how many predicted people they got. */
    multi: { zero: number; one: number; two: number; more: number };
    /** Predicted videos absent from the truth (ignored). */
    unknownVideos: number;
  };
}

/**
 * Builds video-level items (see the header): `truth` maps each distinct video to the people it
 * shows (any key, e.g. video_id), `predicted` maps videos to the pipeline's appearances (absent or
 * empty: nobody found). Feed `.truth` and `.predicted` to `evaluate`.
 */
export function videoItems(
  truth: ReadonlyMap<string, readonly string[]>, predicted: ReadonlyMap<string, readonly PredictedAppearance[]>,
): VideoItems {
  const out: VideoItems = {
    truth: new Map(), predicted: new Map(),
    counts: { videos: truth.size, byTruePeople: { none: 0, one: 0, two: 0, more: 0 }, missed: 0, extra: 0, falseVideos: 0,
      multi: { zero: 0, one: 0, two: 0, more: 0 }, unknownVideos: 0 },
  };
  const c = out.counts;
  for (const v of predicted.keys()) if (!truth.has(v)) c.unknownVideos++;
  for (const [v, people] of [...truth.entries()].sort((a, b) => cmpLabel(a[0], b[0]))) {
    const distinct = [...new Set(people)];
    // Distinct predicted IDs, each with its largest weight.
    const w = new Map<string, number>();
    for (const a of predicted.get(v) ?? []) w.set(a.id, Math.max(w.get(a.id) ?? -Infinity, a.weight ?? 0));
    const ranked = [...w.entries()].sort((a, b) => b[1] - a[1] || cmpLabel(a[0], b[0])).map((e) => e[0]);
    if (distinct.length === 0) {
      c.byTruePeople.none++;
      c.extra += ranked.length;
      if (ranked.length > 0) c.falseVideos++;
    } else if (distinct.length === 1) {
      c.byTruePeople.one++;
      out.truth.set(v, distinct[0]);
      out.predicted.set(v, ranked[0] ?? null);
      if (ranked.length === 0) c.missed++;
      else c.extra += ranked.length - 1;
    } else {
      if (distinct.length === 2) c.byTruePeople.two++; else c.byTruePeople.more++;
      const k = ranked.length;
      if (k === 0) c.multi.zero++; else if (k === 1) c.multi.one++; else if (k === 2) c.multi.two++; else c.multi.more++;
    }
  }
  return out;
}

/** A one-line summary of an evaluation, for benchmark output. */
export function formatEvaluation(e: Evaluation): string {
  const f = (x: number) => x.toFixed(3);
  return `pairwise P ${f(e.pairwise.precision)} R ${f(e.pairwise.recall)} F ${f(e.pairwise.f)}; `
    + `BCubed P ${f(e.bcubed.precision)} R ${f(e.bcubed.recall)} F ${f(e.bcubed.f)}; `
    + `people: ${e.nTrue} true, ${e.nPred} predicted, ${e.nFound} found; `
    + `${e.nItems} items (${e.nUnassigned} unassigned, ${e.nUnlabeled} unlabelled)`;
}

// ---- what a user sees: every credited appearance, per group of people --------------------------
//
// The appearances table credits (video, influencer_id) pairs: every one of them is what an analyst
// sees, not only the top one per video. A credit's true person is the plurality of the true people
// of its tracks in that video (`creditPerson`; null when all its tracks are unlabelled, e.g. a
// background face). `appearanceItems` makes one item per credit plus one per true appearance (video,
// person) that no credit got (predicted null: a miss, costs recall); two credits of one person in one
// video (a person split inside a video) are two items with different IDs (costs recall).
// `figuresByGroup` gives, per group of true people (e.g. per source), BCubed averaged over the
// group's items (clusters are the whole run's: merging with a person of another group costs
// precision), people, people found, IDs and IDs per true person. `twoPersonAccuracy`: videos with two
// true people whose credits are exactly the two people's own IDs (each person's ID = the one holding
// most of their credits).

/** A (video, ID) credit of the appearances table with its true person (null: no benchmark person). */
export interface Credit { video: string; id: string; person: string | null }

/** Plurality of the true people of a credit's tracks, nulls ignored (ties: the smaller name); null when none. */
export function creditPerson(trackPeople: ReadonlyArray<string | null>): string | null {
  const votes = new Map<string, number>();
  for (const p of trackPeople) if (p !== null) votes.set(p, (votes.get(p) ?? 0) + 1);
  let best: string | null = null, n = 0;
  for (const [p, k] of votes) if (k > n || (k === n && best !== null && p < best)) { best = p; n = k; }
  return best;
}

export interface AppearanceItems {
  /** Item key → true person (null: a credit of no benchmark person). */
  truth: Map<string, string | null>;
  /** Item key → credited ID (null: a true appearance no credit got). */
  predicted: Map<string, string | null>;
  counts: {
    /** Distinct (video, person) pairs of the truth. */
    trueAppearances: number;
    credits: number;
    /** True appearances with no credit of that person. */
    missed: number;
    /** Credits whose tracks are all unlabelled. */
    unlabelled: number;
    /** Credits of a person already credited in the same video under another ID. */
    repeated: number;
    /** Credits of a person the truth does not put in that video. */
    wrongVideo: number;
  };
}

/** Items over every credited appearance (see above); keys are `video\tid` for credits, `video\t~person` for misses. */
export function appearanceItems(trueAppearances: ReadonlyMap<string, readonly string[]>, credits: readonly Credit[]): AppearanceItems {
  const out: AppearanceItems = { truth: new Map(), predicted: new Map(),
    counts: { trueAppearances: 0, credits: credits.length, missed: 0, unlabelled: 0, repeated: 0, wrongVideo: 0 } };
  const credited = new Set<string>();
  for (const c of [...credits].sort((a, b) => cmpLabel(a.video, b.video) || cmpLabel(a.id, b.id))) {
    const key = `${c.video}\t${c.id}`;
    if (out.truth.has(key)) throw new RangeError(`credit ${c.video} ${c.id} listed twice`);
    out.truth.set(key, c.person);
    out.predicted.set(key, c.id);
    if (c.person === null) { out.counts.unlabelled++; continue; }
    const vp = `${c.video}\t${c.person}`;
    if (credited.has(vp)) out.counts.repeated++;
    credited.add(vp);
    if (!(trueAppearances.get(c.video) ?? []).includes(c.person)) out.counts.wrongVideo++;
  }
  for (const [video, people] of trueAppearances) {
    for (const person of new Set(people)) {
      out.counts.trueAppearances++;
      if (credited.has(`${video}\t${person}`)) continue;
      out.counts.missed++;
      out.truth.set(`${video}\t~${person}`, person);
      out.predicted.set(`${video}\t~${person}`, null);
    }
  }
  return out;
}

export interface GroupFigures {
  /** Items of the group's people. */
  items: number;
  /** True people of the group among the items, and how many are the plurality person of some ID. */
  people: number;
  found: number;
  /** Distinct IDs given to the group's items. */
  ids: number;
  /** Mean over the group's people of the distinct IDs among their items (1 = one ID each; a missed person counts 0). */
  idsPerPerson: number;
  /** BCubed averaged over the group's items. */
  bcubed: PRF;
}

/**
 * Figures per group of true people (`groupOf(person)`, null = in no group). Items with no true label are
 * left out (`unlabeled: 'drop'`, the default here) or kept as singletons that can cost precision.
 */
export function figuresByGroup<K, L extends Label>(
  truth: ReadonlyMap<K, L | null>, predicted: ReadonlyMap<K, Label | null>, groupOf: (person: L) => string | null,
  options: EvaluateOptions = { unlabeled: 'drop' },
): Map<string, GroupFigures> {
  const keys = new Set<K>([...truth.keys(), ...predicted.keys()]);
  const t: Array<L | null> = [], p: Array<Label | null> = [];
  for (const k of keys) {
    const tl = truth.get(k) ?? null;
    if (tl === null && options.unlabeled === 'drop') continue;
    t.push(tl);
    p.push(predicted.get(k) ?? null);
  }
  const classSize = new Map<Label, number>(), clusterSize = new Map<Label, number>(), cell = new Map<string, number>();
  const ck = (tl: Label, pl: Label) => `${String(tl)}\u0000${String(pl)}`;
  t.forEach((tl, i) => {
    const pl = p[i];
    if (tl !== null) classSize.set(tl, (classSize.get(tl) ?? 0) + 1);
    if (pl !== null) clusterSize.set(pl, (clusterSize.get(pl) ?? 0) + 1);
    if (tl !== null && pl !== null) cell.set(ck(tl, pl), (cell.get(ck(tl, pl)) ?? 0) + 1);
  });
  // Plurality person of each ID (ties: the smaller label).
  const byId = new Map<Label, Map<Label, number>>();
  t.forEach((tl, i) => {
    const pl = p[i];
    if (tl === null || pl === null) return;
    const m = byId.get(pl) ?? new Map<Label, number>();
    m.set(tl, (m.get(tl) ?? 0) + 1);
    byId.set(pl, m);
  });
  const found = new Set<Label>();
  for (const m of byId.values()) found.add([...m.entries()].sort((a, b) => b[1] - a[1] || cmpLabel(a[0], b[0]))[0][0]);
  const acc = new Map<string, { n: number; pre: number; rec: number; people: Set<Label>; ids: Set<Label>; idsOf: Map<Label, Set<Label>> }>();
  t.forEach((tl, i) => {
    if (tl === null) return;
    const g = groupOf(tl);
    if (g === null) return;
    const a = acc.get(g) ?? { n: 0, pre: 0, rec: 0, people: new Set(), ids: new Set(), idsOf: new Map() };
    acc.set(g, a);
    const pl = p[i];
    a.n++;
    a.people.add(tl);
    if (!a.idsOf.has(tl)) a.idsOf.set(tl, new Set());
    if (pl === null) { a.pre += 1; a.rec += 1 / classSize.get(tl)!; return; }
    const both = cell.get(ck(tl, pl))!;
    a.pre += both / clusterSize.get(pl)!;
    a.rec += both / classSize.get(tl)!;
    a.ids.add(pl);
    a.idsOf.get(tl)!.add(pl);
  });
  const out = new Map<string, GroupFigures>();
  for (const [g, a] of [...acc].sort((x, y) => cmpLabel(x[0], y[0]))) {
    const precision = a.pre / a.n, recall = a.rec / a.n;
    out.set(g, {
      items: a.n, people: a.people.size, found: [...a.people].filter((x) => found.has(x)).length, ids: a.ids.size,
      idsPerPerson: [...a.idsOf.values()].reduce((s, x) => s + x.size, 0) / a.people.size,
      bcubed: { precision, recall, f: fscore(precision, recall) },
    });
  }
  return out;
}

export interface TwoPersonResult {
  /** Videos with exactly two true people (in a group: with at least one of them in it). */
  videos: number;
  /** Of those, videos whose credited IDs are exactly the two people's own IDs. */
  right: number;
  /** Each true person's own ID: the one holding most of their credits (ties: the smaller ID). */
  own: Map<string, string>;
  /** The videos counted wrong. */
  wrong: string[];
}

/**
 * Two-person videos that come out right: their credits are exactly two distinct IDs, the own IDs of the
 * two people (so a merge, a split inside the video, a miss or an extra credit each make it wrong).
 * `ignoreUnlabelled`: credits of no benchmark person (background faces) do not count as extra.
 * `inGroup`: only videos with at least one person for which it is true.
 */
export function twoPersonAccuracy(trueAppearances: ReadonlyMap<string, readonly string[]>, credits: readonly Credit[],
  options: { ignoreUnlabelled?: boolean; inGroup?: (person: string) => boolean } = {}): TwoPersonResult {
  const counts = new Map<string, Map<string, number>>();
  for (const c of credits) {
    if (c.person === null) continue;
    const m = counts.get(c.person) ?? new Map<string, number>();
    m.set(c.id, (m.get(c.id) ?? 0) + 1);
    counts.set(c.person, m);
  }
  const own = new Map<string, string>();
  for (const [person, m] of counts) own.set(person, [...m.entries()].sort((a, b) => b[1] - a[1] || cmpLabel(a[0], b[0]))[0][0]);
  const creditsOf = new Map<string, Credit[]>();
  for (const c of credits) creditsOf.set(c.video, [...(creditsOf.get(c.video) ?? []), c]);
  const out: TwoPersonResult = { videos: 0, right: 0, own, wrong: [] };
  for (const [video, people] of [...trueAppearances].sort((a, b) => cmpLabel(a[0], b[0]))) {
    const two = [...new Set(people)];
    if (two.length !== 2) continue;
    if (options.inGroup && !two.some(options.inGroup)) continue;
    out.videos++;
    const ids = new Set((creditsOf.get(video) ?? []).filter((c) => !(options.ignoreUnlabelled && c.person === null)).map((c) => c.id));
    const [a, b] = two.map((x) => own.get(x));
    if (ids.size === 2 && a !== undefined && b !== undefined && a !== b && ids.has(a) && ids.has(b)) out.right++;
    else out.wrong.push(video);
  }
  return out;
}
