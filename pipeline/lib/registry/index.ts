// Stable influencer IDs across runs. This run's clusters are matched to the previous registry:
// first by the tracks they share (the same track keeps its person), then, for clusters of only
// new tracks, by centroid distance, one-to-one. Merges and splits are recorded, never silent.
import { existsSync, readFileSync } from 'node:fs';
import { distance, meanVector } from '../tracks/index.ts';

/** Where the cluster stage keeps the registry (a DVC out with persist: true). */
export const REGISTRY_FILE = 'models/registry.json';

export interface RegistryPerson {
  influencer_id: string;
  centroid: number[];
  track_ids: string[];
  status: 'active' | 'merged' | 'retired';
  /** For merged people: the surviving ID. */
  merged_into: string | null;
}

/**
 * What changed and who changed it: the clustering (new, merge, split, retire) or the analyst's
 * corrections file (merge, split, same, not_same, not_a_person, name; `detail` is the correction as written).
 */
export interface RegistryEvent {
  run_id: number; event: string; influencer_id: string; other_ids: string[];
  source?: 'clustering' | 'analyst'; detail?: string | null;
}

export interface Registry {
  version: 1; next_number: number; runs: number; people: RegistryPerson[]; events: RegistryEvent[];
  /** The corrections applied so far (their keys): one applied again records no new event. */
  corrections?: string[];
}

export const emptyRegistry = (): Registry => ({ version: 1, next_number: 1, runs: 0, people: [], events: [] });

/** The registry a previous run wrote, or an empty one before the first run. */
export const loadRegistry = (path = REGISTRY_FILE): Registry => (existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : emptyRegistry());

export interface Cluster { track_ids: string[]; vectors: number[][] }

const idOf = (n: number) => `inf-${String(n).padStart(4, '0')}`;

/** The registry's run count after a run that recorded `events`: runs counts the runs that changed it (the first always does). */
export const runsAfter = (prev: Registry, events: readonly unknown[]) => (events.length > 0 || prev.runs === 0 ? prev.runs + 1 : prev.runs);

/**
 * Assigns an influencer ID to every cluster and returns the next registry. `survivors` (the first ID of
 * each analyst merge) keep their ID over a larger overlap of another previous person.
 */
export function assignIds(prev: Registry, clusters: Cluster[], matchThreshold: number, survivors: ReadonlySet<string> = new Set()): { ids: string[]; registry: Registry; events: RegistryEvent[] } {
  const run = prev.runs + 1;
  const ownerOfTrack = new Map<string, string>();
  for (const p of prev.people) if (p.status === 'active') for (const t of p.track_ids) ownerOfTrack.set(t, p.influencer_id);
  const centroids = clusters.map((c) => meanVector(c.vectors));
  const ids = new Array<string | null>(clusters.length).fill(null);
  const taken = new Set<string>();

  // 1. Shared tracks, the analyst's survivors first, then largest overlap first.
  const overlaps: { c: number; id: string; n: number }[] = [];
  clusters.forEach((c, ci) => {
    const count = new Map<string, number>();
    for (const t of c.track_ids) { const o = ownerOfTrack.get(t); if (o) count.set(o, (count.get(o) ?? 0) + 1); }
    for (const [id, n] of count) overlaps.push({ c: ci, id, n });
  });
  const survives = (id: string) => (survivors.has(id) ? 1 : 0);
  overlaps.sort((a, b) => survives(b.id) - survives(a.id) || b.n - a.n || a.id.localeCompare(b.id) || a.c - b.c);
  for (const o of overlaps) if (ids[o.c] === null && !taken.has(o.id)) { ids[o.c] = o.id; taken.add(o.id); }

  // 2. Clusters of new tracks only: nearest unclaimed previous person within the threshold.
  // Only people none of whose tracks are in this run (the others were merged or split above).
  const claimed = new Set(overlaps.map((o) => o.id));
  const active = prev.people.filter((p) => p.status === 'active' && !claimed.has(p.influencer_id));
  const pairs: { c: number; id: string; d: number }[] = [];
  clusters.forEach((c, ci) => {
    if (ids[ci] !== null || c.track_ids.some((t) => ownerOfTrack.has(t))) return;
    for (const p of active) { const d = distance(centroids[ci], p.centroid); if (d <= matchThreshold) pairs.push({ c: ci, id: p.influencer_id, d }); }
  });
  pairs.sort((a, b) => a.d - b.d || a.id.localeCompare(b.id));
  for (const p of pairs) if (ids[p.c] === null && !taken.has(p.id)) { ids[p.c] = p.id; taken.add(p.id); }

  // 3. Everyone else is new.
  let next = prev.next_number;
  const events: RegistryEvent[] = [];
  clusters.forEach((_, ci) => {
    if (ids[ci] !== null) return;
    ids[ci] = idOf(next++);
    events.push({ run_id: run, event: 'new', influencer_id: ids[ci]!, other_ids: [] });
  });

  // Merges: a cluster holding tracks of several previous people. Splits: a previous person's
  // tracks now in several clusters (the one keeping the ID is the survivor).
  const mergedInto = new Map<string, string>();
  clusters.forEach((c, ci) => {
    // Previous owners that kept no cluster of their own were absorbed here (owners that still have
    // one lost some tracks to this cluster: that is their split, recorded below).
    const owners = [...new Set(c.track_ids.map((t) => ownerOfTrack.get(t)).filter((o): o is string => !!o && !ids.includes(o)))].sort();
    if (owners.length) {
      events.push({ run_id: run, event: 'merge', influencer_id: ids[ci]!, other_ids: owners });
      for (const o of owners) mergedInto.set(o, ids[ci]!);
    }
  });
  for (const p of prev.people.filter((x) => x.status === 'active')) {
    const holders = [...new Set(clusters.flatMap((c, ci) => (c.track_ids.some((t) => ownerOfTrack.get(t) === p.influencer_id) ? [ids[ci]!] : [])))];
    const others = holders.filter((h) => h !== p.influencer_id).sort();
    if (holders.includes(p.influencer_id) && others.length) events.push({ run_id: run, event: 'split', influencer_id: p.influencer_id, other_ids: others });
  }
  const present = new Set(ids as string[]);
  const people: RegistryPerson[] = prev.people.map((p) => {
    if (p.status !== 'active' || present.has(p.influencer_id)) return p;
    const into = mergedInto.get(p.influencer_id);
    if (into) return { ...p, status: 'merged' as const, merged_into: into };
    events.push({ run_id: run, event: 'retire', influencer_id: p.influencer_id, other_ids: [] });
    return { ...p, status: 'retired' as const };
  });
  clusters.forEach((c, ci) => {
    const entry: RegistryPerson = { influencer_id: ids[ci]!, centroid: centroids[ci], track_ids: [...c.track_ids].sort(), status: 'active', merged_into: null };
    const i = people.findIndex((p) => p.influencer_id === ids[ci]);
    if (i >= 0) people[i] = entry; else people.push(entry);
  });
  people.sort((a, b) => a.influencer_id.localeCompare(b.influencer_id));
  return {
    ids: ids as string[],
    // A run that changes nothing leaves the registry as it was.
    registry: { ...prev, version: 1, next_number: next, runs: runsAfter(prev, events), people, events: [...prev.events, ...events] },
    events,
  };
}
