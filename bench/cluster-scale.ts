// How the cluster stage's agglomeration scales with the catalogue: synthetic 128-d track
// descriptors around known people (pipeline/lib/cluster/synthetic.ts: seeded; same person ≈ 0.42 ±
// 0.07 apart, different people ≈ 0.8 ± 0.09, like the flip descriptor; ≈ 10 tracks per person
// packed into videos, some with two people on screen together = cannot-link pairs), clustered with
// the params' cluster.* settings. Prints, per size, the time (generation excluded), the peak memory
// (each size runs in its own process, so maxRSS is that size's) and the accuracy against the truth.
// Usage: npx tsx bench/cluster-scale.ts [--sizes 5000,20000,50000] [--method knn|full] [--threshold T]
//        [--k K] [--bonus B] [--shared B] [--seed 1]   (defaults: params.yaml cluster.*)
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { cluster } from '../pipeline/lib/cluster/index.ts';
import { scoreClusters, synthesise } from '../pipeline/lib/cluster/synthetic.ts';

const { values } = parseArgs({ options: {
  sizes: { type: 'string', default: '5000,20000,50000' }, method: { type: 'string' }, threshold: { type: 'string' },
  k: { type: 'string' }, bonus: { type: 'string' }, shared: { type: 'string' }, seed: { type: 'string', default: '1' }, one: { type: 'string' },
} });
const c = parse(readFileSync(new URL('../params.yaml', import.meta.url), 'utf8')).cluster;
const opt = {
  method: (values.method ?? c.method ?? 'knn') as 'knn' | 'full', linkage: c.linkage as 'average' | 'complete',
  threshold: Number(values.threshold ?? c.threshold), k: Number(values.k ?? c.k ?? 10), sameVideoBonus: Number(values.bonus ?? c.same_video_bonus ?? 0),
  sharedVideoBonus: Number(values.shared ?? c.shared_video_bonus ?? 0),
};

if (values.one) {
  const n = Number(values.one);
  const data = synthesise(n, Number(values.seed));
  const base = process.memoryUsage().rss;
  const t0 = performance.now(), c0 = process.cpuUsage();
  const labels = await cluster(data.items, opt);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const s = scoreClusters(labels, data.truth);
  const cannot = data.items.filter((t) => t.id.endsWith('-t2')).length;
  console.log(JSON.stringify({ n, cannot, seconds, cpuSeconds, peakMB: process.resourceUsage().maxRSS / 1024, baseMB: base / 2 ** 20, ...s }));
} else {
  console.log(`machine: ${cpus().length} × ${cpus()[0].model}, load average ${loadavg()[0].toFixed(1)}; method ${opt.method}, ${opt.linkage} linkage ≤ ${opt.threshold}, k ${opt.k}, same-video bonus ${opt.sameVideoBonus}, shared-video bonus ${opt.sharedVideoBonus}, seed ${values.seed}`);
  console.log('| tracks | people | time (s) | CPU time (s) | peak RSS (MB) | clusters | IDs per person | clusters holding 2+ people | BCubed P / R / F |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const n of values.sizes!.split(',').map(Number)) {
    const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--one', String(n), '--seed', values.seed!, '--method', opt.method,
      '--threshold', String(opt.threshold), '--k', String(opt.k), '--bonus', String(opt.sameVideoBonus), '--shared', String(opt.sharedVideoBonus)];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) { console.log(`| ${n} | failed: ${r.stderr.trim().split('\n').slice(-3).join(' ')} |`); continue; }
    const x = JSON.parse(r.stdout.trim().split('\n').pop()!);
    console.log(`| ${x.n} | ${x.people} | ${x.seconds.toFixed(1)} | ${x.cpuSeconds.toFixed(1)} | ${x.peakMB.toFixed(0)} | ${x.clusters} | ${x.idsPerPerson.toFixed(3)} | ${x.mixed} | ${x.precision.toFixed(3)} / ${x.recall.toFixed(3)} / ${x.f.toFixed(3)} |`);
  }
}
