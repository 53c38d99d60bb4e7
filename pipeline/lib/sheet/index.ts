// Reading the analyst's sheet (xlsx or csv) faithfully: every non-empty data row becomes a
// SheetRow with its row number; nothing is dropped here, bad values are flagged for the ledger.
import ExcelJS from 'exceljs';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, extname, isAbsolute, join, resolve } from 'node:path';

export const URL_HEADERS = ['video url', 'url', 'video_url', 'video link', 'link', 'video'];
export const SCORE_HEADERS = ['performance', 'score', 'perf', 'metric'];

export class SheetError extends Error {}

export interface SheetRow {
  /** 1-based position among the sheet's data rows, in sheet order. */
  rowNumber: number;
  /** The row's line in the file as a spreadsheet app shows it (the header is usually line 1). */
  sheetRow: number;
  url: string;
  scoreText: string;
  /** All cells of the row by (unique) column name, including url and score, as text. */
  cells: Record<string, string>;
}

export interface Sheet { file: string; columns: string[]; urlColumn: string; scoreColumn: string; rows: SheetRow[] }

const normHeader = (h: string) => h.trim().toLowerCase().replace(/[\s_]+/g, ' ');

/** HYPERLINK("target", "label") → target (a string literal first argument only). */
const hyperlinkTarget = (formula: string) => /^\s*=?\s*HYPERLINK\s*\(\s*"((?:[^"]|"")*)"/i.exec(formula)?.[1].replaceAll('""', '"') ?? null;

function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    if ('formula' in v || 'sharedFormula' in v) {
      const f = v as ExcelJS.CellFormulaValue & { sharedFormula?: string };
      const target = f.formula ? hyperlinkTarget(f.formula) : null;
      if (target) return target;
      if (f.result !== undefined && f.result !== null) return cellText(f.result as ExcelJS.CellValue);
      // Written by a program and never recalculated: no saved value to read. Kept visible, so the
      // row is rejected with the formula in its reason instead of looking like an empty cell.
      return f.formula ? `=${f.formula}` : `=(shared formula of ${f.sharedFormula})`;
    }
    if ('result' in v) return cellText((v as { result: unknown }).result as ExcelJS.CellValue);
    if ('hyperlink' in v) return String((v as ExcelJS.CellHyperlinkValue).hyperlink || cellText((v as ExcelJS.CellHyperlinkValue).text as ExcelJS.CellValue));
    if ('richText' in v) return (v as ExcelJS.CellRichTextValue).richText.map((t) => t.text).join('');
    if ('text' in v) return String((v as { text: unknown }).text);
    if ('error' in v) return String((v as ExcelJS.CellErrorValue).error);
    return '';
  }
  return String(v);
}

/**
 * Parses CSV text (RFC 4180: quotes, doubled quotes, newlines inside quotes). A quote opens a quoted
 * field only at the start of a field; elsewhere it is an ordinary character. A quoted field still
 * open at the end of the file is an error naming its line (it would otherwise swallow every row
 * after it).
 */
export function parseCsv(text: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let atFieldStart = true;
  let line = 1;
  let quoteLine = 0;
  const src = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\n') line++;
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') { field += '"'; i++; } else quoted = false;
      } else field += c;
    } else if (c === '"' && atFieldStart) { quoted = true; quoteLine = line; atFieldStart = false; }
    else if (c === delimiter) { row.push(field); field = ''; atFieldStart = true; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') { i++; line++; } else if (c === '\r') line++;
      row.push(field); rows.push(row); row = []; field = ''; atFieldStart = true;
    } else { field += c; atFieldStart = false; }
  }
  if (quoted) throw new SheetError(`unterminated quoted field starting on line ${quoteLine}`);
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

/** Text of a CSV file: UTF-8 (BOM or not), UTF-16 with a BOM (Excel's "Unicode text"), else Windows-1252. */
function decodeText(buf: Buffer): string {
  if (buf[0] === 0xff && buf[1] === 0xfe) return new TextDecoder('utf-16le').decode(buf.subarray(2));
  if (buf[0] === 0xfe && buf[1] === 0xff) return new TextDecoder('utf-16be').decode(buf.subarray(2));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    return new TextDecoder('windows-1252').decode(buf);
  }
}

/** The delimiter of the first non-blank line: the most frequent of , ; and tab (comma on ties). */
function sniffDelimiter(text: string): string {
  const first = text.replace(/^\uFEFF/, '').split(/\r?\n|\r/).find((l) => l.trim()) ?? '';
  const unquoted = first.replace(/"[^"]*"/g, '');
  const count = (d: string) => unquoted.split(d).length - 1;
  return [',', ';', '\t'].reduce((best, d) => (count(d) > count(best) ? d : best), ',');
}

const MAX_HEADER_SEARCH = 20;
const isUrlHeader = (h: string) => URL_HEADERS.includes(normHeader(h));
const isScoreHeader = (h: string) => SCORE_HEADERS.includes(normHeader(h));

/**
 * The header row: the first of the top rows naming both a URL and a score column (a title banner
 * or notes may sit above it), else the first naming a URL column, else the first non-blank row.
 */
function headerIndex(grid: string[][]): number {
  const top = grid.slice(0, MAX_HEADER_SEARCH);
  let i = top.findIndex((r) => (r ?? []).some(isUrlHeader) && (r ?? []).some(isScoreHeader));
  if (i < 0) i = top.findIndex((r) => (r ?? []).some(isUrlHeader));
  if (i < 0) i = top.findIndex((r) => (r ?? []).some((v) => (v ?? '').trim() !== ''));
  return Math.max(0, i);
}

async function readGrid(file: string): Promise<string[][]> {
  const ext = extname(file).toLowerCase();
  if (ext === '.csv' || ext === '.txt' || ext === '.tsv') {
    const text = decodeText(await readFile(file));
    try {
      return parseCsv(text, ext === '.tsv' ? '\t' : sniffDelimiter(text));
    } catch (e) {
      throw e instanceof SheetError ? new SheetError(`${basename(file)}: ${e.message} [${file}]`) : e;
    }
  }
  if (ext === '.xlsx' || ext === '.xlsm') {
    const wb = new ExcelJS.Workbook();
    try {
      await wb.xlsx.readFile(file);
    } catch (e) {
      throw new SheetError(`${file}: not a readable xlsx file (${(e as Error).message})`);
    }
    // The first worksheet with a URL and a score header is the data (else the first with a URL
    // header, else the first worksheet); the others (notes, pivots) are ignored.
    const grids: string[][][] = [];
    for (const ws of wb.worksheets) {
      const grid: string[][] = [];
      // columnCount scans every row on each read: read it once (10,000 rows took 23 s, now < 1 s).
      const columnCount = ws.columnCount;
      ws.eachRow({ includeEmpty: true }, (r, n) => {
        const vals: string[] = [];
        for (let c = 1; c <= columnCount; c++) vals.push(cellText(r.getCell(c).value).trim());
        grid[n - 1] = vals;
      });
      for (let i = 0; i < grid.length; i++) grid[i] ??= [];
      grids.push(grid);
    }
    const hdr = (g: string[][]) => g[headerIndex(g)] ?? [];
    return grids.find((g) => hdr(g).some(isUrlHeader) && hdr(g).some(isScoreHeader))
      ?? grids.find((g) => hdr(g).some(isUrlHeader)) ?? grids[0] ?? [];
  }
  throw new SheetError(`${file}: unsupported sheet type "${ext || '(none)'}"; expected .xlsx or .csv`);
}

/** Reads the sheet; throws SheetError naming the file and the expected columns if url/score are missing. */
export async function readSheet(file: string): Promise<Sheet> {
  const grid = await readGrid(file);
  const h = headerIndex(grid);
  const header = (grid[h] ?? []).map((v) => (v ?? '').trim());
  const norm = header.map(normHeader);
  const urlIdx = URL_HEADERS.map((n) => norm.indexOf(n)).find((i) => i >= 0) ?? -1;
  const scoreIdx = SCORE_HEADERS.map((n) => norm.indexOf(n)).find((i) => i >= 0) ?? -1;
  const missing: string[] = [];
  if (urlIdx < 0) missing.push(`a URL column (one of: ${URL_HEADERS.join(', ')})`);
  if (scoreIdx < 0) missing.push(`a score column (one of: ${SCORE_HEADERS.join(', ')})`);
  if (missing.length) {
    throw new SheetError(`${basename(file)}: missing ${missing.join(' and ')}; found columns: ${header.filter(Boolean).map((v) => JSON.stringify(v)).join(', ') || '(none — empty file?)'} [${file}]`);
  }
  // Column names are unique (a repeated header gets " (2)", a blank one "column_N"), so no cell
  // is ever written over another in `cells`.
  const columns: string[] = [];
  const taken = new Set<string>();
  header.forEach((v, i) => {
    let name = v || `column_${i + 1}`;
    for (let k = 2; taken.has(name); k++) name = `${v || `column_${i + 1}`} (${k})`;
    taken.add(name);
    columns.push(name);
  });
  const rows: SheetRow[] = [];
  for (let i = h + 1; i < grid.length; i++) {
    const vals = grid[i] ?? [];
    if (vals.every((v) => (v ?? '').trim() === '')) continue; // blank lines are not postings
    const cells: Record<string, string> = {};
    columns.forEach((c, j) => { cells[c] = (vals[j] ?? '').trim(); });
    // Cells beyond the header (an unquoted comma, a stray value) are kept, not dropped.
    for (let j = columns.length; j < vals.length; j++) {
      if ((vals[j] ?? '').trim()) cells[`column_${j + 1}`] = vals[j].trim();
    }
    rows.push({ rowNumber: rows.length + 1, sheetRow: i + 1, url: (vals[urlIdx] ?? '').trim(), scoreText: (vals[scoreIdx] ?? '').trim(), cells });
  }
  return { file, columns, urlColumn: columns[urlIdx], scoreColumn: columns[scoreIdx], rows };
}

/**
 * Parses a performance number as analysts write it: "1.5", "1,5" (decimal comma), "1,234.5" and
 * "1.234,5" (thousands separators), "12%" (→ 0.12), "$3.50" / "2 €" (a currency sign), "−0.5"
 * (a Unicode minus), " 3 ". Returns null for anything else (text, empty, NaN, Infinity).
 * "1,234" is read as 1234 (thousands), "1,5" as 1.5.
 */
export function parseScore(text: string): number | null {
  let s = text.trim().replace(/[\s\u00a0\u2007\u2009\u202f]/g, '').replace(/\u2212/g, '-');
  if (!s) return null;
  let percent = false;
  if (s.endsWith('%')) { percent = true; s = s.slice(0, -1); }
  const lead = /^([-+]?)[$€£¥]/.exec(s);
  if (lead) s = lead[1] + s.slice(lead[0].length);
  else if (/[$€£¥]$/.test(s)) s = s.slice(0, -1);
  if (/^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) s = s.replaceAll(',', '');
  else if (/^[-+]?\d{1,3}(\.\d{3})+,\d+$/.test(s) || /^[-+]?\d{1,3}(\.\d{3}){2,}$/.test(s)) s = s.replaceAll('.', '').replace(',', '.');
  else if (/^[-+]?\d+,\d+$/.test(s)) s = s.replace(',', '.');
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return null;
  const v = percent ? Number(s) / 100 : Number(s);
  return Number.isFinite(v) ? v : null;
}

// ---- Batches: several sheet files (paths and/or globs), each one batch, ordered by file name. ----

const hasWildcard = (s: string) => /[*?[]/.test(s);

/** A glob segment (`*`, `?`, `[abc]`) as a RegExp; `*` and `?` never match a leading dot. */
function segmentRegex(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 1);
      if (end < 0) { re += '\\['; continue; }
      let body = seg.slice(i + 1, end);
      if (body.startsWith('!')) body = '^' + body.slice(1);
      re += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function expandGlob(pattern: string, cwd: string): string[] {
  const abs = isAbsolute(pattern);
  const segs = pattern.split(/[\\/]+/).filter((s, i) => s !== '' || i === 0);
  let found: string[] = [abs ? '/' : ''];
  segs.forEach((seg, k) => {
    if (k === 0 && abs && seg === '') return;
    const last = k === segs.length - 1;
    const next: string[] = [];
    for (const base of found) {
      const dir = resolve(cwd, base || '.');
      if (!hasWildcard(seg)) { next.push(join(base, seg)); continue; }
      if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
      const re = segmentRegex(seg);
      for (const name of readdirSync(dir)) {
        if (name.startsWith('.') && !seg.startsWith('.')) continue;
        if (!re.test(name)) continue;
        const st = statSync(join(dir, name));
        if (last ? st.isFile() : st.isDirectory()) next.push(join(base, name));
      }
    }
    found = next;
  });
  return found.filter((f) => existsSync(resolve(cwd, f)));
}

const byName = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });

/** Orders batch files by file name (numbers compared as numbers), then by their full path. */
export function compareBatches(a: string, b: string): number {
  return byName.compare(basename(a), basename(b)) || byName.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * The batch files named by `specs` (paths and/or globs such as `data/raw/*.csv`, relative to
 * `cwd`), each once, ordered by file name. Spreadsheet lock files (`~$x.xlsx`) and dot files are
 * skipped by globs. A plain path that does not exist, or no file at all, is an error.
 */
export function listBatches(specs: string[], cwd = process.cwd()): string[] {
  const out = new Map<string, string>();
  for (const spec of specs) {
    if (!spec || !spec.trim()) continue;
    if (!hasWildcard(spec)) {
      if (!existsSync(resolve(cwd, spec))) throw new SheetError(`input sheet not found: ${spec}`);
      out.set(resolve(cwd, spec), spec);
      continue;
    }
    for (const f of expandGlob(spec, cwd)) {
      if (basename(f).startsWith('~$')) continue;
      if (!['.csv', '.xlsx'].includes(extname(f).toLowerCase())) continue;
      if (!out.has(resolve(cwd, f))) out.set(resolve(cwd, f), f);
    }
  }
  if (!out.size) throw new SheetError(`no input sheet found for ${JSON.stringify(specs)}`);
  return [...out.values()].sort(compareBatches);
}

/**
 * The sheet specs of `params.yaml: input`: `input.sheet` (one file, the older form) when set,
 * else the list `input.sheets` (a string is taken as a one-item list).
 */
export function sheetSpecs(input: { sheet?: string | null; sheets?: string[] | string | null }): string[] {
  if (typeof input.sheet === 'string' && input.sheet.trim()) return [input.sheet];
  const s = input.sheets;
  if (Array.isArray(s)) return s.map(String);
  if (typeof s === 'string' && s.trim()) return [s];
  throw new SheetError('params.yaml: set input.sheets (a list of sheet files and/or globs) or input.sheet');
}

/** A short name per batch file: its file name, or its path where two batches share a file name. */
export function batchNames(files: string[]): string[] {
  const count = new Map<string, number>();
  for (const f of files) count.set(basename(f), (count.get(basename(f)) ?? 0) + 1);
  return files.map((f) => (count.get(basename(f))! > 1 ? f : basename(f)));
}
