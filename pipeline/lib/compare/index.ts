// Reading runs and comparing two: the public surface of pipeline/lib/compare, used by
// pipeline/compare.ts and the notebooks (tslab loads this folder too: see snapshot.ts).
export { creditedScores, locate, loadSnapshot, namedStats, namesOf, withName, RunReader, type CreditedScore, type CorrectionRow, type Location, type PersonNameRow, type Snapshot, type TableInfo } from './snapshot.js';
export { compareRuns, correctionChanges, differs, FIGURES, type CorrectionChange, type Figures, type PersonChange, type RunDiff } from './diff.js';
export { fixed, fmt, table, toMarkdown } from './format.js';
export { meanChangeSpec, rankChangeSpec, reliabilityChangeSpec, type RunLabels } from './charts.js';
export { faceImg, htmlTable, svgOf, escapeHtml } from './view.js';
export { fetchRevision, openRun } from './source.js';
