// The onnx engine: YuNet finds faces (box, score, 5 points), face-api's landmark and recognition nets
// (rebuilt as ONNX, scripts/build-models.py) give the 68 points and the 128-d descriptors. One
// single-threaded onnxruntime session per net and thread; the pool runs one engine per worker.
//
// Detector 'ssd' (the default): YuNet (≈ 8 ms a frame) decides where face-api's SSD MobileNet v1 (also as
// ONNX, ≈ 60 ms) must look: on a frame where YuNet sees a usable face (≥ minUsableSize), the faces are
// SSD's, found as the faceapi engine finds them (ssdFrame), so every threshold tuned on SSD's scores,
// boxes and landmarks holds; YuNet's other faces are kept with score 0 (never used for identity). SSD runs
// on a fifth of the replica's frames. Detector 'yunet': YuNet's faces and scores alone: it finds more and
// verifies better (LFW 99.01% vs 98.74%), but scores printed and drawn faces (an engraving on a lamp, a
// photo on a keychain) as high as live ones, so the live/depicted rule credits prints (bench/live
// precision 0.44 instead of 1.00).
import type { Detection, EngineOptions, FaceEngine, FirstLooks, NetUse } from '../engine.ts';
import type { DetectOptions } from '../detect.ts';
import type { Box, Point, RawImage } from '../quality.ts';
import { MODELS_DIR, openSession, ort, type ExecutionBackend } from './models.ts';
import { decodeSsd, ssdInput, SSD_SIZE, type SsdFace } from './ssd.ts';
import { decodeYunet, yunetInput, type YunetFace } from './yunet.ts';
import { iou } from '../../tracks/index.ts';
import { sizeInFrame } from '../quality.ts';

/** The landmark net's input side (face-api's FaceLandmark68Net). */
const LANDMARK_INPUT = 112;
/** The recognition net's input side (dlib's face chip). */
const CHIP = 150;
/** Grey of the border a frame gets for the close-up pass and the second look (as the faceapi engine pads). */
const PAD_GREY = 114;
/** The second look pads the frame by this share of its long side, the close-up pass by half of it (as the faceapi engine). */
const RESCORE_PAD = 0.25;
const CLOSE_UP_PAD = 0.5;
/** The close-up pass is for a face filling the frame: YuNet's face must be at least this share of its height. */
const CLOSE_UP_HEIGHT = 0.4;
/** YuNet's close-up pass looks at the frame shrunk this many times (at 640, a face ≥ CLOSE_UP_HEIGHT of the frame is ≥ 60 px there). */
const CLOSE_UP_SHRINK = 4;
/** SSD looks at a frame where YuNet sees a face of this score and of usable size (minUsableSize) or more
 *  (half that size found 2 more printed faces on the replica for twice the SSD runs). */
const TRIGGER_SCORE = 0.15;
/** In a video, a faint face sends SSD to look when YuNet is sure of a face within this many samples of it. */
const NEARBY_SAMPLES = 2;

const engines = new Map<string, Promise<FaceEngine>>();

/** Loads the engine's four sessions, once per thread and settings. */
export function loadOnnxEngine(opts: EngineOptions = {}): Promise<FaceEngine> {
  const backend = (opts.backend ?? 'cpu') as ExecutionBackend;
  if (backend !== 'cpu' && backend !== 'cuda') throw new Error(`faces.backend for the onnx engine must be cpu or cuda, got ${backend}`);
  const dir = opts.modelDir ?? MODELS_DIR;
  const key = `${backend}\n${dir}`;
  let engine = engines.get(key);
  if (!engine) {
    engine = create(backend, dir);
    engines.set(key, engine);
    engine.catch(() => engines.delete(key));
  }
  return engine;
}

async function create(backend: ExecutionBackend, dir: string): Promise<FaceEngine> {
  let warned = false;
  const warn = (why: string) => { if (!warned) process.stderr.write(`${why}\n`); warned = true; };
  const [yunet, ssd, landmarks, recognition] = await Promise.all(
    (['yunet', 'ssd', 'landmark68', 'recognition'] as const).map((n) => openSession(n, backend, warn, dir)));
  const nets: Record<string, NetUse> = {};
  const names = new Map([[yunet.session, 'yunet'], [ssd.session, 'ssd'], [landmarks.session, 'landmark68'], [recognition.session, 'recognition']]);
  const run = async (s: ort.InferenceSession, data: Float32Array | Uint8Array, dims: number[]) => {
    const t0 = performance.now();
    const out = await s.run({ [s.inputNames[0]]: data instanceof Uint8Array ? new ort.Tensor('uint8', data, dims) : new ort.Tensor('float32', data, dims) });
    const use = nets[names.get(s)!] ??= { runs: 0, ms: 0 };
    use.runs++;
    use.ms += performance.now() - t0;
    return out;
  };

  // onnxruntime reads an input after `run` yields. YuNet's is the frame's own bytes, so a caller must not
  // change a frame's data before its detect (or firstLook) has resolved; SSD's is a reused buffer
  // (scratch.ts), so SSD runs one at a time, also when callers overlap their detect calls.
  async function yunetFaces(frame: RawImage, minScore: number, maxFaces: number): Promise<YunetFace[]> {
    const input = yunetInput(frame);
    const out = await run(yunet.session, input.data, input.dims);
    return decodeYunet(out, input.width, input.height, minScore, 0.3, maxFaces);
  }

  const ssdRun = async (frame: RawImage, minScore: number, maxFaces: number): Promise<SsdFace[]> => {
    const out = await run(ssd.session, ssdInput(frame), [1, SSD_SIZE, SSD_SIZE, 3]);
    return decodeSsd(out.boxes.data as Float32Array, out.scores.data as Float32Array, frame.width, frame.height, minScore, maxFaces);
  };
  let ssdTurn: Promise<unknown> = Promise.resolve();
  const ssdFaces = (frame: RawImage, minScore: number, maxFaces: number): Promise<SsdFace[]> => {
    const result = ssdTurn.then(() => ssdRun(frame, minScore, maxFaces));
    ssdTurn = result.catch(() => {});
    return result;
  };

  /**
   * The faces of a frame where YuNet sees a (nearly) usable one, as the faceapi engine finds them: SSD on the frame
   * (faces at ≥ minScore); where it finds nothing at all but YuNet sees a face filling much of the frame,
   * on the frame inside a grey border of half its long side (the close-up pass); else a second look, on a
   * border of a quarter, at usable faces it scored below rescoreBelow. YuNet's faces that SSD does not
   * see are kept with score 0.
   */
  async function ssdFrame(frame: RawImage, yunetFaces: Detection[], o: Required<DetectOptions>): Promise<Detection[]> {
    const usable = (b: Box) => sizeInFrame(b, frame.width, frame.height) >= o.minUsableSize;
    const unscored = yunetFaces.map((f) => ({ ...f, score: 0 }));
    const lookAt = async (share: number): Promise<SsdFace[]> => {
      const pad = Math.round(Math.max(frame.width, frame.height) * share);
      return (await ssdFaces(share ? padShrink(frame, 1, pad) : frame, o.minScore, o.maxFaces))
        .map((s) => ({ score: s.score, box: { ...s.box, x: s.box.x - pad, y: s.box.y - pad } }))
        .filter((s) => s.box.x < frame.width && s.box.y < frame.height && s.box.x + s.box.w > 0 && s.box.y + s.box.h > 0);
    };
    let seen = await lookAt(0);
    if (!seen.length && o.closeUps && yunetFaces.some((f) => f.box.h >= CLOSE_UP_HEIGHT * frame.height)) seen = await lookAt(CLOSE_UP_PAD);
    else if (seen.some((s) => s.score < o.rescoreBelow && usable(s.box))) {
      const again = await lookAt(RESCORE_PAD);
      for (const s of seen) if (s.score < o.rescoreBelow && usable(s.box)) s.score = Math.max(s.score, ...again.filter((a) => iou(a.box, s.box) >= 0.5).map((a) => a.score));
    }
    return [...seen.map((s) => ({ ...s, points: null })), ...unscored.filter((f) => !seen.some((s) => iou(s.box, f.box) >= 0.3))];
  }

  /** YuNet's faces (fainter ones too for 'ssd': they may send SSD to look), the close-up pass where it sees none. */
  async function firstLook(frame: RawImage, o: Required<DetectOptions>): Promise<Detection[]> {
    if (o.detector !== 'yunet' && o.detector !== 'ssd') throw new Error(`the onnx engine detects with yunet or ssd, not ${o.detector}`);
    const floor = o.detector === 'ssd' ? Math.min(o.minScore, TRIGGER_SCORE) : o.minScore;
    let faces = await yunetFaces(frame, floor, o.maxFaces);
    if (!faces.some((f) => f.score >= o.minScore) && o.closeUps) faces = await closeUps(frame, (f) => yunetFaces(f, floor, o.maxFaces));
    return faces.map((f) => ({ box: f.box, score: f.score, points: f.points }));
  }

  return {
    name: 'onnx',
    backend: recognition.provider,
    versions: { engine: 'onnx', onnxruntime: ort.env.versions.common ?? '', provider: recognition.provider },
    nets,

    lookAround: NEARBY_SAMPLES,

    firstLook,

    async detect(frame: RawImage, o: Required<DetectOptions>, looks?: FirstLooks): Promise<Detection[]> {
      const faces = looks?.own ?? await firstLook(frame, o);
      const found: Detection[] = faces.filter((f) => f.score >= o.minScore);
      if (o.detector === 'yunet') return found;
      // SSD looks where YuNet sees a usable face, faint ones too (SSD finds faces there that YuNet scores
      // 0.15–0.5: a presenter turning in, prints). In a video, a faint face only sends it to look when YuNet
      // is sure of a usable face in the frame or one of the frames around it: of the replica's 477 frames with
      // a usable YuNet face, 262 hold only faint ones, where SSD found 7 usable faces; this looks at 89 of those
      // frames and keeps 4 of the 7 (all 3 live ones).
      const usable = (f: Detection, min: number) => f.score >= min && sizeInFrame(f.box, frame.width, frame.height) >= o.minUsableSize;
      const sure = (fs: Detection[]) => fs.some((f) => usable(f, o.minScore));
      const faint = faces.some((f) => usable(f, 0)); // a first look's faces all score ≥ TRIGGER_SCORE
      const look = looks ? sure(faces) || (faint && looks.nearby.some(sure)) : faint;
      return look ? ssdFrame(frame, found, o) : found.map((f) => ({ ...f, score: 0 }));
    },

    async landmarks(frame: RawImage, boxes: Box[]): Promise<Point[][]> {
      if (!boxes.length) return [];
      const side = LANDMARK_INPUT;
      const input = new Float32Array(boxes.length * side * side * 3);
      const squares = boxes.map((b, i) => landmarkInput(frame, b, input.subarray(i * side * side * 3, (i + 1) * side * side * 3)));
      const out = (await run(landmarks.session, input, [boxes.length, side, side, 3]))[landmarks.session.outputNames[0]].data as Float32Array;
      return squares.map((sq, i) => Array.from({ length: 68 }, (_, k) =>
        [sq.x + out[i * 136 + 2 * k] * sq.side, sq.y + out[i * 136 + 2 * k + 1] * sq.side] as Point));
    },

    async describe(chips: Uint8Array[]): Promise<Float32Array[]> {
      if (!chips.length) return [];
      const n = CHIP * CHIP * 3;
      const input = new Float32Array(chips.length * n);
      chips.forEach((c, i) => { if (c.length !== n) throw new Error(`a face chip is ${CHIP}x${CHIP}x3 bytes, got ${c.length}`); input.set(c, i * n); });
      const out = (await run(recognition.session, input, [chips.length, CHIP, CHIP, 3]))[recognition.session.outputNames[0]].data as Float32Array;
      return chips.map((_, i) => out.slice(i * 128, (i + 1) * 128));
    },
  };
}

/**
 * A face filling the frame (a selfie close-up cut by the frame edges) is missed by detectors trained on
 * whole faces: look again at the frame inside a grey border of half its long side, at a quarter of the
 * resolution (the face is large there: ≥ 0.4 of the frame height is ≥ 60 px at 640), and map the faces found back.
 */
async function closeUps(frame: RawImage, find: (f: RawImage) => Promise<YunetFace[]>): Promise<YunetFace[]> {
  const k = CLOSE_UP_SHRINK;
  const pad = k * Math.round(Math.max(frame.width, frame.height) / (2 * k));
  const small = padShrink(frame, k, pad);
  const back = (p: Point): Point => [p[0] * k - pad, p[1] * k - pad];
  return (await find(small))
    .map((f) => ({ score: f.score, box: { x: f.box.x * k - pad, y: f.box.y * k - pad, w: f.box.w * k, h: f.box.h * k }, points: f.points.map(back) }))
    .filter((f) => f.box.x < frame.width && f.box.y < frame.height && f.box.x + f.box.w > 0 && f.box.y + f.box.h > 0);
}

/** The frame inside a grey border of `pad` px (a multiple of k), downscaled k times (means of k×k pixels; k = 1: as it is). */
function padShrink(frame: RawImage, k: number, pad: number): RawImage {
  const ch = frame.channels ?? 3;
  const sw = Math.floor(frame.width / k), sh = Math.floor(frame.height / k); // a last partial row/column is dropped
  const off = pad / k, w = sw + 2 * off, h = sh + 2 * off;
  const data = new Uint8Array(w * h * 3).fill(PAD_GREY);
  const src = frame.data, row = frame.width * ch, n = k * k;
  const sums = new Uint32Array(sw * 3); // one output row's k×k sums
  for (let y = 0; y < sh; y++) {
    sums.fill(0);
    for (let j = 0; j < k; j++) {
      let s = (y * k + j) * row;
      for (let d = 0; d < sw * 3; d += 3) {
        let r = 0, g = 0, b = 0;
        for (let i = 0; i < k; i++, s += ch) { r += src[s]; g += src[s + 1]; b += src[s + 2]; }
        sums[d] += r; sums[d + 1] += g; sums[d + 2] += b;
      }
    }
    const d = ((y + off) * w + off) * 3;
    if (n === 1) data.set(sums.subarray(0, sw * 3), d);
    else for (let i = 0; i < sw * 3; i++) data[d + i] = Math.round(sums[i] / n);
  }
  return { data, width: w, height: h, channels: 3 };
}

/**
 * The landmark net's input for one face, as face-api builds it: the box's pixels (whole pixels, black
 * outside the frame) centred on a black square, resized bilinearly to 112x112 (TensorFlow's legacy
 * sampling: source = destination × scale). Returns the square in frame pixels (its outputs are 0..1 of it).
 */
function landmarkInput(frame: RawImage, b: Box, out: Float32Array): { x: number; y: number; side: number } {
  const ch = frame.channels ?? 3;
  const bx = Math.floor(b.x), by = Math.floor(b.y), bw = Math.max(1, Math.floor(b.w)), bh = Math.max(1, Math.floor(b.h));
  const side = Math.max(bw, bh);
  const diff = side - Math.min(bw, bh);
  const before = diff - Math.round(diff / 2); // face-api appends round(diff/2) and prepends the rest
  const sx = bw < bh ? bx - before : bx, sy = bh < bw ? by - before : by;
  // Square pixel x (or y) → the frame column's (row's) offset in data, or -1 where it is black: only the
  // box itself carries image content.
  const cols = new Int32Array(side), rows = new Int32Array(side);
  for (let k = 0; k < side; k++) {
    const fx = sx + k, fy = sy + k;
    cols[k] = fx < bx || fx >= bx + bw || fx < 0 || fx >= frame.width ? -1 : fx * ch;
    rows[k] = fy < by || fy >= by + bh || fy < 0 || fy >= frame.height ? -1 : fy * frame.width * ch;
  }
  const data = frame.data;
  const pixel = (r: number, c: number, k: number) => (r < 0 || c < 0 ? 0 : data[r + c + k]);
  const scale = side / LANDMARK_INPUT;
  for (let j = 0; j < LANDMARK_INPUT; j++) {
    const fy = j * scale, y0 = Math.floor(fy), y1 = Math.min(side - 1, y0 + 1), ay = fy - y0;
    const r0 = rows[y0], r1 = rows[y1];
    for (let i = 0; i < LANDMARK_INPUT; i++) {
      const fx = i * scale, x0 = Math.floor(fx), x1 = Math.min(side - 1, x0 + 1), ax = fx - x0;
      const c0 = cols[x0], c1 = cols[x1];
      for (let c = 0; c < 3; c++) {
        out[(j * LANDMARK_INPUT + i) * 3 + c] = (1 - ay) * ((1 - ax) * pixel(r0, c0, c) + ax * pixel(r0, c1, c))
          + ay * ((1 - ax) * pixel(r1, c0, c) + ax * pixel(r1, c1, c));
      }
    }
  }
  // face-api maps outputs back with the padding |w − h| / 2 (not rounded), from the box's own (unfloored) corner.
  return { x: b.x - (bw < bh ? diff / 2 : 0), y: b.y - (bh < bw ? diff / 2 : 0), side };
}
