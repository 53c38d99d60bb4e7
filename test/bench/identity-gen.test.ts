// The identity benchmark generator on a tiny made-up faces folder (plain-colour "photos", one
// colour per person): what it reads and skips, the plan's guarantees, determinism, and that the
// truth's timeline (who is where on screen, through the pan/zoom) matches the rendered pixels.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { runProgram } from '../../pipeline/lib/frames/index.ts';
import { sha256File } from '../../pipeline/lib/synth/index.ts';
import { DEFAULTS, generate, loadFaces, makePlan, parseCsv, plannedVideoDuration, type GenOptions, type Truth } from '../../bench/identity-gen.ts';
import { identityAt } from '../../bench/identity-metrics.ts';

// Each person's photos are one saturated colour (slightly varied per photo), so a pixel tells whose photo it is.
const COLOURS: Record<string, [number, number, number]> = {
  Red_Person: [220, 30, 30], Green_Person: [30, 200, 40], Blue_Person: [30, 40, 220], Yellow_Person: [220, 210, 30],
};

async function makeFaces(dir: string): Promise<void> {
  const lines = ['source,identity,path,kind,width,height'];
  for (const [id, [r, g, b]] of Object.entries(COLOURS)) {
    await mkdir(join(dir, 'src', id), { recursive: true });
    for (let k = 0; k < 3; k++) {
      const [w, h] = k === 1 ? [300, 200] : [200, 200];
      const rel = `src/${id}/${id}_${k}.png`;
      await sharp({ create: { width: w, height: h, channels: 3, background: { r: r - 10 * k, g, b } } }).png().toFile(join(dir, rel));
      lines.push(`src,${id},${rel},photo,${w},${h}`);
    }
  }
  // Not usable: too few photos, a group photo, a clip, and a quoted field that must parse.
  await mkdir(join(dir, 'src', 'Few'), { recursive: true });
  for (const k of [0, 1]) {
    await sharp({ create: { width: 50, height: 50, channels: 3, background: '#777' } }).png().toFile(join(dir, `src/Few/f${k}.png`));
    lines.push(`src,Few,src/Few/f${k}.png,photo,50,50`);
  }
  await sharp({ create: { width: 200, height: 250, channels: 3, background: { r: 200, g: 20, b: 40 } } }).png().toFile(join(dir, 'src/Red_Person/Red, 3.png'));
  lines.push('src,_group,src/_group/g.jpg,photo,100,100', 'src,Red_Person,src/Red_Person/clip.mp4,video,100,100',
    '"src",Red_Person,"src/Red_Person/Red, 3.png",photo,200,250', 'src,Red_Person,src/Red_Person/Red_Person_0.png,photo,200,200');
  await writeFile(join(dir, 'MANIFEST.csv'), lines.join('\n') + '\n');
}

const OPTS: GenOptions = { ...DEFAULTS, seed: 7, people: 3, videos: 5, width: 180, height: 320, fps: 10, duo: 0.4, none: 0.2, reposts: 0.4, repeats: 0.2 };

describe('identity-gen', () => {
  let dir: string;
  let faces: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'identity-gen-test-'));
    faces = join(dir, 'faces');
    await makeFaces(faces);
  });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  test('CSV parsing: quotes, doubled quotes, CRLF', () => {
    assert.deepEqual(parseCsv('a,"b,c","d""e"\r\n1,2,3\n'), [['a', 'b,c', 'd"e'], ['1', '2', '3']]);
  });

  test('reads photos of real identities only (not _group, not clips), quoted paths, each photo once', async () => {
    const { identities } = await loadFaces(faces);
    assert.deepEqual(identities.map((i) => `${i.identity}:${i.photos.length}`),
      ['Blue_Person:3', 'Few:2', 'Green_Person:3', 'Red_Person:4', 'Yellow_Person:3']);
    assert.deepEqual((await loadFaces(faces, ['other'])).identities, []);
  });

  test('the plan: deterministic, eligible people only, distinct photos per video, every person twice', async () => {
    const { identities } = await loadFaces(faces);
    const a = makePlan(identities, { ...OPTS, people: 4, videos: 20 });
    const b = makePlan(identities, { ...OPTS, people: 4, videos: 20 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(makePlan(identities, { ...OPTS, people: 4, videos: 20, seed: 8 }).videos, a.videos);
    assert.ok(!a.people.some((p) => p.identity === 'Few'));
    assert.throws(() => makePlan(identities, { ...OPTS, people: 5 }), /only 4 identities/);
    for (const p of a.people) {
      const solo = a.videos.filter((v) => v.type === 'solo' && v.identities[0] === p.identity);
      assert.ok(solo.length >= 2, `${p.identity} in ${solo.length} one-person videos`);
    }
    for (const v of a.videos) {
      const d = plannedVideoDuration(v, OPTS.fps);
      assert.ok(d >= 5 - 1e-9 && d <= 20 + 1e-9, `${v.name} lasts ${d} s`);
      if (v.type === 'solo') {
        const photos = v.segments.flatMap((s) => (s.kind === 'photo' ? [s.photo.path] : []));
        assert.ok(photos.length >= 2 && new Set(photos).size === photos.length, `${v.name}: ${photos}`);
      }
      if (v.type === 'duo') assert.ok(v.segments.some((s) => s.kind === 'pair'));
      if (v.type === 'none') assert.ok(v.segments.every((s) => s.kind !== 'photo' && s.kind !== 'pair'));
    }
    // Every media file is posted; scores carry the person effect (same person, same offset ± noise).
    const media = new Set([...a.videos.map((v) => v.name), ...a.reposts.map((r) => r.name)]);
    assert.deepEqual(new Set(a.rows.map((r) => r.media)), media);
  });

  let truth: Truth;
  test('generates media, sheet and truth; the files match the truth; a rerun is a no-op', async () => {
    const out = join(dir, 'bench');
    const logs: string[] = [];
    const r = await generate(faces, out, OPTS, 2, false, (l) => logs.push(l));
    truth = r.truth;
    assert.equal(r.skipped, false);
    const names = (await readdir(join(out, 'media'))).sort();
    assert.deepEqual(names, Object.keys(truth.media).sort());
    for (const n of names) assert.equal(await sha256File(join(out, 'media', n)), truth.media[n].sha256);
    const sheet = (await readFile(join(out, 'sheet.csv'), 'utf8')).trim().split('\n');
    assert.equal(sheet[0], 'Video URL,Performance');
    assert.equal(sheet.length - 1, truth.rows.length);
    sheet.slice(1).forEach((line, i) => {
      const [url, score] = line.split(',');
      assert.equal(url, `https://bench.invalid/v/${truth.rows[i].media}`);
      assert.equal(Number(score), truth.rows[i].score);
    });
    assert.ok(truth.counts.reposts >= 1 && truth.counts.duo >= 1 && truth.counts.none >= 1, JSON.stringify(truth.counts));
    const again = await generate(faces, out, OPTS, 2, false, () => {});
    assert.equal(again.skipped, true);
    // Other scores, same videos: every media file is kept, the sheet changes.
    const before = await readFile(join(out, 'sheet.csv'), 'utf8');
    const rescored = await generate(faces, out, { ...OPTS, mean: 5 }, 2, false, () => {});
    assert.deepEqual([rescored.skipped, rescored.rendered, rescored.reused], [false, 0, names.length]);
    assert.notEqual(await readFile(join(out, 'sheet.csv'), 'utf8'), before);
    for (const n of names) assert.equal(rescored.truth.media[n].sha256, truth.media[n].sha256);
    // Back to the original scores (files kept again).
    assert.equal((await generate(faces, out, OPTS, 2, false, () => {})).rendered, 0);
    // The same seed in another folder gives the same bytes.
    const other = await generate(faces, join(dir, 'bench2'), OPTS, 1, false, () => {});
    assert.equal(await readFile(join(dir, 'bench2', 'truth.json'), 'utf8'), await readFile(join(out, 'truth.json'), 'utf8'));
    assert.equal(await readFile(join(dir, 'bench2', 'sheet.csv'), 'utf8'), await readFile(join(out, 'sheet.csv'), 'utf8'));
    assert.equal(other.skipped, false);
  });

  test('the timeline says whose photo is at each place and time, through the pan/zoom and the repost trim', async () => {
    const out = join(dir, 'bench');
    let checked = 0;
    const colourAt = async (media: string, tS: number, cx: number, cy: number) => {
      const m = truth.media[media];
      const raw = await runProgram('ffmpeg', ['-v', 'error', '-nostdin', '-ss', tS.toFixed(3), '-i', join(out, 'media', media),
        '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
      const x = Math.min(m.width - 1, Math.floor(cx * m.width)), y = Math.min(m.height - 1, Math.floor(cy * m.height));
      const i = (y * m.width + x) * 3;
      return [raw[i], raw[i + 1], raw[i + 2]];
    };
    // The person whose colour is nearest (in hue: normalised RGB); backdrops are dimmed, so compare directions.
    const whose = (rgb: number[]) => {
      const n = Math.hypot(...rgb) || 1;
      let best = '', bestD = Infinity;
      for (const [id, c] of Object.entries(COLOURS)) {
        const m = Math.hypot(...c);
        const d = Math.hypot(rgb[0] / n - c[0] / m, rgb[1] / n - c[1] / m, rgb[2] / n - c[2] / m);
        if (d < bestD) { best = id; bestD = d; }
      }
      return best;
    };
    for (const [name, m] of Object.entries(truth.media)) {
      for (const s of m.timeline) {
        if (s.kind !== 'pair' || !s.motion) continue;
        const t = (s.start_s + s.end_s) / 2;
        // Screen position of the split at time t: inverse of still = off + screen / zoom.
        const axis = s.layout === 'side' ? 0 : 1;
        const t0 = s.motion_start_s ?? s.start_s;
        const p = Math.min(1, Math.max(0, ((t - t0) * s.fps!) / (s.frames! - 1)));
        const zoom = s.motion.zoomFrom + (s.motion.zoomTo - s.motion.zoomFrom) * p;
        const pan = s.motion.panFrom[axis] + (s.motion.panTo[axis] - s.motion.panFrom[axis]) * p;
        const splitScreen = (s.split! - (1 - 1 / zoom) * pan) * zoom;
        for (const d of [-0.06, 0.06]) {
          const pos = splitScreen + d;
          if (pos < 0.02 || pos > 0.98) continue;
          const [cx, cy] = axis === 0 ? [pos, 0.5] : [0.5, pos];
          const expected = identityAt(m.timeline, t, cx, cy);
          assert.equal(expected, s.identities[d < 0 ? 0 : 1]);
          assert.equal(whose(await colourAt(name, t, cx, cy)), expected, `${name} at ${t} s (${cx.toFixed(2)}, ${cy.toFixed(2)})`);
          checked++;
        }
      }
      for (const s of m.timeline) {
        if (s.kind !== 'photo') continue;
        const t = (s.start_s + s.end_s) / 2;
        assert.equal(whose(await colourAt(name, t, 0.5, 0.5)), identityAt(m.timeline, t, 0.5, 0.5), `${name} at ${t} s`);
        checked++;
      }
    }
    assert.ok(checked >= 6, `only ${checked} points checked`);
  });
});
