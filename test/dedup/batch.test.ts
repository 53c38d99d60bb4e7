// fingerprintVideos decodes several media in one ffmpeg process: the same fingerprints as one
// process per media, and a file that cannot be decoded gets its own error without failing the rest.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fingerprintVideo, fingerprintVideos } from '../../pipeline/lib/fingerprint/index.ts';
import { MediaError } from '../../pipeline/lib/frames/index.ts';
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
