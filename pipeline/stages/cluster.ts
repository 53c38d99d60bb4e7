// Stage cluster: tracks → people with stable IDs → tables influencers, appearances, track_people,
// registry_events, and the registry models/registry.json. Usage: npx tsx pipeline/stages/cluster.ts
// (params: cluster, people)
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { agglomerate } from '../lib/cluster/index.ts';
import { eligible, peopleTables, type TrackRow } from '../lib/cluster/people.ts';
import { appearancesSchema, influencersSchema, registryEventsSchema, trackPeopleSchema, tracksSchema } from '../lib/faces/schema.ts';
import { assignIds, emptyRegistry, type Registry } from '../lib/registry/index.ts';
import { loadParams, summarise } from '../lib/run/index.ts';
import { parquetPath, readTable, writeTable } from '../lib/warehouse/index.ts';

const { cluster: c, people } = loadParams(['cluster', 'people']);
const REGISTRY = 'models/registry.json';
const rule = { kinds: people.credit_kinds, minScreenShare: people.credit_min_screen_share };

const tracks = (await readTable<TrackRow>(parquetPath(tracksSchema.name))).sort((a, b) => a.track_id.localeCompare(b.track_id));
const usable = tracks.filter((t) => eligible(t, rule, c.min_track_faces));
const labels = agglomerate(usable.map((t) => ({ id: t.track_id, vector: t.vector, group: t.video_id, start: t.first_t_s, end: t.last_t_s })), { threshold: c.threshold, linkage: c.linkage });
const clusters = Array.from({ length: Math.max(0, ...labels.map((l) => l + 1)) }, (_, k) => {
  const members = usable.filter((_, i) => labels[i] === k);
  return { track_ids: members.map((t) => t.track_id), vectors: members.map((t) => t.vector) };
});

const prev: Registry = existsSync(REGISTRY) ? JSON.parse(readFileSync(REGISTRY, 'utf8')) : emptyRegistry();
const { ids, registry, events } = assignIds(prev, clusters, c.match_threshold);
const personOf = new Map(clusters.flatMap((cl, k) => cl.track_ids.map((t) => [t, ids[k]] as const)));
const { influencers, appearances, trackPeople } = peopleTables(tracks, personOf, rule);

await writeTable(influencersSchema, influencers);
await writeTable(appearancesSchema, appearances);
await writeTable(trackPeopleSchema, trackPeople);
await writeTable(registryEventsSchema, registry.events.map((e) => ({ ...e })));
await mkdir('models', { recursive: true });
await writeFile(`${REGISTRY}.tmp`, JSON.stringify(registry, null, 1) + '\n');
await rename(`${REGISTRY}.tmp`, REGISTRY);

const count = (e: string) => events.filter((x) => x.event === e).length;
await summarise('cluster', `${usable.length} of ${tracks.length} tracks → ${influencers.length} people in ${new Set(appearances.map((a) => a.video_id)).size} videos; registry run ${registry.runs}: ${count('new')} new, ${count('merge')} merges, ${count('split')} splits, ${count('retire')} retired`,
  { tracks: tracks.length, usable_tracks: usable.length, people: influencers.length, events: Object.fromEntries(['new', 'merge', 'split', 'retire'].map((e) => [e, count(e)])) });
