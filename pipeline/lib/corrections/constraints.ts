// From the corrections file to constraints on this run's tracks. IDs are read through the previous
// registry (an ID stands for the tracks it held, a merged ID for the tracks it held when merged), so
// a correction keeps meaning the same tracks in every later run and batch. A correction naming
// something this run does not have is reported (stale), never fatal; a contradiction is an error
// naming both lines.
import type { Registry } from '../registry/index.ts';
import { CorrectionError, CORRECTIONS_FILE, isPerson, type Correction } from './file.ts';

export interface Constraints {
  /** Tracks that are one person, with the lines that say so. */
  mustLink: { tracks: string[]; lines: number[] }[];
  /** Tracks that are never one person. */
  cannotLink: { a: string; b: string; line: number }[];
  /** not_a_person: tracks kept out of the people. */
  excluded: Set<string>;
  /** split: tracks no longer counted as their previous ID's (so they cannot keep it). */
  released: Set<string>;
  /** The first ID of each merge keeps its ID. */
  survivors: Set<string>;
  /** Per correction (same order): what it does not find in this run; empty when all is found. */
  missing: string[][];
}

/** Follows merges to the ID that holds a merged person's tracks now. */
export function currentId(registry: Registry, id: string): string | null {
  for (let p = registry.people.find((x) => x.influencer_id === id); p; p = registry.people.find((x) => x.influencer_id === p!.merged_into)) {
    if (p.status !== 'merged') return p.status === 'active' ? p.influencer_id : null;
  }
  return null;
}

/** Union-find over names; each set remembers the lines that joined it. */
class Groups {
  private parent = new Map<string, string>();
  private lines = new Map<string, Set<number>>();
  find(x: string): string {
    const p = this.parent.get(x) ?? x;
    if (p === x) return x;
    const r = this.find(p);
    this.parent.set(x, r);
    return r;
  }
  join(items: string[], line: number) {
    const root = this.find(items[0]);
    const lines = this.lines.get(root) ?? new Set();
    for (const i of items) {
      const r = this.find(i);
      for (const l of this.lines.get(r) ?? []) lines.add(l);
      if (r !== root) this.parent.set(r, root);
    }
    lines.add(line);
    this.lines.set(root, lines);
  }
  linesOf = (x: string) => [...(this.lines.get(this.find(x)) ?? [])].sort((a, b) => a - b);
}

const textAt = (cs: Correction[], line: number) => cs.find((c) => c.line === line)?.text ?? '';

/**
 * Checks the corrections against each other: nothing both one person and not (merge/same vs
 * not_same/split), nothing both a person and not a person. `expand` maps a name to what it stands
 * for (identity for the file alone; tracks once resolved against a registry).
 */
export function checkContradictions(cs: Correction[], expand: (ref: string) => string[] = (r) => [r], file = CORRECTIONS_FILE): void {
  const one = new Groups();
  for (const c of cs) if (c.kind === 'merge' || c.kind === 'same') one.join(c.refs.flatMap(expand).concat(c.refs.map((r) => `ref:${r}`)), c.line);
  const clash = (c: Correction, a: string, b: string) => {
    if (one.find(a) !== one.find(b)) return;
    const other = one.linesOf(a)[0];
    throw new CorrectionError(file, c.line, `${c.text} contradicts line ${other} (${textAt(cs, other)}): ${a.replace(/^ref:/, '')} and ${b.replace(/^ref:/, '')} would be one person and not`);
  };
  for (const c of cs) {
    if (c.kind === 'not_same') c.refs.forEach((a, i) => c.refs.slice(i + 1).forEach((b) => { clash(c, `ref:${a}`, `ref:${b}`); for (const x of expand(a)) for (const y of expand(b)) clash(c, x, y); }));
    if (c.kind === 'split') for (const t of c.refs) {
      clash(c, `ref:${t}`, `ref:${c.owner}`);
      for (const x of expand(c.owner!)) if (!c.refs.includes(x)) clash(c, t, x);
    }
    if (c.kind === 'not_a_person') {
      const mine = new Set(expand(c.refs[0]));
      const other = cs.find((m) => (m.kind === 'merge' || m.kind === 'same') && (m.refs.includes(c.refs[0]) || m.refs.flatMap(expand).some((t) => mine.has(t))));
      if (other) throw new CorrectionError(file, c.line, `${c.text} contradicts line ${other.line} (${other.text}): ${c.refs[0]} would be a person and not`);
    }
  }
}

/** Resolves the corrections against the previous registry and the tracks this run clusters. */
export function resolveConstraints(cs: Correction[], prev: Registry, clustered: ReadonlySet<string>, file = CORRECTIONS_FILE): Constraints {
  const tracksOf = (ref: string): string[] => {
    if (!isPerson(ref)) return clustered.has(ref) ? [ref] : [];
    return (prev.people.find((p) => p.influencer_id === ref)?.track_ids ?? []).filter((t) => clustered.has(t));
  };
  const missingOf = (ref: string): string | null => {
    if (isPerson(ref)) return prev.people.some((p) => p.influencer_id === ref) ? null : `${ref} is not in the registry`;
    return clustered.has(ref) ? null : `track ${ref} is not among this run's clustered tracks`;
  };
  checkContradictions(cs, tracksOf, file);
  const out: Constraints = { mustLink: [], cannotLink: [], excluded: new Set(), released: new Set(), survivors: new Set(), missing: [] };
  const musts = new Groups();
  for (const c of cs) {
    out.missing.push([...c.refs, ...(c.owner ? [c.owner] : [])].map(missingOf).filter((m): m is string => m !== null));
    const pairs = (a: string[], b: string[]) => { for (const x of a) for (const y of b) if (x !== y) out.cannotLink.push({ a: x, b: y, line: c.line }); };
    switch (c.kind) {
      case 'merge': case 'same': {
        const tracks = c.refs.flatMap(tracksOf);
        if (tracks.length) musts.join(tracks, c.line);
        if (c.kind === 'merge') out.survivors.add(c.refs[0]);
        break;
      }
      case 'not_same': c.refs.forEach((a, i) => c.refs.slice(i + 1).forEach((b) => pairs(tracksOf(a), tracksOf(b)))); break;
      case 'split': {
        const leaving = c.refs.filter((t) => clustered.has(t));
        pairs(leaving, tracksOf(c.owner!).filter((t) => !c.refs.includes(t)));
        for (const t of c.refs) out.released.add(t);
        break;
      }
      case 'not_a_person': for (const t of tracksOf(c.refs[0])) out.excluded.add(t); break;
      case 'name': break;
    }
  }
  const roots = new Map<string, string[]>();
  for (const c of cs) if (c.kind === 'merge' || c.kind === 'same') for (const t of c.refs.flatMap(tracksOf)) {
    const r = musts.find(t);
    if (!roots.get(r)?.includes(t)) roots.set(r, [...(roots.get(r) ?? []), t]);
  }
  out.mustLink = [...roots.values()].map((tracks) => ({ tracks, lines: musts.linesOf(tracks[0]) }));
  return out;
}
