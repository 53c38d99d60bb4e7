// What changed between two runs (A = before, B = after), from their tables alone: people added and
// removed, merges and splits (the registry events B has that A does not), rank moves, changes of each
// person's figures, the reliability figures before and after, and the ledger counts. Pure: no I/O.
// Person IDs are stable across runs (the cluster stage's registry), so an ID present in both runs is
// the same person.
import { namesOf } from './snapshot.js';
import type { CorrectionRow, EventRow, ReliabilityRow, Snapshot, StatsRow } from './snapshot.js';

/** The figures of one person in one run (null: not in that run's influencer_stats). */
export type Figures = Pick<StatsRow, 'rank' | 'n_videos' | 'n_postings' | 'mean' | 'sd' | 'ci_low' | 'ci_high' | 'reliability' | 'shrunken_mean'>;
export const FIGURES: (keyof Figures)[] = ['rank', 'n_videos', 'n_postings', 'mean', 'sd', 'ci_low', 'ci_high', 'reliability', 'shrunken_mean'];

export type PersonStatus = 'kept' | 'added' | 'removed';

export interface PersonChange {
  influencer_id: string;
  status: PersonStatus;
  before: Figures | null;
  after: Figures | null;
  /** before.rank − after.rank: positive moved up, negative down; null unless ranked in both runs. */
  rank_move: number | null;
  /** Names of the figures that differ (kept people). */
  changed: (keyof Figures)[];
  /** Why a removed person is gone, or how an added one came to be, in plain words. */
  note: string | null;
  /** Videos credited to the person in B (added people) or A (removed people). */
  videos: string[];
  /** The analyst's name for the ID (B's, else A's; people.yaml names), shown beside it; null: none. */
  name: string | null;
}

/** An analyst's correction (people.yaml) that differs between the runs: in B only, in A only, or with another status. */
export interface CorrectionChange {
  change: 'added' | 'removed' | 'status';
  kind: string;
  text: string;
  line_a: number | null;
  line_b: number | null;
  status_a: string | null;
  status_b: string | null;
  /** The IDs it touches (in B; in A for a removed one). */
  influencer_ids: string[];
}

export interface FigureChange { influencer_id: string; figure: keyof Figures; before: number | null; after: number | null; delta: number | null }
export interface RankMove { influencer_id: string; before: number | null; after: number | null; move: number | null; text: string }
export interface Merge { run_id: number; into: string; from: string[] }
export interface Split { run_id: number; from: string; into: string[] }
export interface ReliabilityChange {
  measure: string;
  before: ReliabilityRow | null;
  after: ReliabilityRow | null;
  /** after.icc − before.icc, when both are estimable. */
  delta: number | null;
}
export interface Count { name: string; before: number; after: number; delta: number }

export interface RunDiff {
  a: { source: string; location: string };
  b: { source: string; location: string };
  counts: Count[];
  people: PersonChange[];
  added: PersonChange[];
  removed: PersonChange[];
  merged: Merge[];
  split: Split[];
  retired: { run_id: number; influencer_id: string }[];
  /** Registry events in B that A does not have (the runs between A and B). */
  events: EventRow[];
  rankMoves: RankMove[];
  figureChanges: FigureChange[];
  reliability: ReliabilityChange[];
  /** Corrections that differ between the runs (people.yaml entries added, removed, or applied differently). */
  corrections: CorrectionChange[];
  /** Names by ID: B's, with A's for IDs B does not name. */
  names: Record<string, string>;
}

const EPS = 1e-9;
/** Two figures differ: one is null and the other not, or they differ by more than rounding. */
export function differs(x: number | null | undefined, y: number | null | undefined): boolean {
  const a = x ?? null;
  const b = y ?? null;
  if (a === null || b === null) return a !== b;
  return Math.abs(a - b) > EPS * Math.max(1, Math.abs(a), Math.abs(b));
}

const figuresOf = (s: StatsRow | undefined): Figures | null => (s ? Object.fromEntries(FIGURES.map((k) => [k, s[k] ?? null])) as unknown as Figures : null);
const eventKey = (e: EventRow) => JSON.stringify([e.run_id, e.event, e.influencer_id, [...e.other_ids].sort()]);
const byId = (a: string, b: string) => a.localeCompare(b);

function countBy<T>(xs: T[], key: (x: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return m;
}

function creditedVideos(s: Snapshot, id: string): string[] {
  return s.appearances.filter((a) => a.influencer_id === id && a.credited).map((a) => a.video_id).sort();
}

function moveText(before: number | null, after: number | null): string {
  if (before === null && after !== null) return `enters the ranking at #${after}`;
  if (before !== null && after === null) return `leaves the ranking (was #${before})`;
  if (before === null || after === null) return 'unranked';
  const m = before - after;
  return m > 0 ? `up ${m} (#${before} → #${after})` : m < 0 ? `down ${-m} (#${before} → #${after})` : `unchanged (#${after})`;
}

/** The corrections (keyed by their text: the same text is the same correction) in B only, in A only, or applied differently. */
export function correctionChanges(a: CorrectionRow[], b: CorrectionRow[]): CorrectionChange[] {
  const inA = new Map(a.map((c) => [c.text, c]));
  const inB = new Map(b.map((c) => [c.text, c]));
  const out: CorrectionChange[] = [];
  for (const c of b) {
    const old = inA.get(c.text);
    if (!old) out.push({ change: 'added', kind: c.kind, text: c.text, line_a: null, line_b: c.line, status_a: null, status_b: c.status, influencer_ids: [...c.influencer_ids] });
    else if (old.status !== c.status) out.push({ change: 'status', kind: c.kind, text: c.text, line_a: old.line, line_b: c.line, status_a: old.status, status_b: c.status, influencer_ids: [...c.influencer_ids] });
  }
  for (const c of a) if (!inB.has(c.text)) out.push({ change: 'removed', kind: c.kind, text: c.text, line_a: c.line, line_b: null, status_a: c.status, status_b: null, influencer_ids: [...c.influencer_ids] });
  return out;
}

/** Compares run A (before) with run B (after). */
export function compareRuns(a: Snapshot, b: Snapshot): RunDiff {
  const statsA = new Map(a.stats.map((s) => [s.influencer_id, s]));
  const statsB = new Map(b.stats.map((s) => [s.influencer_id, s]));
  const idsA = new Set([...a.people.map((p) => p.influencer_id), ...statsA.keys()]);
  const idsB = new Set([...b.people.map((p) => p.influencer_id), ...statsB.keys()]);

  // Registry events B has that A does not: what happened to identities in the runs between them.
  const seen = new Set(a.events.map(eventKey));
  const events = b.events.filter((e) => !seen.has(eventKey(e)))
    .sort((x, y) => x.run_id - y.run_id || x.event.localeCompare(y.event) || byId(x.influencer_id, y.influencer_id));
  const merged: Merge[] = events.filter((e) => e.event === 'merge').map((e) => ({ run_id: e.run_id, into: e.influencer_id, from: [...e.other_ids].sort() }));
  const split: Split[] = events.filter((e) => e.event === 'split').map((e) => ({ run_id: e.run_id, from: e.influencer_id, into: [...e.other_ids].sort() }));
  const retired = events.filter((e) => e.event === 'retire').map((e) => ({ run_id: e.run_id, influencer_id: e.influencer_id }));

  const removedNote = (id: string): string => {
    const m = merged.find((x) => x.from.includes(id));
    if (m) return `merged into ${m.into}`;
    if (retired.some((r) => r.influencer_id === id)) return 'retired: no longer seen in any video';
    return 'not in run B';
  };
  const addedNote = (id: string): string => {
    const s = split.find((x) => x.into.includes(id));
    if (s) return `split from ${s.from}`;
    const n = events.find((e) => e.event === 'new' && e.influencer_id === id);
    return n ? 'new person' : 'not in run A';
  };

  const names = { ...namesOf(a), ...namesOf(b) };
  const all = [...new Set([...idsA, ...idsB])].sort(byId);
  const people: PersonChange[] = all.map((id) => {
    const before = idsA.has(id) ? figuresOf(statsA.get(id)) : null;
    const after = idsB.has(id) ? figuresOf(statsB.get(id)) : null;
    const status: PersonStatus = idsA.has(id) && idsB.has(id) ? 'kept' : idsB.has(id) ? 'added' : 'removed';
    const changed = status === 'kept' ? FIGURES.filter((k) => differs(before?.[k], after?.[k])) : [];
    const rank_move = before?.rank != null && after?.rank != null ? before.rank - after.rank : null;
    return {
      influencer_id: id, status, before, after, rank_move, changed,
      note: status === 'removed' ? removedNote(id) : status === 'added' ? addedNote(id) : null,
      videos: status === 'removed' ? creditedVideos(a, id) : creditedVideos(b, id),
      name: names[id] ?? null,
    };
  });
  // Sort: by rank in B (ranked first), then by rank in A, then ID.
  const rankKey = (p: PersonChange) => p.after?.rank ?? Infinity;
  people.sort((x, y) => rankKey(x) - rankKey(y) || (x.before?.rank ?? Infinity) - (y.before?.rank ?? Infinity) || byId(x.influencer_id, y.influencer_id));

  const rankMoves: RankMove[] = people
    .filter((p) => p.status === 'kept' && differs(p.before?.rank, p.after?.rank))
    .map((p) => ({ influencer_id: p.influencer_id, before: p.before?.rank ?? null, after: p.after?.rank ?? null, move: p.rank_move, text: moveText(p.before?.rank ?? null, p.after?.rank ?? null) }))
    .sort((x, y) => Math.abs(y.move ?? 0) - Math.abs(x.move ?? 0) || (x.after ?? Infinity) - (y.after ?? Infinity) || byId(x.influencer_id, y.influencer_id));

  const figureChanges: FigureChange[] = people.filter((p) => p.status === 'kept').flatMap((p) => p.changed.map((figure) => {
    const x = p.before?.[figure] ?? null;
    const y = p.after?.[figure] ?? null;
    return { influencer_id: p.influencer_id, figure, before: x, after: y, delta: x !== null && y !== null ? y - x : null };
  }));

  const relA = new Map(a.reliability.map((r) => [r.measure, r]));
  const relB = new Map(b.reliability.map((r) => [r.measure, r]));
  const reliability: ReliabilityChange[] = [...new Set([...relA.keys(), ...relB.keys()])].sort().map((measure) => {
    const before = relA.get(measure) ?? null;
    const after = relB.get(measure) ?? null;
    return { measure, before, after, delta: before?.icc != null && after?.icc != null ? after.icc - before.icc : null };
  });

  const count = (name: string, x: number, y: number): Count => ({ name, before: x, after: y, delta: y - x });
  const statusA = countBy(a.rows, (r) => r.status);
  const statusB = countBy(b.rows, (r) => r.status);
  const credited = (s: Snapshot) => new Set(s.appearances.filter((x) => x.credited).map((x) => x.video_id)).size;
  const counts: Count[] = [
    count('rows', a.rows.length, b.rows.length),
    ...[...new Set([...statusA.keys(), ...statusB.keys()])].sort().map((k) => count(`rows: ${k}`, statusA.get(k) ?? 0, statusB.get(k) ?? 0)),
    count('videos', a.videos.length, b.videos.length),
    count('videos credited to someone', credited(a), credited(b)),
    count('people', idsA.size, idsB.size),
    count('people ranked', a.stats.filter((s) => s.rank !== null).length, b.stats.filter((s) => s.rank !== null).length),
  ];

  return {
    a: { source: a.source, location: a.location }, b: { source: b.source, location: b.location },
    counts, people,
    added: people.filter((p) => p.status === 'added'),
    removed: people.filter((p) => p.status === 'removed'),
    merged, split, retired, events, rankMoves, figureChanges, reliability,
    corrections: correctionChanges(a.corrections ?? [], b.corrections ?? []), names,
  };
}
