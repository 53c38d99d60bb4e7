// Identity benchmark generator: short social-style videos composed from labelled face photos, with
// a sheet of scores and the ground truth (who is on screen when), for measuring how well the
// pipeline finds the distinct people (bench/identity-metrics.ts has the metrics).
//
//   npx tsx bench/identity-gen.ts --faces ../shared/data/faces --out /tmp/identity-bench \
//       [--seed 1] [--people 40] [--videos 150] [--size 720x1280] [--fps 25] [--jobs 2]
//       [--min-photos 3] [--sources lfw,faceapi_bbt] [--duo 0.15] [--none 0.1] [--reposts 0.15]
//       [--repeats 0.1] [--mean 2] [--person-sd 0.3] [--video-sd 0.2] [--posting-sd 0.1] [--force]
//       [--hard] [--crf 23, 28 with --hard]
//
// Input: any folder laid out like ../shared/data/faces: MANIFEST.csv (source, identity, path, kind,
// width, height) and the files it lists. Only kind = photo of real identities are used (identity
// `_group` is skipped); the same identity name in two sources is one person; a person needs at
// least --min-photos photos. --people people are drawn (seeded) from those.
// Extra sets (EXTRA_SETS: `varied/`, with its own MANIFEST.csv of person,file,sha256,source_repo,…)
// are read only when --sources names them: `--sources varied` takes the whole set, `varied/codebasics`
// or `varied/saadhaxxan` one repository's people (a photo's source is `varied/<repo owner>`); they
// mix with main sources (`--sources lfw,varied`). Without --sources every main-MANIFEST source is used
// and no extra set, so the default benchmark (seed 1: the README's) is byte for byte what it was.
//
// --hard: faces as real ads show them. Every photo is placed so its face (YuNet's largest, found at
// render time; a centred guess when none) is small — 9–18 % of the video's height, 58–115 px once
// the pipeline decodes at 640 px — somewhere around the middle, cropped by the frame edges, over a blurred
// backdrop of its colours (never a face); each photo also gets, independently (degradeFor): a cover over part
// of the face (25 %: a dark sunglasses band on the eye line, a caption box over mouth and chin, or a panel
// over one edge), a colour grade (60 %: brightness, saturation, hue, tint, contrast; some black and white),
// a slight blur (30 %) and a low-resolution JPEG round trip (30 %: the face brought down to 48–80 px,
// quality 35–60); one-person
// videos have 3–5 cuts with different photos; the video is encoded at crf 28. The people are the
// same as without --hard (same seed); the videos are not.
//
// Output (nothing else is written there):
//   <out>/media/<name>   MP4 (H.264) files without extension: v001 … (the composed videos) and
//                        v001-r … (re-encoded reposts of some of them: other bitrate, size, start trim)
//   <out>/sheet.csv      "Video URL,Performance", one row per posting, URL https://bench.invalid/v/<name>
//   <out>/truth.json     seed, params, people (with their true score effect), per distinct video its
//                        people, per media file its people and timeline (which photo of whom is on
//                        screen when, with the pan/zoom, for track-level truth), per row its media.
//
// The videos (--videos distinct ones, 5–20 s, portrait, 25 fps):
//   - one person (the rest): 2–4 DIFFERENT photos of that person, each with a slow pan/zoom, framed
//     either to fill the frame or whole on a blurred backdrop of itself (as phones post photos),
//     sometimes a faceless filler (plain colour, colour noise); successive videos of a person
//     cycle through a seeded order of their photos, so two videos of one person mostly show
//     different photos;
//   - two people (--duo): 1–2 two-up segments (stacked or side by side) of the two, and sometimes
//     each alone;
//   - nobody (--none): colour, colour noise and title-card segments;
//   - about 30 % open on a 1 s brand title card (one of three brands), as campaign videos do.
//   Every person appears in at least two one-person videos when --videos allows it; beyond that
//   people get videos in proportion to a seeded "prolificness" (log-normal), so counts vary.
// Postings: each distinct video is posted once; --reposts of them again as a re-encode (new media
// file); --repeats postings repeat an existing URL. Rows are shuffled.
// Scores: posting score = mean + (mean of the person effects of the video's people, 0 for nobody)
//   + video noise + posting noise, effects ~ N(0, person-sd²), video ~ N(0, video-sd²), posting ~
//   N(0, posting-sd²); so the person-level ICC of one-person video scores (a video's score = the
//   mean of its postings) is about person-sd² / (person-sd² + video-sd²) (truth.json score_model).
//   With the defaults (mean 2, SDs 0.3 / 0.2 / 0.1) scores stay positive, like ROAS or CTR ratios.
// Deterministic: the same faces folder, seed and params give the same plan, truth.json and sheet,
// and (with the same ffmpeg and sharp builds) the same media bytes. A rerun keeps every media file
// whose inputs (segments, size, fps, crf, …; not the scores) and bytes are unchanged, and does
// nothing at all when the whole plan is unchanged (--force renders everything again). Two ffmpeg
// jobs at a time (--jobs).
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { runProgram } from '../pipeline/lib/frames/index.ts';
import {
  STILL, composeVideo, mulberry32, randInt, randomColor, randomMotion, reencode, seedOf, segmentFrames, sha256File, shuffle, uniform,
  type KenBurns, type Rgb, type Rng, type Segment,
} from '../pipeline/lib/synth/index.ts';
import type { TimelineSegment } from './identity-metrics.ts';

export const GENERATOR_VERSION = 1;
export const URL_BASE = 'https://bench.invalid/v/';
/** Version of the hard treatment's rendering (face finding, cover, grade, blur, low resolution), in hard media specs only. */
const HARD_RENDER_VERSION = 3;
/** Supersampling the stills are rendered at (passed to composeVideo; the pre-rendered canvases match it). */
const SUPERSAMPLE = 1.5;

// ---- options -----------------------------------------------------------------------------------

export interface GenOptions {
  seed: number;
  people: number;
  videos: number;
  width: number;
  height: number;
  fps: number;
  /** Identities need at least this many photos. */
  minPhotos: number;
  /** Only these sources (MANIFEST `source`); empty = all. */
  sources: string[];
  /** Fractions of the distinct videos with two people / nobody. */
  duo: number;
  none: number;
  /** Fraction of distinct videos posted again as a re-encode / extra postings repeating a URL. */
  reposts: number;
  repeats: number;
  /** Score model. */
  mean: number;
  personSd: number;
  videoSd: number;
  postingSd: number;
  crf: number;
  /**
   * Hard variant (absent = off; only set when on, so default plans and their hashes are unchanged):
   * faces placed small, softened, colour-graded, partly covered, more cuts per video (see the header).
   */
  hard?: boolean;
}

/** The video quality (libx264 crf) of hard benchmarks unless --crf says otherwise. */
export const HARD_CRF = 28;

export const DEFAULTS: GenOptions = {
  seed: 1, people: 40, videos: 150, width: 720, height: 1280, fps: 25, minPhotos: 3, sources: [],
  duo: 0.15, none: 0.1, reposts: 0.15, repeats: 0.1, mean: 2, personSd: 0.3, videoSd: 0.2, postingSd: 0.1, crf: 23,
};

// ---- the faces folder --------------------------------------------------------------------------

export interface Photo { path: string; source: string; width: number; height: number }
export interface Identity { identity: string; photos: Photo[] }

/** Minimal RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') { if (text[i + 1] === '"') { field += '"'; i++; } else quoted = false; }
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(field); field = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field); field = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else field += ch;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

/** Sub-folders with their own manifest (person,file,sha256,source_repo,...), read only when --sources names them. */
export const EXTRA_SETS = ['varied'] as const;

/**
 * Whether a photo of `source` is wanted by a --sources list: an exact name (`varied/codebasics`) or
 * its set (`varied` takes every `varied/...`). An empty list takes every source of the main MANIFEST
 * (not the extra sets, so the default benchmark is what it always was).
 */
export function sourceWanted(source: string, sources: readonly string[]): boolean {
  const set = source.split('/')[0];
  if (!sources.length) return !(EXTRA_SETS as readonly string[]).includes(set);
  return sources.includes(source) || sources.includes(set);
}

/**
 * Rows of an extra set's MANIFEST.csv (person, file, source_repo, …; no sizes) as main-MANIFEST photos:
 * path `<set>/<file>`, source `<set>/<owner of source_repo>`, the size after EXIF orientation.
 */
async function extraSetPhotos(dir: string, set: string, text: string): Promise<Array<Photo & { identity: string }>> {
  const [header, ...rows] = parseCsv(text);
  const col = (name: string) => {
    const i = header.findIndex((h) => h.trim().toLowerCase() === name);
    if (i < 0) throw new Error(`${join(dir, set, 'MANIFEST.csv')}: no column '${name}' (found: ${header.join(', ')})`);
    return i;
  };
  const [cPerson, cFile, cRepo] = ['person', 'file', 'source_repo'].map(col);
  const out: Array<Photo & { identity: string }> = [];
  for (const r of rows) {
    const path = `${set}/${r[cFile]}`;
    const m = await sharp(join(dir, path)).metadata();
    const swap = (m.orientation ?? 1) >= 5;
    const [width, height] = swap ? [m.height!, m.width!] : [m.width!, m.height!];
    out.push({ identity: r[cPerson].trim(), path, source: `${set}/${r[cRepo].split('/')[0]}`, width, height });
  }
  return out;
}

/**
 * The photos of each real identity in a faces folder (sorted), from its MANIFEST.csv, plus the extra
 * sets (EXTRA_SETS, e.g. varied/MANIFEST.csv) when `sources` names them (see sourceWanted).
 */
export async function loadFaces(dir: string, sources: readonly string[] = []): Promise<{ identities: Identity[]; manifestSha256: string }> {
  const text = await readFile(join(dir, 'MANIFEST.csv'), 'utf8');
  const hash = createHash('sha256').update(text);
  const [header, ...rows] = parseCsv(text);
  const col = (name: string) => {
    const i = header.findIndex((h) => h.trim().toLowerCase() === name);
    if (i < 0) throw new Error(`${join(dir, 'MANIFEST.csv')}: no column '${name}' (found: ${header.join(', ')})`);
    return i;
  };
  const [cSource, cId, cPath, cKind, cW, cH] = ['source', 'identity', 'path', 'kind', 'width', 'height'].map(col);
  const by = new Map<string, Photo[]>();
  for (const r of rows) {
    const identity = r[cId]?.trim();
    if (!identity || identity === '_group' || r[cKind]?.trim() !== 'photo') continue;
    if (!sourceWanted(r[cSource], sources)) continue;
    const photo = { path: r[cPath], source: r[cSource], width: Number(r[cW]), height: Number(r[cH]) };
    if (!(photo.width > 0 && photo.height > 0)) throw new Error(`MANIFEST.csv: bad size for ${photo.path}`);
    if (!by.has(identity)) by.set(identity, []);
    const list = by.get(identity)!;
    if (!list.some((x) => x.path === photo.path)) list.push(photo);
  }
  for (const set of EXTRA_SETS) {
    if (!sources.some((s) => s.split('/')[0] === set)) continue;
    const extra = await readFile(join(dir, set, 'MANIFEST.csv'), 'utf8');
    hash.update(`\n${set}/MANIFEST.csv\n`).update(extra);
    for (const { identity, ...photo } of await extraSetPhotos(dir, set, extra)) {
      if (!sourceWanted(photo.source, sources)) continue;
      if (!by.has(identity)) by.set(identity, []);
      const list = by.get(identity)!;
      if (!list.some((x) => x.path === photo.path)) list.push(photo);
    }
  }
  const identities = [...by.entries()].map(([identity, photos]) => ({ identity, photos: photos.sort((a, b) => cmp(a.path, b.path)) }))
    .sort((a, b) => cmp(a.identity, b.identity));
  return { identities, manifestSha256: hash.digest('hex') };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

// ---- the plan (pure) ---------------------------------------------------------------------------

/** How a photo fills its frame: cropped to cover it, or whole on a blurred backdrop of itself. */
export type Framing = { kind: 'fill' } | { kind: 'fit'; scale: number; centerY: number }
  /** Hard benchmarks: the photo scaled so its face is `faceH` of the still's height, face centre at (cx, cy), over a blurred backdrop of its colours. */
  | { kind: 'face'; faceH: number; cx: number; cy: number };

/**
 * What a hard benchmark does to a photo before framing it, relative to its face (found by YuNet when
 * the benchmark is rendered; a centred guess when none is found): cover, grade, blur, lower resolution.
 */
export interface Degrade {
  /** Something over part of the face: a dark band over the eyes (sunglasses), a caption box over the
   *  lower face, or a panel over one side; `at` = where it starts (fraction of the face box), `color` its fill. */
  cover: null | { kind: 'band' | 'caption' | 'side'; at: number; color: Rgb; opacity: number; flip: boolean };
  /** Colour grade: sharp modulate + a per-channel gain (tint) + contrast; grey = black and white. */
  grade: null | { brightness: number; saturation: number; hue: number; tint: [number, number, number]; contrast: number; grey: boolean };
  /** Gaussian blur sigma as a fraction of the face height (0 = none). */
  blur: number;
  /** The photo brought down so its face is this many px high, JPEG-encoded at `jpeg` quality, then scaled back up (0 = none). */
  lowRes: number;
  jpeg: number;
}

export interface PlacedPhoto { path: string; identity: string; mirror: boolean; framing: Framing; degrade?: Degrade }

export type PlannedSegment =
  | { kind: 'photo'; durationS: number; motion: KenBurns; photo: PlacedPhoto }
  | { kind: 'pair'; durationS: number; motion: KenBurns; layout: 'stack' | 'side'; photos: [PlacedPhoto, PlacedPhoto] }
  | { kind: 'color'; durationS: number; motion: KenBurns; color: Rgb }
  | { kind: 'noise'; durationS: number; motion: KenBurns; seed: number }
  | { kind: 'card'; durationS: number; motion: KenBurns; seed: number };

export interface PlannedVideo {
  name: string;
  type: 'solo' | 'duo' | 'none';
  identities: string[];
  /** Brand seed of a 1 s title card opening the video, or null. */
  intro: number | null;
  segments: PlannedSegment[];
  /** Mean score of the video's postings before posting noise. */
  score: number;
}

export interface PlannedRepost { name: string; of: string; bitrate: string; width: number; height: number; trimStartS: number }
export interface PlannedRow { url: string; media: string; content: string; score: number }
export interface PlannedPerson { identity: string; effect: number; weight: number; photos: number; sources: string[] }

export interface Plan {
  options: GenOptions;
  people: PlannedPerson[];
  videos: PlannedVideo[];
  reposts: PlannedRepost[];
  rows: PlannedRow[];
  brands: number[];
  warnings: string[];
}

/** Standard normal from a uniform stream (Box–Muller). */
function normal(rng: Rng): number {
  const u = Math.max(rng(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

function weightedPick(rng: Rng, weights: readonly number[], exclude = -1): number {
  const total = weights.reduce((s, w, i) => s + (i === exclude ? 0 : w), 0);
  let r = rng() * total;
  for (let i = 0; i < weights.length; i++) {
    if (i === exclude) continue;
    r -= weights[i];
    if (r < 0) return i;
  }
  return weights.length - 1 === exclude ? weights.length - 2 : weights.length - 1;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
/** A seeded camera move, rounded to 4 decimals so truth.json holds exactly what ffmpeg was given. */
function motion(rng: Rng): KenBurns {
  const m = randomMotion(rng);
  return { zoomFrom: round4(m.zoomFrom), zoomTo: round4(m.zoomTo), panFrom: [round4(m.panFrom[0]), round4(m.panFrom[1])], panTo: [round4(m.panTo[0]), round4(m.panTo[1])] };
}
const even = (v: number) => 2 * Math.max(1, Math.round(v / 2));

/** `n` durations (0.1 s steps) of at least `min` adding up to about `total`, seeded weights. */
function split(rng: Rng, total: number, n: number, min: number): number[] {
  const w = Array.from({ length: n }, () => uniform(rng, 0.6, 1.4));
  const sum = w.reduce((a, b) => a + b, 0);
  const rest = Math.max(0, total - n * min);
  return w.map((x) => round1(min + (rest * x) / sum));
}

/** How a photo is framed in a still of aspect `targetAspect` (w/h): fill only when cropping keeps most of it. */
function framingFor(rng: Rng, photo: Photo, targetAspect: number, fillAllowed: boolean): Framing {
  const ratio = (photo.width / photo.height) / targetAspect;
  if (fillAllowed && ratio >= 0.75 && ratio <= 1.8 && rng() < 0.5) return { kind: 'fill' };
  return { kind: 'fit', scale: round4(uniform(rng, 0.72, 1)), centerY: round4(uniform(rng, 0.4, 0.6)) };
}

/**
 * Hard benchmarks: a small face somewhere off the centre. `heightShare` = the still's height / the video's
 * (a stacked half is about 0.5), so the face is 9–18 % of the video's height whatever the layout: 115–230 px
 * of a 1280 px video, 58–115 px once the pipeline decodes frames at 640 px (its size gate is 40 px).
 */
function hardFraming(rng: Rng, heightShare: number): Framing {
  return { kind: 'face', faceH: round4(uniform(rng, 0.09, 0.18) / heightShare), cx: round4(uniform(rng, 0.3, 0.7)), cy: round4(uniform(rng, 0.3, 0.7)) };
}

const COVER_COLOURS: Rgb[] = [[255, 255, 255], [20, 20, 24], [230, 40, 60], [250, 200, 30], [30, 110, 230]];

/** A hard benchmark's treatment of one photo (its own seeded stream: the plan's other draws do not depend on it). */
export function degradeFor(rng: Rng): Degrade {
  const c = rng();
  const cover: Degrade['cover'] = c < 0.1 ? { kind: 'band', at: round4(uniform(rng, 0.3, 0.4)), color: [12, 12, 14], opacity: round4(uniform(rng, 0.8, 0.95)), flip: false }
    : c < 0.2 ? { kind: 'caption', at: round4(uniform(rng, 0.7, 0.85)), color: COVER_COLOURS[Math.floor(rng() * COVER_COLOURS.length)], opacity: round4(uniform(rng, 0.8, 1)), flip: false }
      : c < 0.25 ? { kind: 'side', at: round4(uniform(rng, 0.1, 0.25)), color: COVER_COLOURS[Math.floor(rng() * COVER_COLOURS.length)], opacity: 1, flip: rng() < 0.5 }
        : null;
  const grade: Degrade['grade'] = rng() < 0.6 ? {
    brightness: round4(uniform(rng, 0.7, 1.2)), saturation: round4(uniform(rng, 0.3, 1.6)), hue: Math.round(uniform(rng, -25, 25)),
    tint: [round4(uniform(rng, 0.85, 1.15)), round4(uniform(rng, 0.9, 1.1)), round4(uniform(rng, 0.85, 1.15))],
    contrast: round4(uniform(rng, 0.75, 1.3)), grey: rng() < 0.15,
  } : null;
  const blur = rng() < 0.3 ? round4(uniform(rng, 0.005, 0.02)) : 0;
  const low = rng() < 0.3;
  return { cover, grade, blur, lowRes: low ? Math.round(uniform(rng, 48, 80)) : 0, jpeg: low ? Math.round(uniform(rng, 35, 60)) : 0 };
}

/** The whole benchmark, decided before any file is written. */
export function makePlan(all: readonly Identity[], options: GenOptions): Plan {
  const o = options;
  const warnings: string[] = [];
  const eligible = all.filter((p) => p.photos.length >= o.minPhotos);
  if (o.people < 1) throw new RangeError('--people must be ≥ 1');
  if (o.videos < 1) throw new RangeError('--videos must be ≥ 1');
  if (eligible.length < o.people) {
    throw new RangeError(`asked for ${o.people} people but only ${eligible.length} identities have ≥ ${o.minPhotos} photos`);
  }
  if (o.people < 2 && o.duo > 0) warnings.push('one person: no two-person videos');
  const rng = (label: string | number, ...more: Array<string | number>) => mulberry32(seedOf(o.seed, label, ...more));

  // People, their prolificness and their score effect.
  const chosen = shuffle(rng('people'), eligible).slice(0, o.people).sort((a, b) => cmp(a.identity, b.identity));
  const pr = rng('person-params');
  const people: PlannedPerson[] = chosen.map((p) => ({
    identity: p.identity, effect: round4(o.personSd * normal(pr)), weight: round4(Math.exp(0.5 * normal(pr))),
    photos: p.photos.length, sources: [...new Set(p.photos.map((x) => x.source))].sort(),
  }));
  const photosOf = new Map(chosen.map((p) => [p.identity, p.photos]));
  const effectOf = new Map(people.map((p) => [p.identity, p.effect]));

  // Video types, in a shuffled order of slots.
  const nNone = Math.round(o.videos * o.none);
  const nDuo = o.people >= 2 ? Math.min(o.videos - nNone, Math.round(o.videos * o.duo)) : 0;
  const nSolo = o.videos - nNone - nDuo;
  const types = shuffle(rng('types'), [
    ...Array<'solo'>(nSolo).fill('solo'), ...Array<'duo'>(nDuo).fill('duo'), ...Array<'none'>(nNone).fill('none'),
  ]);

  // Who is in the one-person videos: everybody twice (round robin) when possible, then by weight.
  const ar = rng('appearances');
  const weights = people.map((p) => p.weight);
  const solo: number[] = [];
  const order = shuffle(ar, people.map((_, i) => i));
  for (let round = 0; round < 2; round++) for (const i of order) if (solo.length < nSolo) solo.push(i);
  while (solo.length < nSolo) solo.push(weightedPick(ar, weights));
  if (nSolo < 2 * o.people) warnings.push(`${nSolo} one-person videos for ${o.people} people: not everybody gets two`);
  const soloPeople = shuffle(ar, solo);
  const duoPeople: Array<[number, number]> = [];
  for (let k = 0; k < nDuo; k++) {
    const a = weightedPick(ar, weights);
    const b = weightedPick(ar, weights, a);
    duoPeople.push(a < b ? [a, b] : [b, a]);
  }

  // Each person's photos in a seeded order, dealt out in turn so a video's photos are distinct.
  const cursor = new Map<string, { order: Photo[]; next: number }>();
  for (const p of people) cursor.set(p.identity, { order: shuffle(rng('photos', p.identity), photosOf.get(p.identity)!), next: 0 });
  const deal = (identity: string): Photo => {
    const c = cursor.get(identity)!;
    const photo = c.order[c.next % c.order.length];
    c.next++;
    return photo;
  };

  const brands = [0, 1, 2].map((k) => seedOf(o.seed, 'brand', k));
  const pad = Math.max(3, String(o.videos).length);
  const portrait = o.width / o.height;
  const videos: PlannedVideo[] = [];
  let si = 0, di = 0;
  types.forEach((type, idx) => {
    const name = `v${String(idx + 1).padStart(pad, '0')}`;
    const r = rng('video', name);
    const intro = r() < 0.3 ? brands[Math.floor(r() * brands.length)] : null;
    const segs: PlannedSegment[] = [];
    const hr = o.hard ? rng('hard', name) : null;
    const place = (identity: string, aspect: number, fill: boolean, heightShare = 1): PlacedPhoto => {
      const photo = deal(identity);
      if (hr) return { path: photo.path, identity, mirror: r() < 0.3, framing: hardFraming(hr, heightShare), degrade: degradeFor(hr) };
      return { path: photo.path, identity, mirror: r() < 0.3, framing: framingFor(r, photo, aspect, fill) };
    };
    const filler = (durationS: number): PlannedSegment => {
      const k = r();
      return k < 0.5 ? { kind: 'color', durationS, motion: motion(r), color: randomColor(r) }
        : { kind: 'noise', durationS, motion: motion(r), seed: seedOf(o.seed, name, 'noise', segs.length) };
    };
    let identities: string[] = [];
    if (type === 'solo') {
      const who = people[soloPeople[si++]].identity;
      identities = [who];
      // 5–20 s in all (a margin for the 0.1 s rounding of the segment lengths).
      const total = uniform(r, 5.2, 19.8) - (intro ? 1 : 0);
      const fillerS = total >= 8 && r() < 0.3 ? round1(uniform(r, 1, 2.5)) : 0;
      const photoS = total - fillerS;
      const have = photosOf.get(who)!.length;
      // 2–4 different photos (fewer only if the person has fewer), each on screen ≥ 1.5 s.
      // Hard: 3–5 cuts (different photos of the one person, each cut clustered on its own).
      const k = Math.max(Math.min(2, have), Math.min(o.hard ? randInt(r, 3, 5) : randInt(r, 2, 4), have, Math.floor(photoS / 2)));
      for (const d of split(r, photoS, k, 1.5)) segs.push({ kind: 'photo', durationS: d, motion: motion(r), photo: place(who, portrait, true) });
      if (fillerS > 0) segs.splice(randInt(r, 0, segs.length), 0, filler(fillerS));
    } else if (type === 'duo') {
      const [a, b] = duoPeople[di++].map((i) => people[i].identity);
      identities = [a, b];
      const nPairs = r() < 0.5 ? 1 : 2;
      for (let k = 0; k < nPairs; k++) {
        const layout = r() < 0.7 ? 'stack' : 'side';
        // Stacked halves are about as wide as high (a square photo may fill one); side-by-side halves are
        // tall strips, where a photo is shown whole on its backdrop.
        const half = layout === 'stack' ? o.width / (o.height / 2) : (o.width / 2) / o.height;
        const [first, second] = r() < 0.5 ? [a, b] : [b, a]; // top/bottom or left/right
        segs.push({ kind: 'pair', durationS: round1(uniform(r, 2.5, 6)), motion: motion(r), layout,
          photos: [place(first, half, layout === 'stack', layout === 'stack' ? 0.5 : 1), place(second, half, layout === 'stack', layout === 'stack' ? 0.5 : 1)] });
      }
      for (const who of [a, b]) {
        if (r() < 0.5) segs.push({ kind: 'photo', durationS: round1(uniform(r, 1.5, 3.5)), motion: motion(r), photo: place(who, portrait, true) });
      }
      const body = segs.reduce((s, x) => s + x.durationS, 0) + (intro ? 1 : 0);
      if (body < 5) segs.push(filler(round1(5 - body + uniform(r, 0, 1.5))));
      const shuffled = shuffle(r, segs);
      segs.splice(0, segs.length, ...shuffled);
    } else {
      const total = uniform(r, 5.2, 12) - (intro ? 1 : 0);
      const n = randInt(r, 1, 3);
      for (const d of split(r, total, n, 1.5)) {
        const k = r();
        segs.push(k < 0.2 ? { kind: 'card', durationS: d, motion: motion(r), seed: seedOf(o.seed, name, 'card', segs.length) } : filler(d));
      }
    }
    const score = o.mean + (identities.length ? identities.reduce((s, id) => s + effectOf.get(id)!, 0) / identities.length : 0)
      + o.videoSd * normal(rng('score', name));
    videos.push({ name, type, identities, intro, segments: segs, score });
  });

  // Reposts (re-encodes) and postings.
  const rr = rng('reposts');
  const nRe = Math.round(o.videos * o.reposts);
  const reposts: PlannedRepost[] = shuffle(rr, videos).slice(0, nRe).sort((a, b) => cmp(a.name, b.name)).map((v) => {
    const scale = [1, 0.75, 0.5][Math.floor(rr() * 3)];
    const duration = plannedVideoDuration(v, o.fps);
    const trims = [0, 0.5, 1, 1.5].filter((t) => t < duration - 3);
    // Platform bitrates for 720x1280 (300k–800k), scaled by the output area.
    const kbps = Math.round([300, 500, 800][Math.floor(rr() * 3)] * (even(o.width * scale) * even(o.height * scale)) / (720 * 1280));
    return { name: `${v.name}-r`, of: v.name, bitrate: `${Math.max(50, kbps)}k`,
      width: even(o.width * scale), height: even(o.height * scale), trimStartS: trims[Math.floor(rr() * trims.length)] ?? 0 };
  });
  const pn = rng('postings');
  const contentOf = new Map<string, PlannedVideo>(videos.map((v) => [v.name, v]));
  for (const re of reposts) contentOf.set(re.name, contentOf.get(re.of)!);
  const mediaNames = [...videos.map((v) => v.name), ...reposts.map((x) => x.name)];
  const postings = [...mediaNames];
  const nRep = Math.round(o.videos * o.repeats);
  for (let k = 0; k < nRep; k++) postings.push(mediaNames[Math.floor(pn() * mediaNames.length)]);
  const rows: PlannedRow[] = shuffle(pn, postings).map((media) => {
    const v = contentOf.get(media)!;
    return { url: URL_BASE + media, media, content: v.name, score: round4(v.score + o.postingSd * normal(pn)) };
  });
  for (const v of videos) v.score = round4(v.score);
  return { options: o, people, videos, reposts, rows, brands, warnings };
}

export function plannedVideoDuration(v: PlannedVideo, fps: number): number {
  let frames = v.segments.reduce((n, s) => n + segmentFrames(s.durationS, fps), 0);
  if (v.intro !== null) frames += segmentFrames(1, fps);
  return frames / fps;
}

// ---- truth -------------------------------------------------------------------------------------

export interface MediaTruth {
  content: string;
  relation: 'original' | 'reencode';
  identities: string[];
  duration_s: number;
  width: number;
  height: number;
  fps: number;
  reencode?: { bitrate: string; trim_start_s: number };
  bytes?: number;
  sha256?: string;
  /** Hash of what the file's bytes depend on (see mediaSpecs). */
  spec_sha256?: string;
  timeline: TimelineSegment[];
}

export interface Truth {
  generator: string;
  version: number;
  seed: number;
  params: GenOptions;
  plan_sha256: string;
  faces: { manifest_sha256: string; eligible_identities: number; min_photos: number; sources: string[] };
  counts: { people: number; videos: number; media: number; rows: number; solo: number; duo: number; none: number; reposts: number; repeated_postings: number };
  score_model: { formula: string; mean: number; person_sd: number; video_sd: number; posting_sd: number; person_icc: number };
  people: Array<{ identity: string; effect: number; photos: number; sources: string[]; videos: string[]; photos_used: string[] }>;
  videos: Record<string, { type: PlannedVideo['type']; identities: string[]; score: number; media: string[]; intro: number | null }>;
  media: Record<string, MediaTruth>;
  rows: Array<{ row_number: number; url: string; media: string; content: string; identities: string[]; score: number }>;
  warnings: string[];
}

/** The split between the halves of a pair still, as a fraction along its axis (as synth draws it). */
function pairSplit(layout: 'stack' | 'side', width: number, height: number): number {
  const { sw, sh } = stillSize(width, height);
  const gap = Math.max(2, Math.round(sw / 120));
  if (layout === 'stack') return (Math.floor((sh - gap) / 2) + gap / 2) / sh;
  return (Math.floor((sw - gap) / 2) + gap / 2) / sw;
}

function stillSize(width: number, height: number) {
  return { sw: 2 * Math.round((width * SUPERSAMPLE) / 2), sh: 2 * Math.round((height * SUPERSAMPLE) / 2) };
}

function timelineOf(v: PlannedVideo, o: GenOptions): TimelineSegment[] {
  const out: TimelineSegment[] = [];
  let frame = 0;
  const add = (s: Omit<TimelineSegment, 'start_s' | 'end_s' | 'frames' | 'fps'>, durationS: number) => {
    const frames = segmentFrames(durationS, o.fps);
    out.push({ start_s: round4(frame / o.fps), end_s: round4((frame + frames) / o.fps), ...s, frames, fps: o.fps });
    frame += frames;
  };
  if (v.intro !== null) add({ kind: 'card', identities: [], motion: STILL }, 1);
  for (const s of v.segments) {
    if (s.kind === 'photo') add({ kind: 'photo', identities: [s.photo.identity], photos: [s.photo.path], motion: s.motion }, s.durationS);
    else if (s.kind === 'pair') {
      add({ kind: 'pair', identities: s.photos.map((p) => p.identity), photos: s.photos.map((p) => p.path), layout: s.layout,
        split: round4(pairSplit(s.layout, o.width, o.height)), motion: s.motion }, s.durationS);
    } else add({ kind: s.kind, identities: [], motion: s.motion }, s.durationS);
  }
  return out;
}

/** The timeline of a repost trimmed by `trim` seconds: shifted, segments before the cut dropped. */
function trimTimeline(t: readonly TimelineSegment[], trim: number): TimelineSegment[] {
  return t.filter((s) => s.end_s > trim + 1e-9).map((s) => {
    const start = Math.max(0, round4(s.start_s - trim));
    const shifted: TimelineSegment = { ...s, start_s: start, end_s: round4(s.end_s - trim) };
    if (s.start_s < trim) shifted.motion_start_s = round4(s.start_s - trim);
    return shifted;
  });
}

export function truthOf(plan: Plan, manifestSha256: string, eligible: number, planSha256: string,
  files: Record<string, { bytes: number; sha256: string; spec_sha256: string }> = {}): Truth {
  const o = plan.options;
  const media: Record<string, MediaTruth> = {};
  const timelines = new Map<string, TimelineSegment[]>();
  for (const v of plan.videos) {
    const timeline = timelineOf(v, o);
    timelines.set(v.name, timeline);
    media[v.name] = { content: v.name, relation: 'original', identities: v.identities, duration_s: round4(plannedVideoDuration(v, o.fps)),
      width: o.width, height: o.height, fps: o.fps, ...files[v.name], timeline };
  }
  for (const re of plan.reposts) {
    const v = plan.videos.find((x) => x.name === re.of)!;
    media[re.name] = { content: v.name, relation: 'reencode', identities: v.identities,
      duration_s: round4(plannedVideoDuration(v, o.fps) - re.trimStartS), width: re.width, height: re.height, fps: o.fps,
      reencode: { bitrate: re.bitrate, trim_start_s: re.trimStartS }, ...files[re.name], timeline: trimTimeline(timelines.get(v.name)!, re.trimStartS) };
  }
  const sortedMedia = Object.fromEntries(Object.entries(media).sort(([a], [b]) => cmp(a, b)));
  const videos: Truth['videos'] = {};
  for (const v of plan.videos) {
    videos[v.name] = { type: v.type, identities: v.identities, score: v.score, intro: v.intro,
      media: [v.name, ...plan.reposts.filter((r) => r.of === v.name).map((r) => r.name)] };
  }
  const people = plan.people.map((p) => {
    const vids = plan.videos.filter((v) => v.identities.includes(p.identity));
    const used = new Set<string>();
    for (const v of vids) for (const s of v.segments) {
      if (s.kind === 'photo' && s.photo.identity === p.identity) used.add(s.photo.path);
      if (s.kind === 'pair') for (const ph of s.photos) if (ph.identity === p.identity) used.add(ph.path);
    }
    return { identity: p.identity, effect: p.effect, photos: p.photos, sources: p.sources, videos: vids.map((v) => v.name), photos_used: [...used].sort() };
  });
  const count = (t: PlannedVideo['type']) => plan.videos.filter((v) => v.type === t).length;
  const appearing = people.filter((p) => p.videos.length > 0).length;
  return {
    generator: 'bench/identity-gen.ts', version: GENERATOR_VERSION, seed: o.seed, params: o, plan_sha256: planSha256,
    faces: { manifest_sha256: manifestSha256, eligible_identities: eligible, min_photos: o.minPhotos, sources: o.sources },
    counts: { people: appearing, videos: plan.videos.length, media: Object.keys(media).length, rows: plan.rows.length,
      solo: count('solo'), duo: count('duo'), none: count('none'), reposts: plan.reposts.length,
      repeated_postings: plan.rows.length - Object.keys(media).length },
    score_model: {
      formula: 'posting = mean + mean(person effects of the video’s people; 0 if none) + video noise + posting noise',
      mean: o.mean, person_sd: o.personSd, video_sd: o.videoSd, posting_sd: o.postingSd,
      person_icc: round4(o.personSd ** 2 / (o.personSd ** 2 + o.videoSd ** 2 || 1)),
    },
    people, videos, media: sortedMedia,
    rows: plan.rows.map((r, i) => ({ row_number: i + 1, url: r.url, media: r.media, content: r.content, identities: contentOfRow(plan, r), score: r.score })),
    warnings: plan.warnings,
  };
}

function contentOfRow(plan: Plan, r: PlannedRow): string[] {
  return plan.videos.find((v) => v.name === r.content)!.identities;
}

export function sheetCsv(plan: Plan): string {
  return ['Video URL,Performance', ...plan.rows.map((r) => `${r.url},${r.score.toFixed(4)}`)].join('\n') + '\n';
}

export function planHash(plan: Plan, manifestSha256: string): string {
  return createHash('sha256').update(JSON.stringify({ v: GENERATOR_VERSION, manifestSha256, plan })).digest('hex');
}

// ---- rendering ---------------------------------------------------------------------------------

/**
 * A photo rendered to exactly width x height (PNG): 'fill' covers the frame (centre crop);
 * 'fit' shows it whole, `scale` of the frame width (at most 85 % of its height), centred at
 * `centerY`, over a dimmed, blurred cover of itself. EXIF orientation is applied.
 */
export async function renderPhoto(src: string, framing: Exclude<Framing, { kind: 'face' }>, width: number, height: number): Promise<Buffer> {
  if (framing.kind === 'fill') {
    return sharp(src, { failOn: 'error' }).rotate().resize(width, height, { fit: 'cover', position: 'centre', kernel: 'lanczos3' })
      .removeAlpha().toColourspace('srgb').png({ compressionLevel: 1 }).toBuffer();
  }
  const small = { width: Math.max(2, Math.round(width / 40)), height: Math.max(2, Math.round(height / 40)) };
  const bgSmall = await sharp(src, { failOn: 'error' }).rotate().resize(small.width, small.height, { fit: 'cover' })
    .removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const bg = await sharp(bgSmall.data, { raw: { width: bgSmall.info.width, height: bgSmall.info.height, channels: bgSmall.info.channels } })
    .resize(width, height, { fit: 'fill', kernel: 'cubic' }).blur(4).modulate({ brightness: 0.45 })
    .removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  const fg = await sharp(src, { failOn: 'error' }).rotate()
    .resize(Math.max(1, Math.round(width * framing.scale)), Math.max(1, Math.round(height * 0.85)), { fit: 'inside', kernel: 'lanczos3' })
    .removeAlpha().toColourspace('srgb').png({ compressionLevel: 1 }).toBuffer({ resolveWithObject: true });
  const left = Math.round((width - fg.info.width) / 2);
  const top = Math.min(height - fg.info.height, Math.max(0, Math.round(framing.centerY * height - fg.info.height / 2)));
  return sharp(bg.data, { raw: { width: bg.info.width, height: bg.info.height, channels: bg.info.channels } })
    .composite([{ input: fg.data, left, top }]).png({ compressionLevel: 1 }).toBuffer();
}

// ---- hard benchmarks: the face in each photo, and what is done to it ------------------------------

/** A face box in a photo's pixels (after EXIF orientation), with the eye line's y when the detector gives eyes. */
export interface FaceBox { x: number; y: number; w: number; h: number; eyeY: number | null }

type Detect = (img: { data: Uint8Array; width: number; height: number; channels: 3 }) => Promise<Array<{ box: { x: number; y: number; w: number; h: number }; score: number; points: Array<[number, number]> | null }>>;
let detector: Promise<Detect> | null = null;
let detectQueue: Promise<unknown> = Promise.resolve();

/** YuNet (the onnx engine's detector), loaded once, one call at a time. */
function yunet(): Promise<Detect> {
  detector ??= (async () => {
    const [{ loadEngine }, { DEFAULT_DETECT }] = await Promise.all([import('../pipeline/lib/faces/engine.ts'), import('../pipeline/lib/faces/detect.ts')]);
    const engine = await loadEngine({ engine: 'onnx' });
    const opts = { ...DEFAULT_DETECT, detector: 'yunet' as const, minScore: 0.5 };
    return (img) => {
      const run = detectQueue.then(() => engine.detect(img, opts));
      detectQueue = run.catch(() => undefined);
      return run as ReturnType<Detect>;
    };
  })();
  return detector;
}

const faceBoxes = new Map<string, Promise<FaceBox>>();

/** The largest face YuNet finds in an oriented photo (seen at ≤ 800 px), or a centred guess (the middle 40 % × 45 %). */
export function faceIn(src: string, rgb: Buffer, width: number, height: number): Promise<FaceBox> {
  let p = faceBoxes.get(src);
  if (!p) {
    p = (async () => {
      const k = Math.min(1, 800 / Math.max(width, height));
      const w = Math.max(1, Math.round(width * k)), h = Math.max(1, Math.round(height * k));
      const small = k < 1 ? await sharp(rgb, { raw: { width, height, channels: 3 } }).resize(w, h, { kernel: 'lanczos3' }).raw().toBuffer() : rgb;
      const faces = await (await yunet())({ data: small, width: w, height: h, channels: 3 });
      const best = faces.filter((f) => f.box.w > 8).sort((a, b) => b.box.w * b.box.h - a.box.w * a.box.h)[0];
      if (!best) return { x: 0.3 * width, y: 0.2 * height, w: 0.4 * width, h: 0.45 * height, eyeY: null };
      const eyes = best.points?.slice(0, 2);
      return { x: best.box.x / k, y: best.box.y / k, w: best.box.w / k, h: best.box.h / k, eyeY: eyes?.length === 2 ? (eyes[0][1] + eyes[1][1]) / 2 / k : null };
    })();
    faceBoxes.set(src, p);
  }
  return p;
}

const hex = ([r, g, b]: Rgb) => `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;

/** The SVG overlay (photo-sized) of a cover over part of the face. */
export function coverSvg(cover: NonNullable<Degrade['cover']>, face: FaceBox, width: number, height: number): string {
  let x: number, y: number, w: number, h: number;
  if (cover.kind === 'band') {
    const cy = face.eyeY ?? face.y + cover.at * face.h;
    h = 0.2 * face.h; y = cy - h / 2; x = face.x - 0.08 * face.w; w = 1.16 * face.w;
  } else if (cover.kind === 'caption') {
    y = face.y + cover.at * face.h; h = Math.max(0.35 * face.h, height - y); x = 0; w = width;
  } else {
    w = (cover.at + 0.3) * face.w; y = 0; h = height;
    x = cover.flip ? face.x + face.w * (1 - cover.at) : face.x - 0.3 * face.w;
  }
  const r = cover.kind === 'band' ? 0.3 * h : 0;
  const f = (v: number) => v.toFixed(1);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect x="${f(x)}" y="${f(y)}" width="${f(w)}" height="${f(h)}" rx="${f(r)}" fill="${hex(cover.color)}" fill-opacity="${cover.opacity}"/></svg>`;
}

/** A photo (oriented, sRGB) with a hard benchmark's treatment applied, as raw RGB, and its face box in those pixels. */
export async function degradedPhoto(src: string, d: Degrade | undefined): Promise<{ data: Buffer; width: number; height: number; face: FaceBox }> {
  const raw = await sharp(src, { failOn: 'error' }).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  let { width, height } = raw.info;
  let data = raw.data;
  let face = await faceIn(src, data, width, height);
  const img = (buf: Buffer, w = width, h = height) => sharp(buf, { raw: { width: w, height: h, channels: 3 } });
  if (!d) return { data, width, height, face };
  if (d.cover) data = await img(data).composite([{ input: Buffer.from(coverSvg(d.cover, face, width, height)) }]).removeAlpha().raw().toBuffer();
  if (d.grade) {
    const g = d.grade;
    data = await img(data).modulate({ brightness: g.brightness, saturation: g.saturation, hue: g.hue }).removeAlpha().raw().toBuffer();
    const luma: [number, number, number] = [0.299, 0.587, 0.114];
    if (g.grey) data = await img(data).recomb([luma, luma, luma]).removeAlpha().raw().toBuffer();
    data = await img(data).linear(g.tint.map((t) => t * g.contrast), g.tint.map((t) => t * 128 * (1 - g.contrast))).removeAlpha().raw().toBuffer();
  }
  if (d.blur > 0) data = await img(data).blur(Math.max(0.3, d.blur * face.h)).raw().toBuffer();
  if (d.lowRes > 0 && d.lowRes < face.h) {
    const k = d.lowRes / face.h;
    const w = Math.max(2, Math.round(width * k)), h = Math.max(2, Math.round(height * k));
    const jpeg = await img(data).resize(w, h, { kernel: 'cubic' }).jpeg({ quality: d.jpeg, mozjpeg: false }).toBuffer();
    data = await sharp(jpeg).removeAlpha().toColourspace('srgb').raw().toBuffer();
    face = { x: face.x * (w / width), y: face.y * (h / height), w: face.w * (w / width), h: face.h * (h / height), eyeY: face.eyeY === null ? null : face.eyeY * (h / height) };
    width = w; height = h;
  }
  return { data, width, height, face };
}

/**
 * A hard benchmark's still: the (degraded) photo scaled so its face is `faceH` of the still's height with
 * its centre at (cx, cy), cropped by the still's edges, over a dimmed, blurred backdrop of its colours (3 x 5 blocks: no face in it).
 */
export async function renderFaceFramed(photo: { data: Buffer; width: number; height: number; face: FaceBox },
  framing: Extract<Framing, { kind: 'face' }>, width: number, height: number): Promise<Buffer> {
  const { data, width: W0, height: H0, face } = photo;
  const src = () => sharp(data, { raw: { width: W0, height: H0, channels: 3 } });
  // The backdrop: the photo's colours only (3 x 5 blocks, blurred), never a face: with the photo small, a
  // face-like backdrop would be a larger face of the same label in every frame (a second, blurred person).
  const bgSmall = await src().resize(3, 5, { fit: 'cover' }).raw().toBuffer({ resolveWithObject: true });
  const bg = await sharp(bgSmall.data, { raw: { width: bgSmall.info.width, height: bgSmall.info.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'cubic' }).blur(Math.max(4, width / 12)).modulate({ brightness: 0.45 }).removeAlpha().raw().toBuffer();
  const s = (framing.faceH * height) / face.h;
  const left = framing.cx * width - (face.x + face.w / 2) * s;
  const top = framing.cy * height - (face.y + face.h / 2) * s;
  // The part of the photo that lands on the still, in photo pixels.
  const sx0 = Math.max(0, Math.floor(-left / s)), sx1 = Math.min(W0, Math.ceil((width - left) / s));
  const sy0 = Math.max(0, Math.floor(-top / s)), sy1 = Math.min(H0, Math.ceil((height - top) / s));
  const base = sharp(bg, { raw: { width, height, channels: 3 } });
  if (sx1 - sx0 < 1 || sy1 - sy0 < 1) return base.png({ compressionLevel: 1 }).toBuffer();
  const ox = Math.round(left + sx0 * s), oy = Math.round(top + sy0 * s);
  const ow = Math.max(1, Math.round((sx1 - sx0) * s)), oh = Math.max(1, Math.round((sy1 - sy0) * s));
  let fg = await src().extract({ left: sx0, top: sy0, width: sx1 - sx0, height: sy1 - sy0 })
    .resize(ow, oh, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer();
  // Clip the scaled piece to the still (rounding can overhang by a pixel or two).
  const cx0 = Math.max(0, -ox), cy0 = Math.max(0, -oy);
  const cw = Math.min(ow - cx0, width - Math.max(0, ox)), ch = Math.min(oh - cy0, height - Math.max(0, oy));
  if (cw < 1 || ch < 1) return base.png({ compressionLevel: 1 }).toBuffer();
  if (cx0 || cy0 || cw !== ow || ch !== oh) fg = await sharp(fg, { raw: { width: ow, height: oh, channels: 3 } }).extract({ left: cx0, top: cy0, width: cw, height: ch }).raw().toBuffer();
  return base.composite([{ input: fg, raw: { width: cw, height: ch, channels: 3 }, left: Math.max(0, ox), top: Math.max(0, oy) }])
    .png({ compressionLevel: 1 }).toBuffer();
}

/** A planned photo rendered to exactly width x height (PNG): hard framing and treatment, or renderPhoto. */
async function renderPlaced(src: string, p: PlacedPhoto, width: number, height: number): Promise<Buffer> {
  if (p.framing.kind !== 'face') return renderPhoto(src, p.framing, width, height);
  return renderFaceFramed(await degradedPhoto(src, p.degrade), p.framing, width, height);
}

async function composePlanned(v: PlannedVideo, facesDir: string, mediaDir: string, o: GenOptions, work: string) {
  const { sw, sh } = stillSize(o.width, o.height);
  const gap = Math.max(2, Math.round(sw / 120));
  let k = 0;
  const still = async (p: PlacedPhoto, w: number, h: number) => {
    const file = join(work, `${v.name}-${k++}.png`);
    await writeFile(file, await renderPlaced(join(facesDir, p.path), p, w, h));
    return { path: file, mirror: p.mirror };
  };
  const segments: Segment[] = [];
  for (const s of v.segments) {
    if (s.kind === 'photo') segments.push({ kind: 'photo', durationS: s.durationS, motion: s.motion, photo: await still(s.photo, sw, sh) });
    else if (s.kind === 'pair') {
      const [a, b] = s.layout === 'stack'
        ? [[sw, Math.floor((sh - gap) / 2)], [sw, sh - gap - Math.floor((sh - gap) / 2)]]
        : [[Math.floor((sw - gap) / 2), sh], [sw - gap - Math.floor((sw - gap) / 2), sh]];
      segments.push({ kind: 'pair', durationS: s.durationS, motion: s.motion, layout: s.layout,
        photos: [await still(s.photos[0], a[0], a[1]), await still(s.photos[1], b[0], b[1])] });
    } else if (s.kind === 'color') segments.push({ kind: 'color', durationS: s.durationS, motion: s.motion, color: s.color });
    else if (s.kind === 'noise') segments.push({ kind: 'noise', durationS: s.durationS, motion: s.motion, seed: s.seed });
    else segments.push({ kind: 'card', durationS: s.durationS, motion: s.motion, seed: s.seed });
  }
  return composeVideo(join(mediaDir, v.name), segments, {
    width: o.width, height: o.height, fps: o.fps, crf: o.crf, seed: seedOf(o.seed, v.name), supersample: SUPERSAMPLE,
    intro: v.intro !== null ? { seed: v.intro, durationS: 1 } : null, timeoutMs: 600_000,
  });
}

async function pool<T>(items: readonly T[], limit: number, fn: (t: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) { const i = next++; await fn(items[i], i); }
  }));
}

const MEDIA_NAME = /^v\d+(-r)?$/;
const PARTIAL = /^\.v\d+(-r)?\..*\.partial$/;

/**
 * What each media file's bytes depend on, hashed: the video's segments, intro and the rendering
 * options (not its score, not the sheet). A rerun keeps a file whose spec and bytes are unchanged.
 */
export function mediaSpecs(plan: Plan, manifestSha256: string): Record<string, string> {
  const o = plan.options;
  const h = (x: unknown) => createHash('sha256').update(JSON.stringify(x)).digest('hex');
  const render = { v: GENERATOR_VERSION, manifestSha256, seed: o.seed, width: o.width, height: o.height, fps: o.fps, crf: o.crf, supersample: SUPERSAMPLE,
    ...(o.hard ? { hard: HARD_RENDER_VERSION } : {}) };
  const out: Record<string, string> = {};
  for (const v of plan.videos) out[v.name] = h({ render, name: v.name, intro: v.intro, segments: v.segments });
  for (const r of plan.reposts) out[r.name] = h({ of: out[r.of], repost: r });
  return out;
}

interface MediaFile { bytes: number; sha256: string; spec_sha256: string }

/** Media files of a previous run in `out` that this plan can keep as they are. */
async function reusable(out: string, specs: Record<string, string>): Promise<{ files: Map<string, MediaFile>; planSha256: string | null }> {
  const files = new Map<string, MediaFile>();
  let old: Truth;
  try { old = JSON.parse(await readFile(join(out, 'truth.json'), 'utf8')); } catch { return { files, planSha256: null }; }
  for (const [name, m] of Object.entries(old.media ?? {})) {
    if (!m.spec_sha256 || m.spec_sha256 !== specs[name] || !m.sha256) continue;
    try { if ((await sha256File(join(out, 'media', name))) === m.sha256) files.set(name, { bytes: m.bytes!, sha256: m.sha256, spec_sha256: m.spec_sha256 }); } catch { /* gone */ }
  }
  return { files, planSha256: old.plan_sha256 ?? null };
}

export interface GenerateResult { out: string; truth: Truth; seconds: number; bytes: number; skipped: boolean; rendered: number; reused: number }

/** Writes the benchmark for `options` from the faces folder into `out` (see the header). */
export async function generate(facesDir: string, out: string, options: GenOptions, jobs = 2, force = false,
  log: (line: string) => void = (l) => process.stderr.write(l + '\n')): Promise<GenerateResult> {
  const t0 = performance.now();
  const o = options;
  if (o.width % 2 || o.height % 2) throw new RangeError(`size ${o.width}x${o.height} must be even`);
  const faces = await loadFaces(facesDir, o.sources);
  const eligible = faces.identities.filter((p) => p.photos.length >= o.minPhotos).length;
  const plan = makePlan(faces.identities, o);
  for (const w of plan.warnings) log(`identity-gen: warning: ${w}`);
  const hash = planHash(plan, faces.manifestSha256);
  const specs = mediaSpecs(plan, faces.manifestSha256);
  const mediaDir = join(out, 'media');
  const prev = force ? { files: new Map<string, MediaFile>(), planSha256: null } : await reusable(out, specs);
  const total = plan.videos.length + plan.reposts.length;
  if (prev.planSha256 === hash && prev.files.size === total) {
    const truth: Truth = JSON.parse(await readFile(join(out, 'truth.json'), 'utf8'));
    const bytes = [...prev.files.values()].reduce((a, f) => a + f.bytes, 0);
    return { out, truth, seconds: (performance.now() - t0) / 1000, bytes, skipped: true, rendered: 0, reused: total };
  }
  await mkdir(mediaDir, { recursive: true });
  await rm(join(out, 'truth.json'), { force: true });
  // Only files this generator names are removed (never anything else someone put there).
  for (const f of await readdir(mediaDir)) {
    if ((MEDIA_NAME.test(f) && !prev.files.has(f)) || PARTIAL.test(f)) await rm(join(mediaDir, f), { force: true });
  }

  const work = await mkdtemp(join(tmpdir(), 'identity-gen-'));
  const files: Record<string, MediaFile> = Object.fromEntries(prev.files);
  let done = 0, rendered = 0;
  try {
    await pool(plan.videos, jobs, async (v) => {
      if (!files[v.name]) {
        const ts = performance.now();
        const r = await composePlanned(v, facesDir, mediaDir, o, work);
        files[v.name] = { bytes: r.bytes, sha256: r.sha256, spec_sha256: specs[v.name] };
        rendered++;
        log(`[${++done}/${total}] ${v.name} ${v.type} ${r.durationS.toFixed(1)} s ${v.identities.join(' + ') || '(nobody)'} (${((performance.now() - ts) / 1000).toFixed(1)} s)`);
      } else log(`[${++done}/${total}] ${v.name} kept`);
      for (const re of plan.reposts.filter((x) => x.of === v.name)) {
        if (!files[re.name]) {
          const rf = await reencode(join(mediaDir, v.name), join(mediaDir, re.name), { bitrate: re.bitrate, width: re.width, height: re.height, trimStartS: re.trimStartS, timeoutMs: 600_000 });
          files[re.name] = { bytes: rf.bytes, sha256: rf.sha256, spec_sha256: specs[re.name] };
          rendered++;
          log(`[${++done}/${total}] ${re.name} re-encode of ${v.name} ${re.width}x${re.height} ${re.bitrate} trim ${re.trimStartS} s`);
        } else log(`[${++done}/${total}] ${re.name} kept`);
      }
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  await writeFile(join(out, 'sheet.csv'), sheetCsv(plan));
  const truth = truthOf(plan, faces.manifestSha256, eligible, hash, files);
  // truth.json last: its presence marks a complete benchmark.
  const tmp = join(out, `.truth.json.${process.pid}.partial`);
  await writeFile(tmp, JSON.stringify(truth, null, 1) + '\n');
  await rename(tmp, join(out, 'truth.json'));
  return { out, truth, seconds: (performance.now() - t0) / 1000, bytes: Object.values(files).reduce((a, f) => a + f.bytes, 0),
    skipped: false, rendered, reused: total - rendered };
}

// ---- CLI ---------------------------------------------------------------------------------------

function parseSize(s: string): { width: number; height: number } {
  const m = /^(\d+)x(\d+)$/.exec(s);
  if (!m) throw new RangeError(`--size ${s}: expected WxH, e.g. 720x1280`);
  return { width: Number(m[1]), height: Number(m[2]) };
}

async function main(): Promise<void> {
  const num = { type: 'string' } as const;
  const { values } = parseArgs({ options: {
    faces: { type: 'string' }, out: { type: 'string' }, seed: num, people: num, videos: num, size: num, fps: num, jobs: num,
    'min-photos': num, sources: num, duo: num, none: num, reposts: num, repeats: num,
    mean: num, 'person-sd': num, 'video-sd': num, 'posting-sd': num, crf: num, force: { type: 'boolean', default: false },
    hard: { type: 'boolean', default: false },
  } });
  if (!values.faces || !values.out) throw new Error('usage: identity-gen --faces DIR --out DIR [--seed N] [--people P] [--videos V] [--size WxH] (see the file header)');
  const n = (v: string | undefined, d: number, name: string) => {
    if (v === undefined) return d;
    const x = Number(v);
    if (!Number.isFinite(x)) throw new RangeError(`--${name} ${v}: not a number`);
    return x;
  };
  const size = values.size ? parseSize(values.size) : { width: DEFAULTS.width, height: DEFAULTS.height };
  const o: GenOptions = {
    seed: n(values.seed, DEFAULTS.seed, 'seed'), people: n(values.people, DEFAULTS.people, 'people'), videos: n(values.videos, DEFAULTS.videos, 'videos'),
    ...size, fps: n(values.fps, DEFAULTS.fps, 'fps'), minPhotos: n(values['min-photos'], DEFAULTS.minPhotos, 'min-photos'),
    sources: values.sources ? values.sources.split(',').map((s) => s.trim()).filter(Boolean).sort() : [],
    duo: n(values.duo, DEFAULTS.duo, 'duo'), none: n(values.none, DEFAULTS.none, 'none'),
    reposts: n(values.reposts, DEFAULTS.reposts, 'reposts'), repeats: n(values.repeats, DEFAULTS.repeats, 'repeats'),
    mean: n(values.mean, DEFAULTS.mean, 'mean'), personSd: n(values['person-sd'], DEFAULTS.personSd, 'person-sd'),
    videoSd: n(values['video-sd'], DEFAULTS.videoSd, 'video-sd'), postingSd: n(values['posting-sd'], DEFAULTS.postingSd, 'posting-sd'),
    crf: n(values.crf, values.hard ? HARD_CRF : DEFAULTS.crf, 'crf'),
  };
  if (values.hard) o.hard = true;
  if (o.duo + o.none > 1) throw new RangeError('--duo + --none must be ≤ 1');
  const jobs = n(values.jobs, 2, 'jobs');
  const out = resolve(values.out);
  const ffmpeg = (await runProgram('ffmpeg', ['-hide_banner', '-version'])).toString().split('\n')[0];
  const r = await generate(resolve(values.faces), out, o, jobs, values.force);
  const c = r.truth.counts;
  const what = `${c.people} people, ${c.videos} distinct videos (${c.solo} one-person, ${c.duo} two-person, ${c.none} nobody), `
    + `${c.media} media files (${c.reposts} re-encoded reposts), ${c.rows} rows (${c.repeated_postings} repeated postings)`;
  const mb = (r.bytes / 1e6).toFixed(1);
  console.log(r.skipped
    ? `identity-gen: up to date in ${out}: ${what}; media ${mb} MB (${r.seconds.toFixed(1)} s)`
    : `identity-gen: wrote ${out}: ${what}; ${o.width}x${o.height} ${o.fps} fps, media ${mb} MB `
      + `(${r.rendered} files rendered, ${r.reused} kept); ${r.seconds.toFixed(1)} s with ${jobs} jobs (${ffmpeg})`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e) => {
    process.stderr.write(`identity-gen: failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
