// Labelling aid for test/fixtures/replica-kinds.json (issue 9): for every video of a run, one PNG
// with all its sampled frames (1/s, as extract samples them) tiled, every detected face boxed and
// numbered in the order of the `faces` table (green: passed the quality gates, orange: gated), and a
// text file listing the numbered faces. Look at the sheets, label each number live/depicted/overlay.
//
//   npx tsx bench/label-sheets.ts --work DIR [--out DIR]     (DIR: a run's folder, e.g. bench/live's)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { decodeFrames, fitLongSide, probe } from '../pipeline/lib/frames/index.ts';
import { readTable } from '../pipeline/lib/warehouse/index.ts';

const { values: args } = parseArgs({ options: { work: { type: 'string' }, out: { type: 'string', default: 'label-sheets' } } });
if (!args.work) throw new Error('usage: npx tsx bench/label-sheets.ts --work DIR [--out DIR]');
const COLS = 8, LONG_SIDE = 384;
const table = <T>(name: string) => readTable<T>(join(args.work!, 'data/processed', `${name}.parquet`));
const videos = await table<{ video_id: string; path: string }>('videos');
const faces = await table<{ face_id: string; video_id: string; frame: number; t_s: number; x: number; y: number; w: number; h: number; frame_width: number; gate: string; track_id: string | null; size_px: number }>('faces');
mkdirSync(args.out!, { recursive: true });
for (const v of videos) {
  const path = join(args.work, v.path);
  const info = await probe(path);
  const size = fitLongSide(info.width, info.height, LONG_SIDE);
  const vf = faces.filter((f) => f.video_id === v.video_id).sort((a, b) => a.frame - b.frame || a.face_id.localeCompare(b.face_id));
  const tiles: { input: Buffer; left: number; top: number }[] = [];
  for await (const fr of decodeFrames(path, { fps: 1, ...size, pixFmt: 'rgb24', maxFrames: 120 })) {
    const boxes = vf.map((f, i) => ({ f, n: i + 1 })).filter(({ f }) => f.frame === fr.index).map(({ f, n }) => {
      const s = size.width / f.frame_width, colour = f.gate === 'ok' ? '#00ff00' : '#ff8800';
      return `<rect x="${f.x * s}" y="${f.y * s}" width="${f.w * s}" height="${f.h * s}" fill="none" stroke="${colour}" stroke-width="2"/>` +
        `<text x="${f.x * s}" y="${Math.max(12, f.y * s - 2)}" font-family="DejaVu Sans" font-size="14" font-weight="bold" fill="${colour}" stroke="black" stroke-width="0.6">${n}</text>`;
    }).join('');
    const svg = `<svg width="${size.width}" height="${size.height}" xmlns="http://www.w3.org/2000/svg">${boxes}` +
      `<text x="4" y="${size.height - 6}" font-family="DejaVu Sans" font-size="16" fill="yellow" stroke="black" stroke-width="0.8">#${fr.index}</text></svg>`;
    const n = tiles.length;
    tiles.push({
      input: await sharp(Buffer.from(fr.data), { raw: { width: size.width, height: size.height, channels: 3 } }).composite([{ input: Buffer.from(svg) }]).png().toBuffer(),
      left: (n % COLS) * size.width, top: Math.floor(n / COLS) * size.height,
    });
  }
  await sharp({ create: { width: COLS * size.width, height: Math.max(1, Math.ceil(tiles.length / COLS)) * size.height, channels: 3, background: '#222' } })
    .composite(tiles).png().toFile(join(args.out, `${v.video_id}.png`));
  writeFileSync(join(args.out, `${v.video_id}.txt`), vf.map((f, i) => `${i + 1}\t${f.face_id}\tt=${f.t_s}\t${f.gate}\t${f.track_id ?? ''}\tsize=${Math.round(f.size_px)}`).join('\n') + '\n');
  console.log(`${v.video_id}: ${tiles.length} frames, ${vf.length} faces`);
}
