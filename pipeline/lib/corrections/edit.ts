// Writing corrections without a text editor: adds one entry to the corrections file (comments and
// the other entries kept), checks the whole file against itself and the registry, and says what the
// next run will change.
import { isMap, isSeq, parseDocument, type Document } from 'yaml';
import type { Registry } from '../registry/index.ts';
import { currentId, resolveConstraints } from './constraints.ts';
import { CorrectionError, isPerson, parseCorrections, type Correction } from './file.ts';

export type Edit =
  | { kind: 'name'; id: string; name: string }
  | { kind: 'merge' | 'same' | 'not_same'; refs: string[] }
  | { kind: 'split'; id: string; tracks: string[] }
  | { kind: 'not_a_person'; ref: string };

/** The file's text with `edit` added. */
export function applyEdit(src: string, edit: Edit): string {
  const doc: Document = parseDocument(src);
  if (!isMap(doc.contents)) doc.contents = doc.createNode({});
  const section = (name: string, map: boolean) => {
    const cur = doc.get(name);
    if (map ? isMap(cur) : isSeq(cur)) return;
    doc.set(name, doc.createNode(map ? {} : []));
  };
  const flow = (items: string[]) => { const n = doc.createNode(items); n.flow = true; return n; };
  switch (edit.kind) {
    case 'name': section('names', true); doc.setIn(['names', edit.id], edit.name); break;
    case 'split': {
      section('split', true);
      const old = doc.getIn(['split', edit.id]);
      const have = isSeq(old) ? old.items.map(String) : [];
      doc.setIn(['split', edit.id], flow([...have, ...edit.tracks.filter((t) => !have.includes(t))]));
      break;
    }
    case 'not_a_person': section('not_a_person', false); doc.addIn(['not_a_person'], edit.ref); break;
    default: section(edit.kind, false); doc.addIn([edit.kind], flow(edit.refs));
  }
  for (const k of ['names', 'split', 'merge', 'same', 'not_same', 'not_a_person']) {
    const n = doc.get(k);
    if ((isMap(n) || isSeq(n)) && n.items.length) n.flow = false;
  }
  return doc.toString().replace(/\n*$/, '\n');
}

/**
 * Checks the corrections file `src` (contradictions, and IDs and tracks the registry does not know in
 * the entries not in `before`) and describes what the new entries will change. Throws CorrectionError.
 */
export function validate(src: string, before: string, registry: Registry, file: string): string[] {
  const cs = parseCorrections(src, file);
  const known = new Set(registry.people.flatMap((p) => p.track_ids));
  resolveConstraints(cs, registry, known, file); // checks contradictions, by name and by the tracks names stand for
  const old = new Set(parseCorrections(before, file).map((c) => c.text));
  const fresh = cs.filter((c) => !old.has(c.text));
  for (const c of fresh) for (const r of [...(c.owner ? [c.owner] : []), ...c.refs]) {
    const found = isPerson(r) ? registry.people.some((p) => p.influencer_id === r) : known.has(r);
    if (!found) throw new CorrectionError(file, c.line, `${c.text}: ${isPerson(r) ? `no person ${r}` : `no track ${r}`} in the registry (see the report's gallery for IDs and track ids)`);
    if (c.kind === 'split' && r !== c.owner && !registry.people.find((p) => p.influencer_id === c.owner)?.track_ids.includes(r)) {
      throw new CorrectionError(file, c.line, `${c.text}: track ${r} is not ${c.owner}'s`);
    }
  }
  return fresh.map((c) => `line ${c.line}: ${c.text} → ${describe(c, registry)}`);
}

function describe(c: Correction, reg: Registry): string {
  const who = (r: string) => {
    if (!isPerson(r)) return `track ${r}${(() => { const o = reg.people.find((p) => p.status === 'active' && p.track_ids.includes(r)); return o ? ` (now ${o.influencer_id})` : ''; })()}`;
    const n = reg.people.find((p) => p.influencer_id === r)?.track_ids.length ?? 0;
    const now = currentId(reg, r);
    return `${r} (${n} track${n === 1 ? '' : 's'}${now && now !== r ? `, now in ${now}` : ''})`;
  };
  switch (c.kind) {
    case 'name': return `${c.refs[0]} is shown as "${c.name}" (${c.refs[0]})`;
    case 'merge': return `${c.refs.slice(1).map(who).join(', ')} join ${who(c.refs[0])}, which keeps its ID`;
    case 'same': return `${c.refs.map(who).join(' and ')} are clustered as one person`;
    case 'not_same': return `${c.refs.map(who).join(' and ')} are never one person`;
    case 'split': return `${c.refs.map(who).join(', ')} leave ${c.owner} and are clustered again without it`;
    case 'not_a_person': return `${who(c.refs[0])} is never a person nor credited`;
  }
}
