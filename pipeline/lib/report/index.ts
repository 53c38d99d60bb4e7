// The report: what people read. Charts are Vega-Lite specs from table rows (charts.ts, shared with
// the notebooks); the model is computed from warehouse rows (model.ts); html.ts renders one
// self-contained file, pdf.ts prints it with headless Chromium, contact-sheet.ts draws the faces.
export * from './charts.ts';
export { buildModel, facesShown, compactNumbers, reasonPattern, rankingOrder, describeEvent, eventViews, statusLabel, STATUS_LABELS, type ReportModel, type ModelOptions, type PersonView } from './model.ts';
export { loadTables, TABLES, type ReportTables } from './tables.ts';
export { renderHtml, chartSpecs, SECTIONS, type RunInfo, type HtmlInput } from './html.ts';
export { thumbnails, MISSING_FACE } from './images.ts';
export { vendorScripts, type VendorScript } from './vendor.ts';
export { contactSheet, type SheetRow, type SheetOptions } from './contact-sheet.ts';
export { printPdf, launchChromium, countPages, isLocalUrl, CHROMIUM_ARGS } from './pdf.ts';
export { runInfo, REPORT_DEFAULTS, type ReportParams } from './run-info.ts';
export { writeExports, rankingWorkbook, rankingCsv, RANKING_COLUMNS, type ExportPaths, type XlsxOptions } from './exports.ts';
