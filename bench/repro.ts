// Benchmark: the whole pipeline on the real replica (../shared/data/fuelgrowth) as a new user runs it:
// `dvc repro` in a fresh project with empty caches (cold), each stage's wall time, then `dvc repro`
// again with nothing changed (no-op). Prints its figures.
//
//   ./run bench repro [--keep]      (--keep leaves the scratch project and prints where it is)
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { scratchProject, toolEnv, FUELGROWTH, hasShared } from '../test/helpers/project.ts';

const { values: args } = parseArgs({ options: { keep: { type: 'boolean', default: false } } });
if (!hasShared) throw new Error(`bench/repro needs the real replica in ${FUELGROWTH}`);

const project = scratchProject('bench-repro-');
project.setParams((p) => {
  p.input.sheets = [`${FUELGROWTH}/Assignment Data.xlsx`];
  p.input.sheets_dir = FUELGROWTH;
  p.input.media_dir = `${FUELGROWTH}/media/facebook-assets`;
  p.people.credit_kinds = ['live']; // the real default (the scratch project credits every kind)
});

/** Runs `dvc repro`; returns its wall time and, per stage, the time from its start line to the next. */
function repro(): Promise<{ wall: number; stages: [string, number][] }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const marks: [string, number][] = [];
    const child = spawn('dvc', ['repro'], { cwd: project.dir, env: toolEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      for (const m of b.toString().matchAll(/Running stage '([^']+)'/g)) marks.push([m[1], performance.now()]);
      out += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
    child.on('close', (code) => {
      const end = performance.now();
      if (code !== 0) return reject(new Error(`dvc repro failed (${code}):\n${out.slice(-3000)}`));
      resolve({ wall: (end - t0) / 1000, stages: marks.map(([s, t], i) => [s, ((marks[i + 1]?.[1] ?? end) - t) / 1000]) });
    });
  });
}

console.log(`machine: ${cpus().length} × ${cpus()[0].model}; load average before ${loadavg()[0].toFixed(2)}`);
const cold = await repro();
console.log(`dvc repro, cold (empty caches, ${project.log('ingest').rows ?? '?'} rows): ${cold.wall.toFixed(1)} s`);
for (const [s, t] of cold.stages) console.log(`  ${s.padEnd(10)} ${t.toFixed(1)} s`);
const noop = await repro();
console.log(`dvc repro, nothing changed: ${noop.wall.toFixed(1)} s (${noop.stages.length} stages ran)`);
if (args.keep) console.log(`project kept in ${project.dir}`);
else rmSync(project.dir, { recursive: true, force: true });
