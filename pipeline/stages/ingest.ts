// Stage ingest: the sheet and the media → tables ingest_rows, media.
// Usage: npx tsx pipeline/stages/ingest.ts   (reads params: input)
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { JsonCache } from '../lib/cache/index.ts';
import { ingest } from '../lib/ledger/ingest.ts';
import { ingestRowsSchema, mediaSchema } from '../lib/ledger/schema.ts';
import { MediaResolver, type MediaProbe } from '../lib/media/index.ts';
import { loadParams, summarise } from '../lib/run/index.ts';
import { readSheet } from '../lib/sheet/index.ts';
import { writeTable } from '../lib/warehouse/index.ts';

const { input } = loadParams(['input']);
const CACHE = 'data/cache/ingest';
const STORE = 'data/media';
await Promise.all([mkdir(CACHE, { recursive: true }), mkdir(STORE, { recursive: true })]); // DVC outs, even when empty

const sheet = await readSheet(input.sheet);
const sheetDir = dirname(resolve(input.sheet));
const resolver = new MediaResolver({
  baseDir: sheetDir,
  mediaDir: input.media_dir || undefined,
  allowedRoots: [process.cwd(), sheetDir, ...(input.media_dir ? [input.media_dir] : []), ...(input.allowed_roots ?? [])],
  cacheDir: CACHE,
  download: {
    storeDir: STORE,
    idleTimeoutMs: input.download.idle_timeout_s * 1000,
    totalTimeoutMs: input.download.total_timeout_s * 1000,
    retries: input.download.retries,
    backoffMs: input.download.backoff_s * 1000,
    maxBytes: input.download.max_mb * 1024 * 1024,
  },
});
const result = await ingest(sheet, resolver, new JsonCache<MediaProbe>(`${CACHE}/probe`), input.download.concurrency);
await writeTable(ingestRowsSchema, result.rows);
await writeTable(mediaSchema, result.media);
const c = result.counters;
await summarise('ingest', `${c.rows} rows: ${c.ok} ok, ${c.rejected} rejected, ${c.media_unavailable} media unavailable; ${c.distinct_media} distinct media (${c.probed} probed, ${c.hashed} hashed, ${c.downloaded} downloaded)`, c);
