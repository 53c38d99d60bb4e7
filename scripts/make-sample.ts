// Generates the project's demo data set from face photos that ship inside an installed npm
// package (@vladmandic/face-api's demo/sample1..6.jpg, MIT licence), so it needs no download:
//
//   data/raw/media/vid-01 … vid-10   short portrait MP4 videos, file names without extension
//   data/raw/sample.csv               "Video URL,Performance", one row per posting
//   data/raw/sample.manifest.json     content hashes + the ground truth (who is in which video)
//
// Idempotent: when the manifest matches this plan and every file still has its recorded hash,
// nothing is rewritten. `--force` regenerates; `--out DIR` writes somewhere else than data/raw.
//
//   npx tsx scripts/make-sample.ts [--out DIR] [--force]
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runProgram } from '../pipeline/lib/frames/index.ts';
import {
  composeVideo, mulberry32, reencode, seedOf, sha256File, uniform,
  type ComposeOptions, type PhotoSource, type Rect, type Segment,
} from '../pipeline/lib/synth/index.ts';

const GENERATOR_VERSION = 1;
const SEED = 20240611;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEMO = join(ROOT, 'node_modules', '@vladmandic', 'face-api', 'demo');
const URL_BASE = 'https://cdn.example.invalid';
const BRAND = 7001; // the shared intro card of the "campaign" videos

// ---- people: one person each, cut out of the group photos at coordinates found by eye ----------
// Chosen so that descriptors of any two of them are >= 0.6 apart in every descriptor mode (faceapi,
// aligned, flip; same person: <= 0.4). person-b used to be the laughing woman on the right of
// sample1.jpg: 0.64 from person-c with face-api's own descriptor but 0.42 with the aligned ones.
// Each person has a head-and-shoulders crop ('wide'), a tighter one around the face ('tight') and a
// landscape one ('half') for the top or bottom half of a stacked two-person frame.
interface Person { photo: string; wide: Rect; face: { x: number; y: number } }
const PEOPLE: Record<string, Person> = {
  'person-a': { photo: 'sample1.jpg', wide: { left: 320, top: 200, width: 400, height: 600 }, face: { x: 510, y: 470 } }, // left, clown make-up
  'person-b': { photo: 'sample6.jpg', wide: { left: 1363, top: 150, width: 460, height: 680 }, face: { x: 1593, y: 411 } }, // rightmost
  'person-c': { photo: 'sample3.jpg', wide: { left: 960, top: 100, width: 440, height: 660 }, face: { x: 1190, y: 350 } }, // middle, blonde
  'person-d': { photo: 'sample3.jpg', wide: { left: 470, top: 200, width: 440, height: 640 }, face: { x: 680, y: 450 } }, // left, curly blonde
  'person-e': { photo: 'sample6.jpg', wide: { left: 580, top: 220, width: 360, height: 620 }, face: { x: 756, y: 480 } }, // second from left
  'person-f': { photo: 'sample6.jpg', wide: { left: 140, top: 360, width: 440, height: 600 }, face: { x: 364, y: 620 } }, // leftmost
};

function shot(id: string, framing: 'wide' | 'tight' | 'half', mirror = false): PhotoSource {
  const p = PEOPLE[id];
  const { x, y } = p.face;
  const crop = framing === 'wide' ? p.wide
    : framing === 'tight' ? { left: x - 170, top: y - 210, width: 340, height: 460 }
    : { left: x - 250, top: y - 220, width: 500, height: 440 };
  return { path: join(DEMO, p.photo), crop, mirror };
}

// ---- videos ------------------------------------------------------------------------------------
interface ComposedVideo { name: string; people: string[]; intro: boolean; segments: Segment[] }
const COMPOSED: ComposedVideo[] = [
  { name: 'vid-01', people: ['person-a'], intro: true, segments: [
    { kind: 'photo', photo: shot('person-a', 'wide'), durationS: 3 },
    { kind: 'photo', photo: shot('person-a', 'tight', true), durationS: 3 },
    { kind: 'color', durationS: 1.5 },
  ] },
  { name: 'vid-02', people: ['person-b', 'person-f'], intro: false, segments: [
    { kind: 'photo', photo: shot('person-b', 'tight'), durationS: 3 },
    { kind: 'photo', photo: shot('person-b', 'wide'), durationS: 3 },
    { kind: 'photo', photo: shot('person-f', 'wide'), durationS: 3 },
  ] },
  { name: 'vid-03', people: ['person-a', 'person-c'], intro: true, segments: [
    { kind: 'photo', photo: shot('person-a', 'tight'), durationS: 3 },
    { kind: 'photo', photo: shot('person-c', 'wide'), durationS: 3 },
    { kind: 'photo', photo: shot('person-c', 'tight', true), durationS: 2.5 },
  ] },
  { name: 'vid-04', people: ['person-c', 'person-d'], intro: false, segments: [
    { kind: 'photo', photo: shot('person-c', 'wide', true), durationS: 2.5 },
    { kind: 'pair', photos: [shot('person-c', 'half'), shot('person-d', 'half')], layout: 'stack', durationS: 4 },
    { kind: 'photo', photo: shot('person-d', 'wide'), durationS: 2.5 },
  ] },
  { name: 'vid-05', people: ['person-e'], intro: true, segments: [
    { kind: 'photo', photo: shot('person-e', 'wide'), durationS: 3 },
    { kind: 'noise', durationS: 2 },
    { kind: 'photo', photo: shot('person-e', 'tight'), durationS: 2.5 },
  ] },
  { name: 'vid-06', people: ['person-a', 'person-e'], intro: false, segments: [
    { kind: 'pair', photos: [shot('person-a', 'wide'), shot('person-e', 'wide')], layout: 'side', durationS: 4 },
    { kind: 'photo', photo: shot('person-a', 'wide', true), durationS: 2.5 },
    { kind: 'color', durationS: 1.5 },
  ] },
  { name: 'vid-07', people: [], intro: false, segments: [
    { kind: 'noise', durationS: 2.5 },
    { kind: 'card', seed: 9103, durationS: 1.5 },
    { kind: 'color', durationS: 2.5 },
  ] },
  { name: 'vid-08', people: [], intro: true, segments: [
    { kind: 'color', durationS: 2 },
    { kind: 'noise', durationS: 3 },
  ] },
];
/** A repost through another platform: re-encoded smaller, first second cut. */
const NEAR_DUPLICATE = { name: 'vid-09', of: 'vid-03', bitrate: '250k', width: 540, height: 960, trimStartS: 1 };
/** The same file again under another name (byte-identical). */
const BYTE_COPY = { name: 'vid-10', of: 'vid-01' };

// ---- the sheet: URL rows (last path segment = media file name) --------------------------------
// score: a number, or a literal string for rows that must be rejected.
const ROWS: Array<{ path: string; bad?: string }> = [
  { path: 'campaign/vid-01' },
  { path: 'campaign/vid-02' },
  { path: 'campaign/vid-03' },
  { path: 'campaign/vid-04' },
  { path: 'spring/vid-01' },   // vid-01 again (same file, another URL)
  { path: 'campaign/vid-05' },
  { path: 'campaign/vid-06' },
  { path: '' },                // empty URL: rejected
  { path: 'campaign/vid-07' }, // no face
  { path: 'campaign/vid-09' }, // near-duplicate of vid-03
  { path: 'campaign/vid-08' }, // no face, shares the intro
  { path: 'campaign/vid-10' }, // byte-identical copy of vid-01: vid-01's third posting
  { path: 'campaign/vid-02', bad: 'n/a' }, // non-numeric score: rejected
  { path: 'summer/vid-06' },   // vid-06 again
];

const COMPOSE: ComposeOptions = { width: 720, height: 1280, fps: 25, crf: 23, preset: 'veryfast' };

/** Distinct content each media file stands for (near-duplicates and copies map to their original). */
const contentOf = (name: string) => name === NEAR_DUPLICATE.name ? NEAR_DUPLICATE.of : name === BYTE_COPY.name ? BYTE_COPY.of : name;

function scores(): string[] {
  const rng = mulberry32(seedOf(SEED, 'scores'));
  const base = new Map<string, number>();
  for (const v of COMPOSED) base.set(v.name, uniform(rng, 0.45, 1.5));
  return ROWS.map((r) => {
    if (r.bad !== undefined) return r.bad;
    const name = r.path.split('/').pop() || 'vid-01';
    const y = base.get(contentOf(name))! * uniform(rng, 0.7, 1.3);
    return Math.min(2, Math.max(0.2, y)).toFixed(3);
  });
}

function sheet(): string {
  const s = scores();
  const lines = ['Video URL,Performance', ...ROWS.map((r, i) => `${r.path ? `${URL_BASE}/${r.path}` : ''},${s[i]}`)];
  return lines.join('\n') + '\n';
}

function truth() {
  const videos = [...COMPOSED.map((v) => v.name), NEAR_DUPLICATE.name, BYTE_COPY.name].map((name) => {
    const c = COMPOSED.find((v) => v.name === contentOf(name))!;
    // The near-duplicate's trim cuts the (1 s) intro off.
    const introKept = c.intro && !(name === NEAR_DUPLICATE.name && NEAR_DUPLICATE.trimStartS >= 1);
    return { file: `media/${name}`, content: c.name, people: c.people, intro: introKept ? BRAND : null,
      relation: name === NEAR_DUPLICATE.name ? 'near-duplicate' : name === BYTE_COPY.name ? 'byte-copy' : 'original' };
  });
  // Per row: which media file and which distinct content it points to, who is in it, and
  // whether the row itself is malformed (the pipeline should reject those).
  const rows = ROWS.map((r, i) => {
    const name = r.path ? r.path.split('/').pop()! : null;
    const content = name ? contentOf(name) : null;
    return { row_number: i + 1, url: r.path ? `${URL_BASE}/${r.path}` : '', file: name ? `media/${name}` : null, content,
      people: content ? COMPOSED.find((v) => v.name === content)!.people : [],
      reject: !r.path ? 'empty URL' : r.bad !== undefined ? 'non-numeric score' : null };
  });
  const people = Object.keys(PEOPLE).map((id) => ({ id, photo: PEOPLE[id].photo, crop: PEOPLE[id].wide,
    videos: COMPOSED.filter((v) => v.people.includes(id)).map((v) => v.name) }));
  const noFace = COMPOSED.filter((v) => v.people.length === 0).map((v) => v.name);
  return {
    counts: { rows: ROWS.length, validRows: ROWS.filter((r) => r.path && r.bad === undefined).length,
      mediaFiles: videos.length, distinctVideos: COMPOSED.length, noFaceVideos: noFace.length, people: people.length },
    noFaceVideos: noFace, people, videos, rows,
  };
}

// ---- idempotency -------------------------------------------------------------------------------
interface Manifest {
  generator: string; version: number; specHash: string;
  toolchain: Record<string, string>;
  files: Record<string, string>;
  truth: ReturnType<typeof truth>;
}

async function specHash(): Promise<string> {
  const photos: Record<string, string> = {};
  for (const p of new Set(Object.values(PEOPLE).map((x) => x.photo))) photos[p] = await sha256File(join(DEMO, p));
  const spec = { GENERATOR_VERSION, SEED, BRAND, PEOPLE, COMPOSED: COMPOSED.map((v) => ({ ...v, segments: v.segments.map((s) => JSON.stringify(s).replaceAll(ROOT, '<root>')) })),
    NEAR_DUPLICATE, BYTE_COPY, ROWS, COMPOSE, photos, csv: sheet(), truth: truth() };
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex');
}

async function upToDate(out: string, hash: string): Promise<boolean> {
  let m: Manifest;
  try { m = JSON.parse(await readFile(join(out, 'sample.manifest.json'), 'utf8')); } catch { return false; }
  if (m.specHash !== hash) return false;
  for (const [rel, sha] of Object.entries(m.files)) {
    try { if ((await sha256File(join(out, rel))) !== sha) return false; } catch { return false; }
  }
  return true;
}

async function pool<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' }, force: { type: 'boolean', default: false } } });
  const out = resolve(values.out ?? join(ROOT, 'data', 'raw'));
  const t0 = performance.now();
  const secs = () => ((performance.now() - t0) / 1000).toFixed(1);
  const t = truth();
  const c = t.counts;
  const what = `${c.rows} rows (${c.validRows} valid), ${c.mediaFiles} media files = ${c.distinctVideos} distinct videos (${c.noFaceVideos} without a face), ${c.people} people`;
  const hash = await specHash();
  if (!values.force && await upToDate(out, hash)) {
    process.stderr.write(`make-sample: up to date in ${out}: ${what} (${secs()} s)\n`);
    return;
  }

  const media = join(out, 'media');
  await mkdir(media, { recursive: true });
  // Files an older plan wrote and this one does not: remove them, so the media folder holds the sample only.
  try {
    const old: Manifest = JSON.parse(await readFile(join(out, 'sample.manifest.json'), 'utf8'));
    const keep = new Set(t.videos.map((v) => v.file).concat('sample.csv'));
    for (const rel of Object.keys(old.files)) if (!keep.has(rel)) await rm(join(out, rel), { force: true });
  } catch { /* no previous manifest */ }
  await rm(join(out, 'sample.manifest.json'), { force: true });

  const files: Record<string, string> = {};
  const jobs = Math.max(1, Math.min(4, availableParallelism()));
  await pool(COMPOSED, jobs, async (v) => {
    const r = await composeVideo(join(media, v.name), v.segments, { ...COMPOSE, seed: seedOf(SEED, v.name), intro: v.intro ? { seed: BRAND, durationS: 1 } : null });
    files[`media/${v.name}`] = r.sha256;
  });
  const nd = NEAR_DUPLICATE;
  const re = await reencode(join(media, nd.of), join(media, nd.name), { bitrate: nd.bitrate, width: nd.width, height: nd.height, trimStartS: nd.trimStartS });
  files[`media/${nd.name}`] = re.sha256;
  const tmp = join(media, `.${BYTE_COPY.name}.partial`);
  await copyFile(join(media, BYTE_COPY.of), tmp);
  await rename(tmp, join(media, BYTE_COPY.name));
  files[`media/${BYTE_COPY.name}`] = files[`media/${BYTE_COPY.of}`];

  const csv = sheet();
  await writeFile(join(out, 'sample.csv'), csv);
  files['sample.csv'] = createHash('sha256').update(csv).digest('hex');

  const ffmpeg = (await runProgram('ffmpeg', ['-hide_banner', '-version'])).toString().split('\n')[0];
  const sharpVersion = JSON.parse(await readFile(join(ROOT, 'node_modules', 'sharp', 'package.json'), 'utf8')).version;
  const sorted = Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)));
  // The manifest is written last: its presence marks a complete sample.
  const manifest: Manifest = { generator: 'scripts/make-sample.ts', version: GENERATOR_VERSION, specHash: hash,
    toolchain: { ffmpeg, sharp: sharpVersion }, files: sorted, truth: t };
  await writeFile(join(out, 'sample.manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  process.stderr.write(`make-sample: wrote ${out}: ${what} (${secs()} s, ${jobs} jobs)\n`);
}

main().catch((e) => {
  process.stderr.write(`make-sample: failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
