// Which media are the same video: identical bytes, or perceptual fingerprints that match.
import { compare, type Fingerprint, type MatchOptions } from '../fingerprint/index.ts';

export interface MediaItem {
  sha256: string;
  /** Smallest row number among the postings of this media (fixes the canonical order). */
  firstRow: number;
  fingerprint: Fingerprint | null;
}

export interface VideoGroup {
  videoId: string;
  /** Canonical media: the one posted first. */
  sha256: string;
  members: { sha256: string; match: 'canonical' | 'perceptual'; matchFraction: number; offsetS: number }[];
}

/** A stable, content-derived id for a video: from its canonical media's hash. */
export const videoIdOf = (sha256: string) => `vid-${sha256.slice(0, 12)}`;

/**
 * Groups media by perceptual match (exact duplicates already share a sha256). Each media joins
 * the earliest group whose canonical fingerprint it matches, so a group never chains through
 * intermediate members into a different video.
 */
export function groupVideos(items: MediaItem[], opt: MatchOptions): VideoGroup[] {
  const ordered = [...items].sort((a, b) => a.firstRow - b.firstRow || a.sha256.localeCompare(b.sha256));
  const groups: (VideoGroup & { fp: Fingerprint | null })[] = [];
  for (const item of ordered) {
    let joined = false;
    if (item.fingerprint) {
      let best: { g: (typeof groups)[number]; frac: number; off: number } | null = null;
      for (const g of groups) {
        if (!g.fp) continue;
        const m = compare(g.fp, item.fingerprint, opt);
        if (m.same && (!best || m.matchFraction > best.frac)) best = { g, frac: m.matchFraction, off: m.offsetFrames / g.fp.fps };
      }
      if (best) {
        best.g.members.push({ sha256: item.sha256, match: 'perceptual', matchFraction: best.frac, offsetS: best.off });
        joined = true;
      }
    }
    if (!joined) {
      groups.push({ videoId: videoIdOf(item.sha256), sha256: item.sha256, fp: item.fingerprint, members: [{ sha256: item.sha256, match: 'canonical', matchFraction: 1, offsetS: 0 }] });
    }
  }
  return groups.map(({ fp: _fp, ...g }) => g);
}
