// What the corrections did in this run: one analyst event per correction applied for the first
// time (it replaces the clustering's merge/split/retire event it caused), and the rows of the
// corrections and person_names tables.
import type { Registry, RegistryEvent } from '../registry/index.ts';
import { currentId } from './constraints.ts';
import { isPerson, type Correction } from './file.ts';

export interface Outcome { events: RegistryEvent[]; corrections: Record<string, unknown>[]; names: Record<string, unknown>[]; stale: Correction[] }

/**
 * `prev`/`next`: the registry before and after this run; `personOf`: track → ID this run (tracks
 * left out by not_a_person have none); `clusteringEvents`: assignIds' events of this run.
 */
export function outcome(cs: Correction[], missing: string[][], prev: Registry, next: Registry, personOf: Map<string, string>, clusteringEvents: RegistryEvent[]): Outcome {
  const run = prev.runs + 1;
  const before = new Set(prev.corrections ?? []);
  const prevTracks = (id: string) => prev.people.find((p) => p.influencer_id === id)?.track_ids ?? [];
  const prevOwner = (t: string) => prev.people.find((p) => p.status === 'active' && p.track_ids.includes(t))?.influencer_id;
  /** Who holds a name's tracks now (an ID: itself or its merge survivor). */
  const holders = (ref: string) => [...new Set(isPerson(ref)
    ? [currentId(next, ref) ?? ref]
    : [personOf.get(ref) ?? prevOwner(ref) ?? ref])];
  const analyst: RegistryEvent[] = [];
  const rows: Record<string, unknown>[] = [];
  const stale: Correction[] = [];
  cs.forEach((c, i) => {
    const refs = [...(c.owner ? [c.owner] : []), ...c.refs];
    const allMissing = missing[i].length === refs.length;
    const ids = [...new Set(refs.flatMap(holders).filter(isPerson))].sort();
    const status = allMissing ? 'stale' : missing[i].length ? 'partly applied' : 'applied';
    if (allMissing) stale.push(c);
    // track_ids: the tracks it names; for not_a_person of an ID, the tracks that ID held (the ones kept out).
    const tracks = c.kind === 'not_a_person' && isPerson(c.refs[0]) ? [...prevTracks(c.refs[0])].sort() : c.refs.filter((r) => !isPerson(r));
    rows.push({ line: c.line, kind: c.kind, text: c.text, status, note: missing[i].join('; ') || null, influencer_ids: ids, track_ids: tracks });
    if (allMissing || before.has(c.text)) return;
    const main = c.kind === 'split' ? c.owner! : holders(c.refs[0])[0];
    const others = c.kind === 'split' ? [...new Set(c.refs.map((t) => personOf.get(t) ?? '(none)'))].sort() : c.kind === 'name' ? [] : c.refs.filter((r) => r !== main);
    analyst.push({ run_id: run, event: c.kind, influencer_id: main, other_ids: others, source: 'analyst', detail: c.text });
  });
  // The clustering's events that the analyst's events of this run explain.
  const explained = (e: RegistryEvent) => analyst.some((a) =>
    (e.event === 'merge' && a.event === 'merge' && a.influencer_id === e.influencer_id)
    || (e.event === 'split' && (a.event === 'split' || a.event === 'not_same') && (a.influencer_id === e.influencer_id || a.other_ids.includes(e.influencer_id)))
    || (e.event === 'retire' && a.event === 'not_a_person' && (a.influencer_id === e.influencer_id || prevTracks(e.influencer_id).some((t) => a.detail?.endsWith(t)))));
  const corrected = new Set(rows.filter((r) => r.status !== 'stale').flatMap((r) => r.influencer_ids as string[]));
  const named = new Map<string, string>();
  for (const c of cs) if (c.kind === 'name') { const id = currentId(next, c.refs[0]); if (id && !named.has(id)) named.set(id, c.name!); }
  const names = next.people.filter((p) => p.status === 'active').map((p) => ({ influencer_id: p.influencer_id, name: named.get(p.influencer_id) ?? null, corrected: corrected.has(p.influencer_id) }));
  return { events: [...clusteringEvents.filter((e) => !explained(e)), ...analyst], corrections: rows, names, stale };
}
