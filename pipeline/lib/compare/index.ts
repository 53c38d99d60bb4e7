// Reading runs and comparing two: the public surface of pipeline/lib/compare, used by
// pipeline/compare.ts and the notebooks (tslab loads this folder too: see snapshot.ts).
export { creditedScores, locate, loadSnapshot, RunReader, type CreditedScore, type Location, type Snapshot, type TableInfo } from './snapshot.js';
export { compareRuns, differs, FIGURES, type Figures, type PersonChange, type RunDiff } from './diff.js';
export { fixed, fmt, table, toMarkdown } from './format.js';
export { meanChangeSpec, rankChangeSpec, reliabilityChangeSpec, type RunLabels } from './charts.js';
export { faceImg, htmlTable, svgOf, escapeHtml } from './view.js';
export { fetchRevision, openRun } from './source.js';
