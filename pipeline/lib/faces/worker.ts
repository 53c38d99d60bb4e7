// Worker-thread entry for the face pool: one single-threaded face engine per worker. It takes videos a
// few at a time, decoded by one ffmpeg (frames/decodeFrameBatch) or read from the files an earlier decode
// left (frames/handoff.ts), and detects them one after another.
// Protocol (see pool.ts): workerData = WorkerInit; in: {type:'jobs'}; out: ready | init-error | progress | done | error (per video).
import { parentPort, workerData } from 'node:worker_threads';
import { loadEngine, type EngineOptions } from './engine.ts';
import { decodeFrameBatch, type Frame } from '../frames/index.ts';
import { processVideo, sampling, type VideoFaces, type VideoJob } from './video.ts';

export type WorkerInit = EngineOptions;

export type ToWorker = { type: 'jobs'; jobs: { id: number; job: VideoJob }[] };
export type FromWorker =
  | { type: 'ready'; backend: string; versions: Record<string, string> }
  | { type: 'init-error'; message: string }
  | { type: 'progress'; id: number; frame: number; tS: number; faces: number; durationS: number }
  | { type: 'done'; id: number; result: VideoFaces }
  | { type: 'error'; id: number; name: string; message: string };

const port = parentPort;
if (!port) throw new Error('faces/worker.ts must run inside a worker thread');
const init = workerData as WorkerInit;

function send(msg: FromWorker, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

try {
  const engine = await loadEngine(init);
  send({ type: 'ready', backend: engine.backend, versions: engine.versions });
} catch (e) {
  send({ type: 'init-error', message: (e as Error).stack ?? String(e) });
}

// Batches run strictly one after another in this thread.
let chain: Promise<void> = Promise.resolve();
port.on('message', (msg: ToWorker) => {
  if (msg?.type !== 'jobs') return;
  chain = chain.then(() => runJobs(msg.jobs));
});

/**
 * Frames a shared decode may hold (≈ 330 MB of 640x360 RGB): ffmpeg decodes its videos side by side
 * while they are detected one after another, so their frames wait in memory. Videos join a decode while
 * their frames (duration × fps, at most maxFrames) fit; a video alone streams as it is detected.
 */
const BATCH_FRAMES = 480;

type Plan = Awaited<ReturnType<typeof sampling>>;
const framesOf = ({ info, spec }: Plan) => Math.min(spec.maxFrames ?? Infinity, Math.ceil(info.durationS * spec.fps) || Infinity);

async function runJobs(jobs: { id: number; job: VideoJob }[]): Promise<void> {
  // Each video's sampling first (a probe may fail: that video alone ends in its error), then the rest in
  // groups that one ffmpeg decodes, each group started when its first video's turn comes.
  const planned = await Promise.all(jobs.map(({ job }) => sampling(job).catch((e: Error) => e)));
  const groups: { id: number; job: VideoJob; plan: Plan }[][] = [];
  let held = 0;
  for (const [k, j] of jobs.entries()) {
    const plan = planned[k];
    if (plan instanceof Error || j.job.framesFile) continue; // a video whose frames are on file is not decoded
    if (!groups.length || held + framesOf(plan) > BATCH_FRAMES) { groups.push([]); held = 0; }
    held += framesOf(plan);
    groups.at(-1)!.push({ ...j, plan });
  }
  const streams = new Map<number, AsyncGenerator<Frame>>();
  for (const [k, { id, job }] of jobs.entries()) {
    const plan = planned[k];
    const group = groups.find((g) => g[0].id === id);
    if (group) decodeFrameBatch(group.map((g) => ({ path: g.job.path, spec: g.plan.spec }))).forEach((s, n) => streams.set(group[n].id, s));
    const frames = streams.get(id); // none: the job's frames are on file (processVideo reads them)
    await runJob(id, () => plan instanceof Error ? Promise.reject(plan) : processWith(job, id, frames && { ...plan, frames }));
    streams.delete(id);
  }
}

async function processWith(job: VideoJob, id: number, source?: Parameters<typeof processVideo>[3]): Promise<VideoFaces> {
  const engine = await loadEngine(init);
  return processVideo(engine, job, (p) => send({ type: 'progress', id, ...p }), source);
}

async function runJob(id: number, run: () => Promise<VideoFaces>): Promise<void> {
  try {
    const result = await run();
    const transfer: ArrayBuffer[] = [];
    for (const fr of result.frames) {
      for (const f of fr.faces) {
        if (f.descriptor) transfer.push(f.descriptor.buffer as ArrayBuffer);
        if (f.crop) transfer.push(f.crop.buffer as ArrayBuffer);
      }
    }
    send({ type: 'done', id, result }, transfer);
  } catch (e) {
    const err = e as Error;
    send({ type: 'error', id, name: err?.constructor?.name ?? err?.name ?? 'Error', message: err?.message ?? String(e) });
  }
}
