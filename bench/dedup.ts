// Benchmark: ingest + dedup of the full real sheet (../shared/data/fuelgrowth), cold cache then warm.
// Usage: ./run bench dedup     Prints wall time per stage and run.
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { replicaParams, runStage } from '../test/helpers/project.ts';

const dir = mkdtempSync(join(tmpdir(), 'bench-dedup-'));
replicaParams(dir);

const time = (stage: string) => {
  const t0 = performance.now();
  const log = runStage(stage, dir).trim().split('\n').pop();
  return { ms: performance.now() - t0, log };
};
console.log(`machine: ${cpus().length} × ${cpus()[0].model}; sheet: 268 rows, 75 distinct media files`);
for (const run of ['cold', 'warm']) {
  const ingest = time('ingest');
  const dedup = time('dedup');
  console.log(`${run}: ingest ${(ingest.ms / 1000).toFixed(1)} s, dedup ${(dedup.ms / 1000).toFixed(1)} s, total ${((ingest.ms + dedup.ms) / 1000).toFixed(1)} s`);
  console.log(`  ${ingest.log}\n  ${dedup.log}`);
}
