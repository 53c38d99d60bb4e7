// A pool of worker threads, each with its own single-threaded face engine (one onnxruntime thread, or
// one WASM backend: WASM threads don't work in Node), so parallelism is one engine per worker. The unit of
// work is a whole video: a worker takes a few at a time, decodes them with one ffmpeg (or reads the frames
// an earlier decode left on file, frames/handoff.ts) and returns each
// video's detections per frame (a worker that dies fails the videos it held). Results don't depend on
// which worker ran a video or how many workers there are.
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { MediaError } from '../frames/index.ts';
import type { EngineOptions } from './engine.ts';
import type { FromWorker, ToWorker, WorkerInit } from './worker.ts';
import type { ProgressFn, VideoFaces, VideoJob } from './video.ts';

export interface PoolOptions extends EngineOptions {
  /** Number of worker threads (default: number of CPU cores). */
  workers?: number;
}

interface Task {
  id: number;
  job: VideoJob;
  onProgress?: ProgressFn;
  resolve: (r: VideoFaces) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  /** The videos given to it and not finished yet. */
  tasks: Task[];
  dead?: boolean;
  /** The worker reported ready once (a worker that never started is not respawned: no crash loop). */
  started?: boolean;
}

const requireHere = createRequire(import.meta.url);

/** Videos a worker takes at a time (decoded by one ffmpeg: frames/decodeFrameBatch). */
export const VIDEOS_PER_WORKER_BATCH = 4;

/**
 * Bootstrap code for a worker that runs a .ts module. On Node 20, `execArgv: ['--import', 'tsx']` does
 * NOT reach worker threads (nodejs/node#47747, tsx#354: the worker fails with ERR_UNKNOWN_FILE_EXTENSION),
 * so the worker starts from a tiny eval'd script that registers tsx's ESM hooks itself, then imports
 * the TypeScript entry. Absolute URLs, so it works whatever the current directory is.
 */
export function tsWorkerBootstrap(entry: URL): string {
  const api = pathToFileURL(requireHere.resolve('tsx/esm/api')).href;
  return `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); });`;
}

export class FacePool {
  readonly size: number;
  private readonly init: WorkerInit;
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;
  /** Backend and runtime versions reported by the first worker. */
  versions: Record<string, string> = {};

  constructor(opts: PoolOptions = {}) {
    this.size = Math.max(1, Math.floor(opts.workers ?? availableParallelism()));
    this.init = { engine: opts.engine, backend: opts.backend, modelDir: opts.modelDir };
    for (let i = 0; i < this.size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const worker = new Worker(tsWorkerBootstrap(new URL('./worker.ts', import.meta.url)), {
      eval: true,
      execArgv: [],
      workerData: this.init,
    });
    let onReady!: () => void, onFail!: (e: Error) => void;
    const slot: Slot = { worker, tasks: [], ready: new Promise<void>((res, rej) => { onReady = res; onFail = rej; }) };
    slot.ready.catch(() => {}); // observed via ready()/tasks
    worker.on('message', (msg: FromWorker) => {
      switch (msg.type) {
        case 'ready':
          this.versions = msg.versions;
          slot.started = true;
          onReady();
          this.pump();
          break;
        case 'init-error':
          onFail(new Error(`face worker failed to start: ${msg.message}`));
          this.fail(slot, new Error(`face worker failed to start: ${msg.message}`), false);
          break;
        case 'progress':
          slot.tasks.find((t) => t.id === msg.id)?.onProgress?.({ frame: msg.frame, tS: msg.tS, faces: msg.faces, durationS: msg.durationS });
          break;
        case 'done':
        case 'error': {
          const task = slot.tasks.find((t) => t.id === msg.id);
          if (!task) break;
          slot.tasks.splice(slot.tasks.indexOf(task), 1);
          if (msg.type === 'done') task.resolve(msg.result);
          else {
            const err = msg.name === 'MediaError' ? new MediaError(msg.message) : new Error(msg.message);
            task.reject(err);
          }
          this.pump();
          break;
        }
      }
    });
    worker.on('error', (e) => { onFail(e); this.fail(slot, e, !!slot.started); });
    worker.on('exit', (code) => {
      if (!slot.dead && !this.closed) {
        const e = new Error(`face worker exited (code ${code})`);
        onFail(e);
        this.fail(slot, e, !!slot.started);
      }
    });
    return slot;
  }

  /** A worker died or could not start: its videos fail; it is replaced when it had been working. */
  private fail(slot: Slot, err: Error, respawn: boolean): void {
    if (slot.dead) return;
    slot.dead = true;
    for (const task of slot.tasks.splice(0)) task.reject(err);
    void slot.worker.terminate();
    const i = this.slots.indexOf(slot);
    if (respawn && !this.closed && i >= 0) {
      this.slots[i] = this.spawn();
    } else if (i >= 0) {
      this.slots.splice(i, 1);
      if (this.slots.length === 0) {
        // Nobody left to run the queue.
        for (const t of this.queue.splice(0)) t.reject(err);
      }
    }
  }

  /** Resolves once every worker has loaded its engine; rejects if none could. */
  async ready(): Promise<void> {
    const res = await Promise.allSettled(this.slots.map((s) => s.ready));
    const ok = res.filter((r) => r.status === 'fulfilled').length;
    if (ok === 0) throw (res[0] as PromiseRejectedResult).reason;
  }

  /** Queues one video; resolves with its per-frame detections, rejects (MediaError) when it can't be decoded. */
  run(job: VideoJob, onProgress?: ProgressFn): Promise<VideoFaces> {
    if (this.closed) return Promise.reject(new Error('face pool is closed'));
    if (this.slots.length === 0) return Promise.reject(new Error('face pool has no working workers'));
    return new Promise<VideoFaces>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, onProgress, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.tasks.length || slot.dead) continue;
      // A few videos per worker (one ffmpeg decodes them), fewer near the end so the workers finish
      // together; posted once the worker's engine is ready.
      const tasks = this.queue.splice(0, Math.min(VIDEOS_PER_WORKER_BATCH, Math.ceil(this.queue.length / this.slots.length)));
      slot.tasks = tasks;
      slot.ready.then(
        () => { if (slot.tasks === tasks && !slot.dead) slot.worker.postMessage({ type: 'jobs', jobs: tasks.map((t) => ({ id: t.id, job: t.job })) } satisfies ToWorker); },
        () => { /* fail() already rejected these tasks */ },
      );
    }
  }

  /** Stops all workers; queued videos are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new Error('face pool closed');
    for (const t of this.queue.splice(0)) t.reject(err);
    await Promise.all(this.slots.map(async (s) => {
      s.dead = true;
      for (const t of s.tasks.splice(0)) t.reject(err);
      await s.worker.terminate();
    }));
    this.slots.length = 0;
  }
}

export interface VideoOutcome {
  job: VideoJob;
  result?: VideoFaces;
  error?: Error;
}

/**
 * Runs many videos through a pool and returns one outcome per job, in input order; a video that fails
 * is recorded (error) and the rest go on. Creates and closes its own pool unless one is passed.
 */
export async function processVideos(
  jobs: VideoJob[],
  opts: PoolOptions & { pool?: FacePool; onProgress?: (done: number, total: number, job: VideoJob) => void } = {},
): Promise<VideoOutcome[]> {
  const pool = opts.pool ?? new FacePool({ ...opts, workers: Math.min(opts.workers ?? availableParallelism(), Math.max(1, jobs.length)) });
  let done = 0;
  try {
    await pool.ready();
    return await Promise.all(jobs.map(async (job): Promise<VideoOutcome> => {
      try {
        return { job, result: await pool.run(job) };
      } catch (e) {
        return { job, error: e as Error };
      } finally {
        opts.onProgress?.(++done, jobs.length, job);
      }
    }));
  } finally {
    if (!opts.pool) await pool.close();
  }
}
