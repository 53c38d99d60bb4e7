// Stage ingest: the sheets (batches) and the media → tables ingest_rows, media, batches.
// Usage: npx tsx pipeline/stages/ingest.ts   (reads params: input)
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { JsonCache } from '../lib/cache/index.ts';
import { ingest } from '../lib/ledger/ingest.ts';
import { batchesSchema, ingestRowsSchema, mediaSchema } from '../lib/ledger/schema.ts';
import { allowList, MediaResolver, type MediaProbe } from '../lib/media/index.ts';
import { loadParams, summarise } from '../lib/run/index.ts';
import { listBatches, readSheet, sheetSpecs } from '../lib/sheet/index.ts';
import { writeTable } from '../lib/warehouse/index.ts';

const { input } = loadParams(['input']);
const CACHE = 'data/cache/ingest';
const STORE = 'data/media';
await Promise.all([mkdir(CACHE, { recursive: true }), mkdir(STORE, { recursive: true })]); // DVC outs, even when empty

// Batches: input.sheets (files and/or globs; input.sheet, the one-file form, when set), by file name.
const files = listBatches(sheetSpecs(input));
const sheets = await Promise.all(files.map((f) => readSheet(f)));
const dirs = [...new Set(files.map((f) => dirname(resolve(f))))];
const allowedRoots = [process.cwd(), ...dirs, ...(input.media_dir ? [input.media_dir] : []), ...(input.allowed_roots ?? [])];
const allow = allowList(input.download.allow_hosts ?? []); // a malformed entry stops the stage here
// One resolver per folder holding sheets: a relative path in a sheet resolves against its folder.
const resolvers = new Map(dirs.map((dir) => [dir, new MediaResolver({
  baseDir: dir,
  mediaDir: input.media_dir || undefined,
  allowedRoots,
  cacheDir: CACHE,
  download: {
    storeDir: STORE,
    idleTimeoutMs: input.download.idle_timeout_s * 1000,
    totalTimeoutMs: input.download.total_timeout_s * 1000,
    retries: input.download.retries,
    backoffMs: input.download.backoff_s * 1000,
    maxBytes: input.download.max_mb * 1024 * 1024,
    allow,
  },
})]));
const result = await ingest(sheets, (sh) => resolvers.get(dirname(resolve(sh.file)))!, new JsonCache<MediaProbe>(`${CACHE}/probe`), input.download.concurrency);
await writeTable(ingestRowsSchema, result.rows);
await writeTable(mediaSchema, result.media);
await writeTable(batchesSchema, result.batches);
const c = result.counters;
const perBatch = result.batches.map((b) => `${b.batch} ${b.n_rows} rows (${b.ok} ok, ${b.rejected} rejected, ${b.media_unavailable} unavailable, ${b.repeated_urls} repeated URLs, ${b.new_media} new media)`).join('; ');
await summarise('ingest', `${c.batches} batch${c.batches === 1 ? '' : 'es'}: ${perBatch}. ${c.rows} rows: ${c.ok} ok, ${c.rejected} rejected, ${c.media_unavailable} media unavailable; ${c.distinct_media} distinct media (${c.probed} probed, ${c.hashed} hashed, ${c.downloaded} downloaded)`, { ...c, per_batch: result.batches });
