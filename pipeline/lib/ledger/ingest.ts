// The ingest step: every sheet row gets a status; playable media get probed once per content hash.
import { relative } from 'node:path';
import type { JsonCache } from '../cache/index.ts';
import { probeCached, type MediaProbe, type MediaResolver, type Resolved } from '../media/index.ts';
import { mapLimit, progress } from '../run/index.ts';
import { batchNames, parseScore, type Sheet, type SheetRow } from '../sheet/index.ts';
import type { Row } from '../warehouse/index.ts';

export interface IngestResult { rows: Row[]; media: Row[]; batches: Row[]; counters: Record<string, number> }

/** A row of one batch, numbered across all batches (`rowNumber`) and within its file (`batchRow`). */
interface BatchedRow extends SheetRow { batch: number; batchRow: number }

const rel = (p: string) => relative(process.cwd(), p) || '.';

/** Why a score cell is not a number, or null when it is one. */
function scoreProblem(text: string): string | null {
  if (parseScore(text) !== null) return null;
  const t = text.trim();
  if (!t) return 'missing score';
  if (t.startsWith('=')) return `formula "${t.slice(0, 80)}" has no saved result (open and save the sheet in a spreadsheet app)`;
  return `non-numeric score "${t.slice(0, 80)}"`;
}

/**
 * Ingests one sheet or several batches (in the given order: rows are numbered across them in that
 * order). `resolver` may be one resolver or one per batch (relative paths resolve against the
 * batch's folder).
 */
export async function ingest(input: Sheet | Sheet[], resolver: MediaResolver | ((sheet: Sheet) => MediaResolver), probes: JsonCache<MediaProbe>, concurrency: number): Promise<IngestResult> {
  const sheets = Array.isArray(input) ? input : [input];
  const names = batchNames(sheets.map((s) => rel(s.file)));
  const resolverOf = sheets.map((s) => (typeof resolver === 'function' ? resolver(s) : resolver));
  const all: BatchedRow[] = sheets.flatMap((s, b) => s.rows.map((r) => ({ ...r, batch: b, batchRow: r.rowNumber })));
  all.forEach((r, i) => { r.rowNumber = i + 1; });
  const sheet = { rows: all };
  // Rows rejected for their cells (empty or malformed URL, a path outside the allowed roots, no
  // numeric score) are decided without touching the network or the media: nothing is fetched for them.
  const rejected = sheet.rows.map((r) => {
    const resolver = resolverOf[r.batch];
    const problems: string[] = [];
    if (!r.url.trim()) problems.push('empty URL');
    else {
      const why = resolver.check(r.url);
      if (why) problems.push(why);
    }
    const score = scoreProblem(r.scoreText);
    if (score) problems.push(score);
    return problems;
  });
  const bar = progress('ingest: media', sheet.rows.length);
  const resolved = await mapLimit(sheet.rows, concurrency, async (r, i): Promise<Resolved | null> => {
    const res = rejected[i].length ? null : await resolverOf[r.batch].resolve(r.url);
    bar.tick();
    return res;
  });

  // Probe each distinct content once (cached by hash).
  const byHash = new Map<string, { path: string; bytes: number; rows: number[] }>();
  resolved.forEach((res, i) => {
    if (res?.ok) {
      const e = byHash.get(res.sha256) ?? { path: res.path, bytes: res.bytes, rows: [] };
      e.rows.push(sheet.rows[i].rowNumber);
      byHash.set(res.sha256, e);
    }
  });
  let probed = 0;
  const probeOf = new Map<string, MediaProbe>();
  await mapLimit([...byHash.entries()], concurrency, async ([sha, e]) => {
    const { value, computed } = await probeCached(probes, sha, e.path);
    if (computed) probed++;
    probeOf.set(sha, value);
  });

  const rows: Row[] = sheet.rows.map((r, i) => {
    const performance = parseScore(r.scoreText);
    const res = resolved[i];
    const problems: string[] = [...rejected[i]];
    let status = 'ok';
    if (problems.length) status = 'rejected';
    else if (res && !res.ok) { status = res.status; problems.push(res.reason); }
    else if (res?.ok) {
      const p = probeOf.get(res.sha256);
      if (p && !p.ok) { status = 'media_unavailable'; problems.push(p.error); }
    }
    const src = sheets[r.batch];
    const { [src.urlColumn]: _u, [src.scoreColumn]: _s, ...extra } = r.cells;
    return {
      row_number: r.rowNumber,
      source_file: rel(src.file),
      batch: names[r.batch],
      batch_row: r.batchRow,
      sheet_row: r.sheetRow,
      url: r.url,
      score_text: r.scoreText,
      performance,
      status,
      reason: problems.length ? problems.join('; ') : null,
      media_sha256: res?.ok ? res.sha256 : null,
      media_origin: res?.ok ? res.origin : null,
      extra: Object.keys(extra).length ? JSON.stringify(extra) : null,
    };
  });

  const media: Row[] = [...byHash.entries()].map(([sha, e]) => {
    const p = probeOf.get(sha)!;
    return {
      sha256: sha,
      path: rel(e.path),
      bytes: e.bytes,
      n_rows: e.rows.length,
      first_row: e.rows[0], // rows are visited in sheet order
      playable: p.ok,
      error: p.ok ? null : p.error,
      ...(p.ok ? { format: p.formatName, video_codec: p.videoCodec, duration_s: p.durationS, width: p.width, height: p.height, fps: p.fps } : {}),
    };
  });

  // Per batch: its rows by status, URLs and media already posted in an earlier batch (repeated
  // postings: dedup makes them `duplicate`), and the media it brings that no earlier batch had.
  const seenUrls = new Set<string>(), seenMedia = new Set<string>();
  const batches: Row[] = sheets.map((s, b) => {
    const mine = rows.filter((_, i) => all[i].batch === b);
    const urls = new Set<string>(), media = new Set<string>();
    let repeated = 0;
    for (const r of mine) {
      const u = String(r.url ?? '').trim();
      if (u && seenUrls.has(u)) repeated++;
      if (u) urls.add(u);
      if (r.media_sha256 && !seenMedia.has(r.media_sha256 as string)) media.add(r.media_sha256 as string);
    }
    urls.forEach((u) => seenUrls.add(u));
    media.forEach((m) => seenMedia.add(m));
    const n = (st: string) => mine.filter((r) => r.status === st).length;
    return {
      batch_index: b + 1, batch: names[b], source_file: rel(s.file), n_rows: mine.length,
      first_row: mine.length ? mine[0].row_number : null, last_row: mine.length ? mine[mine.length - 1].row_number : null,
      ok: n('ok'), rejected: n('rejected'), media_unavailable: n('media_unavailable'),
      repeated_urls: repeated, new_media: media.size,
    };
  });

  const count = (s: string) => rows.filter((r) => r.status === s).length;
  const rc: Record<string, number> = {};
  for (const r of new Set(resolverOf)) for (const [k, v] of Object.entries(r.counters)) rc[k] = (rc[k] ?? 0) + v;
  return {
    rows,
    media,
    batches,
    counters: {
      rows: rows.length, ok: count('ok'), rejected: count('rejected'), media_unavailable: count('media_unavailable'),
      distinct_media: media.length, probed, ...rc, batches: sheets.length,
    },
  };
}
