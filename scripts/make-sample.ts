// Generates the project's demo data set from face photos that ship inside an installed npm
// package (@vladmandic/face-api's demo/sample1..6.jpg, MIT licence), so it needs no download:
//
//   data/raw/media/vid-01 … vid-18    short portrait MP4 videos, file names without extension
//   data/raw/sample.csv               batch 1: "Video URL,Performance", one row per posting
//   data/raw/next/sample2.csv         batch 2, held back (data/raw/next/ is not read): copy it into
//                                     data/raw/ to add it (a new person, a new video of an old one)
//   data/raw/sample.manifest.json     content hashes + the ground truth (who is in which video)
//
// What batch 1 holds, so that every section of the report shows something: six people (a–f), each in
// at least three scored videos; people whose levels differ (a best … e worst) and one whose scores
// swing widely (f); two-person videos (side by side, stacked, and one after the other); two videos
// without a face; a video posted under two URLs and as a byte-identical copy under a third; a
// re-encoded near-duplicate (smaller, lower bitrate, first second cut); a group photo shown whole, so
// its faces are too small to use (the quality gates); an empty URL and a non-numeric score (rejected).
// Batch 2 adds person g (new), a new video of person e, and a batch 1 URL posted again.
// A video's score is the mean of its people's levels plus a little noise; each posting of it varies
// by up to ±10% around that.
//
// The sample's faces are still photos, which the live-presenter rule calls "depicted": the demo
// credits every track kind (params.demo.yaml). `--params FILE` writes params.yaml with that override
// laid over it to FILE, for the stages (PARAMS_FILE).
//
// Idempotent: when the manifest matches this plan and every file still has its recorded hash,
// nothing is rewritten. `--force` regenerates; `--out DIR` writes somewhere else than data/raw.
//
//   npx tsx scripts/make-sample.ts [--out DIR] [--force] [--params FILE]
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { parse, stringify } from 'yaml';
import { runProgram } from '../pipeline/lib/frames/index.ts';
import { writeFileAtomic } from '../pipeline/lib/run/index.ts';
import {
  composeVideo, mulberry32, reencode, seedOf, sha256File, STILL, uniform,
  type ComposeOptions, type PhotoSource, type Rect, type Segment,
} from '../pipeline/lib/synth/index.ts';

const GENERATOR_VERSION = 2;
const SEED = 20240611;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEMO = join(ROOT, 'node_modules', '@vladmandic', 'face-api', 'demo');
const URL_BASE = 'https://cdn.example.invalid';
const BRAND = 7001; // the shared intro card of the "campaign" videos
/** Batch files, relative to the output folder: the first is read by default, the second held back. */
const BATCH_FILES = ['sample.csv', 'next/sample2.csv'] as const;

// ---- people: one person each, cut out of the group photos at coordinates found by eye ----------
// Chosen so that descriptors of any two of them are >= 0.6 apart (flip descriptor, onnx and faceapi
// engines; the same person's shots are <= 0.35 apart). Each person has a head-and-shoulders crop
// ('wide'), a tighter one around the face ('tight') and a landscape one ('half') for the top or bottom
// half of a stacked two-person frame. `level`: the person's typical score (what the ranking should find).
interface Person { photo: string; wide: Rect; face: { x: number; y: number }; level: number }
const PEOPLE: Record<string, Person> = {
  'person-a': { photo: 'sample1.jpg', wide: { left: 320, top: 200, width: 400, height: 600 }, face: { x: 510, y: 470 }, level: 1.8 }, // left, clown make-up
  'person-b': { photo: 'sample6.jpg', wide: { left: 1363, top: 150, width: 460, height: 680 }, face: { x: 1593, y: 411 }, level: 1.4 }, // rightmost
  'person-c': { photo: 'sample3.jpg', wide: { left: 960, top: 100, width: 440, height: 660 }, face: { x: 1190, y: 350 }, level: 1.05 }, // middle, blonde
  'person-d': { photo: 'sample3.jpg', wide: { left: 470, top: 200, width: 440, height: 640 }, face: { x: 680, y: 450 }, level: 0.7 }, // left, curly blonde
  'person-e': { photo: 'sample6.jpg', wide: { left: 580, top: 220, width: 360, height: 620 }, face: { x: 756, y: 480 }, level: 0.35 }, // second from left
  'person-f': { photo: 'sample6.jpg', wide: { left: 140, top: 360, width: 440, height: 600 }, face: { x: 364, y: 620 }, level: 1.05 }, // leftmost; swings (SWING)
  'person-g': { photo: 'sample2.jpg', wide: { left: 1313, top: 40, width: 460, height: 680 }, face: { x: 1543, y: 283 }, level: 1.75 }, // right; batch 2 only
};

// ---- videos ------------------------------------------------------------------------------------
type Framing = 'wide' | 'tight' | 'half';
interface Shot { person: string; framing: Framing; mirror?: boolean }
type Scene =
  | { kind: 'photo'; shot: Shot; s: number }
  | { kind: 'pair'; shots: [Shot, Shot]; layout: 'stack' | 'side'; s: number }
  /** A whole group photo letterboxed into the frame: its faces (≈ 30 px at 640 px) are too small to use. */
  | { kind: 'crowd'; photo: string; s: number }
  | { kind: 'color' | 'noise'; s: number }
  | { kind: 'card'; seed: number; s: number };
interface Video { name: string; intro: boolean; scenes: Scene[] }

const shot = (person: string, framing: Framing, mirror = false): Shot => ({ person, framing, mirror });
const photo = (person: string, framing: Framing, s: number, mirror = false): Scene => ({ kind: 'photo', shot: shot(person, framing, mirror), s });
const pair = (a: Shot, b: Shot, layout: 'stack' | 'side', s: number): Scene => ({ kind: 'pair', shots: [a, b], layout, s });

const VIDEOS: Video[] = [
  // vid-01, 02, 04, 05 and 06 are picked by name by the compare and incremental tests (test/compare/fixture.ts).
  { name: 'vid-01', intro: true, scenes: [photo('person-a', 'wide', 2.5), photo('person-a', 'tight', 2.5, true), { kind: 'color', s: 1 }] },
  { name: 'vid-02', intro: false, scenes: [photo('person-b', 'tight', 2.5), photo('person-b', 'wide', 2), photo('person-f', 'wide', 2.5)] },
  { name: 'vid-03', intro: true, scenes: [photo('person-a', 'tight', 2.5), photo('person-b', 'wide', 2.5), photo('person-b', 'tight', 2, true)] },
  { name: 'vid-04', intro: false, scenes: [photo('person-c', 'wide', 2, true), pair(shot('person-c', 'half'), shot('person-d', 'half'), 'stack', 3), photo('person-d', 'wide', 2)] },
  { name: 'vid-05', intro: true, scenes: [photo('person-e', 'wide', 2.5), { kind: 'noise', s: 1.5 }, photo('person-e', 'tight', 2.5)] },
  { name: 'vid-06', intro: false, scenes: [pair(shot('person-d', 'wide'), shot('person-e', 'wide'), 'side', 3), photo('person-d', 'wide', 2.5, true), { kind: 'color', s: 1 }] },
  { name: 'vid-07', intro: false, scenes: [{ kind: 'noise', s: 2.5 }, { kind: 'card', seed: 9103, s: 1.5 }, { kind: 'color', s: 2 }] },
  { name: 'vid-08', intro: true, scenes: [{ kind: 'color', s: 2 }, { kind: 'noise', s: 2.5 }] },
  // vid-09 (near-duplicate of vid-03) and vid-10 (byte copy of vid-01) are made from these, below.
  { name: 'vid-11', intro: true, scenes: [photo('person-a', 'wide', 2.5, true), photo('person-a', 'tight', 2.5)] },
  { name: 'vid-12', intro: false, scenes: [photo('person-d', 'tight', 2.5), photo('person-d', 'wide', 2.5, true), { kind: 'color', s: 1 }] },
  { name: 'vid-13', intro: true, scenes: [photo('person-f', 'tight', 2.5), photo('person-f', 'wide', 2.5, true)] },
  { name: 'vid-14', intro: false, scenes: [pair(shot('person-b', 'half'), shot('person-c', 'half'), 'stack', 3), photo('person-c', 'wide', 2, true)] },
  { name: 'vid-15', intro: false, scenes: [photo('person-f', 'wide', 2.5, true), { kind: 'noise', s: 1 }, photo('person-f', 'tight', 2)] },
  { name: 'vid-16', intro: false, scenes: [{ kind: 'crowd', photo: 'sample4.jpg', s: 2 }, photo('person-c', 'tight', 2.5), photo('person-e', 'tight', 2.5, true)] },
  // Batch 2: a new person (g) and a new video of person e.
  { name: 'vid-17', intro: true, scenes: [photo('person-g', 'wide', 2.5), photo('person-g', 'tight', 2.5, true)] },
  { name: 'vid-18', intro: false, scenes: [photo('person-e', 'wide', 2.5, true), photo('person-e', 'tight', 2.5)] },
];
/** Whose scores swing: added to the person's level in each of their videos (person f). */
const SWING: Record<string, Record<string, number>> = { 'person-f': { 'vid-02': -0.5, 'vid-13': 0.8, 'vid-15': -0.5 } };
/** A repost through another platform: re-encoded smaller, first second (the intro) cut. */
const NEAR_DUPLICATE = { name: 'vid-09', of: 'vid-03', bitrate: '200k', width: 360, height: 640, trimStartS: 1 };
/** The same file again under another name (byte-identical). */
const BYTE_COPY = { name: 'vid-10', of: 'vid-01' };

// ---- the sheets: URL rows (last path segment = media file name) --------------------------------
// bad: a literal score for rows that must be rejected.
interface Row { path: string; bad?: string }
const BATCHES: Row[][] = [[
  { path: 'campaign/vid-01' },
  { path: 'campaign/vid-02' },
  { path: 'campaign/vid-03' },
  { path: 'campaign/vid-04' },
  { path: 'spring/vid-01' },   // vid-01 again (the same file under another URL)
  { path: 'campaign/vid-05' },
  { path: 'campaign/vid-06' },
  { path: '' },                // empty URL: rejected
  { path: 'campaign/vid-07' }, // no face
  { path: 'campaign/vid-09' }, // near-duplicate of vid-03
  { path: 'campaign/vid-08' }, // no face, shares the intro
  { path: 'campaign/vid-10' }, // byte-identical copy of vid-01: vid-01's third posting
  { path: 'campaign/vid-02', bad: 'n/a' }, // non-numeric score: rejected
  { path: 'summer/vid-06' },   // vid-06 again
  { path: 'campaign/vid-11' },
  { path: 'campaign/vid-12' },
  { path: 'campaign/vid-13' },
  { path: 'campaign/vid-14' },
  { path: 'campaign/vid-15' },
  { path: 'campaign/vid-16' },
], [
  { path: 'campaign/vid-17' }, // person g: new
  { path: 'campaign/vid-18' }, // person e's fourth video
  { path: 'campaign/vid-05' }, // a batch 1 URL posted again: a duplicate
]];

const COMPOSE: ComposeOptions = { width: 540, height: 960, fps: 15, crf: 23, preset: 'veryfast' };

/** Distinct content each media file stands for (near-duplicates and copies map to their original). */
const contentOf = (name: string) => name === NEAR_DUPLICATE.name ? NEAR_DUPLICATE.of : name === BYTE_COPY.name ? BYTE_COPY.of : name;
const nameOf = (path: string) => path.split('/').pop()!;

function peopleIn(v: Video): string[] {
  const out = new Set<string>();
  for (const s of v.scenes) {
    if (s.kind === 'photo') out.add(s.shot.person);
    if (s.kind === 'pair') for (const x of s.shots) out.add(x.person);
  }
  return [...out].sort();
}
const video = (name: string) => VIDEOS.find((v) => v.name === contentOf(name))!;
/** The batch (0-based) whose sheet first names a media file. */
const batchOf = (name: string) => BATCHES.findIndex((rows) => rows.some((r) => r.path && (nameOf(r.path) === name || contentOf(nameOf(r.path)) === name)));

/** Each video's own score (the mean of its people's levels, f swinging, plus noise); then per posting. */
function scores(): string[][] {
  const rng = mulberry32(seedOf(SEED, 'scores', GENERATOR_VERSION));
  const base = new Map<string, number>();
  for (const v of VIDEOS) {
    const people = peopleIn(v);
    const level = people.length
      ? people.reduce((s, p) => s + PEOPLE[p].level + (SWING[p]?.[v.name] ?? 0), 0) / people.length
      : uniform(rng, 0.5, 1.3);
    base.set(v.name, level + uniform(rng, -0.06, 0.06));
  }
  return BATCHES.map((rows) => rows.map((r) => {
    if (r.bad !== undefined) return r.bad;
    const y = base.get(contentOf(nameOf(r.path) || 'vid-01'))! * uniform(rng, 0.9, 1.1);
    return Math.min(2.5, Math.max(0.1, y)).toFixed(3);
  }));
}

function sheets(): string[] {
  const s = scores();
  return BATCHES.map((rows, b) => ['Video URL,Performance', ...rows.map((r, i) => `${r.path ? `${URL_BASE}/${r.path}` : ''},${s[b][i]}`)].join('\n') + '\n');
}

const MEDIA = [...VIDEOS.map((v) => v.name), NEAR_DUPLICATE.name, BYTE_COPY.name].sort();

function truth() {
  const videos = MEDIA.map((name) => {
    const c = video(name);
    // The near-duplicate's trim cuts the (1 s) intro off.
    const introKept = c.intro && !(name === NEAR_DUPLICATE.name && NEAR_DUPLICATE.trimStartS >= 1);
    return { file: `media/${name}`, content: c.name, people: peopleIn(c), intro: introKept ? BRAND : null,
      crowd: c.scenes.some((s) => s.kind === 'crowd'), batch: BATCH_FILES[batchOf(name)],
      relation: name === NEAR_DUPLICATE.name ? 'near-duplicate' : name === BYTE_COPY.name ? 'byte-copy' : 'original' };
  });
  // Per row: its batch, which media file and which distinct content it points to, who is in it, and
  // whether the row itself is malformed (the pipeline should reject those).
  const rowsOf = (b: number, from: number) => BATCHES[b].map((r, i) => {
    const name = r.path ? nameOf(r.path) : null;
    const content = name ? contentOf(name) : null;
    return { row_number: from + i, batch: BATCH_FILES[b], batch_row: i + 1, url: r.path ? `${URL_BASE}/${r.path}` : '',
      file: name ? `media/${name}` : null, content, people: content ? peopleIn(video(content)) : [],
      reject: !r.path ? 'empty URL' : r.bad !== undefined ? 'non-numeric score' : null };
  });
  const counts = (b: number) => {
    const rows = BATCHES[b].filter((r) => r.path && r.bad === undefined);
    const files = new Set(rows.map((r) => nameOf(r.path)));
    const contents = new Set([...files].map(contentOf));
    return { rows: BATCHES[b].length, validRows: rows.length, mediaFiles: files.size, distinctVideos: contents.size,
      noFaceVideos: [...contents].filter((c) => !peopleIn(video(c)).length).length,
      people: new Set([...contents].flatMap((c) => peopleIn(video(c)))).size };
  };
  const batch1 = new Set(BATCHES[0].filter((r) => r.path).map((r) => contentOf(nameOf(r.path))));
  const people = Object.keys(PEOPLE).map((id) => ({ id, photo: PEOPLE[id].photo, crop: PEOPLE[id].wide, level: PEOPLE[id].level,
    videos: VIDEOS.filter((v) => peopleIn(v).includes(id)).map((v) => v.name),
    swings: id in SWING,
    batch: BATCH_FILES[VIDEOS.some((v) => batch1.has(v.name) && peopleIn(v).includes(id)) ? 0 : 1] }));
  const noFace = VIDEOS.filter((v) => peopleIn(v).length === 0).map((v) => v.name);
  const first = rowsOf(0, 1);
  return {
    // counts, rows, noFaceVideos: batch 1 (data/raw/sample.csv, what the pipeline reads by default).
    counts: counts(0),
    noFaceVideos: noFace.filter((v) => batch1.has(v)),
    people, videos, rows: first,
    // Batch 2, held back in data/raw/next/: its rows are numbered after batch 1's when both are read.
    next: { file: BATCH_FILES[1], counts: counts(1), rows: rowsOf(1, first.length + 1),
      newPeople: people.filter((p) => p.batch === BATCH_FILES[1]).map((p) => p.id),
      repeatedUrls: BATCHES[1].filter((r) => r.path && BATCHES[0].some((x) => x.path === r.path)).length },
  };
}

// ---- rendering ---------------------------------------------------------------------------------
function source(s: Shot): PhotoSource {
  const p = PEOPLE[s.person];
  const { x, y } = p.face;
  const crop = s.framing === 'wide' ? p.wide
    : s.framing === 'tight' ? { left: x - 170, top: y - 210, width: 340, height: 460 }
    : { left: x - 250, top: y - 220, width: 500, height: 440 };
  return { path: join(DEMO, p.photo), crop, mirror: s.mirror };
}

/** The whole photo, full width, on a dark portrait canvas (rendered once into `tmp`). */
async function crowdStill(photoName: string, tmp: string): Promise<string> {
  const file = join(tmp, `crowd-${photoName}.png`);
  const w = 1080, h = 1920;
  const img = await sharp(join(DEMO, photoName)).resize({ width: w }).toBuffer({ resolveWithObject: true });
  await sharp({ create: { width: w, height: h, channels: 3, background: { r: 32, g: 34, b: 40 } } })
    .composite([{ input: img.data, left: 0, top: Math.round((h - img.info.height) / 2) }]).png().toFile(file);
  return file;
}

async function segments(v: Video, tmp: string): Promise<Segment[]> {
  const out: Segment[] = [];
  for (const s of v.scenes) {
    if (s.kind === 'photo') out.push({ kind: 'photo', photo: source(s.shot), durationS: s.s });
    else if (s.kind === 'pair') out.push({ kind: 'pair', photos: [source(s.shots[0]), source(s.shots[1])], layout: s.layout, durationS: s.s });
    // Still, so a zoom cannot bring its faces up to a usable size.
    else if (s.kind === 'crowd') out.push({ kind: 'photo', photo: { path: await crowdStill(s.photo, tmp) }, durationS: s.s, motion: STILL });
    else if (s.kind === 'card') out.push({ kind: 'card', seed: s.seed, durationS: s.s });
    else out.push({ kind: s.kind, durationS: s.s });
  }
  return out;
}

// ---- the demo's params --------------------------------------------------------------------------
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
function overlay(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isObject(v) && isObject(out[k]) ? overlay(out[k] as Record<string, unknown>, v) : v;
  return out;
}

/** params.yaml with params.demo.yaml laid over it, written to `file`. */
async function writeDemoParams(file: string): Promise<void> {
  const base = parse(await readFile(join(ROOT, 'params.yaml'), 'utf8')) ?? {};
  const over = parse(await readFile(join(ROOT, 'params.demo.yaml'), 'utf8')) ?? {};
  const head = '# Written by scripts/make-sample.ts: params.yaml with params.demo.yaml laid over it (the demo sample\'s\n# params; `./run demo` runs the stages with PARAMS_FILE pointing here). Edit those two files, not this one.\n';
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, head + stringify(overlay(base, over)));
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
  for (const p of [...new Set(['sample4.jpg', ...Object.values(PEOPLE).map((x) => x.photo)])].sort()) photos[p] = await sha256File(join(DEMO, p));
  const spec = { GENERATOR_VERSION, SEED, BRAND, PEOPLE, VIDEOS, SWING, NEAR_DUPLICATE, BYTE_COPY, BATCHES, BATCH_FILES, COMPOSE, photos, csv: sheets(), truth: truth() };
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
  const { values } = parseArgs({ options: { out: { type: 'string' }, force: { type: 'boolean', default: false }, params: { type: 'string' } } });
  const out = resolve(values.out ?? join(ROOT, 'data', 'raw'));
  const t0 = performance.now();
  const secs = () => ((performance.now() - t0) / 1000).toFixed(1);
  if (values.params) await writeDemoParams(resolve(values.params));
  const t = truth();
  const c = t.counts;
  const what = `batch 1 (sample.csv): ${c.rows} rows (${c.validRows} valid), ${c.mediaFiles} media files = ${c.distinctVideos} distinct videos (${c.noFaceVideos} without a face), ${c.people} people; ` +
    `batch 2 held back (${t.next.file}): ${t.next.counts.rows} rows, ${t.next.newPeople.length} new person`;
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
    const keep = new Set<string>([...t.videos.map((v) => v.file), ...BATCH_FILES]);
    for (const rel of Object.keys(old.files)) if (!keep.has(rel)) await rm(join(out, rel), { force: true });
  } catch { /* no previous manifest */ }
  await rm(join(out, 'sample.manifest.json'), { force: true });

  const files: Record<string, string> = {};
  const jobs = Math.max(1, Math.min(4, availableParallelism()));
  const tmp = await mkdtemp(join(tmpdir(), 'make-sample-'));
  try {
    await pool(VIDEOS, jobs, async (v) => {
      const r = await composeVideo(join(media, v.name), await segments(v, tmp), { ...COMPOSE, seed: seedOf(SEED, v.name), intro: v.intro ? { seed: BRAND, durationS: 1 } : null });
      files[`media/${v.name}`] = r.sha256;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const nd = NEAR_DUPLICATE;
  const re = await reencode(join(media, nd.of), join(media, nd.name), { bitrate: nd.bitrate, width: nd.width, height: nd.height, trimStartS: nd.trimStartS });
  files[`media/${nd.name}`] = re.sha256;
  const partial = join(media, `.${BYTE_COPY.name}.partial`);
  await copyFile(join(media, BYTE_COPY.of), partial);
  await rename(partial, join(media, BYTE_COPY.name));
  files[`media/${BYTE_COPY.name}`] = files[`media/${BYTE_COPY.of}`];

  const csvs = sheets();
  for (const [i, rel] of BATCH_FILES.entries()) {
    await mkdir(dirname(join(out, rel)), { recursive: true });
    await writeFile(join(out, rel), csvs[i]);
    files[rel] = createHash('sha256').update(csvs[i]).digest('hex');
  }

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
