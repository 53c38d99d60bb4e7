// What the cluster stage made of the corrections file: every correction with its status, and the
// names people carry (shown beside their IDs by the report, exports, notebooks and compare).
import type { TableSchema } from '../warehouse/index.ts';

export const correctionsSchema: TableSchema = {
  name: 'corrections', orderBy: ['line'],
  columns: [
    { name: 'line', type: 'INTEGER' }, { name: 'kind', type: 'VARCHAR' }, { name: 'text', type: 'VARCHAR' },
    { name: 'status', type: 'VARCHAR' }, { name: 'note', type: 'VARCHAR' }, { name: 'influencer_ids', type: 'VARCHAR[]' }, { name: 'track_ids', type: 'VARCHAR[]' },
  ],
};

export const personNamesSchema: TableSchema = {
  name: 'person_names', orderBy: ['influencer_id'],
  columns: [{ name: 'influencer_id', type: 'VARCHAR' }, { name: 'name', type: 'VARCHAR' }, { name: 'corrected', type: 'BOOLEAN' }],
};
