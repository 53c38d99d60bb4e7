// Loads @vladmandic/face-api on a TensorFlow.js backend, with the weights that ship inside the npm
// package (its `model/` folder). Nothing is downloaded.
//
// The backend is ONE setting:
//   'wasm'       (default) face-api's node-wasm build + @tensorflow/tfjs-backend-wasm (SIMD, one thread;
//                WASM threads do not work in Node, so parallelism comes from worker threads, see pool.ts)
//   'tensorflow' face-api's node-gpu build on @tensorflow/tfjs-node-gpu (libtensorflow, CUDA where present);
//                that package does not install on the dev machines, but the code path needs no change
//                where it does: `npm i @tensorflow/tfjs-node-gpu` and pass backend: 'tensorflow'.
//   'cpu'        the wasm build on tfjs' pure-JS CPU kernels (~30x slower; only for debugging).
// State is per thread (tfjs keeps one global engine), so each worker thread loads its own copy.
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as FaceApiNS from '@vladmandic/face-api';
import type * as TF from '@tensorflow/tfjs';

const require = createRequire(import.meta.url);

export type FaceApi = typeof FaceApiNS;
/** The tfjs namespace the loaded face-api build uses (same engine instance). */
export type Tfjs = typeof TF & { setWasmPaths?: (prefix: string) => void };

export type NetName = 'ssd' | 'tiny' | 'landmarks' | 'landmarksTiny' | 'descriptor';

export interface BackendOptions {
  /** 'wasm' (default), 'tensorflow' (tfjs-node-gpu) or 'cpu'. */
  backend?: string;
  /** Folder with the face-api weight manifests; default: the package's own `model/` folder. */
  modelDir?: string;
  /** Which nets to load; default all of ssd, tiny, landmarks, descriptor. */
  nets?: NetName[];
}

/** face-api and its tfjs engine, loaded in this thread. */
export interface FaceApiRuntime {
  faceapi: FaceApi;
  tf: Tfjs;
  /** The backend tfjs actually runs on (tf.getBackend()). */
  backend: string;
  modelDir: string;
  /** Nets loaded so far (grows as detect options ask for more). */
  nets: NetName[];
  /** Human-readable versions of the model runtime, for run-info/model metadata. */
  versions: Record<string, string>;
}

/** The face-api package's `model/` folder on disk. */
export function defaultModelDir(): string {
  return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
}

/** The folder holding tfjs-backend-wasm's .wasm binaries (with trailing slash, as setWasmPaths wants). */
export function wasmDir(): string {
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep;
}

const ALL_NETS: NetName[] = ['ssd', 'tiny', 'landmarks', 'descriptor'];

let base: Promise<FaceApiRuntime> | undefined;
let baseKey = '';
/** Net loading is serialised so two callers never load the same weights twice. */
let netChain: Promise<unknown> = Promise.resolve();

/**
 * Loads face-api on the backend once per thread, then any requested nets not loaded yet, and returns the
 * engine. Later calls with more nets add them to the same engine; a different backend or model folder
 * in the same thread throws (tfjs holds one global engine per thread).
 */
export async function loadFaceEngine(opts: BackendOptions = {}): Promise<FaceApiRuntime> {
  const backend = opts.backend ?? 'wasm';
  const modelDir = opts.modelDir ?? defaultModelDir();
  const key = `${backend}\n${modelDir}`;
  if (!base) {
    baseKey = key;
    base = init(backend, modelDir);
    base.catch(() => { base = undefined; baseKey = ''; });
  } else if (key !== baseKey) {
    const [b, m] = baseKey.split('\n');
    throw new Error(`face engine already loaded with backend ${b} (${m}); asked for ${backend} (${modelDir})`);
  }
  const engine = await base;
  const nets = [...new Set(opts.nets ?? ALL_NETS)];
  const step = netChain.then(() => loadNets(engine, nets));
  netChain = step.catch(() => {});
  await step;
  return engine;
}

async function init(backend: string, modelDir: string): Promise<FaceApiRuntime> {
  let faceapi: FaceApi;
  if (backend === 'tensorflow') {
    // Dynamic, so nothing needs this package unless the switch is set. Fails with a clear message where absent.
    const pkg = '@tensorflow/tfjs-node-gpu';
    try {
      await import(pkg);
    } catch (e) {
      throw new Error(`backend 'tensorflow' needs ${pkg} installed (${(e as Error).message})`);
    }
    faceapi = require('@vladmandic/face-api/dist/face-api.node-gpu.js') as FaceApi;
  } else {
    faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
  }
  const tf = (faceapi as unknown as { tf: Tfjs }).tf;
  if (backend === 'wasm') {
    if (typeof tf.setWasmPaths !== 'function') throw new Error('face-api wasm build lacks setWasmPaths');
    tf.setWasmPaths(wasmDir());
  }
  // The emscripten runtime inside tfjs-backend-wasm installs process-wide uncaughtException /
  // unhandledRejection handlers that rethrow and dump its minified source; take them off again so the
  // host program's own error handling stays in charge.
  const before = {
    uncaught: new Set(process.listeners('uncaughtException')),
    rejection: new Set(process.listeners('unhandledRejection')),
  };
  try {
    const ok = await tf.setBackend(backend);
    if (!ok) throw new Error(`tfjs backend '${backend}' failed to initialise`);
    await tf.ready();
  } finally {
    for (const l of process.listeners('uncaughtException')) if (!before.uncaught.has(l)) process.removeListener('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection')) if (!before.rejection.has(l)) process.removeListener('unhandledRejection', l);
  }
  const versions: Record<string, string> = {
    faceapi: String((faceapi as unknown as { version?: string }).version ?? ''),
    tfjs: String((tf as unknown as { version?: Record<string, string> }).version?.['tfjs-core'] ?? tf.version_core ?? ''),
    backend: tf.getBackend(),
  };
  if (backend === 'wasm') versions.wasmSimd = String(tf.env().getBool('WASM_HAS_SIMD_SUPPORT'));
  return { faceapi, tf, backend: tf.getBackend(), modelDir, nets: [], versions };
}

async function loadNets(engine: FaceApiRuntime, nets: NetName[]): Promise<void> {
  const { faceapi, modelDir } = engine;
  const table: Record<NetName, { loadFromDisk(p: string): Promise<void>; isLoaded: boolean }> = {
    ssd: faceapi.nets.ssdMobilenetv1,
    tiny: faceapi.nets.tinyFaceDetector,
    landmarks: faceapi.nets.faceLandmark68Net,
    landmarksTiny: faceapi.nets.faceLandmark68TinyNet,
    descriptor: faceapi.nets.faceRecognitionNet,
  };
  for (const n of nets) {
    const net = table[n];
    if (!net) throw new Error(`unknown face net '${n}'`);
    if (!net.isLoaded) await net.loadFromDisk(modelDir);
    if (!engine.nets.includes(n)) engine.nets.push(n);
  }
  engine.nets.sort();
}

/** Names of the weight files a net reads, relative to modelDir (for cache keys / model metadata). */
export const NET_WEIGHTS: Record<NetName, string> = {
  ssd: 'ssd_mobilenetv1_model',
  tiny: 'tiny_face_detector_model',
  landmarks: 'face_landmark_68_model',
  landmarksTiny: 'face_landmark_68_tiny_model',
  descriptor: 'face_recognition_model',
};
