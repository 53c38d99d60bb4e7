// Where a posting's media comes from: a local file, a file in the media folder named like the
// URL's last path segment, or an HTTP(S) download. Nothing here touches a shell.
import { existsSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export type MediaSource =
  | { kind: 'local'; path: string }
  | { kind: 'http'; url: string }
  | { kind: 'invalid'; reason: string };

const MAX_URL_LENGTH = 4096;

/**
 * Query parameters that only say where a click came from (ad and mail tracking). They never change
 * the media a URL points to, so they are dropped before fetching: the same video posted with
 * different campaign tags is fetched once (and never leaks the tags), and dedup groups the rows.
 */
const TRACKING_PARAM = /^(utm_[a-z0-9_]+|fbclid|gclid|gclsrc|dclid|gbraid|wbraid|msclkid|yclid|ttclid|twclid|igshid|igsh|li_fat_id|mc_cid|mc_eid|_ga|_gl|_hsenc|_hsmi|mkt_tok|oly_anon_id|oly_enc_id|rb_clickid|s_cid|vero_id|wickedid)$/i;

/** Spreadsheet error values (a formula that failed) are never a URL or a path. */
const SHEET_ERROR = /^#(N\/A|REF!|VALUE!|DIV\/0!|NAME\?|NULL!|NUM!|SPILL!|CALC!|FIELD!|BLOCKED!|CONNECT!|BUSY!|GETTING_DATA|UNKNOWN!)$/i;

/**
 * The form of an http(s) URL used to fetch it and to recognise the same request: scheme and host
 * lower-cased, default port dropped, percent-encoding normalised (WHATWG URL), the #fragment
 * (never sent to a server) and tracking parameters removed. Path case, a trailing slash and every
 * other parameter are kept: servers may answer differently to them (identical bytes are still
 * grouped later by their sha256).
 */
export function canonicalUrl(href: string): string {
  const u = new URL(href);
  u.hash = '';
  // The other parameters are kept byte for byte (signed URLs sign their exact encoding).
  const keyOf = (pair: string) => { try { return decodeURIComponent(pair.split('=')[0].replaceAll('+', ' ')); } catch { return pair; } };
  const kept = u.search.slice(1).split('&').filter((pair) => pair && !TRACKING_PARAM.test(keyOf(pair)));
  u.search = kept.length ? `?${kept.join('&')}` : '';
  return u.href;
}

/** Classifies a URL cell. Local paths are resolved against `baseDir` (the sheet's folder). */
export function classifyUrl(raw: string, baseDir: string): MediaSource {
  const url = raw.trim();
  if (!url) return { kind: 'invalid', reason: 'empty URL' };
  if (url.length > MAX_URL_LENGTH) return { kind: 'invalid', reason: `malformed URL: longer than ${MAX_URL_LENGTH} characters` };
  if (/[\u0000-\u001f\u007f]/.test(url)) return { kind: 'invalid', reason: 'malformed URL: control characters' };
  if (SHEET_ERROR.test(url)) return { kind: 'invalid', reason: `malformed URL: spreadsheet error "${url}"` };
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') {
    try {
      const u = new URL(url);
      if (!u.hostname) return { kind: 'invalid', reason: 'malformed URL: no host' };
      // fetch refuses them, and a password has no business in a sheet.
      if (u.username || u.password) return { kind: 'invalid', reason: 'malformed URL: a user name or password in the URL is not supported' };
      return { kind: 'http', url: canonicalUrl(u.href) };
    } catch {
      return { kind: 'invalid', reason: 'malformed URL' };
    }
  }
  if (scheme === 'file') {
    try {
      return { kind: 'local', path: fileURLToPath(url) };
    } catch (e) {
      return { kind: 'invalid', reason: `malformed file URL: ${(e as Error).message}` };
    }
  }
  // A one-letter "scheme" is a Windows drive letter, not a scheme; anything else is unsupported.
  if (scheme && scheme.length > 1) return { kind: 'invalid', reason: `malformed URL: unsupported scheme "${scheme}:"` };
  if (/^(www\.|[a-z0-9-]+\.[a-z]{2,}\/)/i.test(url)) return { kind: 'invalid', reason: 'malformed URL: no scheme (http:// or https://)' };
  return { kind: 'local', path: isAbsolute(url) ? url : resolve(baseDir, url) };
}

/** The URL's last path segment as a safe file name, or null (no traversal, no separators). */
export function lastSegment(url: string): string | null {
  let seg: string;
  try {
    seg = decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).pop() ?? '');
  } catch {
    return null;
  }
  if (!seg || seg === '.' || seg === '..' || seg.includes('/') || seg.includes('\\') || seg.includes('\0') || seg.length > 255) return null;
  return seg;
}

/** The real path of `path`: symlinks resolved; for a path that does not exist, its deepest existing folder's. */
function realPath(path: string): string {
  const abs = resolve(path);
  const tail: string[] = [];
  for (let dir = abs; ;) {
    try {
      return join(realpathSync(dir), ...tail);
    } catch {
      const up = dirname(dir);
      if (up === dir) return abs;
      tail.unshift(basename(dir));
      dir = up;
    }
  }
}

/** True when `path` (after resolving symlinks) lies inside one of `roots`. */
export function insideRoots(path: string, roots: string[]): boolean {
  const real = realPath(path);
  return roots.some((root) => {
    const rel = relative(realPath(root), real);
    return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
  });
}

/** A file in the media folder named like the URL's last path segment, if there is one. */
export function findInMediaDir(url: string, mediaDir: string | undefined): string | null {
  if (!mediaDir) return null;
  const seg = lastSegment(url);
  if (!seg) return null;
  const p = join(mediaDir, seg);
  try {
    return existsSync(p) && statSync(p).isFile() ? p : null;
  } catch {
    return null;
  }
}
