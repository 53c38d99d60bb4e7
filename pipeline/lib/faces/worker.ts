// Worker-thread entry for the face pool: one single-threaded face engine per worker, one video at a time.
// Protocol (see pool.ts): workerData = WorkerInit; in: {type:'job'}; out: ready | init-error | progress | done | error.
import { parentPort, workerData } from 'node:worker_threads';
import { loadEngine, type EngineOptions } from './engine.ts';
import { processVideo, type VideoFaces, type VideoJob } from './video.ts';

export type WorkerInit = EngineOptions;

export type ToWorker = { type: 'job'; id: number; job: VideoJob };
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

// Jobs run strictly one after another in this thread.
let chain: Promise<void> = Promise.resolve();
port.on('message', (msg: ToWorker) => {
  if (msg?.type !== 'job') return;
  chain = chain.then(() => runJob(msg.id, msg.job));
});

async function runJob(id: number, job: VideoJob): Promise<void> {
  try {
    const engine = await loadEngine(init);
    const result = await processVideo(engine, job, (p) => send({ type: 'progress', id, ...p }));
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
