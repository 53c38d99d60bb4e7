// Showing a run in a notebook (or any HTML): a Vega-Lite spec as SVG (rendered here, headless, so the
// output needs no JavaScript and survives `jupyter nbconvert --to html`), rows as an HTML table,
// a face crop as an inline image.
import { readFileSync, existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Renders a Vega-Lite spec to an SVG string (vega's headless renderer; no browser, no canvas). */
export async function svgOf(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESC[c]);

export interface TableOptions<T> {
  /** Columns to show, in order (default: the first row's keys). */
  columns?: (keyof T & string)[];
  /** Headers by column (default: the column name). */
  headers?: Partial<Record<keyof T & string, string>>;
  /** Cells that are already HTML (e.g. an <img>); every other cell is escaped. */
  html?: (keyof T & string)[];
  /** Decimals for non-integer numbers (default 3). */
  digits?: number;
  /** At most this many rows; a last line says how many were left out. */
  limit?: number;
}

function cellText(v: unknown, digits: number): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(digits);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.map((x) => cellText(x, digits)).join(', ');
  return String(v);
}

/** Rows as an HTML table. */
export function htmlTable<T extends object>(rows: T[], opt: TableOptions<T> = {}): string {
  const columns = opt.columns ?? (rows.length ? (Object.keys(rows[0]) as (keyof T & string)[]) : []);
  const html = new Set<string>(opt.html ?? []);
  const digits = opt.digits ?? 3;
  const shown = opt.limit !== undefined ? rows.slice(0, opt.limit) : rows;
  const head = columns.map((c) => `<th>${escapeHtml(opt.headers?.[c] ?? c)}</th>`).join('');
  const body = shown.map((r) => `<tr>${columns.map((c) => {
    const v = (r as Record<string, unknown>)[c];
    const numeric = typeof v === 'number';
    return `<td${numeric ? ' style="text-align:right"' : ''}>${html.has(c) ? String(v ?? '') : escapeHtml(cellText(v, digits))}</td>`;
  }).join('')}</tr>`).join('\n');
  const more = rows.length > shown.length ? `<p>… and ${rows.length - shown.length} more rows.</p>` : '';
  return `<table class="infsel">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>${more}`;
}

/** A face crop as an inline <img> (the crop path is relative to `root`); a grey box when the file is missing. */
export function faceImg(cropPath: string | null | undefined, root: string | null, px = 56, title = ''): string {
  const file = cropPath ? (isAbsolute(cropPath) || !root ? cropPath : join(root, cropPath)) : null;
  const t = title ? ` title="${escapeHtml(title)}" alt="${escapeHtml(title)}"` : ' alt="face"';
  if (!file || !existsSync(file)) return `<span style="display:inline-block;width:${px}px;height:${px}px;background:#ddd"${t}></span>`;
  return `<img src="data:image/jpeg;base64,${readFileSync(file).toString('base64')}" width="${px}" height="${px}" style="object-fit:cover"${t}>`;
}
