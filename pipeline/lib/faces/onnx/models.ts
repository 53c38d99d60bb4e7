// The ONNX models the onnx engine runs, each checked against its sha256 before it is loaded, and
// onnxruntime sessions on the chosen execution provider.
//
//   yunet       YuNet face detector (OpenCV Zoo / libfacedetection.train, Apache-2.0 + MIT): committed under
//               models/yunet/ with its licences, copied from ../shared/models (checked there against the release);
//               it runs as models/faceapi/yunet_rgb.onnx, built from it by scripts/build-models.py with input
//               nodes that take a frame's RGB bytes (the same outputs; onnxruntime writes YuNet's input),
//   ssd         face-api's SSD MobileNet v1 face detector (MIT),
//   recognition face-api's 128-d descriptor net (a port of dlib's ResNet, CC0) and
//   landmark68  face-api's 68-point landmark net (MIT), all rebuilt as ONNX from the weights inside the npm
//               package @vladmandic/face-api by scripts/build-models.py at setup (models/faceapi/, not committed).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';

export type ModelName = 'yunet' | 'ssd' | 'recognition' | 'landmark68';

/** The project's models/ folder (resolved from this file, so any working directory works). */
export const MODELS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../models');

const REBUILD = 'rebuild it with `./run setup` (runs .venv/bin/python scripts/build-models.py)';

export const MODELS: Record<ModelName, { file: string; sha256: string; fix: string }> = {
  yunet: { file: 'faceapi/yunet_rgb.onnx', sha256: 'a9f2bc33a5abea9326a3c6529b289a92a51ec1c873d5e31c86a066ff158a2a15', fix: REBUILD },
  ssd: { file: 'faceapi/ssd.onnx', sha256: 'dd10be47a6993bd156c71fa0e90cd442b4f37d4b917381c67d589b1491be2ff2', fix: REBUILD },
  recognition: { file: 'faceapi/recognition.onnx', sha256: '453ec0e8238f6df52132ea4033f124782ea8743a2d940318195979fb616673a4', fix: REBUILD },
  landmark68: { file: 'faceapi/landmark68.onnx', sha256: 'b902baa6d96f759317c07ea2f084bb2a44358491a4f28f17432ab7c75a44f65c', fix: REBUILD },
};

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The model's bytes, after checking they are the expected ones; a clear error says how to fix it otherwise. */
export function modelBytes(name: ModelName, dir = MODELS_DIR): Uint8Array {
  const m = MODELS[name];
  const path = join(dir, m.file);
  if (!existsSync(path)) throw new Error(`face model ${name} is missing: ${path}; ${m.fix}`);
  const bytes = readFileSync(path);
  const got = sha256(bytes);
  if (got !== m.sha256) throw new Error(`face model ${name} (${path}) has sha256 ${got}, expected ${m.sha256}; ${m.fix}`);
  return bytes;
}

export type ExecutionBackend = 'cpu' | 'cuda';

/**
 * An onnxruntime session with one intra-op thread (parallelism comes from one engine per worker). On
 * 'cuda' the CUDA execution provider is asked first; where it is not available the session runs on the
 * CPU and `onFallback` says why.
 */
export async function openSession(name: ModelName, backend: ExecutionBackend, onFallback: (why: string) => void, dir = MODELS_DIR): Promise<{ session: ort.InferenceSession; provider: ExecutionBackend }> {
  const bytes = modelBytes(name, dir);
  const options = (providers: string[]): ort.InferenceSession.SessionOptions => ({
    executionProviders: providers, intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all',
  });
  if (backend === 'cuda') {
    try {
      // onnxruntime logs its own failure to load the provider as an error: quiet, the fallback line says it.
      return { session: await ort.InferenceSession.create(bytes, { ...options(['cuda']), logSeverityLevel: 4 }), provider: 'cuda' };
    } catch (e) {
      onFallback(`faces.backend cuda is not available here (${(e as Error).message.split('\n')[0]}); running ${name} on the CPU`);
    }
  }
  return { session: await ort.InferenceSession.create(bytes, options(['cpu'])), provider: 'cpu' };
}

export { ort };
