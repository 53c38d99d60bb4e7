// A run comparison as Markdown: readable in a terminal, in a notebook, or rendered.
import type { Figures, RunDiff } from './diff.js';
import { withName } from './snapshot.js';

/** A count or rank as is, any other number to `digits` decimals; '–' for none. */
export const fmt = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined ? '–' : Number.isInteger(x) ? String(x) : x.toFixed(digits));
/** A measured value (mean, interval, ICC, reliability) always to `digits` decimals; '–' for none. */
export const fixed = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined ? '–' : x.toFixed(digits));
const signed = (x: number | null | undefined, digits = 3): string => (x === null || x === undefined ? '–' : `${x > 0 ? '+' : x < 0 ? '−' : '±'}${digits === 0 ? String(Math.abs(x)) : fixed(Math.abs(x), digits)}`);
const interval = (f: Pick<Figures, 'ci_low' | 'ci_high'> | null) => (f && f.ci_low !== null && f.ci_high !== null ? `[${fixed(f.ci_low)}, ${fixed(f.ci_high)}]` : '–');
const icc = (r: { icc: number | null; ci_low: number | null; ci_high: number | null } | null) => (!r ? '–' : r.icc === null ? 'not estimable' : `${fixed(r.icc)} ${interval(r)}`);
const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

export function table(head: string[], rows: string[][]): string {
  return [`| ${head.map(cell).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

export const FIGURE_LABELS: Record<keyof Figures, string> = {
  rank: 'rank', n_videos: 'videos', n_postings: 'postings', mean: 'raw mean', sd: 'SD', ci_low: '95% low', ci_high: '95% high',
  reliability: 'reliability', shrunken_mean: 'shrunken mean',
};

/** The whole comparison as Markdown sections. */
export function toMarkdown(d: RunDiff): string {
  const out: string[] = [];
  // A person: the analyst's name (people.yaml) with the stable ID beside it.
  const who = (id: string) => withName(d.names, id);
  const whos = (ids: string[]) => ids.map(who).join(', ');
  out.push('# Run comparison', '', `- A (before): \`${d.a.source}\` (${d.a.location})`, `- B (after): \`${d.b.source}\` (${d.b.location})`, '');

  out.push('## Counts', '', table(['', 'A', 'B', 'change'], d.counts.map((c) => [c.name, String(c.before), String(c.after), signed(c.delta, 0)])), '');

  out.push('## People added', '');
  out.push(d.added.length ? table(['person', 'how', 'rank', 'videos', 'raw mean', '95% interval', 'shrunken mean', 'credited videos'], d.added.map((p) => [
    who(p.influencer_id), p.note ?? '', p.after?.rank != null ? `#${p.after.rank}` : 'unranked', fmt(p.after?.n_videos), fixed(p.after?.mean), interval(p.after), fixed(p.after?.shrunken_mean), p.videos.join(', ') || '–',
  ])) : 'None.', '');

  out.push('## People removed', '');
  out.push(d.removed.length ? table(['person', 'why', 'rank in A', 'videos in A'], d.removed.map((p) => [
    who(p.influencer_id), p.note ?? '', p.before?.rank != null ? `#${p.before.rank}` : 'unranked', fmt(p.before?.n_videos),
  ])) : 'None.', '');

  out.push('## Merges and splits', '');
  const ms = [
    ...d.merged.map((m) => `- run ${m.run_id}: ${whos(m.from)} merged into ${who(m.into)} (${m.into} is the surviving ID)`),
    ...d.split.map((s) => `- run ${s.run_id}: ${who(s.from)} split; part of its faces are now ${whos(s.into)}`),
    ...d.retired.map((r) => `- run ${r.run_id}: ${who(r.influencer_id)} retired (no longer seen)`),
  ];
  out.push(ms.length ? ms.join('\n') : 'None.', '');

  out.push('## Analyst corrections (people.yaml) that differ', '');
  const cs = d.corrections ?? [];
  out.push(cs.length ? table(['change', 'correction', 'line A → B', 'status A → B', 'people (B)'], cs.map((c) => [
    c.change === 'added' ? 'added in B' : c.change === 'removed' ? 'gone in B' : 'applied differently',
    `\`${c.text}\``, `${c.line_a ?? '–'} → ${c.line_b ?? '–'}`, `${c.status_a ?? '–'} → ${c.status_b ?? '–'}`, whos(c.influencer_ids) || '–',
  ])) : 'None: both runs applied the same corrections.', '');

  out.push('## Rank moves', '', 'Ranks are by shrunken mean; a move is (rank in A) − (rank in B), positive = up.', '');
  out.push(d.rankMoves.length ? table(['person', 'A', 'B', 'move'], d.rankMoves.map((m) => [
    who(m.influencer_id), m.before != null ? `#${m.before}` : 'unranked', m.after != null ? `#${m.after}` : 'unranked', m.text,
  ])) : 'No person present in both runs changed rank.', '');

  out.push('## Changed figures (people in both runs)', '');
  const kept = d.people.filter((p) => p.status === 'kept' && p.changed.some((k) => k !== 'rank'));
  out.push(kept.length ? table(['person', 'videos A → B', 'raw mean A → B', '95% interval A → B', 'reliability A → B', 'shrunken mean A → B'], kept.map((p) => [
    who(p.influencer_id),
    `${fmt(p.before?.n_videos)} → ${fmt(p.after?.n_videos)}`,
    `${fixed(p.before?.mean)} → ${fixed(p.after?.mean)}`,
    `${interval(p.before)} → ${interval(p.after)}`,
    `${fixed(p.before?.reliability, 2)} → ${fixed(p.after?.reliability, 2)}`,
    `${fixed(p.before?.shrunken_mean)} → ${fixed(p.after?.shrunken_mean)} (${signed(p.after?.shrunken_mean != null && p.before?.shrunken_mean != null ? p.after.shrunken_mean - p.before.shrunken_mean : null)})`,
  ])) : 'No figures changed.', '');

  out.push('## Reliability before and after', '');
  out.push(d.reliability.length ? table(['measure', 'ICC A [95%]', 'ICC B [95%]', 'change', 'groups A → B', 'B reads'], d.reliability.map((r) => [
    r.measure,
    icc(r.before),
    icc(r.after),
    signed(r.delta),
    `${fmt(r.before?.n_groups)} → ${fmt(r.after?.n_groups)}`,
    r.after?.reading ?? r.after?.note ?? '',
  ])) : 'No reliability figures.', '');
  return out.join('\n');
}
