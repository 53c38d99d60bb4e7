// fingerprintVideos decodes several media in one ffmpeg process: the same fingerprints as one
// process per media, and a file that cannot be decoded gets its own error without failing the rest.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fingerprintVideo, fingerprintVideos } from '../../pipeline/lib/fingerprint/index.ts';
import { MediaError, rgbSpec } from '../../pipeline/lib/frames/index.ts';
import { extractSampling, handoffFile, handoffPlanner } from '../../pipeline/lib/frames/handoff.ts';
import { makeTestVideo } from '../helpers/project.ts';
import { fpOptions } from './helpers.ts';

test('a batch gives each media its own fingerprint or error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dedup-batch-'));
  const videos = ['testsrc2', 'smptebars', 'testsrc'].map((source, i) => {
    const path = join(dir, `v${i}.mp4`);
    makeTestVideo(path, { source, seconds: 2 + i });
    return { path, durationS: 2 + i };
  });
  const alone = await Promise.all(videos.map((v) => fingerprintVideo(v.path, v.durationS, fpOptions)));
  videos.forEach((v, i) => assert.equal(alone[i].frames.length, v.durationS * fpOptions.fps));
  assert.deepEqual(await fingerprintVideos(videos, fpOptions), alone, 'one process for all three: as when decoded alone');

  const broken = { path: join(dir, 'broken.mp4'), durationS: 3 };
  writeFileSync(broken.path, 'not a video');
  const seen: number[] = [];
  const batch = await fingerprintVideos([videos[0], broken, videos[1], videos[2]], fpOptions, 1, (i) => { seen.push(i); });
  assert.deepEqual(seen.sort(), [0, 1, 2, 3], 'every result reported');
  assert.ok(batch[1] instanceof MediaError, String(batch[1]));
  assert.deepEqual([batch[0], batch[2], batch[3]], alone, 'the others fingerprinted all the same');
  await assert.rejects(fingerprintVideo(broken.path, 3, fpOptions), MediaError);
});

test('what a decode hands to extract (frames/handoff.ts): whole videos while they fit the budget, nothing without size, duration or budget', () => {
  const sampling = extractSampling({ fps: 1, long_side: 640, max_seconds: 120 });
  const frame = 360 * 640 * 3; // a 720x1280 video at long side 640
  const plan = handoffPlanner(sampling, 25 * frame, '/handoff');
  const a = plan({ sha256: 'a', width: 720, height: 1280, durationS: 14.5 }); // counted as 16 frames (one more than ceil(14.5): a margin), 9 left
  assert.deepEqual(a && { ...a.spec, file: a.file }, { ...rgbSpec(sampling, 720, 1280), file: handoffFile('a', rgbSpec(sampling, 720, 1280), '/handoff') });
  assert.equal(plan({ sha256: 'b', width: 720, height: 1280, durationS: 9.5 }), undefined, '11 frames do not fit in the 9 left');
  assert.ok(plan({ sha256: 'c', width: 720, height: 1280, durationS: 8 }), '9 frames do');
  assert.equal(plan({ sha256: 'd', width: null, height: null, durationS: 3 }), undefined);
  assert.equal(handoffPlanner(sampling, Number.NaN)({ sha256: 'e', width: 720, height: 1280, durationS: 1 }), undefined, 'no budget, nothing');
  assert.notEqual(handoffFile('a', rgbSpec(sampling, 720, 1280)), handoffFile('a', rgbSpec({ ...sampling, fps: 2 }, 720, 1280)), 'the sampling is in the name');
});
