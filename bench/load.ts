// Benchmark, a short load run (issue 8, item 6): a sheet of `videos × postings` rows (default 500 × 4 =
// 2,000) over `videos` distinct small videos generated locally, run through the real stage scripts
// in a temp project; prints wall time and peak memory per stage, and the machine's load meanwhile.
//
//   ./run bench load [--videos 500] [--postings 4] [--face-seconds 1] [--stages ingest,dedup,…] [--keep]
//
// The videos (180x320 portrait, 2–3 s, 10 fps, x264): a seeded background (Conway's life, a cellular
// automaton or moving gradients, each in its own colours), about 40% with a face (one of 6 people cut
// from @vladmandic/face-api's demo photos) overlaid at a random place and size. Each video is posted
// `postings` times: its URL, the same URL with tracking parameters, a second file (`<name>-r`: a byte
// copy, or for every 10th video a re-encode, which dedup must find perceptually) and that file's URL
// with an upper-case host and a fragment. Rows are shuffled. The media are kept in
// $TMPDIR/infsel-load-media-v1-<videos> and reused by the next run.
//
// extract on every sampled frame of 500 videos would take long on a small machine (~1 s per frame per
// worker there), so by default it samples only the first second of each video (`faces.max_seconds`,
// `--face-seconds`): one frame per video. The faces are pasted still photos, which the track kinds call
// "depicted", so every kind is credited (as in the tests). Everything else runs with params.yaml as it is.
//
// Peak memory: the stage's own process (VmHWM, node + its worker threads) and the whole process tree
// (VmRSS of the stage and its ffmpeg/Chromium children summed), sampled every 100 ms from /proc.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { mulberry32, pick, seedOf, shuffle, uniform } from '../pipeline/lib/synth/index.ts';
import { readTable } from '../pipeline/lib/warehouse/index.ts';
import { descendants } from '../test/helpers/procs.ts';
import { creditAllKinds, ROOT, stageArgs, toolEnv } from '../test/helpers/project.ts';

const { values: args } = parseArgs({
  options: {
    videos: { type: 'string', default: '500' },
    postings: { type: 'string', default: '4' },
    'face-seconds': { type: 'string', default: '1' },
    stages: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const N = Number(args.videos);
const POSTINGS = Math.max(1, Math.min(4, Number(args.postings)));
const hasReport = existsSync(join(ROOT, 'pipeline/stages/report.ts'));
const STAGES = args.stages?.split(',') ?? ['ingest', 'dedup', 'extract', 'embed', 'cluster', 'aggregate', ...(hasReport ? ['report'] : [])];
const la = () => loadavg().map((x) => x.toFixed(1)).join(' ');

// ---- media ---------------------------------------------------------------------------------------

const DEMO = join(ROOT, 'node_modules/@vladmandic/face-api/demo');
/** Head-and-shoulders crops (x, y, w, h) of six people in the face-api demo photos (as in scripts/make-sample.ts). */
const PEOPLE: [string, number, number, number, number][] = [
  ['sample1.jpg', 340, 260, 340, 460], ['sample1.jpg', 1405, 110, 340, 460], ['sample3.jpg', 1020, 140, 340, 460],
  ['sample3.jpg', 510, 240, 340, 460], ['sample6.jpg', 586, 270, 340, 460], ['sample6.jpg', 194, 410, 340, 460],
];
const COLOURS = ['#e6194b', '#3cb44b', '#ffe119', '#4363d8', '#f58231', '#911eb4', '#46f0f0', '#f032e6', '#bcf60c', '#fabebe', '#008080', '#9a6324', '#800000', '#000075', '#808080', '#ffffff', '#000000'];
const name = (i: number) => `v${String(i + 1).padStart(4, '0')}`;

function run(cmd: string, argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} failed (${code}): ${err.slice(-500)}`))));
  });
}

interface Plan { name: string; seconds: number; person: number | null; reencoded: boolean; score: number }

/** One video: its background, maybe a face, its duration; deterministic from its index. */
function plan(i: number): Plan {
  const rng = mulberry32(seedOf('load', i));
  return { name: name(i), seconds: Math.round(uniform(rng, 2, 3) * 10) / 10, person: rng() < 0.4 ? Math.floor(rng() * PEOPLE.length) : null, reencoded: i % 10 === 9, score: Math.round(Math.exp(uniform(rng, -1, 2)) * 1000) / 1000 };
}

async function makeVideo(i: number, out: string) {
  const p = plan(i);
  const rng = mulberry32(seedOf('load-look', i));
  const c = () => pick(rng, COLOURS);
  const kind = i % 3;
  const bg = kind === 0
    ? `life=s=45x80:r=10:seed=${i + 1}:ratio=${uniform(rng, 0.1, 0.5).toFixed(2)}:mold=${Math.floor(uniform(rng, 0, 20))}:life_color=${c()}:death_color=${c()}:mold_color=${c()},scale=180:320:flags=neighbor`
    : kind === 1
      ? `cellauto=s=45x80:r=10:seed=${i + 1}:rule=${pick(rng, [18, 22, 26, 30, 45, 57, 60, 73, 90, 105, 110, 126, 150])}:scroll=1,scale=180:320:flags=neighbor,format=rgb24,colorchannelmixer=rr=${uniform(rng, 0.2, 1).toFixed(2)}:gg=${uniform(rng, 0.2, 1).toFixed(2)}:bb=${uniform(rng, 0.2, 1).toFixed(2)}`
      : `gradients=s=180x320:r=10:seed=${i + 1}:nb_colors=${2 + Math.floor(rng() * 4)}:speed=${uniform(rng, 0.01, 0.08).toFixed(3)}`;
  const argv = ['-v', 'error', '-y', '-nostdin', '-f', 'lavfi', '-i', `${bg},trim=duration=${p.seconds}`];
  if (p.person !== null) {
    const [photo, x, y, w, h] = PEOPLE[p.person];
    const width = 2 * Math.round(uniform(rng, 90, 140) / 2);
    const ox = Math.round(uniform(rng, 0, 180 - width)), oy = Math.round(uniform(rng, 0, 320 - width * 1.4));
    argv.push('-loop', '1', '-framerate', '10', '-i', join(DEMO, photo),
      '-filter_complex', `[1]crop=${w}:${h}:${x}:${y},scale=${width}:-2[f];[0][f]overlay=x='${ox}+${uniform(rng, -8, 8).toFixed(1)}*t':y=${oy}:shortest=1,format=yuv420p`);
  } else {
    argv.push('-vf', 'format=yuv420p');
  }
  argv.push('-t', String(p.seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'mp4', out);
  await run('ffmpeg', argv);
}

/** The media folder for N videos, generated once and reused. */
async function media(): Promise<{ dir: string; seconds: number }> {
  const dir = join(tmpdir(), `infsel-load-media-v1-${N}`);
  if (existsSync(join(dir, 'done'))) return { dir, seconds: 0 };
  const t0 = performance.now();
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  let next = 0;
  let done = 0;
  await Promise.all(Array.from({ length: availableParallelism() }, async () => {
    while (next < N) {
      const i = next++;
      const p = plan(i);
      const file = join(tmp, p.name);
      await makeVideo(i, file);
      // The second posting's file: a byte copy, or a re-encode (another file of the same video).
      if (p.reencoded) await run('ffmpeg', ['-v', 'error', '-y', '-nostdin', '-i', file, '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '30', '-f', 'mp4', `${file}-r`]);
      else copyFileSync(file, `${file}-r`);
      if (++done % 100 === 0) process.stderr.write(`media: ${done}/${N}\n`);
    }
  }));
  writeFileSync(join(tmp, 'done'), '');
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return { dir, seconds: (performance.now() - t0) / 1000 };
}

function sheet(): string {
  const rows: string[] = [];
  for (let i = 0; i < N; i++) {
    const p = plan(i);
    const rng = mulberry32(seedOf('load-postings', i));
    const urls = [
      `https://cdn.example.invalid/load/${p.name}`,
      `https://cdn.example.invalid/load/${p.name}?utm_source=ig&utm_campaign=load`,
      `https://cdn.example.invalid/repost/${p.name}-r`,
      `https://CDN.example.invalid/repost/${p.name}-r#t=2`,
    ];
    for (const u of urls.slice(0, POSTINGS)) rows.push(`${u},${(p.score * uniform(rng, 0.7, 1.3)).toFixed(3)}`);
  }
  return ['Video URL,Performance', ...shuffle(mulberry32(seedOf('load-shuffle')), rows)].join('\n') + '\n';
}

// ---- measuring a stage ---------------------------------------------------------------------------

const kb = (pid: number, field: string) => {
  try { return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0); } catch { return 0; }
};

interface Measure { stage: string; seconds: number; peakMb: number; treePeakMb: number; load: string; summary: string }

function measure(stage: string, cwd: string): Promise<Measure> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const load0 = loadavg()[0];
    const child = spawn(process.execPath, stageArgs(stage), { cwd, env: toolEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    let hwm = 0, tree = 0;
    const loads: number[] = [load0];
    const sample = () => {
      hwm = Math.max(hwm, kb(child.pid!, 'VmHWM'));
      const pids = [child.pid!, ...descendants(child.pid!).map((p) => p.pid)];
      tree = Math.max(tree, pids.reduce((s, p) => s + kb(p, 'VmRSS'), 0));
    };
    const iv = setInterval(sample, 100);
    const li = setInterval(() => loads.push(loadavg()[0]), 5000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(iv);
      clearInterval(li);
      loads.push(loadavg()[0]);
      if (code !== 0) { reject(new Error(`stage ${stage} failed (${code}): ${stderr.slice(-2000)}`)); return; }
      const lines = stderr.trim().split('\n');
      resolve({
        stage, seconds: (performance.now() - t0) / 1000, peakMb: hwm / 1024, treePeakMb: tree / 1024,
        load: `${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`,
        summary: lines.filter((l) => l.startsWith(`${stage}:`)).pop() ?? lines.pop() ?? '',
      });
    });
  });
}

// ---- the run -------------------------------------------------------------------------------------

console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; load average (1/5/15 min) at start: ${la()}`);
const m = await media();
console.log(`media: ${N} videos (+ ${N} second files: ${Math.floor(N / 10)} re-encodes, the rest byte copies) in ${m.dir}${m.seconds ? `, generated in ${m.seconds.toFixed(0)} s` : ', reused'}`);

const dir = mkdtempSync(join(tmpdir(), 'bench-load-'));
mkdirSync(join(dir, 'data/raw'), { recursive: true });
writeFileSync(join(dir, 'data/raw/load.csv'), sheet());
const params = parse(readFileSync(join(ROOT, 'params.yaml'), 'utf8'));
params.input.media_dir = m.dir;
params.faces.max_seconds = Number(args['face-seconds']);
creditAllKinds(params); // the faces are still photos ("depicted"): credited, so cluster, aggregate and report get the load
writeFileSync(join(dir, 'params.yaml'), stringify(params));
console.log(`sheet: ${N * POSTINGS} rows over ${N} videos; faces: ${params.faces.fps} frame/s over the first ${params.faces.max_seconds} s of each video, ${params.faces.workers} workers; project ${dir}`);

const results: Measure[] = [];
for (const s of STAGES) {
  const r = await measure(s, dir);
  results.push(r);
  console.log(`${s.padEnd(9)} ${r.seconds.toFixed(1).padStart(7)} s  peak RSS ${r.peakMb.toFixed(0).padStart(5)} MB (process tree ${r.treePeakMb.toFixed(0).padStart(5)} MB)  load ${r.load}\n          ${r.summary}`);
}
const total = results.reduce((s, r) => s + r.seconds, 0);
console.log(`total ${total.toFixed(1)} s; max peak RSS ${Math.max(...results.map((r) => r.peakMb)).toFixed(0)} MB (tree ${Math.max(...results.map((r) => r.treePeakMb)).toFixed(0)} MB); load average at end: ${la()}`);

// What came out: every row in the ledger once, and the distinct videos dedup found.
const tables = join(dir, 'data/processed');
const rowsTable = existsSync(join(tables, 'rows.parquet')) ? 'rows' : existsSync(join(tables, 'dedup_rows.parquet')) ? 'dedup_rows' : null;
if (rowsTable) {
  const rows = await readTable<{ status: string }>(join(tables, `${rowsTable}.parquet`));
  const by: Record<string, number> = {};
  for (const r of rows) by[r.status] = (by[r.status] ?? 0) + 1;
  const videos = await readTable(join(tables, 'videos.parquet'));
  console.log(`${rowsTable}: ${rows.length} (${Object.entries(by).map(([k, n]) => `${k} ${n}`).join(', ')}); videos: ${videos.length} (generated ${N})`);
}
if (!args.keep) rmSync(dir, { recursive: true, force: true });
