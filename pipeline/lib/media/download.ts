// HTTP(S) downloads into the content-addressed store data/media/<sha256>: bounded time per try,
// retries with backoff on transient failures, a size cap, resume of partial files (Range), and only
// to addresses egress.ts allows (checked for the URL and for every redirect hop).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { join } from 'node:path';
import { hashOf } from '../cache/index.ts';
import { pinHost, type AllowList } from './egress.ts';

export interface DownloadOptions {
  storeDir: string;
  /** No byte for this long ends the try (covers servers that never answer and slow trickles). */
  idleTimeoutMs: number;
  /** Upper bound on one try, whatever the server does. */
  totalTimeoutMs: number;
  retries: number;
  backoffMs: number;
  maxBytes: number;
  /** Hosts and address ranges that may be private (input.download.allow_hosts, parsed by allowList). */
  allow: AllowList;
}

export class DownloadError extends Error {
  constructor(message: string, readonly transient: boolean) { super(message); }
}

/** The URL, or a redirect hop, points at an address that is not allowed: nothing was sent to it. */
export class Refused extends DownloadError {
  constructor(message: string) { super(message, false); }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

/** The partial file cannot be resumed (416, or a 206 for another range): drop it and start over. */
class StartOver extends Error {}

export interface Downloaded { path: string; sha256: string; bytes: number; attempts: number; contentType: string }

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

async function sizeOf(path: string): Promise<number> {
  try { return (await stat(path)).size; } catch { return 0; }
}

/**
 * One request, to the address its host was checked at (egress.ts): the host is resolved once and the
 * connection uses that answer. Throws Refused when the address is not allowed.
 */
async function request(url: URL, headers: Record<string, string>, signal: AbortSignal, allow: AllowList): Promise<IncomingMessage> {
  // A lookup cannot be cancelled: the try's timeouts end the wait for it instead.
  const pinned = await new Promise<Awaited<ReturnType<typeof pinHost>>>((resolve, reject) => {
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    pinHost(url, allow).then(resolve, reject);
  });
  if ('refused' in pinned) throw new Refused(pinned.refused);
  const lookup: LookupFunction = (_host, opts, done) => (opts.all ? done(null, [pinned]) : done(null, pinned.address, pinned.family));
  return new Promise((resolve, reject) => {
    (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { headers, signal, lookup, agent: false }, resolve).on('error', reject).end();
  });
}

/** One try: streams the body to `part`, appending when the server honours a Range request. */
async function tryOnce(url: string, part: string, opt: DownloadOptions): Promise<string> {
  const have = await sizeOf(part);
  const ctl = new AbortController();
  let why = '';
  const abort = (reason: string) => { why = reason; ctl.abort(); };
  const total = setTimeout(() => abort(`no complete response within ${opt.totalTimeoutMs} ms`), opt.totalTimeoutMs);
  let idle = setTimeout(() => abort(`no data for ${opt.idleTimeoutMs} ms`), opt.idleTimeoutMs);
  const poke = () => { clearTimeout(idle); idle = setTimeout(() => abort(`no data for ${opt.idleTimeoutMs} ms`), opt.idleTimeoutMs); };
  let res: IncomingMessage | undefined;
  const drop = () => res?.destroy();
  try {
    // Redirects are followed here, each hop checked like the first URL: each hop counts as activity
    // for the idle timeout, a loop or a hop to a non-HTTP URL (file:, data:, …) fails at once with its reason.
    const visited = new Set<string>();
    const headers = { 'user-agent': 'influencer-selection/0.1', ...(have ? { range: `bytes=${have}-` } : {}) };
    for (let target = new URL(url); ;) {
      res = await request(target, headers, ctl.signal, opt.allow).catch((e) => {
        throw e instanceof Refused && visited.size ? new Refused(e.message.replace(/^refused: /, 'refused: redirect to ')) : e;
      });
      poke();
      const location = res.headers.location;
      if (!REDIRECTS.has(res.statusCode!) || !location) break;
      drop();
      visited.add(target.href);
      let next: URL;
      try { next = new URL(location, target); } catch { throw new DownloadError(`redirected to a malformed URL`, false); }
      next.hash = '';
      if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new DownloadError(`redirected to a non-HTTP URL (${next.protocol})`, false);
      if (visited.has(next.href)) throw new DownloadError(`redirect loop (${visited.size} hop${visited.size > 1 ? 's' : ''})`, false);
      if (visited.size > MAX_REDIRECTS) throw new DownloadError(`more than ${MAX_REDIRECTS} redirects`, false);
      target = next;
    }
    const status = res.statusCode!;
    if (status === 416 && have > 0) {
      drop();
      throw new StartOver('range not satisfiable');
    }
    if (status < 200 || status >= 300) {
      drop();
      // A 3xx here is a redirect that cannot be followed: no Location header (or a 304).
      const why = status >= 300 && status < 400 ? ' (a redirect without a location)' : '';
      throw new DownloadError(`HTTP ${status} ${res.statusMessage ?? ''}`.trim() + why, status >= 500 || status === 429 || status === 408);
    }
    // Append only when the server resumes exactly where the partial file ends; a 206 from 0 is a
    // whole body; any other range would corrupt the file.
    let append = false;
    if (status === 206 && have > 0) {
      const from = Number(/^bytes\s+(\d+)-/.exec(res.headers['content-range'] ?? '')?.[1] ?? NaN);
      if (from === have) append = true;
      else if (from !== 0) {
        drop();
        throw new StartOver(`server resumed at byte ${from}, not ${have}`);
      }
    }
    const length = Number(res.headers['content-length'] ?? NaN);
    if (Number.isFinite(length) && (append ? have : 0) + length > opt.maxBytes) {
      drop();
      throw new DownloadError(`body of ${length} bytes exceeds the cap of ${opt.maxBytes}`, false);
    }
    const out = createWriteStream(part, { flags: append ? 'a' : 'w' });
    let written = append ? have : 0;
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        poke();
        written += chunk.length;
        if (written > opt.maxBytes) throw new DownloadError(`body exceeds the cap of ${opt.maxBytes} bytes`, false);
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      }
    } finally {
      await new Promise<void>((r) => out.end(r));
    }
    return res.headers['content-type'] ?? '';
  } catch (e) {
    drop();
    if (e instanceof DownloadError || e instanceof StartOver) throw e;
    if (why) throw new DownloadError(`timed out: ${why}`, true);
    const { message, code } = e as NodeJS.ErrnoException;
    throw new DownloadError(`network error: ${message}${code && !message.includes(code) ? ` (${code})` : ''}`, true);
  } finally {
    clearTimeout(total);
    clearTimeout(idle);
  }
}

/** Downloads `url` into the store; returns the content-addressed path. Throws DownloadError. */
export async function download(url: string, opt: DownloadOptions): Promise<Downloaded> {
  const partDir = join(opt.storeDir, '.partial');
  await mkdir(partDir, { recursive: true });
  const part = join(partDir, hashOf(url));
  let attempts = 0;
  let startedOver = false;
  for (;;) {
    attempts++;
    try {
      const contentType = await tryOnce(url, part, opt);
      const sha256 = await sha256File(part);
      const bytes = await sizeOf(part);
      if (bytes === 0) throw new DownloadError('empty body', false);
      const path = join(opt.storeDir, sha256);
      await rename(part, path);
      return { path, sha256, bytes, attempts, contentType };
    } catch (e) {
      if (e instanceof StartOver && !startedOver) { // once, and not counted as a try
        startedOver = true;
        attempts--;
        await rm(part, { force: true });
        continue;
      }
      if (e instanceof Refused) {
        await rm(part, { force: true });
        throw e;
      }
      const err = e instanceof DownloadError ? e : new DownloadError((e as Error).message, false);
      if (!err.transient || attempts > opt.retries) {
        await rm(part, { force: true });
        throw new DownloadError(`${err.message} (after ${attempts} attempt${attempts > 1 ? 's' : ''})`, err.transient);
      }
      await new Promise((r) => setTimeout(r, opt.backoffMs * 2 ** (attempts - 1)));
    }
  }
}

export { sha256File };
