// Links in every output (the HTML report and the PDF printed from it, the notebooks, the xlsx
// export): a URL from the sheet becomes a link only when it is an http: or https: URL; anything else
// (javascript:, data:, vbscript:, file:, …) is shown as text, so a click on it can run nothing and
// open nothing. No imports: the notebooks' tslab kernel compiles this file too.

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ESC[c]);

/**
 * What a link to `url` may point at: the URL as a browser parses it when that is http(s), else null.
 * The scheme is judged after parsing (spaces, tabs, case and entities cannot hide `javascript:`).
 */
export function linkTarget(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** `url` as HTML: a link (labelled `label(href)`) where linkTarget allows one, else escaped text. */
export function htmlLink(url: string | null | undefined, label: (href: string) => string = (href) => href): string {
  if (!url) return '';
  const href = linkTarget(url);
  return href ? `<a href="${esc(href)}" title="${esc(url)}" rel="noreferrer">${esc(label(href))}</a>` : `<span class="not-a-link">${esc(url)}</span>`;
}
