// Resolving every posting to a media file identified by its sha256, and probing what it holds.
import { existsSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { JsonCache } from '../cache/index.ts';
import { probe, type ProbeInfo } from '../frames/index.ts';
import { download, Refused, sha256File, type DownloadOptions } from './download.ts';
import { classifyUrl, findInMediaDir, insideRoots, type MediaSource } from './locate.ts';

export { canonicalUrl, classifyUrl, lastSegment, insideRoots } from './locate.ts';
export { download, DownloadError, Refused, type DownloadOptions } from './download.ts';
export { allowList, privateKind, type AllowList } from './egress.ts';

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

  /**
   * Resolves a URL cell to a media file. Cells that name the same thing (the same URL up to case of
   * scheme/host, spaces, a fragment or tracking parameters; the same local path) share one
   * resolution, so equivalent URLs are never downloaded twice nor concurrently into one file.
   */
  resolve(url: string): Promise<Resolved> {
    const src = classifyUrl(url, this.opt.baseDir);
    const key = src.kind === 'http' ? src.url : src.kind === 'local' ? `file:${src.path}` : `invalid:${url}`;
    let p = this.inflight.get(key);
    if (!p) { p = this.resolveOnce(url.trim(), src); this.inflight.set(key, p); }
    return p;
  }

  /**
   * Why a URL cell is rejected without any I/O beyond looking at the file system, or null if it may be
   * fetched or read. Reasons name the cell as written, never the absolute path it resolved to.
   */
  check(url: string): string | null {
    const src = classifyUrl(url, this.opt.baseDir);
    return src.kind === 'invalid' ? src.reason : src.kind === 'local' ? this.localProblem(url.trim(), src.path) : null;
  }

  private localProblem(given: string, path: string): string | null {
    if (!insideRoots(path, this.opt.allowedRoots)) return `local path outside the allowed roots (input.allowed_roots): ${given}`;
    // Not a URL and no such file: a typo or a note in the URL column, not a file that could not be read.
    if (!/^file:/i.test(given) && !existsSync(path)) return 'malformed URL: neither an http(s) URL nor an existing file';
    return null;
  }

  private async resolveOnce(given: string, src: MediaSource): Promise<Resolved> {
    if (src.kind === 'invalid') return { ok: false, status: 'rejected', reason: src.reason };
    if (src.kind === 'local') {
      const problem = this.localProblem(given, src.path);
      return problem ? { ok: false, status: 'rejected', reason: problem } : this.local(src.path, given, 'local');
    }
    const inDir = findInMediaDir(src.url, this.opt.mediaDir);
    if (inDir) return this.local(inDir, inDir, 'media_dir');
    return this.fetch(src.url);
  }

  /** Hashes a local file; `shown` is how reasons name it (the cell as written, or the media_dir file). */
  private async local(path: string, shown: string, origin: 'local' | 'media_dir'): Promise<Resolved> {
    try {
      const st = await stat(path);
      if (!st.isFile()) return { ok: false, status: 'media_unavailable', reason: `not a file: ${shown}` };
      if (st.size === 0) return { ok: false, status: 'media_unavailable', reason: 'empty file (0 bytes)' };
      const key = `${resolve(path)}|${st.size}|${st.mtimeMs}`;
      const { value, computed } = await this.fileHashes.getOrCompute(key, async () => ({ sha256: await sha256File(path), bytes: st.size }));
      if (computed) this.counters.hashed++;
      return { ok: true, path, sha256: value.sha256, bytes: value.bytes, origin };
    } catch (e) {
      return { ok: false, status: 'media_unavailable', reason: `cannot read ${shown}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
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
      return { ok: false, status: 'media_unavailable', reason: e instanceof Refused ? e.message : `download failed: ${(e as Error).message}` };
    }
  }
}

export type MediaProbe = ({ ok: true } & ProbeInfo) | { ok: false; error: string };

/** What kind of text a file that ffmpeg cannot read is (a web page, an API error, a note), or null. */
async function sniffText(path: string): Promise<string | null> {
  const fh = await open(path, 'r');
  let head: Buffer;
  try {
    const buf = Buffer.alloc(1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  if (!head.length || head.includes(0)) return null;
  const text = head.toString('utf8');
  if ((text.match(/\uFFFD/g) ?? []).length > 2 || /[\u0001-\u0008\u000e-\u001f]/.test(text)) return null;
  // Only the kind is said, never the content: a redirect may have led to a page that must not end
  // up in the ledger or a published report.
  if (/^\s*(<!doctype\s+html|<html|<head|<body)|<html[\s>]/i.test(text)) return 'an HTML page, not a video (a login page or an expired link?)';
  if (/^\s*<\?xml|^\s*<[A-Za-z]/.test(text)) return 'an XML document, not a video (a storage error such as an expired link?)';
  if (/^\s*[{[]/.test(text)) return 'a JSON document, not a video (an API error?)';
  return 'a text file, not a video';
}

/** "v4": entries from before the decode check and the format allow-list, whose error names an absolute
 *  path, or from the check on the first packets alone, are looked at again. */
export const probeCacheKey = (sha256: string) => `v4:${sha256}`;

/**
 * ffprobe of a content hash, cached (content sniffing: a non-video body is recorded, not fatal).
 * A media is playable when ffprobe finds a video stream with a duration and a frame decodes from its first packets.
 */
export async function probeCached(cache: JsonCache<MediaProbe>, sha256: string, path: string): Promise<{ value: MediaProbe; computed: boolean }> {
  const key = probeCacheKey(sha256);
  const hit = await cache.get(key);
  if (hit) return { value: hit, computed: false };
  const value = await probeUncached(path);
  // A probe killed by its time limit (a loaded machine) says nothing about the file: not cached.
  if (value.ok || !/killed \(SIGKILL, timeout/.test(value.error)) await cache.put(key, value);
  return { value, computed: true };
}

async function probeUncached(path: string): Promise<MediaProbe> {
  // ffmpeg's messages name their input by its absolute path: the ledger is published, the path is not.
  // They also name a demuxer by its memory address ("[mov,mp4 @ 0x55…]"), which changes every run.
  const abs = resolve(path);
  const clean = (e: unknown) => (e as Error).message.replaceAll(`${abs}: `, '').replaceAll(abs, 'the file').replace(/ @ 0x[0-9a-f]+\]/g, ']');
  let info: ProbeInfo;
  try {
    info = await probe(path, undefined, { decode: true });
  } catch (e) {
    const msg = clean(e);
    // ffprobe could not read it at all: say what it is when it is text.
    const what = /^ffprobe exited/.test(msg) ? await sniffText(path).catch(() => null) : null;
    return { ok: false, error: `not a playable video: ${what ?? msg}` };
  }
  if (!(info.durationS > 0)) return { ok: false, error: 'not a playable video: no duration' };
  return { ok: true, ...info };
}
