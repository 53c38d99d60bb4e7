// What the report shows, computed from the warehouse rows by pure functions: the ranked people with
// their videos and faces, what was not credited and why, duplicate groups, the ledger, registry events.
import { reliabilityCurve } from '../aggregate/index.ts';
import type { CurvePoint, DuplicateRow, PersonVideoScore, ReliabilityRow, StatRow } from './charts.ts';
import type { AppearanceRow, CorrectionRow, FaceRow, LedgerRow, RegistryEventRow, ReportTables } from './tables.ts';

export interface ModelOptions {
  /** people.credit_min_screen_share and people.credit_kinds, to explain why something was not credited */
  creditMinScreenShare?: number | null;
  creditKinds?: string[] | null;
  /** cluster.min_track_faces */
  minTrackFaces?: number | null;
  /** Faces shown per person in the gallery (the rest are counted). */
  galleryMaxFaces: number;
  /** Example crops shown per quality gate. */
  gateExamples: number;
}

export interface PersonVideo { video_id: string; canonical_url: string | null; score: number | null; n_postings: number; screen_share: number; n_faces: number; credited: boolean }
export interface GalleryFace { face_id: string; video_id: string; t_s: number; track_id?: string | null }
/** One track of a person: what a split correction names (people.yaml, pipeline/people.ts). */
export interface PersonTrack { track_id: string; video_id: string; n_faces: number; face_id: string | null }
/** An analyst's correction that touched a person, with how the report marks it. */
export interface PersonMark { line: number; kind: string; text: string; label: string }
export interface PersonView extends StatRow {
  n_postings: number; sd: number | null; cv: number | null;
  exemplar_face_id: string | null; n_faces: number; n_tracks: number;
  videos: PersonVideo[]; faces: GalleryFace[]; faces_hidden: number;
  /** The analyst's name for the ID (people.yaml names), shown beside it; null: none. */
  name: string | null;
  tracks: PersonTrack[];
  /** Applied corrections that changed or named this person (empty: as the clustering found it). */
  marks: PersonMark[];
}
/** A not_a_person correction: what it names, the tracks it keeps out, the reason (always "analyst"). */
export interface NotAPerson { line: number; text: string; ref: string; status: string; note: string | null; track_ids: string[]; face_id: string | null; reason: 'analyst' }
export interface UncreditedAppearance extends AppearanceRow { face_id: string | null; score: number | null; why: string }
export interface UnassignedTrack { track_id: string; video_id: string; kind: string | null; kind_score: number | null; n_faces: number; screen_share: number; face_id: string | null; why: string }
export interface GateSummary { gate: string; n: number; examples: GalleryFace[] }
export interface DuplicateGroup {
  video_id: string; rows: DuplicateRow[]; n: number; exact: number; perceptual: number;
  mean: number | null; sd: number | null; min: number | null; max: number | null;
}
export interface StatusCount { status: string; label: string; n: number }
export interface ReasonCount { status: string; reason: string; n: number; rows: string }
export interface EventView { run_id: number; event: string; influencer_id: string; other_ids: string[]; text: string }

export interface ReportModel {
  people: PersonView[];
  scores: PersonVideoScore[];
  stats: StatRow[];
  reliability: ReliabilityRow[];
  curve: CurvePoint[];
  uncredited: UncreditedAppearance[];
  unassigned: UnassignedTrack[];
  gates: GateSummary[];
  duplicates: DuplicateGroup[];
  duplicateRows: DuplicateRow[];
  byStatus: StatusCount[];
  reasons: ReasonCount[];
  ledger: LedgerRow[];
  events: EventView[];
  /** The analyst's corrections (people.yaml) as the cluster stage applied them, in file order. */
  corrections: CorrectionRow[];
  notAPerson: NotAPerson[];
  /** Names by ID (people.yaml names), for every place an ID is shown. */
  names: Record<string, string>;
  /** Tracks by kind (null: not classified yet), most common first. */
  trackKinds: { kind: string | null; n: number }[];
  counts: { people: number; ranked: number; videos: number; rows: number; faces: number; usable_faces: number; tracks: number };
}

/** The ledger's statuses in the order a reader follows a row through the pipeline, in plain words. */
export const STATUS_LABELS: [string, string][] = [
  ['ok', 'kept: credited to a person'],
  ['duplicate', 'duplicate posting of a kept video'],
  ['no_person', 'faces found, but no credited person'],
  ['no_face', 'no usable face found'],
  ['media_unavailable', 'media unavailable'],
  ['rejected', 'rejected (bad URL or score)'],
];
export const statusLabel = (s: string) => STATUS_LABELS.find(([k]) => k === s)?.[1] ?? s;

const meanOf = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const sdOf = (xs: number[]) => {
  const m = meanOf(xs);
  return m === null || xs.length < 2 ? null : Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
};
const byId = (a: string, b: string) => a.localeCompare(b);

/** "3, 5–8, 12": sorted row numbers with runs collapsed. */
export function compactNumbers(ns: number[]): string {
  const xs = [...new Set(ns)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < xs.length; i++) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j] + 1) j++;
    parts.push(j > i + 1 ? `${xs[i]}\u2013${xs[j]}` : j === i + 1 ? `${xs[i]}, ${xs[j]}` : `${xs[i]}`);
    i = j;
  }
  return parts.join(', ');
}

/** A reason with its row-specific numbers and video IDs replaced, so rows that failed the same way group together. */
export const reasonPattern = (reason: string | null) =>
  (reason ?? '').replace(/\bvid-[0-9a-f]{6,}\b/g, 'V').replace(/(?<![\w.-])\d+(\.\d+)?(?![\w-])/g, 'N') || '(no reason recorded)';

/** Ranking order: rank first, unranked people after (most videos, then ID). */
export function rankingOrder<T extends Pick<StatRow, 'rank' | 'influencer_id' | 'n_videos'>>(rows: T[]): T[] {
  return [...rows].sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || b.n_videos - a.n_videos || byId(a.influencer_id, b.influencer_id));
}

/** How the report marks a person a correction touched. */
export const MARK_LABELS: Record<string, string> = {
  name: 'named', merge: 'merged by analyst', split: 'split by analyst', same: 'joined by analyst (same)',
  not_same: 'kept apart by analyst (not_same)', not_a_person: 'not a person (analyst)',
};

/** "Priya S. (inf-0004)": the name with the ID beside it; the ID alone when unnamed. */
export const nameAndId = (names: Record<string, string>, id: string) => (names[id] ? `${names[id]} (${id})` : id);

/** The command lines that write a correction (pipeline/people.ts), as the report prints them. */
export const correctionCommand = {
  split: (id: string, track: string) => `npx tsx pipeline/people.ts split ${id} --tracks ${track}`,
  name: (id: string, name = '…') => `npx tsx pipeline/people.ts name ${id} "${name}"`,
  merge: (id: string, other = 'inf-NNNN') => `npx tsx pipeline/people.ts merge ${id} ${other}`,
  notAPerson: (ref: string) => `npx tsx pipeline/people.ts not-a-person ${ref}`,
};

export function describeEvent(e: RegistryEventRow): string {
  // An analyst's correction (people.yaml) says what it was, as written.
  if (e.source === 'analyst') return `Analyst correction (people.yaml): ${e.detail ?? e.event} → ${e.influencer_id}${e.other_ids.length ? ` (${e.other_ids.join(', ')})` : ''}.`;
  const others = e.other_ids.join(', ');
  switch (e.event) {
    case 'new': return `${e.influencer_id} is a new person.`;
    case 'merge': return `${others} merged into ${e.influencer_id}: ${e.influencer_id} is the surviving ID; ${e.other_ids.length > 1 ? 'those IDs are' : 'that ID is'} no longer used.`;
    case 'split': return `${e.influencer_id} split: it keeps its ID (surviving), part of its faces are now ${others}.`;
    case 'retire': return `${e.influencer_id} is no longer seen in any video (retired; the ID is not reused).`;
    default: return `${e.event}: ${e.influencer_id}${others ? ` (${others})` : ''}`;
  }
}

const EVENT_ORDER = ['merge', 'split', 'retire', 'new'];

/** Registry events, newest run first, merges and splits before the (many) new people of a run. */
export function eventViews(events: RegistryEventRow[]): EventView[] {
  return [...events]
    .sort((a, b) => b.run_id - a.run_id || EVENT_ORDER.indexOf(a.event) - EVENT_ORDER.indexOf(b.event) || byId(a.influencer_id, b.influencer_id))
    .map((e) => ({ ...e, other_ids: [...(e.other_ids ?? [])], text: describeEvent({ ...e, other_ids: [...(e.other_ids ?? [])] }) }));
}

export function buildModel(t: ReportTables, opt: ModelOptions): ReportModel {
  const videos = new Map(t.videos.map((v) => [v.video_id, v]));
  const influencers = new Map(t.influencers.map((i) => [i.influencer_id, i]));
  const personOfTrack = new Map(t.trackPeople.map((tp) => [tp.track_id, tp.influencer_id]));
  const tracks = new Map(t.tracks.map((tr) => [tr.track_id, tr]));
  const faceKey = (f: FaceRow): GalleryFace => ({ face_id: f.face_id, video_id: f.video_id, t_s: f.t_s, track_id: f.track_id });
  const names: Record<string, string> = Object.fromEntries((t.personNames ?? []).filter((n) => n.name).map((n) => [n.influencer_id, n.name!]));
  const corrections = [...(t.corrections ?? [])].map((c) => ({ ...c, influencer_ids: [...(c.influencer_ids ?? [])], track_ids: [...(c.track_ids ?? [])] })).sort((a, b) => a.line - b.line);
  const applied = corrections.filter((c) => c.status !== 'stale');
  const tracksOfPerson = new Map<string, PersonTrack[]>();
  for (const tp of t.trackPeople) {
    if (!tp.influencer_id) continue;
    const tr = tracks.get(tp.track_id);
    tracksOfPerson.set(tp.influencer_id, [...(tracksOfPerson.get(tp.influencer_id) ?? []), { track_id: tp.track_id, video_id: tp.video_id, n_faces: tr?.n_faces ?? 0, face_id: tr?.exemplar_face_id ?? null }]);
  }
  const facesByPerson = new Map<string, FaceRow[]>();
  for (const f of t.faces) {
    const p = f.track_id ? personOfTrack.get(f.track_id) : null;
    if (p && f.crop_path) facesByPerson.set(p, [...(facesByPerson.get(p) ?? []), f]);
  }

  // Credited scored videos per person: exactly what the aggregate stage averaged.
  const scores: PersonVideoScore[] = t.appearances
    .filter((a) => a.credited && videos.get(a.video_id)?.score != null)
    .map((a) => ({ influencer_id: a.influencer_id, video_id: a.video_id, score: videos.get(a.video_id)!.score as number, n_postings: videos.get(a.video_id)!.n_scored }))
    .sort((a, b) => byId(a.influencer_id, b.influencer_id) || byId(a.video_id, b.video_id));

  const people: PersonView[] = rankingOrder(t.stats).map((s) => {
    const inf = influencers.get(s.influencer_id);
    const faces = (facesByPerson.get(s.influencer_id) ?? []).sort((a, b) => byId(a.video_id, b.video_id) || a.t_s - b.t_s || byId(a.face_id, b.face_id));
    const pv: PersonVideo[] = t.appearances.filter((a) => a.influencer_id === s.influencer_id).map((a) => {
      const v = videos.get(a.video_id);
      return { video_id: a.video_id, canonical_url: v?.canonical_url ?? null, score: v?.score ?? null, n_postings: v?.n_postings ?? 0, screen_share: a.screen_share, n_faces: a.n_faces, credited: a.credited };
    }).sort((a, b) => Number(b.credited) - Number(a.credited) || byId(a.video_id, b.video_id));
    return {
      ...s, n_postings: s.n_postings ?? 0, sd: s.sd ?? null, cv: s.cv ?? null,
      exemplar_face_id: inf?.exemplar_face_id ?? faces[0]?.face_id ?? null, n_faces: inf?.n_faces ?? faces.length, n_tracks: inf?.n_tracks ?? 0,
      videos: pv, faces: faces.slice(0, opt.galleryMaxFaces).map(faceKey), faces_hidden: Math.max(0, faces.length - opt.galleryMaxFaces),
      name: names[s.influencer_id] ?? null,
      tracks: (tracksOfPerson.get(s.influencer_id) ?? []).sort((a, b) => byId(a.track_id, b.track_id)),
      marks: applied.filter((c) => c.influencer_ids.includes(s.influencer_id) && c.kind !== 'not_a_person')
        .map((c) => ({ line: c.line, kind: c.kind, text: c.text, label: MARK_LABELS[c.kind] ?? c.kind })),
    };
  });

  // Not credited: appearances below the screen-share cut, and tracks that became nobody.
  // Enough decimals that a share just under the cut does not print as equal to it.
  const cut = opt.creditMinScreenShare ?? null;
  const decimals = (x: number) => { let d = 2; while (cut !== null && d < 6 && x !== cut && (100 * x).toFixed(d) === (100 * cut).toFixed(d)) d++; return d; };
  const share = (x: number, d = decimals(x)) => `${(100 * x).toFixed(d)}%`;
  const bestFace = (video: string, person: string | null, trackIds?: string[]) => {
    const ts = (trackIds ?? t.trackPeople.filter((tp) => tp.video_id === video && tp.influencer_id === person).map((tp) => tp.track_id))
      .map((id) => tracks.get(id)).filter((x) => !!x).sort((a, b) => b!.n_faces - a!.n_faces || byId(a!.track_id, b!.track_id));
    return ts[0]?.exemplar_face_id ?? null;
  };
  const uncredited: UncreditedAppearance[] = t.appearances.filter((a) => !a.credited).map((a) => ({
    ...a, face_id: bestFace(a.video_id, a.influencer_id), score: videos.get(a.video_id)?.score ?? null,
    why: `screen share ${share(a.screen_share)} is below the credit cut${cut !== null ? ` of ${share(cut, decimals(a.screen_share))}` : ''} (people.credit_min_screen_share)`,
  })).sort((a, b) => byId(a.influencer_id, b.influencer_id) || byId(a.video_id, b.video_id));
  const notAPersonOf = new Map<string, CorrectionRow>();
  for (const c of applied) if (c.kind === 'not_a_person') for (const tr of c.track_ids) if (!notAPersonOf.has(tr)) notAPersonOf.set(tr, c);
  const unassigned: UnassignedTrack[] = t.tracks.filter((tr) => !personOfTrack.get(tr.track_id)).map((tr) => {
    const kinds = opt.creditKinds ?? null;
    const analyst = notAPersonOf.get(tr.track_id);
    const why = analyst ? `not a person (reason: analyst; people.yaml line ${analyst.line}: ${analyst.text})`
      : tr.kind !== null && kinds && !kinds.includes(tr.kind) ? `kind "${tr.kind}"${tr.kind_evidence ? ` (${tr.kind_evidence})` : ''} is not credited (people.credit_kinds: ${kinds.join(', ')})`
      : opt.minTrackFaces != null && tr.n_faces < opt.minTrackFaces ? `only ${tr.n_faces} face(s), fewer than cluster.min_track_faces (${opt.minTrackFaces})`
        : 'not assigned to a person';
    return { track_id: tr.track_id, video_id: tr.video_id, kind: tr.kind, kind_score: tr.kind_score, n_faces: tr.n_faces, screen_share: tr.screen_share, face_id: tr.exemplar_face_id, why };
  }).sort((a, b) => byId(a.track_id, b.track_id));
  const gateNames = [...new Set(t.faces.filter((f) => f.gate !== 'ok').map((f) => f.gate))].sort();
  const gates: GateSummary[] = gateNames.map((g) => {
    const fs = t.faces.filter((f) => f.gate === g);
    const examples = fs.filter((f) => f.crop_path).sort((a, b) => b.det_score - a.det_score || byId(a.face_id, b.face_id)).slice(0, opt.gateExamples);
    return { gate: g, n: fs.length, examples: examples.map(faceKey) };
  });

  // Duplicate groups: videos posted more than once.
  const groups = new Map<string, DuplicateRow[]>();
  for (const r of t.duplicateGroups) groups.set(r.video_id, [...(groups.get(r.video_id) ?? []), r]);
  const duplicates: DuplicateGroup[] = [...groups.entries()].filter(([, rs]) => rs.length >= 2).map(([video_id, rs]) => {
    const xs = rs.map((r) => r.performance).filter((x): x is number => x !== null);
    return {
      video_id, rows: [...rs].sort((a, b) => a.row_number - b.row_number), n: rs.length,
      exact: rs.filter((r) => r.match === 'exact').length, perceptual: rs.filter((r) => r.match === 'perceptual').length,
      mean: meanOf(xs), sd: sdOf(xs), min: xs.length ? Math.min(...xs) : null, max: xs.length ? Math.max(...xs) : null,
    };
  }).sort((a, b) => b.n - a.n || byId(a.video_id, b.video_id));

  // The ledger: counts by status, and reasons grouped by their pattern.
  const ledger = [...t.rows].sort((a, b) => a.row_number - b.row_number);
  const known = STATUS_LABELS.map(([k]) => k);
  const statuses = [...known, ...[...new Set(ledger.map((r) => r.status))].filter((s) => !known.includes(s)).sort()];
  const byStatus = statuses.map((s) => ({ status: s, label: statusLabel(s), n: ledger.filter((r) => r.status === s).length }));
  const reasonMap = new Map<string, { status: string; reason: string; rows: number[] }>();
  for (const r of ledger) {
    if (r.status === 'ok') continue;
    const reason = reasonPattern(r.reason);
    const key = `${r.status}\u0000${reason}`;
    if (!reasonMap.has(key)) reasonMap.set(key, { status: r.status, reason, rows: [] });
    reasonMap.get(key)!.rows.push(r.row_number);
  }
  const reasons = [...reasonMap.values()]
    .sort((a, b) => statuses.indexOf(a.status) - statuses.indexOf(b.status) || b.rows.length - a.rows.length || byId(a.reason, b.reason))
    .map((r) => ({ status: r.status, reason: r.reason, n: r.rows.length, rows: compactNumbers(r.rows) }));

  const icc = t.reliability.find((r) => r.measure === 'influencer_icc1')?.icc ?? null;
  return {
    people, scores, stats: t.stats.map((s) => ({ ...s, name: names[s.influencer_id] ?? null })), reliability: t.reliability, curve: reliabilityCurve(icc, Math.max(20, ...t.stats.map((s) => s.n_videos))) as unknown as CurvePoint[],
    uncredited, unassigned, gates, duplicates, duplicateRows: t.duplicateGroups, byStatus, reasons, ledger,
    events: eventViews(t.registryEvents),
    corrections, names,
    notAPerson: corrections.filter((c) => c.kind === 'not_a_person').map((c) => {
      const ts = c.track_ids.map((id) => tracks.get(id)).filter((x) => !!x).sort((a, b) => b!.n_faces - a!.n_faces || byId(a!.track_id, b!.track_id));
      const ref = /^not_a_person: (.*)$/.exec(c.text)?.[1] ?? c.text;
      return { line: c.line, text: c.text, ref, status: c.status, note: c.note, track_ids: c.track_ids, face_id: ts[0]?.exemplar_face_id ?? null, reason: 'analyst' as const };
    }),
    trackKinds: [...new Set(t.tracks.map((tr) => tr.kind))].map((kind) => ({ kind, n: t.tracks.filter((tr) => tr.kind === kind).length }))
      .sort((a, b) => b.n - a.n || String(a.kind).localeCompare(String(b.kind))),
    counts: {
      people: people.length, ranked: people.filter((p) => p.rank !== null).length, videos: t.videos.length, rows: ledger.length,
      faces: t.faces.length, usable_faces: t.faces.filter((f) => f.gate === 'ok').length, tracks: t.tracks.length,
    },
  };
}

/** Every face the report shows (for thumbnails): exemplars, galleries, uncredited and rejected examples. */
export function facesShown(m: ReportModel): string[] {
  const ids = new Set<string>();
  for (const p of m.people) {
    if (p.exemplar_face_id) ids.add(p.exemplar_face_id);
    for (const f of p.faces) ids.add(f.face_id);
    for (const tr of p.tracks) if (tr.face_id) ids.add(tr.face_id);
  }
  for (const u of m.uncredited) if (u.face_id) ids.add(u.face_id);
  for (const u of m.unassigned) if (u.face_id) ids.add(u.face_id);
  for (const n of m.notAPerson) if (n.face_id) ids.add(n.face_id);
  for (const g of m.gates) for (const f of g.examples) ids.add(f.face_id);
  return [...ids].sort();
}
