// Perceptual dedup on real encodes: a re-encoded, resized, trimmed copy is the same video; two
// different videos that open on the same branded card are not.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { groupVideos } from '../../pipeline/lib/dedup/index.ts';
import { compare } from '../../pipeline/lib/fingerprint/index.ts';
import { runProgram } from '../../pipeline/lib/frames/index.ts';
import { composeVideo, reencode, type Segment } from '../../pipeline/lib/synth/index.ts';
import { fp, opts } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'dedup-'));
const small = { width: 360, height: 640, fps: 10, intro: { seed: 7, durationS: 1 } };

test('re-encoded at another bitrate and size with 1 s trimmed: same video; same intro only: different', async () => {
  const a: Segment[] = [{ kind: 'noise', seed: 1, cellPx: 40, durationS: 3 }, { kind: 'card', seed: 11, durationS: 3 }, { kind: 'noise', seed: 2, cellPx: 60, durationS: 2 }];
  const b: Segment[] = [{ kind: 'noise', seed: 3, cellPx: 40, durationS: 3 }, { kind: 'card', seed: 12, durationS: 3 }, { kind: 'noise', seed: 4, cellPx: 60, durationS: 2 }];
  const va = await composeVideo(join(dir, 'a'), a, { ...small, seed: 1 });
  const vb = await composeVideo(join(dir, 'b'), b, { ...small, seed: 2 });
  const copy = await reencode(va.path, join(dir, 'a-copy'), { bitrate: 150_000, width: 270, trimStartS: 1 });
  assert.notEqual(copy.sha256, va.sha256);
  const [fa, fb, fc] = await Promise.all([fp(va.path), fp(vb.path), fp(copy.path)]);
  assert.equal(fa.frames[0], fb.frames[0], 'the two videos open on the same frame');

  const same = compare(fa, fc, opts);
  assert.ok(same.same, `copy matches: ${JSON.stringify(same)}`);
  // The copy starts 1 s in: its time lies between the offset's two samples.
  assert.ok(same.offsetFrames <= -fa.fps && same.offsetFrames + 1 >= -fa.fps, `offset ${same.offsetFrames} steps of 1/${fa.fps} s`);
  const diff = compare(fa, fb, opts);
  assert.equal(diff.same, false, `different videos: ${JSON.stringify(diff)}`);

  const groups = groupVideos([
    { sha256: va.sha256, firstRow: 1, fingerprint: fa },
    { sha256: vb.sha256, firstRow: 2, fingerprint: fb },
    { sha256: copy.sha256, firstRow: 3, fingerprint: fc },
  ], opts);
  assert.equal(groups.length, 2);
  assert.deepEqual(groups[0].members.map((m) => [m.sha256, m.match]), [[va.sha256, 'canonical'], [copy.sha256, 'perceptual']]);
});

test('the same footage with a local edit (a box over the last 2 s, like another price) is another video', async () => {
  const x = await composeVideo(join(dir, 'x'), [{ kind: 'noise', seed: 5, cellPx: 40, durationS: 8 }], { ...small, intro: null, seed: 3 });
  const y = join(dir, 'y');
  await runProgram('ffmpeg', ['-v', 'error', '-y', '-i', x.path, '-vf', "drawbox=x=40:y=500:w=50:h=30:color=white:t=fill:enable='gte(t,6)'", '-c:v', 'libx264', '-f', 'mp4', y]);
  const [fx, fy] = [await fp(x.path), await fp(y)];
  const m = compare(fx, fy, opts);
  assert.ok(m.matchFraction >= opts.minMatchFraction, `the global hash alone would call them one video: ${JSON.stringify(m)}`);
  assert.equal(m.same, false);
  assert.ok(m.editedFrames >= 2, JSON.stringify(m));
  const untouched = join(dir, 'x-again');
  await runProgram('ffmpeg', ['-v', 'error', '-y', '-i', x.path, '-c:v', 'libx264', '-crf', '30', '-f', 'mp4', untouched]);
  assert.equal(compare(fx, await fp(untouched), opts).same, true, 'a plain re-encode still matches');
});
