// Stage dedup: which postings are the same video → tables rows (with video_id), videos, duplicate_groups.
// Usage: npx tsx pipeline/stages/dedup.ts   (reads params: dedup)
import { mkdir } from 'node:fs/promises';
import { JsonCache } from '../lib/cache/index.ts';
import { groupVideos, type MediaItem } from '../lib/dedup/index.ts';
import { buildTables, type IngestRow, type MediaRow } from '../lib/dedup/tables.ts';
import { fingerprintOptions, fingerprintVideos, matchOptions, type Fingerprint } from '../lib/fingerprint/index.ts';
import { duplicateGroupsSchema, dedupRowsSchema, ingestRowsSchema, mediaSchema, videosSchema } from '../lib/ledger/schema.ts';
import { loadParams, progress, summarise } from '../lib/run/index.ts';
import { parquetPath, readTable, writeTable } from '../lib/warehouse/index.ts';

const { dedup: p } = loadParams(['dedup']);
const ingestRows = await readTable<IngestRow>(parquetPath(ingestRowsSchema.name));
const media = (await readTable<MediaRow & { first_row: number }>(parquetPath(mediaSchema.name))).filter((m) => m.playable);

const fpOptions = fingerprintOptions(p);
const CACHE = 'data/cache/dedup';
await mkdir(CACHE, { recursive: true }); // a DVC out, even when empty
const cache = new JsonCache<Fingerprint>(`${CACHE}/fingerprints`, fpOptions);
const bar = progress('dedup: fingerprints', media.length);
const fingerprints: (Fingerprint | null)[] = await Promise.all(media.map(async (m) => (await cache.get(m.sha256)) ?? null));
for (const f of fingerprints) if (f) bar.tick();
const todo = media.flatMap((_, i) => (fingerprints[i] ? [] : [i]));
let failed = 0;
const t0 = performance.now();
await fingerprintVideos(todo.map((i) => ({ path: media[i].path, durationS: media[i].duration_s ?? 0 })), fpOptions, p.concurrency, async (k, r) => {
  const m = media[todo[k]];
  if (r instanceof Error) {
    failed++; // an undecodable video still counts as its own distinct content (exact match only)
    process.stderr.write(`dedup: cannot fingerprint ${m.path}: ${r.message}\n`);
  } else {
    await cache.put(m.sha256, r);
    fingerprints[todo[k]] = r;
  }
  bar.tick();
});
const computed = todo.length - failed;
const fingerprintS = Math.round((performance.now() - t0) / 100) / 10;
const items: MediaItem[] = media.map((m, i) => ({ sha256: m.sha256, firstRow: m.first_row, fingerprint: fingerprints[i] }));

const groups = groupVideos(items, matchOptions(p));
const { rows, videos, duplicateGroups } = buildTables(ingestRows, media, groups);
await writeTable(dedupRowsSchema, rows);
await writeTable(videosSchema, videos);
await writeTable(duplicateGroupsSchema, duplicateGroups);
const dups = rows.filter((r) => r.status === 'duplicate').length;
const perceptual = groups.reduce((n, g) => n + g.members.filter((m) => m.match === 'perceptual').length, 0);
await summarise('dedup', `${media.length} media → ${videos.length} distinct videos (${perceptual} near-duplicate media); ${dups} duplicate rows; fingerprinted ${computed} new in ${fingerprintS} s, ${media.length - computed - failed} cached, ${failed} failed`,
  { media: media.length, videos: videos.length, duplicate_rows: dups, perceptual_matches: perceptual, fingerprinted: computed, fingerprint_s: fingerprintS, fingerprint_failed: failed });
