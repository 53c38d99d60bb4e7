// Shared support for the hardening suites: sheets in memory, a resolver over a scratch store,
// the ingest → dedup ledger in one call, small generated media, and a file-tree snapshot.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/project.ts';
import { JsonCache } from '../../pipeline/lib/cache/index.ts';
import { groupVideos } from '../../pipeline/lib/dedup/index.ts';
import { buildTables, type IngestRow, type MediaRow } from '../../pipeline/lib/dedup/tables.ts';
import { ingest } from '../../pipeline/lib/ledger/ingest.ts';
import { allowList, MediaResolver, type MediaProbe, type ResolveOptions } from '../../pipeline/lib/media/index.ts';
import type { Sheet } from '../../pipeline/lib/sheet/index.ts';
import type { Row } from '../../pipeline/lib/warehouse/index.ts';

export const STATUSES = ['ok', 'duplicate', 'rejected', 'media_unavailable'] as const;

export const scratch = (prefix: string) => mkdtempSync(join(tmpdir(), `hard-${prefix}-`));

/** A sheet of (url, score) rows as readSheet would return it. */
export function sheetOf(rows: [string, string][], file = '/nonexistent/sheet.csv'): Sheet {
  return {
    file, columns: ['url', 'score'], urlColumn: 'url', scoreColumn: 'score',
    rows: rows.map(([url, score], i) => ({ rowNumber: i + 1, sheetRow: i + 2, url, scoreText: score, cells: { url, score } })),
  };
}

export interface Fixture { store: string; resolver: MediaResolver; probes: JsonCache<MediaProbe> }

/** A resolver over a fresh store with small timeouts (overridable), allowed to download from the test servers on 127.0.0.1. */
export function fixture(opt: Partial<Omit<ResolveOptions, 'download'>> & { download?: Partial<ResolveOptions['download']> } = {}): Fixture {
  const store = scratch('store');
  const resolver = new MediaResolver({
    baseDir: opt.baseDir ?? store,
    mediaDir: opt.mediaDir,
    allowedRoots: opt.allowedRoots ?? [store],
    cacheDir: opt.cacheDir ?? join(store, 'cache'),
    download: {
      storeDir: join(store, 'media'), idleTimeoutMs: 500, totalTimeoutMs: 3000, retries: 1, backoffMs: 20, maxBytes: 8 << 20, allow: allowList(['127.0.0.1']),
      ...opt.download,
    },
  });
  return { store, resolver, probes: new JsonCache<MediaProbe>(join(store, 'probe')) };
}

/** ingest, then dedup by exact content (no fingerprints): the ledger every row ends in. */
export async function ledger(sheet: Sheet, fx: Fixture, concurrency = 4) {
  const r = await ingest(sheet, fx.resolver, fx.probes, concurrency);
  const media = (r.media as unknown as (MediaRow & { first_row: number })[]).filter((m) => m.playable);
  const groups = groupVideos(media.map((m) => ({ sha256: m.sha256, firstRow: m.first_row, fingerprint: null })), {
    maxOffsetS: 3, maxFrameHamming: 10, minMatchFraction: 0.8, minOverlap: 0.6, durationToleranceS: 4, editThreshold: 24, minEditedFrames: 2,
  });
  const t = buildTables(r.rows as unknown as IngestRow[], media, groups);
  return { ingest: r, rows: t.rows, videos: t.videos };
}

/** Counts rows per status and checks every row has exactly one known status. */
export function statusCounts(rows: Row[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const r of rows) {
    if (!(STATUSES as readonly string[]).includes(String(r.status))) throw new Error(`row ${r.row_number}: unknown status ${String(r.status)}`);
    c[String(r.status)] = (c[String(r.status)] ?? 0) + 1;
  }
  return c;
}

const ff = (args: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-y', '-nostdin', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });

/** Small media from ffmpeg's lavfi sources. */
export const make = {
  video(path: string, o: { seconds?: number; size?: string; rate?: number; source?: string; extra?: string[] } = {}) {
    ff(['-f', 'lavfi', '-i', `${o.source ?? 'testsrc2'}=size=${o.size ?? '128x224'}:rate=${o.rate ?? 10}:duration=${o.seconds ?? 2}`,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', ...(o.extra ?? []), '-f', 'mp4', path]);
    return path;
  },
  audio(path: string, seconds = 2) {
    ff(['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, '-c:a', 'aac', '-f', 'mp4', path]);
    return path;
  },
  image(path: string, format: 'png' | 'mjpeg' = 'png') {
    ff(['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=1', '-frames:v', '1', '-c:v', format, '-f', 'image2', '-update', '1', path]);
    return path;
  },
};

/** Every file and folder under `root` (relative paths), for before/after comparisons. */
export function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      out.push(e.isDirectory() ? `${r}/` : r);
      if (e.isDirectory()) walk(join(d, e.name), r);
    }
  };
  walk(root, '');
  return out.sort();
}

export const mkdirp = (p: string) => { mkdirSync(p, { recursive: true }); return p; };
export const sizeOf = (p: string) => statSync(p).size;

/**
 * Runs a stage script of the real tree in `cwd` without blocking this process (so a test's own
 * HTTP server keeps answering). Resolves with stderr; rejects if the stage fails.
 */
export function runStageAsync(stage: string, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, 'pipeline/stages', `${stage}.ts`)], {
      cwd, env: { ...process.env, PATH: `${ROOT}/.venv/bin:${ROOT}/node_modules/.bin:${process.env.PATH}` }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(err) : reject(new Error(`stage ${stage} failed (${code}): ${err}`))));
  });
}
