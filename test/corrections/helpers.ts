// What the corrections tests ask of a scratch project: run stages, read tables, who holds which tracks.
import { join } from 'node:path';
import { readTable } from '../../pipeline/lib/warehouse/index.ts';
import { runStage } from '../helpers/project.ts';

export function projectPeople(dir: string) {
  const stages = (list: string[]) => list.map((s) => runStage(s, dir)).join('');
  const table = (n: string) => readTable<any>(join(dir, 'data/processed', `${n}.parquet`));
  /** Each person's track ids, sorted. */
  const people = async () => {
    const out = new Map<string, string[]>();
    for (const t of await table('track_people')) if (t.influencer_id) out.set(t.influencer_id, [...(out.get(t.influencer_id) ?? []), t.track_id].sort());
    return out;
  };
  const personOf = async (track: string) => (await table('track_people')).find((t) => t.track_id === track)?.influencer_id ?? null;
  return { stages, table, people, personOf };
}
