import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeFrames, probe, runProgram } from '../../pipeline/lib/frames/index.ts';
import {
  composeVideo, mulberry32, plannedDuration, reencode, seedOf, titleCardSvg, zoompanFilter,
  type PhotoSource, type Segment, type VideoFile,
} from '../../pipeline/lib/synth/index.ts';

const DEMO = join(import.meta.dirname, '..', '..', 'node_modules', '@vladmandic', 'face-api', 'demo');
const A: PhotoSource = { path: join(DEMO, 'sample1.jpg'), crop: { left: 320, top: 200, width: 400, height: 600 } };
const E: PhotoSource = { path: join(DEMO, 'sample6.jpg'), crop: { left: 580, top: 220, width: 360, height: 620 }, mirror: true };

const SEGMENTS: Segment[] = [
  { kind: 'photo', photo: A, durationS: 1.6 },
  { kind: 'pair', photos: [A, E], layout: 'stack', durationS: 1.2 },
  { kind: 'pair', photos: [A, E], layout: 'side', durationS: 0.6 },
  { kind: 'noise', durationS: 0.4 },
  { kind: 'color', durationS: 0.4 },
];

async function pixFmt(path: string): Promise<string> {
  return (await runProgram('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=pix_fmt', '-of', 'csv=p=0', path])).toString().trim();
}

async function frameAt(path: string, tS: number): Promise<Uint8Array> {
  for await (const f of decodeFrames(path, { fps: 25, width: 90, height: 160, pixFmt: 'gray', startS: tS, maxFrames: 1 })) return f.data;
  throw new Error(`no frame at ${tS} s in ${path}`);
}

const meanAbsDiff = (a: Uint8Array, b: Uint8Array) => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;

describe('synth', () => {
  let dir: string;
  let first: VideoFile;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'synth-test-'));
    first = await composeVideo(join(dir, 'a'), SEGMENTS, { seed: 11, intro: { seed: 5 } });
  });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  test('mulberry32 is seeded and in [0, 1)', () => {
    const a = mulberry32(42), b = mulberry32(42), c = mulberry32(43);
    const xs = Array.from({ length: 100 }, () => a());
    assert.deepEqual(xs, Array.from({ length: 100 }, () => b()));
    assert.notEqual(xs[0], c());
    assert.ok(xs.every((x) => x >= 0 && x < 1));
    assert.equal(seedOf('x', 1), seedOf('x', 1));
    assert.notEqual(seedOf('x', 1), seedOf('x', 2));
  });

  test('title card is shapes only (no text, so no fonts)', () => {
    const svg = titleCardSvg(5, 720, 1280);
    assert.doesNotMatch(svg, /<text|font/i);
    assert.equal(svg, titleCardSvg(5, 720, 1280));
    assert.notEqual(svg, titleCardSvg(6, 720, 1280));
  });

  test('zoompan filter interpolates over the segment', () => {
    const f = zoompanFilter({ zoomFrom: 1, zoomTo: 1.2, panFrom: [0, 0], panTo: [1, 1] }, 50, 720, 1280, 25);
    assert.match(f, /^zoompan=z='\(1\.000000\+0\.200000\*on\/49\)'/);
    assert.match(f, /:d=50:s=720x1280:fps=25$/);
    assert.throws(() => zoompanFilter({ zoomFrom: 0.5, zoomTo: 1, panFrom: [0, 0], panTo: [0, 0] }, 10, 2, 2, 25), RangeError);
  });

  test('composed video is 720x1280 H.264 yuv420p with the planned duration', async () => {
    const expected = plannedDuration(SEGMENTS, { intro: { seed: 5 } });
    assert.equal(expected, 5.2);
    const info = await probe(first.path);
    assert.equal(info.width, 720);
    assert.equal(info.height, 1280);
    assert.equal(info.videoCodec, 'h264');
    assert.equal(await pixFmt(first.path), 'yuv420p');
    assert.ok(Math.abs(info.durationS - expected) <= 0.5, `duration ${info.durationS} vs ${expected}`);
    assert.equal(first.frames, 130);
    assert.equal((await readFile(first.path)).subarray(4, 8).toString(), 'ftyp');
  });

  test('composition is byte-deterministic; the seed changes it', async () => {
    const again = await composeVideo(join(dir, 'b'), SEGMENTS, { seed: 11, intro: { seed: 5 } });
    assert.equal(again.sha256, first.sha256);
    assert.deepEqual(await readFile(again.path), await readFile(first.path));
    const other = await composeVideo(join(dir, 'c'), SEGMENTS, { seed: 12, intro: { seed: 5 } });
    assert.notEqual(other.sha256, first.sha256);
  });

  test('two different videos with the same intro share their first second', async () => {
    const other = await composeVideo(join(dir, 'd'), [
      { kind: 'color', color: [30, 90, 160], durationS: 1 },
      { kind: 'photo', photo: E, durationS: 1 },
    ], { seed: 3, intro: { seed: 5 } });
    assert.ok(meanAbsDiff(await frameAt(first.path, 0.2), await frameAt(other.path, 0.2)) < 2, 'intro frames match');
    assert.ok(meanAbsDiff(await frameAt(first.path, 1.5), await frameAt(other.path, 1.5)) > 10, 'content differs after the intro');
  });

  test('custom size', async () => {
    const small = await composeVideo(join(dir, 'e'), [{ kind: 'noise', durationS: 0.5 }], { width: 360, height: 640, fps: 10 });
    const info = await probe(small.path);
    assert.deepEqual([info.width, info.height, info.fps], [360, 640, 10]);
    assert.equal(small.frames, 5);
  });

  test('reencode changes bytes, size and bitrate but keeps the trimmed content', async () => {
    const re = await reencode(first.path, join(dir, 'near-dup'), { bitrate: '150k', width: 360, height: 640, trimStartS: 1.5 });
    const info = await probe(re.path);
    assert.deepEqual([info.width, info.height], [360, 640]);
    assert.notEqual(re.sha256, first.sha256);
    assert.notEqual(re.bytes, first.bytes);
    assert.ok(Math.abs(info.durationS - (5.2 - 1.5)) <= 0.5, `duration ${info.durationS}`);
    // The re-encode at t shows what the original shows at t + 1.5 s.
    const orig = await frameAt(first.path, 2.5);
    const dup = await frameAt(re.path, 1.0);
    assert.ok(meanAbsDiff(orig, dup) < 12, `near-duplicate frame differs by ${meanAbsDiff(orig, dup)}`);
    const again = await reencode(first.path, join(dir, 'near-dup-2'), { bitrate: 150_000, width: 360, trimStartS: 1.5 });
    assert.equal(again.sha256, re.sha256, 'reencode is deterministic; width alone keeps the aspect ratio');
  });
});
