// Spreadsheet exports of the report: reports/influencers.xlsx (one sheet per section: the ranked
// people with a face thumbnail per row, videos per person, the row ledger, reliability) and
// reports/influencers.csv (the ranked table), with the analyst's names beside the IDs and sheets of
// the corrections and of each person's tracks. Built from the same ReportModel as the HTML, and the
// same face thumbnails (images.ts), so the three outputs cannot disagree.
import ExcelJS from 'exceljs';
import { rename, writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { measureLabel } from './charts.ts';
import { linkTarget } from './links.ts';
import type { ReportModel } from './model.ts';
import { correctionCommand, nameAndId, statusLabel } from './model.ts';

type Cell = string | number | boolean | null;
/** One column of an export: header, value of a row, Excel number format (numbers only), width. */
interface Column<T, V = Cell> { key: string; header: string; value: (r: T) => V; numFmt?: string; width?: number }
type SheetColumn<T> = Column<T, Cell | ExcelJS.CellHyperlinkValue>;

/** A URL cell: a hyperlink where linkTarget allows one (http/https), else the text as written. */
const urlCell = (url: string | null): Cell | ExcelJS.CellHyperlinkValue => {
  const href = linkTarget(url);
  return href ? { text: url!, hyperlink: href } : url;
};

const INT = '0', NUM = '0.000', REL = '0.00', PCT = '0.0%';

type Person = ReportModel['people'][number];

/**
 * The ranked table (the HTML ranking's columns, same order; the face is its ID here). Keys are the
 * `influencer_stats` column names, so the CSV reads back as that table.
 */
export const RANKING_COLUMNS: Column<Person>[] = [
  { key: 'rank', header: 'rank', value: (p) => p.rank, numFmt: INT, width: 6 },
  { key: 'exemplar_face_id', header: 'face', value: (p) => p.exemplar_face_id, width: 9 },
  { key: 'influencer_id', header: 'person (stable ID)', value: (p) => p.influencer_id, width: 18 },
  { key: 'name', header: 'name (people.yaml)', value: (p) => p.name, width: 18 },
  { key: 'corrected', header: 'corrected by analyst', value: (p) => [...new Set(p.marks.map((m) => m.label))].join(', ') || null, width: 18 },
  { key: 'n_videos', header: 'videos', value: (p) => p.n_videos, numFmt: INT, width: 8 },
  { key: 'n_postings', header: 'postings', value: (p) => p.n_postings, numFmt: INT, width: 9 },
  { key: 'shrunken_mean', header: 'shrunken mean', value: (p) => p.shrunken_mean, numFmt: NUM, width: 14 },
  { key: 'mean', header: 'raw mean', value: (p) => p.mean, numFmt: NUM, width: 10 },
  { key: 'ci_low', header: '95% interval low', value: (p) => p.ci_low, numFmt: NUM, width: 10 },
  { key: 'ci_high', header: '95% interval high', value: (p) => p.ci_high, numFmt: NUM, width: 10 },
  { key: 'sd', header: 'SD', value: (p) => p.sd, numFmt: NUM, width: 8 },
  { key: 'reliability', header: 'reliability', value: (p) => p.reliability, numFmt: REL, width: 11 },
  { key: 'seen_in_videos', header: 'seen in (videos)', value: (p) => p.videos.length, numFmt: INT, width: 10 },
];

const csvCell = (v: Cell): string => {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : ''; // shortest round-trip form
  const s = String(v);
  return /[",\n\r]/.test(s) || s !== s.trim() ? `"${s.replaceAll('"', '""')}"` : s;
};

/** The ranked table as CSV (header = influencer_stats column names; numbers at full precision). */
export function rankingCsv(model: ReportModel): string {
  const lines = [RANKING_COLUMNS.map((c) => c.key).join(',')];
  for (const p of model.people) lines.push(RANKING_COLUMNS.map((c) => csvCell(c.value(p))).join(','));
  return lines.join('\n') + '\n';
}

/** A data URI (image/jpeg or image/png) as bytes; other types (the SVG placeholder) are rendered to PNG. */
async function imageOf(uri: string | undefined, px: number): Promise<{ buffer: Buffer; extension: 'jpeg' | 'png' } | null> {
  if (!uri) return null;
  const m = /^data:image\/([a-z+]+);base64,(.*)$/s.exec(uri);
  if (!m) return null;
  const buf = Buffer.from(m[2], 'base64');
  if (m[1] === 'jpeg' || m[1] === 'png') return { buffer: buf, extension: m[1] };
  try {
    return { buffer: await sharp(buf).resize(px, px).png().toBuffer(), extension: 'png' };
  } catch {
    return null;
  }
}

function addSheet<T>(wb: ExcelJS.Workbook, name: string, cols: SheetColumn<T>[], rows: T[]): ExcelJS.Worksheet {
  const ws = wb.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = cols.map((c) => ({ header: c.header, key: c.key, width: c.width ?? 12 }));
  ws.getRow(1).font = { bold: true };
  for (const r of rows) {
    const row = ws.addRow(cols.map((c) => {
      const v = c.value(r);
      return typeof v === 'number' && !Number.isFinite(v) ? null : v;
    }));
    cols.forEach((c, j) => { if (c.numFmt) row.getCell(j + 1).numFmt = c.numFmt; });
  }
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: cols.length } };
  return ws;
}

export interface XlsxOptions {
  /** Face thumbnails by face ID as data URIs (images.ts `thumbnails(...).uris`). */
  thumbs: Map<string, string>;
  /** Size the thumbnail is shown at in the sheet, in pixels. */
  thumbPx?: number;
  title?: string;
}

/** The workbook: People (ranked, a face per row), Videos per person, Rows (the ledger), Reliability. */
export async function rankingWorkbook(model: ReportModel, opt: XlsxOptions): Promise<ExcelJS.Workbook> {
  const px = opt.thumbPx ?? 48;
  const wb = new ExcelJS.Workbook();
  wb.creator = 'influencer-selection';
  wb.title = opt.title ?? 'Influencer report';

  const people = addSheet(wb, 'People', RANKING_COLUMNS.map((c) => (c.key === 'exemplar_face_id' ? { ...c, value: () => null } : c)), model.people);
  const faceCol = RANKING_COLUMNS.findIndex((c) => c.key === 'exemplar_face_id');
  for (let i = 0; i < model.people.length; i++) {
    const p = model.people[i];
    const row = people.getRow(i + 2);
    row.height = px * 0.75 + 4; // points
    const img = await imageOf(p.exemplar_face_id ? opt.thumbs.get(p.exemplar_face_id) : undefined, px);
    if (!img) continue;
    const id = wb.addImage({ buffer: img.buffer as unknown as ExcelJS.Buffer, extension: img.extension });
    people.addImage(id, { tl: { col: faceCol + 0.05, row: i + 1.05 } as ExcelJS.Anchor, ext: { width: px, height: px }, editAs: 'oneCell' });
  }

  type PV = Person['videos'][number] & { person: Person };
  const videos: PV[] = model.people.flatMap((p) => p.videos.map((v) => ({ ...v, person: p })));
  addSheet<PV>(wb, 'Videos per person', [
    { key: 'rank', header: 'rank', value: (v) => v.person.rank, numFmt: INT, width: 6 },
    { key: 'influencer_id', header: 'person', value: (v) => v.person.influencer_id, width: 14 },
    { key: 'name', header: 'name', value: (v) => v.person.name, width: 16 },
    { key: 'video_id', header: 'video', value: (v) => v.video_id, width: 20 },
    { key: 'score', header: 'score', value: (v) => v.score, numFmt: NUM, width: 9 },
    { key: 'n_postings', header: 'postings', value: (v) => v.n_postings, numFmt: INT, width: 9 },
    { key: 'screen_share', header: 'screen share', value: (v) => v.screen_share, numFmt: PCT, width: 12 },
    { key: 'n_faces', header: 'faces', value: (v) => v.n_faces, numFmt: INT, width: 7 },
    { key: 'credited', header: 'credited', value: (v) => v.credited, width: 9 },
    { key: 'canonical_url', header: 'posted at', value: (v) => urlCell(v.canonical_url), width: 60 },
  ], videos);

  type L = ReportModel['ledger'][number];
  addSheet<L>(wb, 'Rows', [
    { key: 'row_number', header: 'row', value: (r) => r.row_number, numFmt: INT, width: 6 },
    { key: 'batch', header: 'batch', value: (r) => r.batch ?? null, width: 18 },
    { key: 'batch_row', header: 'batch row', value: (r) => r.batch_row ?? null, numFmt: INT, width: 9 },
    { key: 'sheet_row', header: 'sheet line', value: (r) => r.sheet_row, numFmt: INT, width: 9 },
    { key: 'url', header: 'URL', value: (r) => urlCell(r.url), width: 60 },
    { key: 'performance', header: 'performance', value: (r) => r.performance, numFmt: NUM, width: 12 },
    { key: 'status', header: 'status', value: (r) => r.status, width: 18 },
    { key: 'meaning', header: 'meaning', value: (r) => statusLabel(r.status), width: 30 },
    { key: 'reason', header: 'reason', value: (r) => r.reason, width: 60 },
    { key: 'video_id', header: 'video', value: (r) => r.video_id, width: 20 },
  ], model.ledger);

  type R = ReportModel['reliability'][number];
  addSheet<R>(wb, 'Reliability', [
    { key: 'measure', header: 'measure', value: (r) => measureLabel(r.measure), width: 40 },
    { key: 'icc', header: 'ICC', value: (r) => r.icc, numFmt: REL, width: 8 },
    { key: 'ci_low', header: '95% interval low', value: (r) => r.ci_low, numFmt: REL, width: 10 },
    { key: 'ci_high', header: '95% interval high', value: (r) => r.ci_high, numFmt: REL, width: 10 },
    { key: 'n_groups', header: 'groups', value: (r) => r.n_groups ?? null, numFmt: INT, width: 8 },
    { key: 'n_obs', header: 'observations', value: (r) => r.n_obs ?? null, numFmt: INT, width: 12 },
    { key: 'reading', header: 'reading', value: (r) => r.reading ?? null, width: 100 },
  ], model.reliability);

  // The analyst's corrections (people.yaml) as the cluster stage applied them, and each person's tracks
  // (what a split names), with the command that writes each correction.
  type C = ReportModel['corrections'][number];
  const named = (id: string) => nameAndId(model.names, id);
  addSheet<C>(wb, 'Corrections', [
    { key: 'line', header: 'people.yaml line', value: (c) => c.line, numFmt: INT, width: 8 },
    { key: 'kind', header: 'kind', value: (c) => c.kind, width: 12 },
    { key: 'text', header: 'correction', value: (c) => c.text, width: 50 },
    { key: 'status', header: 'status', value: (c) => c.status, width: 14 },
    { key: 'influencer_ids', header: 'people now', value: (c) => c.influencer_ids.map(named).join(', '), width: 30 },
    { key: 'track_ids', header: 'tracks', value: (c) => c.track_ids.join(', '), width: 40 },
    { key: 'reason', header: 'reason', value: (c) => (c.kind === 'not_a_person' ? 'analyst' : null), width: 9 },
    { key: 'note', header: 'note', value: (c) => c.note, width: 40 },
  ], model.corrections);
  type T = Person['tracks'][number] & { person: Person };
  addSheet<T>(wb, 'Tracks per person', [
    { key: 'influencer_id', header: 'person', value: (t) => t.person.influencer_id, width: 14 },
    { key: 'name', header: 'name', value: (t) => t.person.name, width: 16 },
    { key: 'track_id', header: 'track', value: (t) => t.track_id, width: 24 },
    { key: 'video_id', header: 'video', value: (t) => t.video_id, width: 20 },
    { key: 'n_faces', header: 'faces', value: (t) => t.n_faces, numFmt: INT, width: 7 },
    { key: 'split', header: 'split it out of the person', value: (t) => (t.person.tracks.length > 1 ? correctionCommand.split(t.person.influencer_id, t.track_id) : null), width: 80 },
  ], model.people.flatMap((p) => p.tracks.map((t) => ({ ...t, person: p }))));
  return wb;
}

export interface ExportPaths { xlsx: string; csv: string }

/** Writes both exports (each to a temp file, then renamed). */
export async function writeExports(model: ReportModel, paths: ExportPaths, opt: XlsxOptions): Promise<{ xlsx_bytes: number; csv_rows: number }> {
  const wb = await rankingWorkbook(model, opt);
  const buf = Buffer.from(await wb.xlsx.writeBuffer());
  await writeFile(`${paths.xlsx}.tmp`, buf);
  await rename(`${paths.xlsx}.tmp`, paths.xlsx);
  await writeFile(`${paths.csv}.tmp`, rankingCsv(model));
  await rename(`${paths.csv}.tmp`, paths.csv);
  return { xlsx_bytes: buf.length, csv_rows: model.people.length };
}
