// Stage cluster: tracks → people with stable IDs → tables influencers, appearances, track_people,
// registry_events, corrections, person_names, and the registry models/registry.json. The analyst's
// corrections (people.yaml) are constraints of the clustering. Usage: npx tsx pipeline/stages/cluster.ts
// (params: cluster, people)
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { cluster, ConstraintConflict } from '../lib/cluster/index.ts';
import { eligible, peopleTables, type TrackRow } from '../lib/cluster/people.ts';
import { resolveConstraints } from '../lib/corrections/constraints.ts';
import { CORRECTIONS_FILE, CorrectionError, readCorrections } from '../lib/corrections/file.ts';
import { outcome } from '../lib/corrections/outcome.ts';
import { correctionsSchema, personNamesSchema } from '../lib/corrections/schema.ts';
import { appearancesSchema, influencersSchema, trackPeopleSchema, tracksSchema } from '../lib/faces/schema.ts';
import { assignIds, loadRegistry, REGISTRY_FILE, runsAfter, type Registry } from '../lib/registry/index.ts';
import { registryEventsSchema } from '../lib/registry/schema.ts';
import { loadParams, summarise } from '../lib/run/index.ts';
import { parquetPath, readTable, writeTable } from '../lib/warehouse/index.ts';

const { cluster: c, people } = loadParams(['cluster', 'people']);
const rule = { kinds: people.credit_kinds, minScreenShare: people.credit_min_screen_share };
const prev: Registry = loadRegistry();
const corrections = readCorrections();

const tracks = (await readTable<TrackRow>(parquetPath(tracksSchema.name))).sort((a, b) => a.track_id.localeCompare(b.track_id));
const credited = tracks.filter((t) => eligible(t, rule, c.min_track_faces));
const k = resolveConstraints(corrections, prev, new Set(credited.map((t) => t.track_id)));
const usable = credited.filter((t) => !k.excluded.has(t.track_id));
const index = new Map(usable.map((t, i) => [t.track_id, i]));
const at = (ts: string[]) => ts.filter((t) => index.has(t)).map((t) => index.get(t)!);
let labels: number[];
try {
  labels = await cluster(usable.map((t) => ({ id: t.track_id, vector: t.vector, group: t.video_id, start: t.first_t_s, end: t.last_t_s,
    weight: c.quality_faces ? Math.min(t.n_faces, c.quality_faces) / c.quality_faces : 1 })), {
    threshold: c.threshold, linkage: c.linkage, method: c.method ?? 'knn', k: c.k ?? 10, sameVideoBonus: c.same_video_bonus ?? 0, sharedVideoBonus: c.shared_video_bonus ?? 0,
    mustLink: k.mustLink.map((g) => at(g.tracks)),
    cannotLink: k.cannotLink.filter((p) => index.has(p.a) && index.has(p.b)).map((p) => [index.get(p.a)!, index.get(p.b)!] as [number, number]),
  });
} catch (e) {
  if (!(e instanceof ConstraintConflict)) throw e;
  const { group, a, b } = e;
  const lines = k.mustLink[group].lines;
  const banned = k.cannotLink.find((p) => (p.a === a && p.b === b) || (p.a === b && p.b === a));
  throw new CorrectionError(CORRECTIONS_FILE, lines[0], `${a} and ${b} cannot be one person (${banned ? `line ${banned.line} says so` : 'they are on screen together in one video'}); lines ${lines.join(', ')} join them`);
}
const clusters = Array.from({ length: Math.max(0, ...labels.map((l) => l + 1)) }, (_, i) => {
  const members = usable.filter((_, j) => labels[j] === i);
  return { track_ids: members.map((t) => t.track_id), vectors: members.map((t) => t.vector) };
});

// Tracks split out of an ID no longer count as its own when IDs are matched.
const unclaimed: Registry = { ...prev, people: prev.people.map((p) => ({ ...p, track_ids: p.track_ids.filter((t) => !k.released.has(t)) })) };
const assigned = assignIds(unclaimed, clusters, c.match_threshold, k.survivors);
const personOf = new Map(clusters.flatMap((cl, i) => cl.track_ids.map((t) => [t, assigned.ids[i]] as const)));
const done = outcome(corrections, k.missing, prev, assigned.registry, personOf, assigned.events);
const applied = corrections.filter((x) => !done.stale.includes(x)).map((x) => x.text);
const registry: Registry = {
  ...assigned.registry, events: [...prev.events, ...done.events], corrections: applied,
  runs: runsAfter(prev, done.events),
};
const { influencers, appearances, trackPeople } = peopleTables(tracks, personOf, rule);

await writeTable(influencersSchema, influencers);
await writeTable(appearancesSchema, appearances);
await writeTable(trackPeopleSchema, trackPeople);
await writeTable(registryEventsSchema, registry.events.map((e) => ({ ...e, source: e.source ?? 'clustering', detail: e.detail ?? null })));
await writeTable(correctionsSchema, done.corrections);
await writeTable(personNamesSchema, done.names);
await mkdir('models', { recursive: true });
await writeFile(`${REGISTRY_FILE}.tmp`, JSON.stringify(registry, null, 1) + '\n');
await rename(`${REGISTRY_FILE}.tmp`, REGISTRY_FILE);

for (const s of done.corrections.filter((r) => r.note)) process.stderr.write(`cluster: ${CORRECTIONS_FILE} line ${s.line} (${s.text}) ${s.status}: ${s.note}\n`);
const count = (e: string) => done.events.filter((x) => x.event === e && x.source !== 'analyst').length;
const analyst = done.events.filter((x) => x.source === 'analyst').length;
await summarise('cluster', `${usable.length} of ${tracks.length} tracks → ${influencers.length} people in ${new Set(appearances.map((a) => a.video_id)).size} videos; registry run ${registry.runs}: ${count('new')} new, ${count('merge')} merges, ${count('split')} splits, ${count('retire')} retired; corrections: ${applied.length} applied (${analyst} new), ${done.stale.length} stale`,
  {
    tracks: tracks.length, usable_tracks: usable.length, people: influencers.length, events: Object.fromEntries(['new', 'merge', 'split', 'retire'].map((e) => [e, count(e)])),
    corrections: { applied: applied.length, new: analyst, stale: done.stale.length, excluded_tracks: credited.length - usable.length },
  });
