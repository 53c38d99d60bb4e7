// Reading the analyst's sheet (xlsx or csv) faithfully: every non-empty data row becomes a
// SheetRow with its row number; nothing is dropped here, bad values are flagged for the ledger.
import ExcelJS from 'exceljs';
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';

export const URL_HEADERS = ['video url', 'url', 'video_url', 'video link', 'link', 'video'];
export const SCORE_HEADERS = ['performance', 'score', 'perf', 'metric'];

export class SheetError extends Error {}

export interface SheetRow {
  /** 1-based position among the sheet's data rows, in sheet order. */
  rowNumber: number;
  /** The row's line in the file as a spreadsheet app shows it (header is line 1). */
  sheetRow: number;
  url: string;
  scoreText: string;
  /** All cells of the row by header name (including url and score), as text. */
  cells: Record<string, string>;
}

export interface Sheet { file: string; columns: string[]; urlColumn: string; scoreColumn: string; rows: SheetRow[] }

const normHeader = (h: string) => h.trim().toLowerCase().replace(/[\s_]+/g, ' ');

function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    if ('result' in v) return cellText((v as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue);
    if ('hyperlink' in v) return String((v as ExcelJS.CellHyperlinkValue).hyperlink || (v as ExcelJS.CellHyperlinkValue).text);
    if ('richText' in v) return (v as ExcelJS.CellRichTextValue).richText.map((t) => t.text).join('');
    if ('text' in v) return String((v as { text: unknown }).text);
    if ('error' in v) return String((v as ExcelJS.CellErrorValue).error);
    return '';
  }
  return String(v);
}

/** Parses CSV text (RFC 4180: quotes, doubled quotes, newlines inside quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const src = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') { field += '"'; i++; } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += c;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

async function readGrid(file: string): Promise<string[][]> {
  const ext = extname(file).toLowerCase();
  if (ext === '.csv' || ext === '.txt') return parseCsv(await readFile(file, 'utf8'));
  if (ext === '.xlsx' || ext === '.xlsm') {
    const wb = new ExcelJS.Workbook();
    try {
      await wb.xlsx.readFile(file);
    } catch (e) {
      throw new SheetError(`${file}: not a readable xlsx file (${(e as Error).message})`);
    }
    // The first worksheet that has a recognisable header is the data; others are ignored.
    let first: string[][] | undefined;
    for (const ws of wb.worksheets) {
      const grid: string[][] = [];
      ws.eachRow({ includeEmpty: true }, (r, n) => {
        const vals: string[] = [];
        for (let c = 1; c <= ws.columnCount; c++) vals.push(cellText(r.getCell(c).value).trim());
        grid[n - 1] = vals;
      });
      for (let i = 0; i < grid.length; i++) grid[i] ??= [];
      first ??= grid;
      if ((grid[0] ?? []).map(normHeader).some((h) => URL_HEADERS.includes(h))) return grid;
    }
    return first ?? [];
  }
  throw new SheetError(`${file}: unsupported sheet type "${ext || '(none)'}"; expected .xlsx or .csv`);
}

/** Reads the sheet; throws SheetError naming the file and the expected columns if url/score are missing. */
export async function readSheet(file: string): Promise<Sheet> {
  const grid = await readGrid(file);
  const header = (grid[0] ?? []).map((h) => h.trim());
  const norm = header.map(normHeader);
  const urlIdx = URL_HEADERS.map((h) => norm.indexOf(h)).find((i) => i >= 0) ?? -1;
  const scoreIdx = SCORE_HEADERS.map((h) => norm.indexOf(h)).find((i) => i >= 0) ?? -1;
  const missing: string[] = [];
  if (urlIdx < 0) missing.push(`a URL column (one of: ${URL_HEADERS.join(', ')})`);
  if (scoreIdx < 0) missing.push(`a score column (one of: ${SCORE_HEADERS.join(', ')})`);
  if (missing.length) {
    throw new SheetError(`${basename(file)}: missing ${missing.join(' and ')}; found columns: ${header.filter(Boolean).map((h) => JSON.stringify(h)).join(', ') || '(none — empty file?)'} [${file}]`);
  }
  const columns = header.map((h, i) => h || `column_${i + 1}`);
  const rows: SheetRow[] = [];
  for (let i = 1; i < grid.length; i++) {
    const vals = grid[i] ?? [];
    if (vals.every((v) => (v ?? '').trim() === '')) continue; // blank lines are not postings
    const cells: Record<string, string> = {};
    columns.forEach((c, j) => { cells[c] = (vals[j] ?? '').trim(); });
    rows.push({ rowNumber: rows.length + 1, sheetRow: i + 1, url: cells[columns[urlIdx]], scoreText: cells[columns[scoreIdx]], cells });
  }
  return { file, columns, urlColumn: columns[urlIdx], scoreColumn: columns[scoreIdx], rows };
}

/**
 * Parses a performance number as analysts write it: "1.5", "1,5" (decimal comma), "1,234.5",
 * "12%" (→ 0.12), " 3 ". Returns null for anything else (text, empty, NaN, Infinity).
 */
export function parseScore(text: string): number | null {
  let s = text.trim().replace(/[\s\u00a0]/g, '');
  if (!s) return null;
  let scale = 1;
  if (s.endsWith('%')) { scale = 0.01; s = s.slice(0, -1); }
  if (/^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(s)) s = s.replaceAll(',', '');
  else if (/^[-+]?\d+,\d+$/.test(s)) s = s.replace(',', '.');
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) return null;
  const v = Number(s) * scale;
  return Number.isFinite(v) ? v : null;
}
