// Stage dedup: which postings are the same video → tables rows (with video_id), videos, duplicate_groups.
// Usage: npx tsx pipeline/stages/dedup.ts   (reads params: dedup; faces.fps, long_side, max_seconds: the frames it
// hands to extract, frames/handoff.ts)
import { mkdir } from 'node:fs/promises';
import { JsonCache } from '../lib/cache/index.ts';
import { groupVideos, type MediaItem } from '../lib/dedup/index.ts';
import { extractSampling, handedOver, startHandoff } from '../lib/frames/handoff.ts';
import { buildTables, type IngestRow, type MediaRow } from '../lib/dedup/tables.ts';
import { cachedFingerprints, FINGERPRINT_CACHE, fingerprintOptions, matchOptions, type Fingerprint } from '../lib/fingerprint/index.ts';
import { duplicateGroupsSchema, dedupRowsSchema, ingestRowsSchema, mediaSchema, videosSchema } from '../lib/ledger/schema.ts';
import { loadParams, progress, summarise } from '../lib/run/index.ts';
import { parquetPath, readTable, writeTable } from '../lib/warehouse/index.ts';

const { dedup: p, faces } = loadParams(['dedup', 'faces']);
const ingestRows = await readTable<IngestRow>(parquetPath(ingestRowsSchema.name));
const media = (await readTable<MediaRow & { first_row: number }>(parquetPath(mediaSchema.name))).filter((m) => m.playable);

const fpOptions = fingerprintOptions(p);
await mkdir('data/cache/dedup', { recursive: true }); // a DVC out, even when empty
const cache = new JsonCache<Fingerprint>(FINGERPRINT_CACHE, fpOptions);
// The decode of a new video also writes the frames extract samples of it, for extract to read (frames/handoff.ts).
const handoff = await startHandoff(extractSampling(faces), (p.extract_frames_mb ?? 0) * 1e6);
const bar = progress('dedup: fingerprints', media.length);
const t0 = performance.now();
const { fingerprints, computed, failed: failures } = await cachedFingerprints(
  media.map((m) => ({ sha256: m.sha256, path: m.path, durationS: m.duration_s ?? 0 })), cache, fpOptions, p.concurrency, () => bar.tick(),
  (i) => handoff({ sha256: media[i].sha256, width: media[i].width, height: media[i].height, durationS: media[i].duration_s }));
// An undecodable video still counts as its own distinct content (exact match only).
for (const f of failures) process.stderr.write(`dedup: cannot fingerprint ${media[f.index].path}: ${f.reason}\n`);
const failed = failures.length;
const fingerprintS = Math.round((performance.now() - t0) / 100) / 10;
const items: MediaItem[] = media.map((m, i) => ({ sha256: m.sha256, firstRow: m.first_row, fingerprint: fingerprints[i] }));

const groups = groupVideos(items, matchOptions(p));
const { rows, videos, duplicateGroups } = buildTables(ingestRows, media, groups);
await writeTable(dedupRowsSchema, rows);
await writeTable(videosSchema, videos);
await writeTable(duplicateGroupsSchema, duplicateGroups);
const dups = rows.filter((r) => r.status === 'duplicate').length;
const handed = await handedOver();
const perceptual = groups.reduce((n, g) => n + g.members.filter((m) => m.match === 'perceptual').length, 0);
await summarise('dedup', `${media.length} media → ${videos.length} distinct videos (${perceptual} near-duplicate media); ${dups} duplicate rows; fingerprinted ${computed} new in ${fingerprintS} s, ${media.length - computed - failed} cached, ${failed} failed; frames of ${handed.videos} handed to extract (${Math.round(handed.bytes / 1e6)} MB)`,
  { media: media.length, videos: videos.length, duplicate_rows: dups, perceptual_matches: perceptual, fingerprinted: computed, fingerprint_s: fingerprintS, fingerprint_failed: failed,
    frames_handed_over: handed.videos, frames_handed_mb: Math.round(handed.bytes / 1e6) });
