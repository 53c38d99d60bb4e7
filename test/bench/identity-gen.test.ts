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
import {
  DEFAULTS, coverSvg, generate, loadFaces, makePlan, parseCsv, planHash, plannedVideoDuration, renderFaceFramed, sourceWanted,
  type GenOptions, type PlacedPhoto, type Truth,
} from '../../bench/identity-gen.ts';
import { SHARED } from '../helpers/project.ts';
import { existsSync } from 'node:fs';
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

describe('identity-gen: extra sets, sources and the hard variant', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'identity-gen-hard-'));
    await makeFaces(dir);
    // An extra set laid out like ../shared/data/faces/varied: its own MANIFEST (no sizes), two repositories.
    const lines = ['person,file,sha256,source_repo,source_commit,source_path'];
    for (const [id, owner, n] of [['Cyan_Person', 'alice', 3], ['Pink_Person', 'bob', 4]] as const) {
      await mkdir(join(dir, 'varied', id), { recursive: true });
      for (let k = 0; k < n; k++) {
        await sharp({ create: { width: 120 + 10 * k, height: 160, channels: 3, background: id === 'Cyan_Person' ? '#20c0d0' : '#e060b0' } })
          .jpeg().toFile(join(dir, 'varied', id, `0${k}.jpg`));
        lines.push(`${id},${id}/0${k}.jpg,x,${owner}/repo,c,p`);
      }
    }
    await writeFile(join(dir, 'varied', 'MANIFEST.csv'), lines.join('\n') + '\n');
  });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  test('--sources: exact names or a whole set; the default leaves the extra sets out', () => {
    assert.equal(sourceWanted('lfw', []), true);
    assert.equal(sourceWanted('varied/alice', []), false);
    assert.equal(sourceWanted('varied/alice', ['varied']), true);
    assert.equal(sourceWanted('varied/alice', ['varied/bob']), false);
    assert.equal(sourceWanted('lfw', ['varied']), false);
    assert.equal(sourceWanted('lfw', ['lfw', 'varied/bob']), true);
  });

  test('the extra set: photos under <set>/, source <set>/<repo owner>, sizes read from the files; the main hash unchanged without it', async () => {
    const plain = await loadFaces(dir);
    assert.ok(!plain.identities.some((i) => i.identity === 'Cyan_Person'));
    const v = await loadFaces(dir, ['varied']);
    assert.deepEqual(v.identities.map((i) => `${i.identity}:${i.photos.length}`), ['Cyan_Person:3', 'Pink_Person:4']);
    assert.deepEqual(v.identities[0].photos[2], { path: 'varied/Cyan_Person/02.jpg', source: 'varied/alice', width: 140, height: 160 });
    assert.notEqual(v.manifestSha256, plain.manifestSha256);
    assert.equal((await loadFaces(dir, ['src'])).manifestSha256, plain.manifestSha256);
    const bob = await loadFaces(dir, ['varied/bob', 'src']);
    assert.deepEqual(bob.identities.map((i) => i.identity), ['Blue_Person', 'Few', 'Green_Person', 'Pink_Person', 'Red_Person', 'Yellow_Person']);
  });

  test('the default plan is what it was before the hard variant (no hard fields; the shared bench hash)', async () => {
    const { identities } = await loadFaces(dir);
    const plan = makePlan(identities, { ...OPTS, people: 4, videos: 12 });
    assert.ok(!('hard' in plan.options));
    const json = JSON.stringify(plan);
    assert.ok(!json.includes('degrade') && !json.includes('"face"'), 'no hard fields in a default plan');
    const manifest = join(SHARED, 'data/faces/MANIFEST.csv');
    if (!existsSync(manifest)) return;
    // The committed README's identity bench (seed 1, 40 people, 150 videos): truth.json plan_sha256 of its runs.
    const shared = await loadFaces(join(SHARED, 'data/faces'));
    const h = planHash(makePlan(shared.identities, DEFAULTS), shared.manifestSha256);
    if (shared.manifestSha256 === '4f37a722edf7fad64c233d66409488ad0ebf9170884d73b585dbc58a5f19d3f9') {
      assert.equal(h, '32857e50f6c3cb6311e864f4e3dcbd6422b80ad167a3d4f49aff9a3c5abde48f');
    }
  });

  test('the hard plan: same people, every photo small and treated, 3 or more cuts where photos allow, deterministic', async () => {
    const { identities } = await loadFaces(dir, ['src', 'varied']);
    const o = { ...OPTS, people: 5, videos: 16, hard: true };
    const hard = makePlan(identities, o);
    assert.deepEqual(hard, makePlan(identities, o));
    assert.deepEqual(hard.people, makePlan(identities, { ...OPTS, people: 5, videos: 16 }).people);
    const placed: PlacedPhoto[] = hard.videos.flatMap((v) => v.segments.flatMap((s) => (s.kind === 'photo' ? [s.photo] : s.kind === 'pair' ? s.photos : [])));
    assert.ok(placed.length > 10);
    for (const p of placed) {
      assert.equal(p.framing.kind, 'face');
      assert.ok(p.degrade, p.path);
      if (p.framing.kind === 'face') assert.ok(p.framing.faceH >= 0.09 - 1e-9 && p.framing.faceH <= 0.36 + 1e-9, String(p.framing.faceH));
    }
    const kinds = new Set(placed.map((p) => p.degrade!.cover?.kind ?? 'none'));
    assert.ok(kinds.size >= 2, [...kinds].join());
    assert.ok(placed.some((p) => p.degrade!.grade) && placed.some((p) => p.degrade!.blur > 0) && placed.some((p) => p.degrade!.lowRes > 0));
    for (const v of hard.videos.filter((x) => x.type === 'solo')) {
      const have = identities.find((i) => i.identity === v.identities[0])!.photos.length;
      const cuts = v.segments.filter((s) => s.kind === 'photo').length;
      const photoS = v.segments.reduce((t, s) => t + (s.kind === 'photo' ? s.durationS : 0), 0);
      if (have >= 3 && photoS >= 6.2) assert.ok(cuts >= 3, `${v.name}: ${cuts} cuts`);
    }
  });

  test('a cover: the dark band is centred on the eye line and spans the face', () => {
    const svg = coverSvg({ kind: 'band', at: 0.35, color: [12, 12, 14], opacity: 0.9, flip: false }, { x: 100, y: 50, w: 80, h: 100, eyeY: 90 }, 400, 300);
    const rect = (x: string) => x.slice(x.indexOf('<rect'));
    const num = (k: string) => Number(new RegExp(` ${k}="([\\d.-]+)"`).exec(rect(svg))![1]);
    assert.ok(Math.abs(num('y') + num('height') / 2 - 90) < 0.1);
    assert.ok(num('x') < 100 && num('x') + num('width') > 180);
    const cap = coverSvg({ kind: 'caption', at: 0.6, color: [255, 255, 255], opacity: 1, flip: false }, { x: 100, y: 50, w: 80, h: 100, eyeY: null }, 400, 300);
    assert.equal(new RegExp(' y="([\\d.]+)"').exec(rect(cap))![1], '110.0');
  });

  test('face framing: the face lands at (cx, cy) with the asked height', async () => {
    // A grey 300x200 "photo" with a red 40x50 "face" at (200, 40).
    const W = 300, H = 200;
    const data = Buffer.alloc(W * H * 3, 128);
    for (let y = 40; y < 90; y++) for (let x = 200; x < 240; x++) data.set([230, 20, 20], (y * W + x) * 3);
    const png = await renderFaceFramed({ data, width: W, height: H, face: { x: 200, y: 40, w: 40, h: 50, eyeY: null } },
      { kind: 'face', faceH: 0.25, cx: 0.3, cy: 0.6 }, 160, 200);
    const { data: out, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height], [160, 200]);
    const red = (x: number, y: number) => { const i = (y * info.width + x) * info.channels; return out[i] > 180 && out[i + 1] < 80; };
    // Face 50 px → 0.25 × 200 = 50 px high (scale 1), centred at (48, 120): rows 95–144, columns 28–67.
    assert.ok(red(48, 120) && red(30, 97) && red(65, 142));
    assert.ok(!red(48, 90) && !red(48, 150) && !red(24, 120) && !red(72, 120));
  });

  test('a hard benchmark renders (faces not found in plain photos: a centred guess)', async () => {
    const out = join(dir, 'hard');
    const r = await generate(dir, out, { ...OPTS, people: 2, videos: 2, duo: 0.5, none: 0, reposts: 0, repeats: 0, hard: true, sources: ['varied'] }, 2, false, () => {});
    assert.equal(Object.keys(r.truth.media).length, 2);
    assert.equal(r.truth.params.hard, true);
    assert.deepEqual(r.truth.people.map((p) => p.sources), [['varied/alice'], ['varied/bob']]);
  });
});
