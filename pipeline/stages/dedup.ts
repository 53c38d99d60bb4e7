// Stage dedup: which postings are the same video → tables rows (with video_id), videos, duplicate_groups.
// Usage: npx tsx pipeline/stages/dedup.ts   (reads params: dedup)
import { mkdir } from 'node:fs/promises';
import { JsonCache } from '../lib/cache/index.ts';
import { groupVideos, type MediaItem } from '../lib/dedup/index.ts';
import { buildTables, type IngestRow, type MediaRow } from '../lib/dedup/tables.ts';
import { fingerprintOptions, fingerprintVideo, type Fingerprint } from '../lib/fingerprint/index.ts';
import { duplicateGroupsSchema, dedupRowsSchema, ingestRowsSchema, mediaSchema, videosSchema } from '../lib/ledger/schema.ts';
import { loadParams, mapLimit, progress, summarise } from '../lib/run/index.ts';
import { parquetPath, readTable, writeTable } from '../lib/warehouse/index.ts';

const { dedup: p } = loadParams(['dedup']);
const ingestRows = await readTable<IngestRow>(parquetPath(ingestRowsSchema.name));
const media = (await readTable<MediaRow & { first_row: number }>(parquetPath(mediaSchema.name))).filter((m) => m.playable);

const fpOptions = fingerprintOptions(p);
const CACHE = 'data/cache/dedup';
await mkdir(CACHE, { recursive: true }); // a DVC out, even when empty
const cache = new JsonCache<Fingerprint>(`${CACHE}/fingerprints`, fpOptions);
const bar = progress('dedup: fingerprints', media.length);
let computed = 0;
let failed = 0;
const items: MediaItem[] = await mapLimit(media, p.concurrency, async (m) => {
  let fingerprint: Fingerprint | null = null;
  try {
    const r = await cache.getOrCompute(m.sha256, () => fingerprintVideo(m.path, m.duration_s ?? 0, fpOptions));
    if (r.computed) computed++;
    fingerprint = r.value;
  } catch (e) {
    failed++; // an undecodable video still counts as its own distinct content (exact match only)
    process.stderr.write(`dedup: cannot fingerprint ${m.path}: ${(e as Error).message}\n`);
  }
  bar.tick();
  return { sha256: m.sha256, firstRow: m.first_row, fingerprint };
});

const groups = groupVideos(items, {
  maxOffsetS: p.max_offset_s, maxFrameHamming: p.max_frame_hamming, minMatchFraction: p.min_match_fraction,
  minOverlap: p.min_overlap, durationToleranceS: p.duration_tolerance_s,
  editThreshold: p.edit_threshold, minEditedFrames: p.min_edited_frames,
});
const { rows, videos, duplicateGroups } = buildTables(ingestRows, media, groups);
await writeTable(dedupRowsSchema, rows);
await writeTable(videosSchema, videos);
await writeTable(duplicateGroupsSchema, duplicateGroups);
const dups = rows.filter((r) => r.status === 'duplicate').length;
const perceptual = groups.reduce((n, g) => n + g.members.filter((m) => m.match === 'perceptual').length, 0);
await summarise('dedup', `${media.length} media → ${videos.length} distinct videos (${perceptual} near-duplicate media); ${dups} duplicate rows; fingerprinted ${computed} new, ${media.length - computed - failed} cached, ${failed} failed`,
  { media: media.length, videos: videos.length, duplicate_rows: dups, perceptual_matches: perceptual, fingerprinted: computed, fingerprint_failed: failed });
