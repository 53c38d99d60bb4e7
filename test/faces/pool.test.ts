// The worker pool on real campaign video (../shared/data/fuelgrowth): per-frame detections, deterministic,
// independent of which worker ran the video; a broken file is an error for that video only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { MediaError } from '../../pipeline/lib/frames/index.ts';
import { FacePool, processVideos, type VideoFaces, type VideoJob } from '../../pipeline/lib/faces/index.ts';

const MEDIA = fileURLToPath(new URL('../../../shared/data/fuelgrowth/media/facebook-assets/', import.meta.url));
// A 14 s portrait ad whose frames show faces (printed on the product) in the first seconds.
const VIDEO = MEDIA + 'hd-1119706949586170';
const skip = existsSync(VIDEO) ? false : 'needs ../shared/data/fuelgrowth media';

const ssdJob: VideoJob = {
  path: VIDEO,
  sampling: { fps: 1, longSide: 640, maxFrames: 4 },
  detect: { detector: 'ssd', minScore: 0.5 },
  crops: { size: 112 },
};

/** The deterministic part of a result (timings are wall-clock). */
const content = (r: VideoFaces) => ({ ...r, timing: undefined });

for (const [engine, backend] of [['onnx', 'cpu'], ['faceapi', 'wasm']] as const) {
  test(`pool processes a real video (${engine} engine): frames, faces, descriptors, crops; same output on every run and worker`, { skip, timeout: 60_000 }, async () => {
  const pool = new FacePool({ workers: 2, engine });
  const job: VideoJob = { ...ssdJob, detect: { minScore: 0.5 } };
  try {
    await pool.ready();
    assert.equal(pool.versions.backend ?? pool.versions.provider, backend);
    const progress: number[] = [];
    // Two copies at once: each worker takes one, so this also checks worker-independence.
    const [a, b] = await Promise.all([pool.run(job, (p) => progress.push(p.frame)), pool.run(job)]);
    assert.equal(a.frameWidth, 360);
    assert.equal(a.frameHeight, 640);
    assert.equal(a.source.width, 720);
    assert.equal(a.frames.length, 4);
    assert.deepEqual(a.frames.map((f) => f.index), [0, 1, 2, 3]);
    assert.deepEqual(a.frames.map((f) => f.tS), [0, 1, 2, 3]);
    assert.deepEqual(progress, [0, 1, 2, 3]);
    const faces = a.frames.flatMap((f) => f.faces);
    assert.ok(faces.length >= 1, 'faces found in the first seconds');
    for (const f of faces) {
      assert.equal(f.descriptor?.length, 128);
      assert.equal(f.landmarks?.length, 68);
      assert.ok(f.box.x >= 0 && f.box.y >= 0 && f.box.x + f.box.w <= 360 && f.box.y + f.box.h <= 640);
      const meta = await sharp(Buffer.from(f.crop!)).metadata();
      assert.equal(meta.format, 'jpeg');
      assert.equal(meta.width, 112);
    }
    assert.deepStrictEqual(content(a), content(b));
    // And once more, later, on whichever worker is free.
    const c = await pool.run(job);
    assert.deepStrictEqual(content(c), content(a));
  } finally {
    await pool.close();
  }
});
}

const job = ssdJob;

test('a broken video fails alone (MediaError); the pool goes on', { skip, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'faces-pool-'));
  try {
    const bad = path.join(dir, 'broken.mp4');
    writeFileSync(bad, Buffer.from('this is not a video'.repeat(100)));
    const small: VideoJob = { ...job, sampling: { fps: 1, maxFrames: 1 }, detect: {}, crops: false };
    const out = await processVideos([{ ...small, path: bad }, small], { workers: 1 });
    assert.equal(out.length, 2);
    assert.ok(out[0].error instanceof MediaError, String(out[0].error));
    assert.equal(out[0].result, undefined);
    assert.equal(out[1].error, undefined);
    assert.equal(out[1].result?.frames.length, 1);
    assert.equal(out[1].result?.frames[0].faces.every((f) => f.crop === undefined), true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('backend switch: tensorflow needs @tensorflow/tfjs-node-gpu, and says so (no crash loop)', { timeout: 30_000 }, async () => {
  const pool = new FacePool({ workers: 1, engine: 'faceapi', backend: 'tensorflow' });
  try {
    await assert.rejects(pool.ready(), /needs @tensorflow\/tfjs-node-gpu installed/);
    await assert.rejects(pool.run(job), /no working workers/);
  } finally {
    await pool.close();
  }
});

test('a closed pool refuses work', async () => {
  const pool = new FacePool({ workers: 1 });
  await pool.close();
  await assert.rejects(pool.run(job), /closed/);
});
