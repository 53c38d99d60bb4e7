// Turns media groups into the videos, rows and duplicate_groups tables.
import type { Row } from '../warehouse/index.ts';
import type { VideoGroup } from './index.ts';

export interface MediaRow { sha256: string; path: string; duration_s: number | null; width: number | null; height: number | null; playable: boolean }
export interface IngestRow { row_number: number; url: string; performance: number | null; status: string; reason: string | null; media_sha256: string | null; [k: string]: unknown }

export function buildTables(ingestRows: IngestRow[], media: MediaRow[], groups: VideoGroup[]) {
  const mediaBy = new Map(media.map((m) => [m.sha256, m]));
  const groupOf = new Map<string, { g: VideoGroup; m: VideoGroup['members'][number] }>();
  for (const g of groups) for (const m of g.members) groupOf.set(m.sha256, { g, m });

  const firstPosting = new Map<string, number>();
  const rows: Row[] = ingestRows.map((r) => {
    const hit = r.status === 'ok' && r.media_sha256 ? groupOf.get(r.media_sha256) : undefined;
    if (!hit) return { ...r, video_id: null };
    const first = firstPosting.get(hit.g.videoId);
    if (first === undefined) {
      firstPosting.set(hit.g.videoId, r.row_number);
      return { ...r, video_id: hit.g.videoId };
    }
    const how = hit.m.match === 'perceptual' ? 'a re-encoded/trimmed copy' : 'the same file';
    return { ...r, video_id: hit.g.videoId, status: 'duplicate', reason: `duplicate of row ${first} (${hit.g.videoId}, ${how})` };
  });

  const postsOf = new Map<string, IngestRow[]>();
  for (const r of rows) {
    if (!r.video_id) continue;
    const list = postsOf.get(r.video_id as string);
    if (list) list.push(r as IngestRow); else postsOf.set(r.video_id as string, [r as IngestRow]);
  }
  const dupRows: Row[] = [];
  const videos: Row[] = [];
  for (const g of groups) {
    const posts = postsOf.get(g.videoId) ?? [];
    if (!posts.length) continue;
    const canon = mediaBy.get(g.sha256)!;
    const scores = posts.map((p) => p.performance).filter((v): v is number => v !== null);
    videos.push({
      video_id: g.videoId,
      canonical_url: posts[0].url,
      sha256: g.sha256,
      path: canon.path,
      duration_s: canon.duration_s,
      width: canon.width,
      height: canon.height,
      first_row: posts[0].row_number,
      n_postings: posts.length,
      n_media: new Set(posts.map((p) => p.media_sha256)).size,
      n_scored: scores.length,
      score: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null,
    });
    if (posts.length < 2) continue;
    posts.forEach((p, i) => {
      const m = groupOf.get(p.media_sha256!)!.m;
      dupRows.push({
        video_id: g.videoId, row_number: p.row_number, url: p.url, sha256: p.media_sha256,
        match: i === 0 ? 'canonical' : m.match === 'perceptual' ? 'perceptual' : 'exact',
        match_fraction: m.matchFraction, offset_s: m.offsetS, performance: p.performance,
      });
    });
  }
  return { rows, videos, duplicateGroups: dupRows };
}
