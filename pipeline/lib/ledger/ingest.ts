// The ingest step: every sheet row gets a status; playable media get probed once per content hash.
import { relative } from 'node:path';
import type { JsonCache } from '../cache/index.ts';
import { probeCached, type MediaProbe, type MediaResolver, type Resolved } from '../media/index.ts';
import { mapLimit, progress } from '../run/index.ts';
import { parseScore, type Sheet } from '../sheet/index.ts';
import type { Row } from '../warehouse/index.ts';

export interface IngestResult { rows: Row[]; media: Row[]; counters: Record<string, number> }

const rel = (p: string) => relative(process.cwd(), p) || '.';

/** Why a score cell is not a number, or null when it is one. */
function scoreProblem(text: string): string | null {
  if (parseScore(text) !== null) return null;
  const t = text.trim();
  if (!t) return 'missing score';
  if (t.startsWith('=')) return `formula "${t.slice(0, 80)}" has no saved result (open and save the sheet in a spreadsheet app)`;
  return `non-numeric score "${t.slice(0, 80)}"`;
}

export async function ingest(sheet: Sheet, resolver: MediaResolver, probes: JsonCache<MediaProbe>, concurrency: number): Promise<IngestResult> {
  // Rows rejected for their cells (empty or malformed URL, a path outside the allowed roots, no
  // numeric score) are decided without touching the network or the media: nothing is fetched for them.
  const rejected = sheet.rows.map((r) => {
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
    const res = rejected[i].length ? null : await resolver.resolve(r.url);
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
    const { [sheet.urlColumn]: _u, [sheet.scoreColumn]: _s, ...extra } = r.cells;
    return {
      row_number: r.rowNumber,
      source_file: rel(sheet.file),
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

  const count = (s: string) => rows.filter((r) => r.status === s).length;
  return {
    rows,
    media,
    counters: {
      rows: rows.length, ok: count('ok'), rejected: count('rejected'), media_unavailable: count('media_unavailable'),
      distinct_media: media.length, probed, ...resolver.counters,
    },
  };
}
