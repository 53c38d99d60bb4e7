// Benchmark: the per-video work of the real replica (../shared/data/fuelgrowth) on a local Ray cluster
// with 1 and 2 worker nodes of 1 CPU each (scale/ray_driver.py: fingerprints of the playable media,
// then face detection of the distinct videos), against the plain stages on one machine (dedup and
// extract, faces.workers threads). Each run starts from empty caches in a fresh scratch project.
// Prints videos/s per step, the 2-worker / 1-worker ratio and the driver's overhead per video: the
// workers' time not spent inside the unit's own work (Ray scheduling, process and engine start, idle
// workers at the end), (wall × workers − Σ unit time) / videos, and of that the process start
// (node + tsx, before the unit's own clock starts).
//
//   ./run bench scale [--workers 1,2] [--videos-per-task 4]
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadParams } from '../pipeline/lib/run/index.ts';
import { FUELGROWTH, hasShared, scratchProject, toolEnv } from '../test/helpers/project.ts';
import { driverCommand, hasRay, rayEnv, startLocalRay } from '../test/helpers/ray.ts';

const { values: args } = parseArgs({ options: { workers: { type: 'string', default: '1,2' }, 'videos-per-task': { type: 'string', default: '4' } } });
if (!hasShared) throw new Error(`bench/scale needs the real replica in ${FUELGROWTH}`);
if (!hasRay) throw new Error('bench/scale needs .venv-ray (./run test installs it)');

function replica() {
  const p = scratchProject('bench-scale-');
  p.setParams((x) => {
    x.input.sheets = [`${FUELGROWTH}/Assignment Data.xlsx`];
    x.input.sheets_dir = FUELGROWTH;
    x.input.media_dir = `${FUELGROWTH}/media/facebook-assets`;
  });
  return p;
}

/** Runs a command to the end; resolves with its wall time and the start time of each DVC stage it ran. */
function timed(cmd: string, argv: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ wall: number; stages: Map<string, number> }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const marks: [string, number][] = [];
    const child = spawn(cmd, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const read = (b: Buffer) => {
      for (const m of b.toString().matchAll(/Running stage '([^']+)'/g)) marks.push([m[1], performance.now()]);
      out += b.toString();
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('close', (code) => {
      const end = performance.now();
      if (code !== 0) return reject(new Error(`${cmd} failed (${code}):\n${out.slice(-3000)}`));
      resolve({ wall: (end - t0) / 1000, stages: new Map(marks.map(([s, t], i) => [s, ((marks[i + 1]?.[1] ?? end) - t) / 1000])) });
    });
  });
}

interface Step { videos: number; wall_s: number; unit_s: number; task_s: number; tasks: unknown[] }
const rows: { run: string; fp: [number, number]; faces: [number, number]; overhead?: number; start?: number }[] = [];
const rate = ([n, s]: [number, number]) => `${s.toFixed(1)} s (${(n / s).toFixed(3)}/s)`;

console.log(`machine: ${cpus().length} × ${cpus()[0].model}; load average before ${loadavg()[0].toFixed(2)}`);
for (const n of args.workers.split(',').map(Number)) {
  const p = replica();
  const ray = await startLocalRay(n);
  try {
    await timed(driverCommand[0], [driverCommand[1], '--project', p.dir, '--address', ray.address, '--videos-per-task', args['videos-per-task']], p.dir, rayEnv);
  } finally {
    await ray.stop();
  }
  const s = JSON.parse(readFileSync(join(p.dir, 'data/logs/scale.json'), 'utf8')).steps as Record<'fingerprint' | 'faces', Step>;
  const all = [s.fingerprint, s.faces];
  const videos = all.reduce((a, x) => a + x.videos, 0);
  rows.push({
    run: `ray, ${n} worker${n > 1 ? 's' : ''}`, fp: [s.fingerprint.videos, s.fingerprint.wall_s], faces: [s.faces.videos, s.faces.wall_s],
    overhead: all.reduce((a, x) => a + x.wall_s * n - x.unit_s, 0) / videos,
    start: all.reduce((a, x) => a + x.task_s - x.unit_s, 0) / videos,
  });
  console.log(`${rows.at(-1)!.run}: fingerprint ${rate(rows.at(-1)!.fp)}, faces ${rate(rows.at(-1)!.faces)} (${s.faces.tasks.length} tasks)`);
  rmSync(p.dir, { recursive: true, force: true });
}
{
  const p = replica();
  const r = await timed('dvc', ['repro', 'extract'], p.dir, toolEnv);
  const media = p.log('dedup').media as number, videos = p.log('extract').videos as number;
  const threads = loadParams(['faces'], join(p.dir, 'params.yaml')).faces.workers;
  rows.push({ run: `plain dedup + extract stages (${threads} threads)`, fp: [media, r.stages.get('dedup')!], faces: [videos, r.stages.get('extract')!] });
  console.log(`${rows.at(-1)!.run}: dedup ${rate(rows.at(-1)!.fp)}, extract ${rate(rows.at(-1)!.faces)}`);
  rmSync(p.dir, { recursive: true, force: true });
}

console.log(`\n| run | fingerprints (${rows[0].fp[0]} media) | faces (${rows[0].faces[0]} videos) | driver overhead per video (of which process start) |\n|---|---|---|---|`);
for (const r of rows) console.log(`| ${r.run} | ${rate(r.fp)} | ${rate(r.faces)} | ${r.overhead === undefined ? '–' : `${r.overhead.toFixed(2)} s (${r.start!.toFixed(2)} s)`} |`);
const [one, two] = ['ray, 1 worker', 'ray, 2 workers'].map((name) => rows.find((r) => r.run === name));
if (one && two) console.log(`\n2 workers / 1 worker: fingerprints ×${(one.fp[1] / two.fp[1]).toFixed(2)}, faces ×${(one.faces[1] / two.faces[1]).toFixed(2)} (videos/s)`);
console.log(`load average after ${loadavg()[0].toFixed(2)}`);
