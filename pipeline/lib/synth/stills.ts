// Still pictures that video segments are made from, as raw RGB (rgb24) buffers: cropped photos,
// two photos in one frame, plain colour, smooth colour noise, and a text-free title card.
// Everything here is a pure function of its inputs (and seed), so it renders the same bytes every run.
import sharp, { type Sharp } from 'sharp';
import { mulberry32, randInt, uniform, type Rng } from './prng.ts';

export interface RawImage {
  width: number;
  height: number;
  /** Packed RGB, 3 bytes a pixel, row after row. */
  data: Buffer;
}

/** A rectangle in a photo's stored pixels (no EXIF rotation applied). */
export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** A photo on disk, optionally cropped (e.g. to one person's head and shoulders) and mirrored. */
export interface PhotoSource {
  path: string;
  crop?: Rect;
  mirror?: boolean;
}

export type Rgb = readonly [number, number, number];

export type PairLayout = 'stack' | 'side';

async function toRaw(img: Sharp, width: number, height: number): Promise<RawImage> {
  const { data, info } = await img.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height || info.channels !== 3) {
    throw new Error(`still has ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x3`);
  }
  return { width, height, data };
}

/** The photo (or its crop) scaled to cover width x height, centred, excess cut off. */
export async function photoStill(photo: PhotoSource, width: number, height: number): Promise<RawImage> {
  let img = sharp(photo.path, { failOn: 'error' });
  if (photo.crop) img = img.extract(photo.crop);
  if (photo.mirror) img = img.flop();
  img = img.resize(width, height, { fit: 'cover', position: 'centre', kernel: 'lanczos3' });
  return toRaw(img, width, height);
}

/**
 * Two photos in one frame: 'stack' puts a above b (each width x height/2), 'side' puts them
 * left and right (each width/2 x height). A gap of `gapPx` pixels in `gapColor` separates them.
 */
export async function pairStill(
  photos: readonly [PhotoSource, PhotoSource], layout: PairLayout, width: number, height: number,
  gapPx = 0, gapColor: Rgb = [255, 255, 255],
): Promise<RawImage> {
  const out = Buffer.alloc(width * height * 3);
  fill(out, gapColor);
  if (layout === 'stack') {
    const h0 = Math.floor((height - gapPx) / 2);
    const h1 = height - gapPx - h0;
    const [a, b] = await Promise.all([photoStill(photos[0], width, h0), photoStill(photos[1], width, h1)]);
    a.data.copy(out, 0);
    b.data.copy(out, (h0 + gapPx) * width * 3);
  } else {
    const w0 = Math.floor((width - gapPx) / 2);
    const w1 = width - gapPx - w0;
    const [a, b] = await Promise.all([photoStill(photos[0], w0, height), photoStill(photos[1], w1, height)]);
    for (let y = 0; y < height; y++) {
      a.data.copy(out, y * width * 3, y * w0 * 3, (y + 1) * w0 * 3);
      b.data.copy(out, (y * width + w0 + gapPx) * 3, y * w1 * 3, (y + 1) * w1 * 3);
    }
  }
  return { width, height, data: out };
}

function fill(buf: Buffer, [r, g, b]: Rgb): void {
  for (let i = 0; i < buf.length; i += 3) { buf[i] = r; buf[i + 1] = g; buf[i + 2] = b; }
}

/** A plain colour with a gentle vertical shading (lighter at the top), like a backdrop. */
export function colorStill(color: Rgb, width: number, height: number, shading = 0.25): RawImage {
  const data = Buffer.alloc(width * height * 3);
  const row = Buffer.alloc(width * 3);
  for (let y = 0; y < height; y++) {
    const k = 1 + shading * (0.5 - y / Math.max(1, height - 1));
    const c = color.map((v) => Math.max(0, Math.min(255, Math.round(v * k)))) as unknown as Rgb;
    fill(row, c);
    row.copy(data, y * width * 3);
  }
  return { width, height, data };
}

/** Smooth colour blobs: a coarse grid of seeded random colours, upscaled with a cubic kernel. */
export async function noiseStill(seed: number, width: number, height: number, cellPx = 140): Promise<RawImage> {
  const rng = mulberry32(seed);
  const gw = Math.max(2, Math.round(width / cellPx));
  const gh = Math.max(2, Math.round(height / cellPx));
  const grid = Buffer.alloc(gw * gh * 3);
  for (let i = 0; i < grid.length; i++) grid[i] = randInt(rng, 40, 215);
  const img = sharp(grid, { raw: { width: gw, height: gh, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'cubic' });
  return toRaw(img, width, height);
}

/** A random, fairly saturated colour. */
export function randomColor(rng: Rng): Rgb {
  return hsl(uniform(rng, 0, 360), uniform(rng, 0.35, 0.75), uniform(rng, 0.35, 0.6));
}

function hsl(h: number, s: number, l: number): Rgb {
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - s * Math.min(l, 1 - l) * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

const hex = (c: Rgb) => '#' + c.map((v) => v.toString(16).padStart(2, '0')).join('');

/**
 * A branded title card made of shapes only (no text, so no fonts are involved): a diagonal
 * gradient, a large disc, a ring-and-diamond "logo" and three bars where a tagline would be.
 * The same seed gives the same card, which lets several videos open on the same first second.
 */
export function titleCardSvg(seed: number, width: number, height: number): string {
  const rng = mulberry32(seed);
  const hue = uniform(rng, 0, 360);
  const c1 = hex(hsl(hue, 0.65, 0.45));
  const c2 = hex(hsl((hue + uniform(rng, 30, 90)) % 360, 0.7, 0.3));
  const accent = hex(hsl((hue + 180) % 360, 0.8, 0.6));
  const light = '#f4f1ea';
  const u = Math.min(width, height);
  const cx = width / 2;
  const cy = height * uniform(rng, 0.36, 0.44);
  const r = u * uniform(rng, 0.16, 0.22);
  const discX = width * uniform(rng, 0.7, 1.0);
  const discY = height * uniform(rng, 0.0, 0.2);
  const discR = u * uniform(rng, 0.45, 0.7);
  const barW = [0.62, 0.48, 0.3].map((f) => width * f * uniform(rng, 0.85, 1.0));
  const barH = u * 0.045;
  const barTop = cy + r * 1.7;
  const bars = barW.map((w, i) =>
    `<rect x="${(cx - w / 2).toFixed(1)}" y="${(barTop + i * barH * 1.9).toFixed(1)}" width="${w.toFixed(1)}" height="${barH.toFixed(1)}" rx="${(barH / 2).toFixed(1)}" fill="${i === 0 ? light : accent}" opacity="${i === 0 ? 0.95 : 0.8}"/>`,
  ).join('');
  const d = r * 0.55;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`
    + `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${c1}"/><stop offset="1" stop-color="${c2}"/></linearGradient></defs>`
    + `<rect width="${width}" height="${height}" fill="url(#g)"/>`
    + `<circle cx="${discX.toFixed(1)}" cy="${discY.toFixed(1)}" r="${discR.toFixed(1)}" fill="${accent}" opacity="0.25"/>`
    + `<rect x="0" y="${(height * 0.86).toFixed(1)}" width="${width}" height="${(u * 0.03).toFixed(1)}" fill="${light}" opacity="0.5"/>`
    + `<circle cx="${cx}" cy="${cy.toFixed(1)}" r="${r.toFixed(1)}" fill="none" stroke="${light}" stroke-width="${(r * 0.14).toFixed(1)}"/>`
    + `<polygon points="${cx},${(cy - d).toFixed(1)} ${(cx + d).toFixed(1)},${cy.toFixed(1)} ${cx},${(cy + d).toFixed(1)} ${(cx - d).toFixed(1)},${cy.toFixed(1)}" fill="${accent}"/>`
    + bars
    + `</svg>`;
}

/** The title card rendered to raw RGB. */
export async function titleCard(seed: number, width: number, height: number): Promise<RawImage> {
  return toRaw(sharp(Buffer.from(titleCardSvg(seed, width, height))).flatten({ background: '#000000' }), width, height);
}
