// The registry's history as a table: one row per event, with who made it (clustering or analyst).
import type { TableSchema } from '../warehouse/index.ts';

export const registryEventsSchema: TableSchema = {
  name: 'registry_events', orderBy: ['run_id', 'source', 'event', 'influencer_id'],
  columns: [
    { name: 'run_id', type: 'INTEGER' }, { name: 'event', type: 'VARCHAR' }, { name: 'influencer_id', type: 'VARCHAR' },
    { name: 'other_ids', type: 'VARCHAR[]' }, { name: 'source', type: 'VARCHAR' }, { name: 'detail', type: 'VARCHAR' },
  ],
};
