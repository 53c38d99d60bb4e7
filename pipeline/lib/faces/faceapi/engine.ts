// The faceapi engine: @vladmandic/face-api on a TensorFlow.js backend (backend.ts). Detection is SSD
// MobileNet v1 (or the tiny detector) with face-api's own landmark chain; two tricks that SSD needs:
// a close-up pass (a face filling the frame) and a second look at doubtful scores (DetectOptions).
import type * as FaceApiNS from '@vladmandic/face-api';
import type { Detection, EngineOptions, FaceEngine } from '../engine.ts';
import { netsFor, type DetectOptions } from '../detect.ts';
import { sizeInFrame, type Box, type Point, type RawImage } from '../quality.ts';
import { iou } from '../../tracks/index.ts';
import { loadFaceEngine, type FaceApiRuntime, type NetName } from './backend.ts';

/** The face-api engine also exposes its runtime (tests check tensors do not leak). */
export interface FaceApiEngine extends FaceEngine { runtime: FaceApiRuntime }

/** The second look pads the frame by this share of its long side on every side. */
const RESCORE_PAD = 0.25;
/** The tiny detector's input size for the close-up pass: a face filling the frame is large there. */
const CLOSE_UP_INPUT = 224;

/** Loads face-api (once per thread) with the nets given, default every net the default detect options need. */
export async function loadFaceApiEngine(opts: EngineOptions & { nets?: NetName[] } = {}): Promise<FaceApiEngine> {
  const rt = await loadFaceEngine({ backend: opts.backend, modelDir: opts.modelDir, nets: opts.nets ?? netsFor({ detector: 'ssd' }) });
  const need = (o: Required<DetectOptions>) => loadFaceEngine({ backend: opts.backend, modelDir: opts.modelDir, nets: netsFor(o) });
  return {
    name: 'faceapi',
    backend: rt.backend,
    versions: { engine: 'faceapi', ...rt.versions },
    runtime: rt,
    async detect(frame, o) { await need(o); return detect(rt, frame, o); },
    landmarks: (frame, boxes) => landmarks(rt, frame, boxes),
    describe: (chips) => describe(rt, chips),
  };
}

type NetResult = { detection: FaceApiNS.FaceDetection; landmarks?: FaceApiNS.FaceLandmarks68; descriptor?: Float32Array };

/** Net results shifted back by (dx, dy) (the padding of a padded frame). */
const toFrame = (r: NetResult, dx: number, dy: number): Detection => ({
  box: { x: r.detection.box.x - dx, y: r.detection.box.y - dy, w: r.detection.box.width, h: r.detection.box.height },
  score: r.detection.score,
  points: null,
  landmarks: r.landmarks ? r.landmarks.positions.map((q) => [q.x - dx, q.y - dy] as Point) : undefined,
  descriptor: r.descriptor,
});

const frameTensor = (rt: FaceApiRuntime, frame: RawImage) =>
  rt.tf.tensor3d(new Uint8Array(frame.data.buffer, frame.data.byteOffset, frame.data.length), [frame.height, frame.width, 3], 'int32');

async function detect(rt: FaceApiRuntime, frame: RawImage, o: Required<DetectOptions>): Promise<Detection[]> {
  const { faceapi } = rt;
  if (o.detector !== 'ssd' && o.detector !== 'tiny') throw new Error(`the faceapi engine detects with ssd or tiny, not ${o.detector}`);
  const detOptions = o.detector === 'tiny'
    ? new faceapi.TinyFaceDetectorOptions({ inputSize: o.tinyInputSize, scoreThreshold: o.minScore })
    : new faceapi.SsdMobilenetv1Options({ minConfidence: o.minScore, maxResults: o.maxFaces });
  const input = frameTensor(rt, frame);
  // The detector with face-api's landmark chain (and its own descriptor in mode 'faceapi').
  const run = async (image: unknown): Promise<NetResult[]> => {
    const task = faceapi.detectAllFaces(image as FaceApiNS.TNetInput, detOptions);
    if (o.descriptors && o.descriptor === 'faceapi') return task.withFaceLandmarks().withFaceDescriptors();
    if (o.descriptors || o.landmarks) return task.withFaceLandmarks();
    return (await task).map((detection) => ({ detection }));
  };
  try {
    let results = (await run(input)).map((r) => toFrame(r, 0, 0));
    if (!results.length && o.closeUps) {
      const pad = Math.round(Math.max(frame.width, frame.height) / 2);
      results = await withPadded(rt, input, pad, async (padded) => {
        // The tiny detector is cheap enough to ask on every empty frame; where it finds a face, the
        // main detector looks at the padded frame too and its answer (comparable scores) is kept.
        const tiny = new faceapi.TinyFaceDetectorOptions({ inputSize: CLOSE_UP_INPUT, scoreThreshold: o.minScore });
        const found = (await faceapi.detectAllFaces(padded as unknown as FaceApiNS.TNetInput, tiny)).length > 0;
        return (found ? await run(padded) : []).map((r) => toFrame(r, pad, pad))
          .filter((r) => r.box.x < frame.width && r.box.y < frame.height && r.box.x + r.box.w > 0 && r.box.y + r.box.h > 0);
      });
    } else if (o.detector === 'ssd' && o.rescoreBelow > 0) {
      await rescore(rt, input, frame, results, detOptions, o);
    }
    return results;
  } finally {
    input.dispose();
  }
}

/** Runs `fn` on the frame padded by `pad` px of grey on every side; disposes the padded tensor. */
async function withPadded<T>(rt: FaceApiRuntime, input: unknown, pad: number, fn: (padded: unknown) => Promise<T>): Promise<T> {
  const padded = rt.tf.pad(input as Parameters<typeof rt.tf.pad>[0], [[pad, pad], [pad, pad], [0, 0]], 114);
  try {
    return await fn(padded);
  } finally {
    padded.dispose();
  }
}

/** The second look (DetectOptions.rescoreBelow): raises the scores of doubtful usable faces in place. */
async function rescore(rt: FaceApiRuntime, input: unknown, frame: RawImage, results: Detection[], options: unknown, o: Required<DetectOptions>): Promise<void> {
  const doubtful = results.filter((r) => r.score < o.rescoreBelow && sizeInFrame(r.box, frame.width, frame.height) >= o.minUsableSize);
  if (!doubtful.length) return;
  const pad = Math.round(Math.max(frame.width, frame.height) * RESCORE_PAD);
  const again = await withPadded(rt, input, pad, async (padded) =>
    (await rt.faceapi.detectAllFaces(padded as FaceApiNS.TNetInput, options as FaceApiNS.SsdMobilenetv1Options)).map((detection) => toFrame({ detection }, pad, pad)));
  for (const r of doubtful) {
    for (const d of again) if (iou(r.box, d.box) >= 0.5) r.score = Math.max(r.score, d.score);
  }
}

/** face-api's landmark net on each box (as its withFaceLandmarks chain does). */
async function landmarks(rt: FaceApiRuntime, frame: RawImage, boxes: Box[]): Promise<Point[][]> {
  const { faceapi, tf } = rt;
  const input = frameTensor(rt, frame);
  try {
    const out: Point[][] = [];
    for (const b of boxes) {
      const [face] = await faceapi.extractFaceTensors(input as unknown as FaceApiNS.tf.Tensor3D, [new faceapi.Rect(b.x, b.y, b.w, b.h)]);
      try {
        const lm = (await faceapi.nets.faceLandmark68Net.detectLandmarks(face as unknown as FaceApiNS.TNetInput)) as FaceApiNS.FaceLandmarks68;
        out.push(lm.positions.map((q) => [q.x + Math.max(0, Math.floor(b.x)), q.y + Math.max(0, Math.floor(b.y))] as Point));
      } finally {
        tf.dispose(face as unknown as Parameters<typeof tf.dispose>[0]);
      }
    }
    return out;
  } finally {
    input.dispose();
  }
}

/** face-api's recognition net on 150x150 chips. */
async function describe(rt: FaceApiRuntime, chips: Uint8Array[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const c of chips) {
    const t = rt.tf.tensor3d(c, [150, 150, 3], 'int32');
    try {
      out.push(Float32Array.from((await rt.faceapi.nets.faceRecognitionNet.computeFaceDescriptor(t as unknown as FaceApiNS.TNetInput)) as Float32Array));
    } finally {
      t.dispose();
    }
  }
  return out;
}
