// The contact sheet: one row of face crops per person, labelled with the stable ID, as one JPEG
// (for a quick look, a chat message or a slide). Built with sharp; the label is SVG text (DejaVu).
import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp, { type OverlayOptions } from 'sharp';

export interface SheetRow { id: string; /** label lines under the ID, e.g. "#1 · 4 videos" */ lines: string[]; /** crop files, in order */ crops: string[] }
export interface SheetOptions { facePx: number; maxFaces: number; labelPx?: number; gap?: number; quality?: number }

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

function labelSvg(width: number, height: number, title: string, lines: string[]): Buffer {
  const text = [`<text x="8" y="${Math.min(26, height / 2)}" font-family="DejaVu Sans, sans-serif" font-size="17" font-weight="bold" fill="#222">${esc(title)}</text>`,
    ...lines.map((l, i) => `<text x="8" y="${Math.min(26, height / 2) + 20 + 16 * i}" font-family="DejaVu Sans, sans-serif" font-size="12" fill="#555">${esc(l)}</text>`)];
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${text.join('')}</svg>`);
}

/** Writes the sheet (atomically) and returns its size. Missing crop files are left blank. */
export async function contactSheet(rows: SheetRow[], out: string, o: SheetOptions): Promise<{ width: number; height: number; faces: number }> {
  const gap = o.gap ?? 4;
  const labelPx = o.labelPx ?? 220;
  const rowH = o.facePx + 2 * gap;
  const shown = rows.map((r) => r.crops.filter((p) => existsSync(p)));
  const perRow = Math.max(1, Math.min(o.maxFaces, Math.max(1, ...shown.map((c) => c.length))));
  const width = labelPx + perRow * (o.facePx + gap) + gap;
  const height = Math.max(rowH, rows.length * rowH);
  // Each row is composed on its own (small) canvas, then the rows are stacked: compositing every
  // face onto the whole sheet would cost (faces × sheet area).
  const rowImages = await Promise.all(rows.map(async (r, i) => {
    const files = shown[i].slice(0, perRow);
    const more = shown[i].length - perRow;
    const crops = await Promise.all(files.map((p) => sharp(p).resize(o.facePx, o.facePx, { fit: 'cover' }).toBuffer()));
    const layers: OverlayOptions[] = [
      { input: labelSvg(labelPx, rowH, r.id, [...r.lines, ...(more > 0 ? [`+${more} more faces`] : [])]), left: 0, top: 0 },
      ...crops.map((input, k) => ({ input, left: labelPx + gap + k * (o.facePx + gap), top: gap })),
      ...(i > 0 ? [{ input: { create: { width, height: 1, channels: 3 as const, background: '#dddddd' } }, left: 0, top: 0 }] : []),
    ];
    const input = await sharp({ create: { width, height: rowH, channels: 3, background: '#ffffff' } }).composite(layers).png({ compressionLevel: 0 }).toBuffer();
    return { input, faces: crops.length };
  }));
  const layers: OverlayOptions[] = rows.length ? rowImages.map((r, i) => ({ input: r.input, left: 0, top: i * rowH }))
    : [{ input: labelSvg(width, rowH, 'No people found', []), left: 0, top: 0 }];
  const faces = rowImages.reduce((n, r) => n + r.faces, 0);
  await mkdir(dirname(out) || '.', { recursive: true });
  const tmp = `${out}.tmp-${process.pid}.jpg`;
  await sharp({ create: { width, height, channels: 3, background: '#ffffff' } }).composite(layers).jpeg({ quality: o.quality ?? 85, mozjpeg: true }).toFile(tmp);
  await rename(tmp, out);
  return { width, height, faces };
}
