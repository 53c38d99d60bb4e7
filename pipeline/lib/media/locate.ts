// Where a posting's media comes from: a local file, a file in the media folder named like the
// URL's last path segment, or an HTTP(S) download. Nothing here touches a shell.
import { existsSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export type MediaSource =
  | { kind: 'local'; path: string }
  | { kind: 'http'; url: string }
  | { kind: 'invalid'; reason: string };

const MAX_URL_LENGTH = 4096;

/** Classifies a URL cell. Local paths are resolved against `baseDir` (the sheet's folder). */
export function classifyUrl(raw: string, baseDir: string): MediaSource {
  const url = raw.trim();
  if (!url) return { kind: 'invalid', reason: 'empty URL' };
  if (url.length > MAX_URL_LENGTH) return { kind: 'invalid', reason: `malformed URL: longer than ${MAX_URL_LENGTH} characters` };
  if (/[\u0000-\u001f]/.test(url)) return { kind: 'invalid', reason: 'malformed URL: control characters' };
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') {
    try {
      const u = new URL(url);
      if (!u.hostname) return { kind: 'invalid', reason: 'malformed URL: no host' };
      return { kind: 'http', url: u.href };
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

/** True when `path` (after resolving symlinks) lies inside one of `roots`. */
export function insideRoots(path: string, roots: string[]): boolean {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    real = resolve(path);
  }
  return roots.some((root) => {
    let r: string;
    try { r = realpathSync(root); } catch { r = resolve(root); }
    const rel = relative(r, real);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && !rel.startsWith(`..${sep}`));
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
