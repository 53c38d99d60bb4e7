// Stage report: the warehouse → reports/index.html (one self-contained file: charts, tables, face
// thumbnails), reports/influencers.pdf (the same, printed by headless Chromium) and
// reports/contact-sheet.jpg (one row of faces per person), reports/influencers.xlsx (one sheet per
// section, a face per ranked row) and reports/influencers.csv (the ranked table). Usage: npx tsx pipeline/stages/report.ts
// (params: report, and the sections the report shows: input, dedup, faces, embed, cluster, people)
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { buildModel, facesShown } from '../lib/report/model.ts';
import { contactSheet } from '../lib/report/contact-sheet.ts';
import { writeExports } from '../lib/report/exports.ts';
import { renderHtml } from '../lib/report/html.ts';
import { thumbnails } from '../lib/report/images.ts';
import { launchChromium, printPdf } from '../lib/report/pdf.ts';
import { reportParams, runInfo } from '../lib/report/run-info.ts';
import { loadTables, TABLES } from '../lib/report/tables.ts';
import { vendorScripts } from '../lib/report/vendor.ts';
import { loadParams, summarise, type Params } from '../lib/run/index.ts';
import { listBatches, sheetSpecs } from '../lib/sheet/index.ts';

const OUT = { html: 'reports/index.html', pdf: 'reports/influencers.pdf', sheet: 'reports/contact-sheet.jpg', xlsx: 'reports/influencers.xlsx', csv: 'reports/influencers.csv' };
const SHOWN = ['report', 'input', 'dedup', 'faces', 'embed', 'cluster', 'people'];
const ROOT = resolve(import.meta.dirname, '../..');

// Each section is optional here (a warehouse made before the report existed has no `report:`).
const params: Params = Object.assign({}, ...SHOWN.map((s) => {
  try { return loadParams([s]); } catch (e) { if (/missing section/.test(String(e))) return {}; throw e; }
}));
const rp = reportParams(params.report);
params.report = rp;
const clock = performance.now();
// Chromium starts while the tables load and the HTML is built (its launch runs on the other core).
const browser = rp.pdf ? launchChromium(rp.chromium) : undefined;
browser?.catch(() => {}); // a failed launch is thrown where the PDF is printed
const lap = (() => { let t = clock; return () => { const d = (performance.now() - t) / 1000; t = performance.now(); return d; }; })();

const tables = await loadTables();
const model = buildModel(tables, {
  creditMinScreenShare: params.people?.credit_min_screen_share, creditKinds: params.people?.credit_kinds,
  minTrackFaces: params.cluster?.min_track_faces, galleryMaxFaces: rp.gallery_max_faces, gateExamples: rp.gate_examples,
});
const cropOf = new Map(tables.faces.map((f) => [f.face_id, f.crop_path]));
const thumbs = await thumbnails(facesShown(model), cropOf, rp.thumb_px);
const counts = Object.fromEntries(Object.entries(TABLES).map(([k, name]) => [name, (tables[k as keyof typeof tables] as unknown[]).length]));
// The data version covers every batch file (none found: unknown).
let inputFiles: string[] | null = null;
try { inputFiles = params.input ? listBatches(sheetSpecs(params.input)) : null; } catch { inputFiles = null; }
const run = await runInfo(inputFiles, ROOT, counts);
const html = renderHtml({ title: rp.title, model, thumbs: thumbs.uris, run, params, vendor: vendorScripts() });
await mkdir('reports', { recursive: true });
await writeFile(`${OUT.html}.tmp`, html);
await rename(`${OUT.html}.tmp`, OUT.html);
const tHtml = lap();

// Contact sheet: faces taken in turn from each of the person's videos, so every video shows.
const interleave = (faces: { face_id: string; video_id: string }[]) => {
  const groups = new Map<string, { face_id: string }[]>();
  for (const f of faces) groups.set(f.video_id, [...(groups.get(f.video_id) ?? []), f]);
  const byVideo = [...groups.values()];
  const out: string[] = [];
  for (let k = 0; out.length < faces.length; k++) for (const fs of byVideo) if (fs[k]) out.push(fs[k].face_id);
  return out;
};
const sheet = await contactSheet(model.people.map((p) => ({
  id: p.influencer_id,
  // The analyst's name beside the ID, and whether a correction touched the person (people.yaml).
  lines: [...(p.name || p.marks.length ? [[p.name, p.marks.length ? 'corrected by analyst' : null].filter(Boolean).join(' \u00b7 ')] : []), p.rank === null ? 'not ranked' : `rank ${p.rank} \u00b7 shrunken ${p.shrunken_mean?.toFixed(2)}`, `${p.n_videos} scored video${p.n_videos === 1 ? '' : 's'} \u00b7 ${p.n_faces} face${p.n_faces === 1 ? '' : 's'}`],
  crops: interleave(p.faces).map((id) => cropOf.get(id)).filter((x): x is string => !!x),
})), OUT.sheet, { facePx: rp.contact_sheet.face_px, maxFaces: rp.contact_sheet.max_faces });
const tSheet = lap();

const exported = await writeExports(model, { xlsx: OUT.xlsx, csv: OUT.csv }, { thumbs: thumbs.uris, title: rp.title });
const tExports = lap();

let pdf = { pages: 0, blocked: [] as string[], consoleErrors: [] as string[] };
if (browser) pdf = await printPdf(OUT.html, OUT.pdf, { browser, title: rp.title });
const tPdf = lap();
for (const u of pdf.blocked) process.stderr.write(`report: blocked a network request while printing: ${u}\n`);
for (const e of pdf.consoleErrors) process.stderr.write(`report: browser console error: ${e}\n`);
if (thumbs.missing.length) process.stderr.write(`report: ${thumbs.missing.length} face crops missing (shown as grey squares), e.g. ${thumbs.missing[0]}\n`);

const seconds = (performance.now() - clock) / 1000;
await summarise('report', `${model.counts.people} people (${model.counts.ranked} ranked), ${thumbs.uris.size} face thumbnails; ${OUT.html} ${(Buffer.byteLength(html) / 1e6).toFixed(1)} MB (${tHtml.toFixed(1)} s), ` +
  `${rp.pdf ? `${OUT.pdf} ${pdf.pages} pages (${tPdf.toFixed(1)} s), ` : 'no PDF (report.pdf: false), '}${OUT.sheet} ${sheet.width}x${sheet.height} (${tSheet.toFixed(1)} s), ${OUT.xlsx} + ${OUT.csv} ${exported.csv_rows} people (${tExports.toFixed(1)} s); ${seconds.toFixed(1)} s`, {
  people: model.counts.people, ranked: model.counts.ranked, thumbnails: thumbs.uris.size, missing_crops: thumbs.missing.length,
  html_bytes: Buffer.byteLength(html), pdf_pages: pdf.pages, blocked_requests: pdf.blocked.length, console_errors: pdf.consoleErrors.length,
  contact_sheet: sheet, exports: exported, seconds: { html: tHtml, contact_sheet: tSheet, exports: tExports, pdf: tPdf, total: seconds },
});
if (pdf.consoleErrors.length || pdf.blocked.length) process.exitCode = 1;
