// Face crops as small JPEG data URIs, so the HTML report carries its images inside the file.
import { existsSync } from 'node:fs';
import sharp from 'sharp';
import { mapLimit } from '../run/index.ts';

/** A grey square with a cross, shown where a crop file is missing. */
export const MISSING_FACE = `data:image/svg+xml;base64,${Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="#ddd"/><path d="M16 16L48 48M48 16L16 48" stroke="#999" stroke-width="3"/></svg>',
).toString('base64')}`;

export interface Thumbnails { uris: Map<string, string>; missing: string[]; bytes: number }

/** Reads each face's crop (paths relative to the working directory), resizes it to `px` square, and encodes it. */
export async function thumbnails(faceIds: string[], cropPathOf: Map<string, string | null>, px: number, concurrency = 4): Promise<Thumbnails> {
  const uris = new Map<string, string>();
  const missing: string[] = [];
  let bytes = 0;
  await mapLimit(faceIds, concurrency, async (id) => {
    const path = cropPathOf.get(id);
    if (!path || !existsSync(path)) { missing.push(id); uris.set(id, MISSING_FACE); return; }
    const jpg = await sharp(path).resize(px, px, { fit: 'cover' }).jpeg({ quality: 80, mozjpeg: true }).toBuffer();
    bytes += jpg.length;
    uris.set(id, `data:image/jpeg;base64,${jpg.toString('base64')}`);
  });
  return { uris, missing: missing.sort(), bytes };
}
