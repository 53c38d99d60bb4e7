// The analyst's corrections file (people.yaml): what each entry says, with the line it is on, so
// every error and every event can name the line. Entries name people by their stable ID (inf-0004)
// and tracks by the track id the report prints (vid-<12 hex>-t003).
import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';

export const CORRECTIONS_FILE = 'people.yaml';
export const KINDS = ['names', 'merge', 'split', 'same', 'not_same', 'not_a_person'] as const;
export type Kind = 'name' | 'merge' | 'split' | 'same' | 'not_same' | 'not_a_person';

export interface Correction {
  kind: Kind;
  line: number;
  /** The IDs and tracks it names (split: the tracks leaving `owner`). */
  refs: string[];
  /** split: the ID the tracks leave. */
  owner?: string;
  /** name: the name shown beside the ID. */
  name?: string;
  /** The correction as one line (also its key: the same text is the same correction). */
  text: string;
}

export const isPerson = (ref: string) => /^inf-\d{4,}$/.test(ref);
export const isTrack = (ref: string) => /^vid-[0-9a-f]+-t\d+$/.test(ref);

export class CorrectionError extends Error {
  constructor(readonly file: string, readonly line: number, message: string) { super(`${file} line ${line}: ${message}`); }
}

export function textOf(c: Omit<Correction, 'text' | 'line'>): string {
  switch (c.kind) {
    case 'name': return `names: ${c.refs[0]}: ${JSON.stringify(c.name)}`;
    case 'split': return `split: ${c.owner}: [${c.refs.join(', ')}]`;
    case 'not_a_person': return `not_a_person: ${c.refs[0]}`;
    default: return `${c.kind}: [${c.refs.join(', ')}]`;
  }
}

/** Parses the corrections file's text; a malformed entry is an error naming its line. */
export function parseCorrections(src: string, file = CORRECTIONS_FILE): Correction[] {
  const lines = new LineCounter();
  const doc = parseDocument(src, { lineCounter: lines });
  const lineOf = (n: Node | null | undefined) => (n?.range ? lines.linePos(n.range[0]).line : 1);
  if (doc.errors.length) throw new CorrectionError(file, doc.errors[0].linePos?.[0].line ?? 1, doc.errors[0].message);
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return [];
  if (!isMap(root)) throw new CorrectionError(file, lineOf(root), `expected sections ${KINDS.join(', ')}`);
  const out: Correction[] = [];
  const add = (c: Omit<Correction, 'text'>) => out.push({ ...c, text: textOf(c) });
  const one = (i: unknown, what: (r: string) => boolean, expected: string): string => {
    const v = isScalar(i) ? String(i.value) : '';
    if (!what(v)) throw new CorrectionError(file, lineOf(i as Node), `${JSON.stringify(v)} is not ${expected}`);
    return v;
  };
  const refsOf = (n: unknown, what: (r: string) => boolean, expected: string): string[] => {
    if (!isSeq(n) || !n.items.length) throw new CorrectionError(file, lineOf(n as Node), `expected a list of ${expected}`);
    return n.items.map((i) => one(i, what, expected));
  };
  const ref = (r: string) => isPerson(r) || isTrack(r);
  for (const pair of root.items) {
    const section = isScalar(pair.key) ? String(pair.key.value) : '';
    const v = pair.value as Node | null;
    if (!(KINDS as readonly string[]).includes(section)) throw new CorrectionError(file, lineOf(pair.key as Node), `unknown section ${JSON.stringify(section)} (expected ${KINDS.join(', ')})`);
    if (v === null || (isScalar(v) && v.value === null)) continue;
    const items = (expected: string) => {
      if (!isSeq(v)) throw new CorrectionError(file, lineOf(v), `${section}: expected a list of ${expected}`);
      return v.items as Node[];
    };
    const entries = () => {
      if (!isMap(v)) throw new CorrectionError(file, lineOf(v), `${section}: expected "inf-NNNN: …" entries`);
      return v.items.map((p) => {
        const id = isScalar(p.key) ? String(p.key.value) : '';
        if (!isPerson(id)) throw new CorrectionError(file, lineOf(p.key as Node), `${JSON.stringify(id)} is not a person ID (inf-NNNN)`);
        return { id, value: p.value as Node, line: lineOf(p.key as Node) };
      });
    };
    if (section === 'names') {
      for (const e of entries()) {
        if (!isScalar(e.value) || !String(e.value.value ?? '').trim()) throw new CorrectionError(file, e.line, `names: ${e.id} needs a name`);
        add({ kind: 'name', line: e.line, refs: [e.id], name: String(e.value.value).trim() });
      }
    } else if (section === 'split') {
      for (const e of entries()) add({ kind: 'split', line: e.line, owner: e.id, refs: refsOf(e.value, isTrack, 'track ids (vid-…-tNNN)') });
    } else if (section === 'not_a_person') {
      for (const i of items('IDs or track ids')) add({ kind: 'not_a_person', line: lineOf(i), refs: [one(i, ref, 'an ID or a track id')] });
    } else {
      for (const i of items('lists')) {
        const refs = refsOf(i, section === 'merge' ? isPerson : ref, section === 'merge' ? 'person IDs (inf-NNNN)' : 'IDs or track ids');
        if (new Set(refs).size < 2) throw new CorrectionError(file, lineOf(i), `${section} needs at least two different entries`);
        add({ kind: section as Kind, line: lineOf(i), refs });
      }
    }
  }
  return out;
}

/** The corrections file at `path`; none when it does not exist. */
export function readCorrections(path = CORRECTIONS_FILE): Correction[] {
  let src: string;
  try { src = readFileSync(path, 'utf8'); } catch { return []; }
  return parseCorrections(src, path);
}
