// Resolving every posting to a media file identified by its sha256, and probing what it holds.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { JsonCache } from '../cache/index.ts';
import { probe, type ProbeInfo } from '../frames/index.ts';
import { download, DownloadError, sha256File, type DownloadOptions } from './download.ts';
import { classifyUrl, findInMediaDir, insideRoots } from './locate.ts';

export { classifyUrl, lastSegment, insideRoots } from './locate.ts';
export { download, DownloadError, type DownloadOptions } from './download.ts';

export type Resolved =
  | { ok: true; path: string; sha256: string; bytes: number; origin: 'local' | 'media_dir' | 'download' | 'download_cache' }
  | { ok: false; status: 'rejected' | 'media_unavailable'; reason: string };

export interface ResolveOptions {
  /** Folder relative local paths are resolved against (the sheet's folder). */
  baseDir: string;
  mediaDir?: string;
  /** Local files must lie inside one of these folders (after resolving symlinks). */
  allowedRoots: string[];
  download: DownloadOptions;
  cacheDir: string;
}

interface FileHash { sha256: string; bytes: number }

/** Resolves media for sheet rows, hashing each file once and each URL's download once. */
export class MediaResolver {
  private fileHashes: JsonCache<FileHash>;
  private downloads: JsonCache<{ sha256: string; bytes: number }>;
  private inflight = new Map<string, Promise<Resolved>>();
  readonly counters = { hashed: 0, downloaded: 0, downloadCacheHits: 0 };

  constructor(private opt: ResolveOptions) {
    this.fileHashes = new JsonCache(`${opt.cacheDir}/file-sha256`);
    this.downloads = new JsonCache(`${opt.cacheDir}/downloads`);
  }

  resolve(url: string): Promise<Resolved> {
    let p = this.inflight.get(url);
    if (!p) { p = this.resolveOnce(url); this.inflight.set(url, p); }
    return p;
  }

  private async resolveOnce(url: string): Promise<Resolved> {
    const src = classifyUrl(url, this.opt.baseDir);
    if (src.kind === 'invalid') return { ok: false, status: 'rejected', reason: src.reason };
    if (src.kind === 'local') {
      if (!insideRoots(src.path, this.opt.allowedRoots)) {
        return { ok: false, status: 'rejected', reason: `local path outside the allowed roots (input.allowed_roots): ${src.path}` };
      }
      return this.local(src.path, 'local');
    }
    const inDir = findInMediaDir(src.url, this.opt.mediaDir);
    if (inDir) return this.local(inDir, 'media_dir');
    return this.fetch(src.url);
  }

  private async local(path: string, origin: 'local' | 'media_dir'): Promise<Resolved> {
    try {
      const st = await stat(path);
      if (!st.isFile()) return { ok: false, status: 'media_unavailable', reason: `not a file: ${path}` };
      const key = `${resolve(path)}|${st.size}|${st.mtimeMs}`;
      const { value, computed } = await this.fileHashes.getOrCompute(key, async () => ({ sha256: await sha256File(path), bytes: st.size }));
      if (computed) this.counters.hashed++;
      return { ok: true, path, sha256: value.sha256, bytes: value.bytes, origin };
    } catch (e) {
      return { ok: false, status: 'media_unavailable', reason: `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
    }
  }

  private async fetch(url: string): Promise<Resolved> {
    const cached = await this.downloads.get(url);
    if (cached) {
      const path = `${this.opt.download.storeDir}/${cached.sha256}`;
      if ((await stat(path).catch(() => null))?.size === cached.bytes) {
        this.counters.downloadCacheHits++;
        return { ok: true, path, sha256: cached.sha256, bytes: cached.bytes, origin: 'download_cache' };
      }
    }
    try {
      const d = await download(url, this.opt.download);
      this.counters.downloaded++;
      await this.downloads.put(url, { sha256: d.sha256, bytes: d.bytes });
      return { ok: true, path: d.path, sha256: d.sha256, bytes: d.bytes, origin: 'download' };
    } catch (e) {
      return { ok: false, status: 'media_unavailable', reason: `download failed: ${(e as Error).message}` };
    }
  }
}

export type MediaProbe = ({ ok: true } & ProbeInfo) | { ok: false; error: string };

/** ffprobe of a content hash, cached (content sniffing: a non-video body is recorded, not fatal). */
export async function probeCached(cache: JsonCache<MediaProbe>, sha256: string, path: string): Promise<{ value: MediaProbe; computed: boolean }> {
  return cache.getOrCompute(sha256, async () => {
    try {
      const info = await probe(path);
      if (!(info.durationS > 0)) return { ok: false, error: 'not a playable video: no duration' };
      return { ok: true, ...info };
    } catch (e) {
      return { ok: false, error: `not a playable video: ${(e as Error).message}` };
    }
  });
}

