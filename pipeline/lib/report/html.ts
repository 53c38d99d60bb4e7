// The HTML report: one self-contained file (chart libraries, chart specs and face thumbnails inside),
// with a print stylesheet so the same file prints to the PDF. Pure: model in, string out.
import { createHash } from 'node:crypto';
import type { TopLevelSpec } from 'vega-lite';
import { stringify } from 'yaml';
import { caterpillarSpec, duplicatesSpec, funnelSpec, measureLabel, reliabilitySpec, spreadSpec } from './charts.ts';
import { MISSING_FACE } from './images.ts';
import { htmlLink } from './links.ts';
import { compactNumbers, correctionCommand, type GalleryFace, type PersonView, type ReportModel } from './model.ts';
import type { VendorScript } from './vendor.ts';

export interface RunInfo {
  generated_at: string;
  /** sha256 of the input sheet (the data version) */
  data_version: string | null;
  sheet: string | null;
  /** git commit of the code (with a note when the working tree differs) */
  code_version: string | null;
  node: string;
  /** row counts of the tables the report read */
  tables: Record<string, number>;
}

export interface HtmlInput {
  title: string;
  model: ReportModel;
  thumbs: Map<string, string>;
  run: RunInfo;
  /** The params sections shown in the report (those the stage declares). */
  params: Record<string, unknown>;
  vendor: VendorScript[];
}

/** The sections, in order; each starts a new page in print. */
export const SECTIONS = [
  ['ranking', 'Ranking'],
  ['charts', 'Charts'],
  ['gallery', 'Faces per person'],
  ['not-credited', 'Faces not credited'],
  ['duplicates', 'Duplicate postings'],
  ['ledger', 'Row ledger'],
  ['registry', 'Identity registry events'],
  ['run-info', 'Params and run info'],
] as const;

/** The charts of the report by element id; null where there is nothing to plot. */
export function chartSpecs(m: ReportModel): Record<string, TopLevelSpec | null> {
  const ranked = m.people.some((p) => p.mean !== null);
  const dupPlot = m.duplicates.some((d) => d.rows.filter((r) => r.performance !== null).length >= 2);
  return {
    caterpillar: ranked ? caterpillarSpec(m.stats, m.scores) : null,
    spread: ranked ? spreadSpec(m.scores, m.stats) : null,
    funnel: ranked ? funnelSpec(m.stats, m.scores) : null,
    reliability: m.reliability.length ? reliabilitySpec(m.reliability, m.curve, m.stats) : null,
    duplicates: dupPlot ? duplicatesSpec(m.duplicateRows) : null,
  };
}

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const num = (x: number | null | undefined, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '\u2014' : x.toFixed(d));
const pct = (x: number | null | undefined, d = 2) => (x === null || x === undefined ? '\u2014' : `${(100 * x).toFixed(d)}%`);
const shortUrl = (href: string) => { const url = new URL(href); return `${url.host}/\u2026/${url.pathname.split('/').filter(Boolean).pop() ?? ''}`; };
const link = (u: string | null) => htmlLink(u, shortUrl);
/** JSON for a <script> element: "<" escaped so no string inside can close the element. */
const scriptJson = (x: unknown) => JSON.stringify(x).replace(/</g, '\\u003c');

function img(m: Map<string, string>, faceId: string | null, cls: string, title = '') {
  const src = (faceId && m.get(faceId)) || MISSING_FACE;
  return `<img class="${cls}" src="${src}" alt="${esc(faceId ?? 'no face')}" title="${esc(title || faceId || '')}">`;
}

function table(head: string[], rows: string[][], cls = ''): string {
  return `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n')}</tbody></table>`;
}

const rankCell = (p: PersonView) => (p.rank === null ? '<span class="muted" title="no credited video with a score">\u2014</span>' : String(p.rank));
/** A person as the report shows one: the analyst's name (people.yaml) beside the stable ID, which links to the gallery. */
const personRef = (names: Record<string, string>, id: string) =>
  `${names[id] ? `<span class="pname">${esc(names[id])}</span> ` : ''}<a href="#person-${esc(id)}">${esc(id)}</a>`;
/** Badges for the corrections that touched a person ("named", "merged by analyst", …). */
const marks = (p: PersonView) => [...new Map(p.marks.map((m) => [m.label, m])).values()]
  .map((m) => `<span class="mark" title="people.yaml line ${m.line}: ${esc(m.text)}">${esc(m.label)}</span>`).join(' ');
/** A correction as a command line, selected whole by one click (user-select: all) for copying. */
const fixLine = (cmd: string) => `<code class="fix">${esc(cmd)}</code>`;

function rankingSection(h: HtmlInput): string {
  const m = h.model;
  const rows = m.people.map((p) => {
    const ci = p.ci_low !== null && p.ci_high !== null ? ` <span class="ci">[${num(p.ci_low)}, ${num(p.ci_high)}]</span>`
      : p.mean !== null ? ' <span class="ci muted">(one video: no interval)</span>' : '';
    const rel = p.reliability === null ? '\u2014'
      : `<span class="rel"><span class="relbar" style="width:${Math.round(100 * Math.max(0, Math.min(1, p.reliability)))}%"></span></span> ${num(p.reliability, 2)}`;
    return `<tr id="rank-${esc(p.influencer_id)}" class="${p.rank === null ? 'unranked' : ''}"><td class="num">${rankCell(p)}</td><td>${img(h.thumbs, p.exemplar_face_id, 'thumb', `${p.influencer_id}: exemplar face`)}</td>` +
      `<td class="id">${personRef(m.names, p.influencer_id)}${p.marks.length ? ` ${marks(p)}` : ''}</td><td class="num">${p.n_videos}</td><td class="num">${p.n_postings}</td>` +
      `<td class="num strong">${num(p.shrunken_mean)}</td><td class="num">${num(p.mean)}${ci}</td><td class="num">${num(p.sd)}</td><td class="num">${rel}</td>` +
      `<td class="nowrap"><a href="#person-${esc(p.influencer_id)}">${p.videos.length} video${p.videos.length === 1 ? '' : 's'} \u2192</a></td></tr>`;
  });
  const unranked = m.people.filter((p) => p.rank === null).length;
  return `<p>People are ranked by the <b>shrunken mean</b>: their raw mean pulled toward the grand mean in proportion to how
little evidence it rests on (reliability 0 = nothing known beyond the crowd, 1 = the raw mean stands). <i>Videos</i> counts the
distinct videos credited to the person that have a score; <i>postings</i> the sheet rows behind them. The interval is the 95% t interval
of the raw mean over those videos.${unranked ? ` ${unranked} ${unranked === 1 ? 'person is' : 'people are'} not ranked: seen, but in no credited video with a score (see section 4).` : ''}</p>
<table class="ranking"><thead><tr><th>rank</th><th>face</th><th>person (stable ID)</th><th>videos</th><th>postings</th><th>shrunken mean</th><th>raw mean [95% interval]</th><th>SD</th><th>reliability</th><th>seen in</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>`;
}

function figure(id: string, spec: TopLevelSpec | null, caption: string, empty: string): string {
  return spec ? `<figure class="fig"><div class="chart" id="chart-${id}" data-chart="${id}"></div><figcaption>${caption}</figcaption></figure>`
    : `<p class="empty">${empty}</p>`;
}

function chartsSection(h: HtmlInput, specs: Record<string, TopLevelSpec | null>): string {
  const none = 'Nothing to plot: no person has a credited video with a score.';
  return [
    figure('caterpillar', specs.caterpillar, 'Each person\u2019s raw mean (blue) with its 95% interval and the shrunken mean (red) the ranking uses. Long grey lines mean the raw mean rests on little evidence and was pulled a long way toward the grand mean (dashed).', none),
    figure('spread', specs.spread, 'How much one person\u2019s videos differ from each other. A wide spread over few videos means their average says little.', none),
    figure('funnel', specs.funnel, 'A person outside the shaded funnel performs differently from the crowd by more than chance; inside it, a high or low mean can be luck, the more so the fewer videos.', none),
    figure('reliability', specs.reliability, h.model.reliability.map((r) => `<b>${esc(measureLabel(r.measure))}:</b> ${esc(r.reading ?? '')}`).join('<br>'), 'No reliability figures.'),
  ].join('\n');
}

/** Faces grouped by track (the unit a correction names), labelled with the track id. */
function faceGroups(h: HtmlInput, faces: GalleryFace[]): string {
  const byTrack = new Map<string, GalleryFace[]>();
  for (const f of faces) { const k = f.track_id ?? f.video_id; byTrack.set(k, [...(byTrack.get(k) ?? []), f]); }
  return [...byTrack.entries()].map(([k, fs]) => `<div class="face-group" data-track="${esc(k)}"><div class="face-group-label">${esc(k)}</div>${fs.map((f) => img(h.thumbs, f.face_id, 'face', `${f.face_id} \u00b7 ${f.video_id} at ${f.t_s} s`)).join('')}</div>`).join('');
}

/** A person's tracks with the line that splits each out of the ID, and the lines that name, merge or drop the person. */
function correctionBlock(h: HtmlInput, p: PersonView): string {
  const id = p.influencer_id;
  const many = p.tracks.length > 1;
  const rows = p.tracks.map((t) => [
    img(h.thumbs, t.face_id, 'thumb', `${t.track_id}: exemplar face`), `<code class="track">${esc(t.track_id)}</code>`, String(t.n_faces),
    many ? fixLine(correctionCommand.split(id, t.track_id)) : `<span class="muted">the only track: </span>${fixLine(correctionCommand.notAPerson(t.track_id))}`,
  ]);
  const applied = p.marks.length ? `<p class="marks">Corrected by the analyst: ${p.marks.map((m) => `<span class="mark">${esc(m.label)}</span> <code>people.yaml</code> line ${m.line}: <code>${esc(m.text)}</code>`).join('; ')}</p>` : '';
  return `<details class="correct" open><summary>Tracks and corrections (${p.tracks.length} track${p.tracks.length === 1 ? '' : 's'})</summary>${applied}
${table(['face', 'track id', 'faces', many ? 'not this person? split it out (click the line to select it, copy, run)' : 'correction'], rows, 'compact tracks')}
<p class="fixes">This ID: ${fixLine(correctionCommand.name(id, p.name ?? '…'))} ${fixLine(correctionCommand.merge(id))} ${fixLine(correctionCommand.notAPerson(id))}</p></details>`;
}

function gallerySection(h: HtmlInput): string {
  if (!h.model.people.length) return '<p class="empty">No people were found.</p>';
  const intro = '<p>Every usable face crop assigned to each person, grouped by track (one face followed through one video), to check the clustering by eye: a face that is not the same person here means two people were merged; the same person under two IDs means one was split. ' +
    'Each track has the command that corrects it (<code>pipeline/people.ts</code> edits <code>people.yaml</code>; then <code>./run repro</code>): a track that is not this person is split out; two IDs of one person are merged; an ID that is no person (a hand, a print, a mascot) is marked not a person; a name is shown beside the ID everywhere.</p>';
  return intro + h.model.people.map((p) => {
    const vids = table(['video', 'score', 'postings', 'screen share', 'faces', 'credited', 'posted at'], p.videos.map((v) => [
      `<code>${esc(v.video_id)}</code>`, num(v.score), String(v.n_postings), pct(v.screen_share), String(v.n_faces), v.credited ? 'yes' : '<span class="muted">no</span>', link(v.canonical_url),
    ]), 'videos');
    return `<article class="person" id="person-${esc(p.influencer_id)}"><h3>${p.rank === null ? '' : `#${p.rank} `}${p.name ? `<span class="pname">${esc(p.name)}</span> ` : ''}<span class="pid">${esc(p.influencer_id)}</span>${p.marks.length ? ` ${marks(p)}` : ''}
<small>${p.n_videos} credited video${p.n_videos === 1 ? '' : 's'} with a score \u00b7 ${p.n_faces} faces in ${p.n_tracks} track${p.n_tracks === 1 ? '' : 's'} \u00b7 shrunken mean ${num(p.shrunken_mean)} \u00b7 <a href="#rank-${esc(p.influencer_id)}">back to ranking</a></small></h3>
${vids}
${correctionBlock(h, p)}
<div class="faces">${faceGroups(h, p.faces)}${p.faces_hidden ? `<p class="muted">${p.faces_hidden} more faces not shown (report.gallery_max_faces).</p>` : ''}</div></article>`;
  }).join('\n');
}

function notCreditedSection(h: HtmlInput): string {
  const m = h.model;
  const unclassified = m.trackKinds.length === 1 && m.trackKinds[0].kind === null;
  const parts: string[] = [];
  if (m.trackKinds.length) {
    parts.push(`<p>Face tracks by kind: ${m.trackKinds.map((k) => `${esc(k.kind ?? 'not classified')} ${k.n}`).join(', ')}. ` +
      (unclassified ? 'No track is classified as live, depicted or overlay yet, so every track counts as a person.' : 'Only the credited kinds become people.') + '</p>');
  }
  parts.push('<h3>People seen in a video but not credited with its score</h3>');
  parts.push(m.uncredited.length ? table(['face', 'person', 'video', 'screen share', 'faces', 'video score', 'why not credited'], m.uncredited.map((u) => [
    img(h.thumbs, u.face_id, 'thumb'), personRef(m.names, u.influencer_id), `<code>${esc(u.video_id)}</code>`, pct(u.screen_share), String(u.n_faces), num(u.score), esc(u.why),
  ]), 'compact') : '<p class="empty">None: every appearance of a person was credited.</p>');
  parts.push('<h3>Marked not a person by the analyst</h3>');
  parts.push(m.notAPerson.length ? table(['face', 'marked', 'tracks kept out', 'reason', 'status', 'people.yaml'], m.notAPerson.map((n) => [
    img(h.thumbs, n.face_id, 'thumb'), `<code>${esc(n.ref)}</code>`, n.track_ids.length ? `<span class="rows">${n.track_ids.map((t) => `<code>${esc(t)}</code>`).join(', ')}</span>` : '\u2014',
    'analyst', esc(n.status) + (n.note ? ` <span class="muted">(${esc(n.note)})</span>` : ''), `line ${n.line}: <code>${esc(n.text)}</code>`,
  ]), 'compact not-a-person') : '<p class="empty">None: the analyst marked nothing as not a person (people.yaml <code>not_a_person</code>).</p>');
  parts.push('<h3>Face tracks that became no person</h3>');
  parts.push(m.unassigned.length ? table(['face', 'track', 'video', 'kind', 'kind score', 'faces', 'screen share', 'why'], m.unassigned.map((u) => [
    img(h.thumbs, u.face_id, 'thumb'), `<code>${esc(u.track_id)}</code>`, `<code>${esc(u.video_id)}</code>`, esc(u.kind ?? 'not classified'), num(u.kind_score, 2), String(u.n_faces), pct(u.screen_share), esc(u.why),
  ]), 'compact') : `<p class="empty">None: every track of usable faces was assigned to a person${unclassified ? ' (tracks are not yet classified as live, depicted or overlay, so all count)' : ''}.</p>`);
  parts.push('<h3>Faces rejected by the quality gates</h3>');
  parts.push(m.gates.length ? `<p>Detected, but not used for identity (params <code>faces.gates</code>). Examples are the highest-scoring detections of each gate.</p>` +
    table(['gate', 'faces', 'examples'], m.gates.map((g) => [esc(g.gate), String(g.n), `<div class="faces">${g.examples.map((f) => img(h.thumbs, f.face_id, 'face', `${f.face_id} \u00b7 ${f.video_id} at ${f.t_s} s`)).join('')}</div>`]), 'compact')
    : '<p class="empty">None: every detected face passed the quality gates.</p>');
  return parts.join('\n');
}

function duplicatesSection(h: HtmlInput, specs: Record<string, TopLevelSpec | null>): string {
  const m = h.model;
  const metric = m.reliability.find((r) => r.measure === 'metric_test_retest_icc1');
  if (!m.duplicates.length) return '<p class="empty">No video was posted more than once.</p>';
  return `<p>${m.duplicates.length} video${m.duplicates.length === 1 ? ' was' : 's were'} posted more than once (${m.duplicates.reduce((n, d) => n + d.n, 0)} rows). A video\u2019s score is the mean of its postings.
${metric?.reading ? `<b>Metric test-retest ICC(1) ${num(metric.icc)}</b>: ${esc(metric.reading)}` : ''}</p>
${figure('duplicates', specs.duplicates, 'The spread of one video\u2019s scores is the noise of the metric itself, with the person held fixed.', 'No duplicate postings with two or more scores.')}
${table(['video', 'postings', 'same file', 're-encoded', 'rows', 'mean score', 'SD', 'min \u2013 max'], m.duplicates.map((d) => [
    `<code>${esc(d.video_id)}</code>`, String(d.n), String(d.exact), String(d.perceptual), `<span class="rows">${esc(compactNumbers(d.rows.map((r) => r.row_number)))}</span>`,
    num(d.mean), num(d.sd), d.min === null ? '\u2014' : `${num(d.min)} \u2013 ${num(d.max)}`,
  ]), 'compact')}`;
}

function ledgerSection(h: HtmlInput): string {
  const m = h.model;
  const statusTable = table(['status', 'meaning', 'rows'], [
    ...m.byStatus.map((s) => [`<code>${esc(s.status)}</code>`, esc(s.label), `<span class="num">${s.n}</span>`]),
    ['<b>all</b>', '', `<b>${m.counts.rows}</b>`],
  ], 'compact narrow');
  const reasons = m.reasons.length ? table(['status', 'reason (numbers shown as N, videos as V)', 'rows', 'row numbers'], m.reasons.map((r) => [
    `<code>${esc(r.status)}</code>`, esc(r.reason), String(r.n), `<span class="rows">${esc(r.rows)}</span>`,
  ]), 'compact') : '<p class="empty">Every row was kept.</p>';
  const full = table(['row', 'sheet line', 'URL', 'performance', 'status', 'reason', 'video'], m.ledger.map((r) => [
    String(r.row_number), String(r.sheet_row ?? ''), link(r.url), num(r.performance), `<code>${esc(r.status)}</code>`, esc(r.reason ?? ''), r.video_id ? `<code>${esc(r.video_id)}</code>` : '',
  ]), 'compact ledger');
  return `<p>Every row of the sheet ends in exactly one state. Nothing is dropped silently.</p>${statusTable}
<h3>Why rows were not kept</h3>${reasons}
<details class="full-ledger"><summary>All ${m.counts.rows} rows</summary>${full}</details>`;
}

function registrySection(h: HtmlInput): string {
  const evs = h.model.events;
  if (!evs.length) return `<p class="empty">No registry events recorded.</p>${correctionsTable(h)}`;
  // New people: one line per run (there are many on a first run).
  const rows: string[][] = [];
  const runs = [...new Set(evs.map((e) => e.run_id))];
  for (const run of runs) {
    const here = evs.filter((e) => e.run_id === run);
    for (const e of here.filter((x) => x.event !== 'new')) rows.push([String(run), `<b>${esc(e.event)}</b>`, personRef(h.model.names, e.influencer_id), e.other_ids.map((o) => personRef(h.model.names, o)).join(', '), esc(e.text)]);
    const news = here.filter((x) => x.event === 'new');
    if (news.length) rows.push([String(run), 'new', `<span class="rows">${news.map((e) => personRef(h.model.names, e.influencer_id)).join(', ')}</span>`, '', `${news.length} new ${news.length === 1 ? 'person' : 'people'}.`]);
  }
  const changes = evs.filter((e) => e.event === 'merge' || e.event === 'split').length;
  return `<p>Influencer IDs are stable from run to run. When a new run joins two known people into one (merge) or splits one,
the table says which ID survives. ${changes ? `${changes} merge/split event${changes === 1 ? '' : 's'} recorded.` : 'No merges or splits so far.'}</p>
${table(['run', 'event', 'surviving ID', 'other IDs', 'what it means'], rows, 'compact')}
${correctionsTable(h)}`;
}

/** The analyst's corrections (people.yaml) as this run applied them. */
function correctionsTable(h: HtmlInput): string {
  const cs = h.model.corrections;
  const head = '<h3 id="corrections">Analyst corrections (people.yaml)</h3>';
  if (!cs.length) return `${head}<p class="empty">No corrections: people.yaml names, merges, splits nothing (see each person\u2019s tracks in section 3 for the lines that would).</p>`;
  return `${head}<p>Each correction is a hard constraint of the clustering and is kept in every later run; one that names a track or ID this run does not have is stale (reported, not applied).</p>
${table(['line', 'correction', 'status', 'people now', 'tracks', 'note'], cs.map((c) => [
    String(c.line), `<code>${esc(c.text)}</code>`, esc(c.status), c.influencer_ids.map((id) => personRef(h.model.names, id)).join(', '),
    `<span class="rows">${c.track_ids.map((t) => `<code>${esc(t)}</code>`).join(', ')}</span>`, esc(c.note ?? ''),
  ]), 'compact corrections')}`;
}

function runInfoSection(h: HtmlInput): string {
  const r = h.run;
  const info = table(['', ''], [
    ['data version', r.data_version ? `<code title="sha256 of the sheet">${esc(r.data_version)}</code> (sha256 of the sheet)` : '<span class="muted">unknown (sheet not found)</span>'],
    ['sheet', esc(r.sheet ?? '')],
    ['code version', r.code_version ? `<code>${esc(r.code_version)}</code>` : '<span class="muted">unknown (not a git checkout)</span>'],
    ['generated at', esc(r.generated_at)],
    ['Node.js', esc(r.node)],
    ['chart libraries', h.vendor.map((v) => `${esc(v.name)} ${esc(v.version)}`).join(', ')],
    ['tables read', Object.entries(r.tables).map(([t, n]) => `${esc(t)} ${n}`).join(', ')],
  ], 'compact kv');
  return `${info}<h3>Params (params.yaml, the sections behind these results)</h3><pre class="params">${esc(stringify(h.params))}</pre>`;
}

const CSS = `
:root { --ink: #222; --muted: #777; --line: #ddd; --accent: #4c78a8; --bg2: #f6f7f9; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 16px 24px 48px; font-size: 14px; line-height: 1.4; }
h1 { font-size: 24px; margin: 8px 0 4px; } h2 { font-size: 19px; border-bottom: 2px solid var(--accent); padding-bottom: 4px; margin-top: 36px; }
h3 { font-size: 15px; margin: 20px 0 6px; } h3 small { font-weight: normal; color: var(--muted); margin-left: 8px; font-size: 12px; }
a { color: var(--accent); } .not-a-link { word-break: break-all; } code { font-size: 12px; } td code { white-space: nowrap; }
.lede { font-size: 15px; } .muted { color: var(--muted); } .empty { color: var(--muted); font-style: italic; }
.callout { background: var(--bg2); border-left: 4px solid #e45756; padding: 8px 12px; margin: 10px 0; }
.callout p { margin: 4px 0; }
nav.toc ol { columns: 2; margin: 6px 0; padding-left: 20px; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: middle; }
thead th { background: var(--bg2); font-weight: 600; font-size: 12px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.strong { font-weight: 700; }
table.ranking, table.ledger { width: 100%; } table.ranking td { padding: 2px 8px; } td.id, td.nowrap { white-space: nowrap; } table.ranking tr.unranked td { color: var(--muted); }
table.compact td { font-size: 12px; } table.ledger td { font-size: 11px; } table.kv td:first-child { font-weight: 600; white-space: nowrap; }
.ci { color: var(--muted); font-size: 12px; }
.rel { display: inline-block; width: 40px; height: 8px; background: #eee; vertical-align: middle; } .relbar { display: block; height: 8px; background: var(--accent); }
img.thumb { width: 48px; height: 48px; border-radius: 4px; display: block; object-fit: cover; }
img.face { width: 64px; height: 64px; border-radius: 3px; margin: 2px; object-fit: cover; }
.faces { display: flex; flex-wrap: wrap; gap: 4px; align-items: flex-start; }
.face-group { border: 1px solid var(--line); border-radius: 4px; padding: 2px 4px 4px; }
.face-group-label { font-size: 10px; color: var(--muted); font-family: monospace; }
.person { border-top: 1px solid var(--line); padding-top: 4px; margin-top: 12px; }
.pname { font-weight: 700; } .pid { font-family: monospace; }
.mark { display: inline-block; font-size: 10px; font-weight: normal; background: #fdf1d8; border: 1px solid #e0b050; border-radius: 8px; padding: 0 6px; white-space: nowrap; }
code.fix { user-select: all; -webkit-user-select: all; background: var(--bg2); border: 1px solid var(--line); border-radius: 3px; padding: 1px 4px; font-size: 11px; white-space: nowrap; cursor: text; }
p.fixes code.fix { margin-right: 6px; display: inline-block; margin-top: 2px; }
details.correct summary { font-size: 12px; }
.rows { font-size: 11px; color: #555; }
figure.fig { margin: 12px 0 24px; } figcaption { font-size: 12px; color: #444; max-width: 760px; margin-top: 4px; }
.chart { min-height: 40px; } .chart .vega-embed { max-width: 100%; } .chart svg { max-width: 100%; height: auto; }
pre.params { background: var(--bg2); padding: 8px 12px; font-size: 11px; white-space: pre-wrap; }
details summary { cursor: pointer; color: var(--accent); margin: 8px 0; }
@page { size: A4; margin: 12mm 10mm 14mm 10mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  nav.toc { display: none; }
  section { break-before: page; }
  section#ranking { break-before: auto; }
  h2 { margin-top: 0; }
  h2, h3 { break-after: avoid; }
  tr, figure, img, .face-group, .callout { break-inside: avoid; }
  .person { break-inside: auto; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
  table.ranking img.thumb { width: 40px; height: 40px; }
  img.face { width: 52px; height: 52px; }
  details > summary { display: none; }
  code.fix { white-space: normal; word-break: break-all; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}`;

// Vega's expressions are interpreted (vega-embed's ast option), not compiled with Function: the CSP
// allows no 'unsafe-eval'.
const RENDER = `
(function () {
  var specs = JSON.parse(document.getElementById('report-specs').textContent);
  var ids = Object.keys(specs);
  Promise.all(ids.map(function (id) {
    var el = document.getElementById('chart-' + id);
    return vegaEmbed(el, specs[id], { renderer: 'svg', actions: false, ast: true }).then(function () { el.dataset.rendered = 'true'; return true; }, function (e) {
      console.error('chart ' + id + ' failed: ' + (e && e.message || e));
      el.dataset.rendered = 'failed';
      el.textContent = 'This chart could not be drawn: ' + (e && e.message || e);
      return false;
    });
  })).then(function (ok) { document.body.dataset.charts = ok.every(Boolean) ? 'ready' : 'failed'; });
})();`;

/**
 * The report's Content-Security-Policy: nothing may load or be sent (no network at all), images only
 * from data: URIs, inline styles, and only the report's own scripts (by hash: an injected script,
 * event handler or javascript: URL would not run).
 */
function contentSecurityPolicy(scripts: string[]): string {
  const hashes = scripts.map((code) => `'sha256-${createHash('sha256').update(code).digest('base64')}'`);
  return `default-src 'none'; script-src ${hashes.join(' ')}; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'`;
}

/** The whole report as one HTML document. */
export function renderHtml(h: HtmlInput): string {
  const m = h.model;
  const specs = chartSpecs(m);
  const drawn = Object.fromEntries(Object.entries(specs).filter(([, s]) => s !== null));
  const infl = m.reliability.find((r) => r.measure === 'influencer_icc1');
  const metric = m.reliability.find((r) => r.measure === 'metric_test_retest_icc1');
  const reading = (label: string, r: typeof infl) => (r ? `<p><b>${label}: ICC(1) ${num(r.icc, 2)}</b>${r.ci_low !== null ? ` (95% interval ${num(r.ci_low, 2)} to ${num(r.ci_high, 2)}, ${r.n_groups} groups, ${r.n_obs} observations)` : ''}. ${esc(r.reading ?? '')}</p>` : '');
  const sections = {
    ranking: rankingSection(h), charts: chartsSection(h, specs), gallery: gallerySection(h), 'not-credited': notCreditedSection(h),
    duplicates: duplicatesSection(h, specs), ledger: ledgerSection(h), registry: registrySection(h), 'run-info': runInfoSection(h),
  } as Record<(typeof SECTIONS)[number][0], string>;
  const kept = m.byStatus.find((s) => s.status === 'ok')?.n ?? 0;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy([...h.vendor.map((v) => v.code), RENDER])}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(h.title)}</title>
<style>${CSS}</style>
</head>
<body data-charts="pending">
<header>
<h1>${esc(h.title)}</h1>
<p class="lede">${m.counts.people} ${m.counts.people === 1 ? 'person' : 'people'} found by their faces in ${m.counts.videos} distinct videos from ${m.counts.rows} sheet rows; ${m.counts.ranked} ranked (credited with at least one scored video). ${kept} rows are credited to a person directly, the rest are accounted for in the row ledger.</p>
<div class="callout">${reading('How much people differ', infl)}${reading('How repeatable the metric is', metric)}</div>
<nav class="toc"><ol>${SECTIONS.map(([id, name]) => `<li><a href="#${id}">${name}</a></li>`).join('')}</ol></nav>
</header>
${SECTIONS.map(([id, name], i) => `<section id="${id}"><h2>${i + 1}. ${name}</h2>\n${sections[id]}\n</section>`).join('\n')}
${h.vendor.map((v) => `<script data-lib="${esc(v.name)}@${esc(v.version)}">${v.code}</script>`).join('\n')}
<script type="application/json" id="report-specs">${scriptJson(drawn)}</script>
<script>${RENDER}</script>
</body></html>
`;
}
