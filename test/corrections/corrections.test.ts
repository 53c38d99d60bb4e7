// The corrections file and command: parsing with lines, contradictions naming both lines, the
// constraints inside the agglomeration, the command's edits and checks.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { agglomerate, ConstraintConflict } from '../../pipeline/lib/cluster/index.ts';
import { checkContradictions, resolveConstraints } from '../../pipeline/lib/corrections/constraints.ts';
import { applyEdit } from '../../pipeline/lib/corrections/edit.ts';
import { parseCorrections } from '../../pipeline/lib/corrections/file.ts';
import { emptyRegistry, type Registry } from '../../pipeline/lib/registry/index.ts';
import { ROOT, toolEnv } from '../helpers/project.ts';

const T = (v: string, t: number) => `vid-${v.repeat(12)}-t00${t}`;

test('the file: every entry with its line; a malformed one is an error naming its line', () => {
  const cs = parseCorrections(`names:\n  inf-0004: "Priya S."\nmerge:\n  - [inf-0002, inf-0007]\nsplit:\n  inf-0011: [${T('a', 1)}]\nnot_a_person:\n  - inf-0005\n`);
  assert.deepEqual(cs.map((c) => [c.line, c.text]), [[2, 'names: inf-0004: "Priya S."'], [4, 'merge: [inf-0002, inf-0007]'], [6, `split: inf-0011: [${T('a', 1)}]`], [8, 'not_a_person: inf-0005']]);
  assert.throws(() => parseCorrections('merge:\n  - [inf-0002, priya]\n'), /line 2: "priya" is not person IDs/);
  assert.throws(() => parseCorrections('names: {}\nmerj: []\n'), /line 2: unknown section "merj"/);
  assert.throws(() => parseCorrections('same:\n  - [inf-0001]\n'), /line 2: same needs at least two/);
});

test('contradictions fail naming both lines', () => {
  const cs = parseCorrections('merge:\n  - [inf-0002, inf-0007]\nnot_same:\n  - [inf-0007, inf-0002]\n');
  assert.throws(() => checkContradictions(cs), /people\.yaml line 4: not_same: \[inf-0007, inf-0002\] contradicts line 2 \(merge: \[inf-0002, inf-0007\]\)/);
  assert.throws(() => checkContradictions(parseCorrections('merge:\n  - [inf-0002, inf-0007]\nnot_a_person:\n  - inf-0007\n')), /line 4: not_a_person: inf-0007 contradicts line 2/);
  // Through the registry: a must-link of two tracks against a split of one of them from their person.
  const reg: Registry = { ...emptyRegistry(), people: [{ influencer_id: 'inf-0001', centroid: [0], track_ids: [T('a', 0), T('b', 0)], status: 'active', merged_into: null }] };
  const both = parseCorrections(`same:\n  - [${T('a', 0)}, ${T('b', 0)}]\nsplit:\n  inf-0001: [${T('b', 0)}]\n`);
  assert.throws(() => resolveConstraints(both, reg, new Set([T('a', 0), T('b', 0)])), /line 4: split: .* contradicts line 2/);
});

test('constraints inside the agglomeration: must-link joins far tracks, cannot-link keeps near ones apart, and the rest cluster as before', () => {
  const items = [0, 0.1, 3, 3.1, 6].map((x, i) => ({ id: `t${i}`, vector: [x] }));
  const opt = { threshold: 0.5, linkage: 'average' as const };
  assert.deepEqual(agglomerate(items, opt), [0, 0, 1, 1, 2]);
  // t4 joins t0 whatever their distance; t1 is then 3 away from that pair on average, so it stays apart.
  assert.deepEqual(agglomerate(items, { ...opt, mustLink: [[0, 4]] }), [0, 1, 2, 2, 0]);
  const cl = agglomerate(items, { ...opt, cannotLink: [[2, 3]] });
  assert.notEqual(cl[2], cl[3]);
  assert.equal(cl[0], cl[1]);
  const together = [{ id: 'a', vector: [0], group: 'v', start: 0, end: 2 }, { id: 'b', vector: [5], group: 'v', start: 1, end: 3 }];
  assert.throws(() => agglomerate(together, { ...opt, mustLink: [[0, 1]] }), (e: unknown) => e instanceof ConstraintConflict && e.a === 'a' && e.b === 'b');
});

test('the command edits the file, says what will change, and refuses unknown IDs and contradictions (file unchanged)', () => {
  const d = mkdtempSync(join(tmpdir(), 'infsel-people-'));
  const file = join(d, 'people.yaml');
  const registry = join(d, 'registry.json');
  writeFileSync(file, readFileSync(join(ROOT, 'people.yaml')));
  writeFileSync(registry, JSON.stringify({ ...emptyRegistry(), people: ['inf-0001', 'inf-0002', 'inf-0003'].map((id, i) => ({ influencer_id: id, centroid: [i], track_ids: [T('abc'[i], 0)], status: 'active', merged_into: null })) }));
  const people = (...args: string[]) => spawnSync('node', ['--import', import.meta.resolve('tsx'), join(ROOT, 'pipeline/people.ts'), ...args, '--file', file, '--registry', registry], { env: toolEnv, encoding: 'utf8' });
  let r = people('name', 'inf-0002', 'Priya S.');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /inf-0002 is shown as "Priya S\."/);
  r = people('merge', 'inf-0001', 'inf-0003');
  assert.match(r.stdout, /inf-0003 \(1 track\) join inf-0001 \(1 track\), which keeps its ID/);
  const good = readFileSync(file, 'utf8');
  assert.match(good, /^# The analyst's corrections/, 'comments kept');
  assert.deepEqual(parseCorrections(good).map((c) => c.text), ['names: inf-0002: "Priya S."', 'merge: [inf-0001, inf-0003]']);
  r = people('not-same', 'inf-0003', 'inf-0001');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /line \d+: not_same: \[inf-0003, inf-0001\] contradicts line \d+ \(merge: \[inf-0001, inf-0003\]\)/);
  r = people('not-a-person', 'inf-0099');
  assert.match(r.stderr, /no person inf-0099 in the registry/);
  assert.equal(readFileSync(file, 'utf8'), good, 'nothing written when the check fails');
  assert.equal(applyEdit('', { kind: 'split', id: 'inf-0001', tracks: [T('a', 0)] }), `split:\n  inf-0001: [ ${T('a', 0)} ]\n`);
});
