// The analyst's corrections as the outputs show them, on the demo warehouse made by the real stages
// (test/report/fixture.ts): run A as the clustering found it; run B (a copy) with people.yaml naming
// one person, merging two, splitting a track out of one and marking one not a person, then cluster,
// aggregate and report rerun. In headless Chromium (offline, under the report's CSP) B's report shows
// the name beside the ID, the marks, every track id of a person with its correction line (one click
// selects the whole line), the not_a_person entry with the reason "analyst" and the corrections
// table; the PDF carries the name; the xlsx/csv exports and the warehouse carry it; `pipeline/compare.ts A B`
// lists the corrections B added, with the name beside the ID; the notebooks show the name and the corrections.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import ExcelJS from 'exceljs';
import { parse, stringify } from 'yaml';
import { memoryConnection, readTable } from '../../pipeline/lib/warehouse/index.ts';
import { inChromium } from '../helpers/report-page.ts';
import { ROOT, runStage, toolEnv } from '../helpers/project.ts';
import { copyProject, demoWarehouse } from '../report/fixture.ts';

const NAME = 'Priya S.';
let a = '';
let b = '';
/** The people the corrections name (chosen from run A's own tables). */
let N = '', C = '', M1 = '', M2 = '', D = '';
let splitOut = '';
let cTracks: string[] = [];
let dTracks: string[] = [];
const scratch: string[] = [];

before(async () => {
  a = demoWarehouse();
  b = copyProject(a);
  scratch.push(b);
  const tp = await readTable<{ track_id: string; video_id: string; influencer_id: string | null }>(join(a, 'data/processed/track_people.parquet'));
  const tracksOf = new Map<string, string[]>();
  for (const t of tp) if (t.influencer_id) tracksOf.set(t.influencer_id, [...(tracksOf.get(t.influencer_id) ?? []), t.track_id].sort());
  const videosOf = (id: string) => new Set(tp.filter((t) => t.influencer_id === id).map((t) => t.video_id));
  const ids = [...tracksOf.keys()].sort();
  assert.ok(ids.length >= 5, `five or more people in the demo run (${ids.join(', ')})`);
  // C: the person with the most tracks (one is split out); N named; M1 and M2 merged (never in one video together); D not a person.
  C = [...ids].sort((x, y) => tracksOf.get(y)!.length - tracksOf.get(x)!.length || x.localeCompare(y))[0];
  cTracks = tracksOf.get(C)!;
  assert.ok(cTracks.length >= 2, `${C} has two or more tracks`);
  splitOut = cTracks[cTracks.length - 1];
  const rest = ids.filter((i) => i !== C);
  N = rest[0];
  const pairs = rest.slice(1).flatMap((x, i) => rest.slice(i + 2).map((y) => [x, y] as const));
  [M1, M2] = pairs.find(([x, y]) => ![...videosOf(x)].some((v) => videosOf(y).has(v)))!;
  D = rest.find((i) => i !== N && i !== M1 && i !== M2)!;
  assert.ok(M1 && M2 && D, 'people to merge and to mark');
  dTracks = tracksOf.get(D)!;

  writeFileSync(join(b, 'people.yaml'), [
    '# the analyst, after looking at the report',
    'names:', `  ${N}: "${NAME}"`,
    'merge:', `  - [${M1}, ${M2}]`,
    'split:', `  ${C}: [${splitOut}]`,
    'not_a_person:', `  - ${D}`,
  ].join('\n') + '\n');
  const params = parse(readFileSync(join(b, 'params.yaml'), 'utf8'));
  params.report = { ...(params.report ?? {}), pdf: true };
  writeFileSync(join(b, 'params.yaml'), stringify(params));
  for (const s of ['cluster', 'aggregate', 'report']) runStage(s, b);
}, { timeout: 900_000 });

after(() => { for (const d of scratch) rmSync(d, { recursive: true, force: true }); });

test('the cluster stage applied the corrections the outputs are checked for', async () => {
  const names = await readTable<{ influencer_id: string; name: string | null }>(join(b, 'data/processed/person_names.parquet'));
  assert.deepEqual(names.filter((n) => n.name).map((n) => [n.influencer_id, n.name]), [[N, NAME]]);
  const corrections = await readTable<{ kind: string; status: string; track_ids: string[] }>(join(b, 'data/processed/corrections.parquet'));
  assert.deepEqual(corrections.map((c) => [c.kind, c.status]), [['name', 'applied'], ['merge', 'applied'], ['split', 'applied'], ['not_a_person', 'applied']]);
  assert.deepEqual([...corrections.find((c) => c.kind === 'not_a_person')!.track_ids], dTracks, 'not_a_person of an ID lists the tracks it keeps out');
});

test('the report in Chromium: name beside the ID, marks, each track id with its correction line, not_a_person with reason "analyst"', { timeout: 120_000 }, async () => {
  await inChromium(join(b, 'reports/index.html'), async (page) => {
    const text = (sel: string) => page.$eval(sel, (el) => (el as HTMLElement).innerText);

    // Ranking: the name, then the ID (kept), and the marks.
    assert.match(await text(`#rank-${N} td.id`), new RegExp(`^${NAME.replace('.', '\\.')} ${N}\\b.*named`));
    assert.match(await text(`#rank-${M1} td.id`), /merged by analyst/);
    assert.match(await text(`#rank-${C} td.id`), /split by analyst/);
    assert.ok(!(await page.$(`#rank-${M2}`)), `${M2} is gone (merged into ${M1})`);
    assert.ok(!(await page.$(`#rank-${D}`)), `${D} is not a person`);
    // Gallery heading: name beside the ID.
    assert.match(await text(`#person-${N} h3`), new RegExp(`${NAME.replace('.', '\\.')} ${N}`));
    // Every track of a person with its id and the line that splits it out; the split-out track is no longer C's.
    const tp = await readTable<{ track_id: string; influencer_id: string | null }>(join(b, 'data/processed/track_people.parquet'));
    for (const id of [C, N, M1]) {
      const mine = tp.filter((t) => t.influencer_id === id).map((t) => t.track_id).sort();
      const rows = await page.$$eval(`#person-${id} table.tracks tbody tr`, (trs) => trs.map((tr) => ({ track: tr.querySelector('code.track')?.textContent, fix: tr.querySelector('code.fix')?.textContent })));
      assert.deepEqual(rows.map((r) => r.track), mine, `${id}: every track id in the gallery`);
      if (mine.length > 1) for (const r of rows) assert.equal(r.fix, `npx tsx pipeline/people.ts split ${id} --tracks ${r.track}`);
    }
    assert.ok(!tp.some((t) => t.track_id === splitOut && t.influencer_id === C), `${splitOut} left ${C}`);
    assert.deepEqual(await page.$$eval(`#person-${N} p.fixes code.fix`, (els) => els.map((e) => e.textContent)),
      [`npx tsx pipeline/people.ts name ${N} "${NAME}"`, `npx tsx pipeline/people.ts merge ${N} inf-NNNN`, `npx tsx pipeline/people.ts not-a-person ${N}`]);
    // One click on a correction line selects all of it (user-select: all), ready to copy.
    const line = page.locator(`#person-${C} table.tracks code.fix`).first();
    await line.click();
    assert.equal(await page.evaluate(() => String(window.getSelection())), await line.textContent());
    // The gallery's faces are grouped by track id.
    assert.ok((await page.$$eval(`#person-${C} .face-group[data-track]`, (els) => els.map((e) => (e as HTMLElement).dataset.track))).every((t) => /-t\d+$/.test(t!)));
    // not_a_person: listed with the reason "analyst", and its tracks say so among the tracks of no person.
    const nap = await page.$$eval('#not-credited table.not-a-person tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.innerText)));
    assert.equal(nap.length, 1);
    assert.equal(nap[0][1], D);
    assert.equal(nap[0][3], 'analyst');
    assert.deepEqual(nap[0][2].split(', ').sort(), dTracks);
    const notCredited = await text('#not-credited');
    for (const t of dTracks) assert.match(notCredited, new RegExp(`${t}[\\s\\S]*?not a person \\(reason: analyst; people\\.yaml line 9`));
    // The corrections table in the registry section, and the analyst's events.
    const corr = await page.$$eval('#registry table.corrections tbody tr', (trs) => trs.map((tr) => (tr as HTMLElement).innerText));
    assert.equal(corr.length, 4);
    assert.match(corr[0], new RegExp(`^3\\tnames: ${N}: "${NAME.replace('.', '\\.')}"\\tapplied\\t${NAME.replace('.', '\\.')} ${N}`));
    assert.match(await text('#registry'), new RegExp(`Analyst correction \\(people\\.yaml\\): merge: \\[${M1}, ${M2}\\]`));
    // The chart axes name the person too.
    assert.ok(await page.$$eval('#chart-caterpillar svg text', (ts, want) => ts.some((t) => t.textContent!.includes(want)), `${NAME} (${N})`), 'caterpillar axis label with the name');
  });
  // The PDF, printed from the same HTML, carries the name beside the ID.
  const pdfText = execFileSync('pdftotext', [join(b, 'reports/influencers.pdf'), '-'], { encoding: 'utf8' });
  assert.match(pdfText, new RegExp(`${NAME.replace('.', '\\.')}\\s+${N}`));
  assert.match(pdfText, /split by analyst/);
});

test('the exports carry the name: xlsx People and Corrections sheets, the csv, and the warehouse', async () => {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(join(b, 'reports/influencers.xlsx'));
  const people = wb.getWorksheet('People')!;
  const header = (people.getRow(1).values as unknown[]).slice(1);
  const col = (h: string) => header.indexOf(h) + 1;
  const rows: Record<string, unknown>[] = [];
  people.eachRow((r, n) => { if (n > 1) rows.push({ id: r.getCell(col('person (stable ID)')).value, name: r.getCell(col('name (people.yaml)')).value, marks: r.getCell(col('corrected by analyst')).value }); });
  assert.deepEqual(rows.filter((r) => r.name).map((r) => [r.id, r.name]), [[N, NAME]]);
  assert.equal(rows.find((r) => r.id === M1)?.marks, 'merged by analyst');
  const corr = wb.getWorksheet('Corrections')!;
  assert.equal(corr.actualRowCount - 1, 4);
  const ch = (corr.getRow(1).values as unknown[]).slice(1);
  assert.equal(corr.getRow(2).getCell(ch.indexOf('people now') + 1).value, `${NAME} (${N})`);
  assert.equal(corr.getRow(5).getCell(ch.indexOf('reason') + 1).value, 'analyst');
  const tracks = wb.getWorksheet('Tracks per person')!;
  let splitLines = 0;
  tracks.eachRow((r, n) => { if (n > 1 && String(r.getCell(6).value ?? '').startsWith(`npx tsx pipeline/people.ts split ${r.getCell(1).value} --tracks ${r.getCell(3).value}`)) splitLines++; });
  assert.ok(splitLines >= 2, `a split line per track (${splitLines})`);

  const conn = await memoryConnection();
  try {
    const csv = join(b, 'reports/influencers.csv');
    const back = (await conn.runAndReadAll(`SELECT influencer_id, name FROM read_csv('${csv}', header = true) WHERE name IS NOT NULL`)).getRowObjectsJS();
    assert.deepEqual(back.map((r) => [r.influencer_id, r.name]), [[N, NAME]]);
    await conn.run(`ATTACH '${join(b, 'data/warehouse.duckdb')}' AS w (READ_ONLY)`);
    const wh = (await conn.runAndReadAll(`SELECT s.influencer_id, n.name FROM w.influencer_stats s JOIN w.person_names n USING (influencer_id) WHERE n.name IS NOT NULL`)).getRowObjectsJS();
    assert.deepEqual(wh.map((r) => [r.influencer_id, r.name]), [[N, NAME]], 'the warehouse joins the name to the stats');
  } finally {
    conn.closeSync();
  }
});

test('compare A B lists the corrections B added, with the name beside the ID', () => {
  const out = mkdtempSync(join(tmpdir(), 'corr-compare-'));
  scratch.push(out);
  const r = spawnSync('node', ['--import', import.meta.resolve('tsx'), join(ROOT, 'pipeline/compare.ts'), a, b, '--out', out], { cwd: ROOT, env: toolEnv, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /4 corrections differ/);
  const md = readFileSync(join(out, 'compare.md'), 'utf8');
  const section = md.slice(md.indexOf('## Analyst corrections'), md.indexOf('## Rank moves'));
  assert.match(section, new RegExp(`\\| added in B \\| \`names: ${N}: "${NAME.replace('.', '\\.')}"\` \\| – → 3 \\| – → applied \\| ${NAME.replace('.', '\\.')} \\(${N}\\) \\|`));
  for (const t of [`merge: [${M1}, ${M2}]`, `split: ${C}: [${splitOut}]`, `not_a_person: ${D}`]) assert.ok(section.includes(`\`${t}\``), `compare lists ${t}`);
  const json = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8'));
  assert.deepEqual(json.corrections.map((c: any) => c.change), ['added', 'added', 'added', 'added']);
  assert.equal(json.people.find((p: any) => p.influencer_id === N).name, NAME);
  // The other way round, B's corrections are gone in A.
  const back = spawnSync('node', ['--import', import.meta.resolve('tsx'), join(ROOT, 'pipeline/compare.ts'), b, a, '--out', out], { cwd: ROOT, env: toolEnv, encoding: 'utf8' });
  assert.equal(back.status, 0, back.stderr);
  assert.match(readFileSync(join(out, 'compare.md'), 'utf8'), new RegExp(`\\| gone in B \\| \`merge: \\[${M1}, ${M2}\\]\``));
});

const JUPYTER = join(ROOT, '.venv/bin/jupyter');
test('the notebooks show the name beside the ID (tables, charts) and the corrections', { skip: !existsSync(JUPYTER) && 'no jupyter (./run setup)', timeout: 600_000 }, () => {
  const out = mkdtempSync(join(tmpdir(), 'corr-notebooks-'));
  scratch.push(out);
  const r = spawnSync(JUPYTER, ['nbconvert', '--execute', '--to', 'html', '--ExecutePreprocessor.timeout=300', '--output-dir', out, ...['explore', 'compare', 'reliability'].map((n) => join(ROOT, 'notebooks', `${n}.ipynb`))], {
    cwd: ROOT, env: { ...toolEnv, JUPYTER_PATH: join(ROOT, '.jupyter'), INFSEL_RUN: b, COMPARE_A: a, COMPARE_B: b }, encoding: 'utf8', maxBuffer: 64 << 20,
  });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`.slice(-4000));
  const explore = readFileSync(join(out, 'explore.html'), 'utf8');
  const compare = readFileSync(join(out, 'compare.html'), 'utf8');
  const named = `${NAME} (${N})`;
  assert.ok(explore.includes(`<td>${named}</td>`), 'explore: the ranked table shows the name beside the ID');
  assert.ok(explore.includes(`split: ${C}: [${splitOut}]`), 'explore: the corrections table');
  const q = '(?:&quot;|&#34;|&#x22;|")';
  assert.match(explore, new RegExp(`names: ${N}: ${q}${NAME.replace('.', '\\.')}${q}`), 'explore: the name correction');
  assert.ok(compare.includes('added in B') && compare.includes(`not_a_person: ${D}`), 'compare: the corrections that differ');
  assert.ok(compare.includes(named), 'compare: the name beside the ID');
  // reliability: the charts label the person with the name (SVG rendered in the kernel, embedded as data URIs).
  const svgs = [...readFileSync(join(out, 'reliability.html'), 'utf8').matchAll(/data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)/g)].map((m) => Buffer.from(m[1], 'base64').toString('utf8'));
  assert.ok(svgs.some((svg) => svg.includes('Shrunken vs raw mean per person') && svg.includes(`#`) && svg.includes(named)), 'reliability: the caterpillar axis names the person');
});
