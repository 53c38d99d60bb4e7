// Every notebook executes headless (`jupyter nbconvert --execute --to html`, as CI and `./run notebooks`
// do) on the project's committed tslab kernelspec, against runs built by the real stages
// (test/compare/fixture.ts): no cell may error, and the HTML carries the charts (SVG rendered in the
// kernel) and the face thumbnails.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, toolEnv } from '../helpers/project.ts';
import { buildRuns, type Runs } from '../compare/fixture.ts';

const JUPYTER = join(ROOT, '.venv/bin/jupyter');
const env = { ...toolEnv, JUPYTER_PATH: join(ROOT, '.jupyter') };
const NOTEBOOKS = readdirSync(join(ROOT, 'notebooks')).filter((f) => f.endsWith('.ipynb')).sort();

/** Executes notebooks into `out`; returns nbconvert's exit status and output. */
function execute(paths: string[], out: string, extraEnv: Record<string, string> = {}) {
  const r = spawnSync(JUPYTER, ['nbconvert', '--execute', '--to', 'html', '--ExecutePreprocessor.timeout=300', '--output-dir', out, ...paths], {
    cwd: ROOT, env: { ...env, ...extraEnv }, encoding: 'utf8', maxBuffer: 64 << 20,
  });
  return { status: r.status, log: `${r.stdout}\n${r.stderr}` };
}

/** The SVG images in an nbconvert HTML page (display.svg outputs become data: URIs), decoded. */
const svgImages = (html: string) => [...html.matchAll(/data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)/g)].map((m) => Buffer.from(m[1], 'base64').toString('utf8'));
/** Vega's SVG: a chart's title is a <text> of its role-title group. */
const charts = (html: string) => svgImages(html).filter((s) => s.includes('role-title'));

let runs: Runs;
before(() => { runs = buildRuns(); }, { timeout: 600_000 });
const scratch: string[] = [];
const tempDir = (prefix: string) => { const d = mkdtempSync(join(tmpdir(), prefix)); scratch.push(d); return d; };
after(() => { for (const d of scratch) rmSync(d, { recursive: true, force: true }); });

test('the tslab kernel is registered by the committed kernelspec', () => {
  assert.ok(existsSync(JUPYTER), `${JUPYTER} is missing: run ./run setup (requirements.txt installs nbconvert)`);
  const r = spawnSync(JUPYTER, ['kernelspec', 'list', '--json'], { cwd: ROOT, env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const spec = JSON.parse(r.stdout).kernelspecs.tslab;
  assert.ok(spec, 'kernel "tslab" found through JUPYTER_PATH');
  assert.equal(spec.resource_dir, join(ROOT, '.jupyter/kernels/tslab'));
  for (const nb of NOTEBOOKS) assert.equal(JSON.parse(readFileSync(join(ROOT, 'notebooks', nb), 'utf8')).metadata.kernelspec.name, 'tslab', `${nb} uses the tslab kernel`);
  assert.deepEqual(NOTEBOOKS, ['compare.ipynb', 'explore.ipynb', 'reliability.ipynb']);
});

test('every notebook executes without an error, and its HTML shows the charts', { timeout: 600_000 }, () => {
  const out = tempDir('notebooks-');
  const t0 = performance.now();
  const r = execute(NOTEBOOKS.map((n) => join(ROOT, 'notebooks', n)), out, { INFSEL_RUN: runs.project, COMPARE_A: runs.a, COMPARE_B: runs.project });
  console.error(`nbconvert --execute of ${NOTEBOOKS.length} notebooks: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  assert.equal(r.status, 0, `a notebook failed:\n${r.log.slice(-6000)}`);
  const html = Object.fromEntries(NOTEBOOKS.map((n) => [n, readFileSync(join(out, n.replace('.ipynb', '.html')), 'utf8')]));
  for (const [nb, h] of Object.entries(html)) {
    assert.doesNotMatch(h, /jp-OutputArea-output[^"]*" data-mime-type="application\/vnd\.jupyter\.stderr"/, `${nb}: nothing on stderr`);
    assert.doesNotMatch(h, /Traceback|UncaughtException|UnhandledPromiseRejection/, `${nb}: no error text`);
  }

  const expect: Record<string, string[]> = {
    'explore.ipynb': ['Shrunken vs raw mean per person', 'Score spread per person', 'The same video, posted several times'],
    'reliability.ipynb': ['Reliability summary', 'Shrunken vs raw mean per person', 'Mean vs number of videos (funnel)'],
    'compare.ipynb': ['Rank moves between the runs', 'Each person\u2019s estimate, before and after', 'Reliability before and after'],
  };
  for (const [nb, titles] of Object.entries(expect)) {
    const svgs = charts(html[nb]);
    for (const title of titles) {
      const svg = svgs.find((s) => s.includes(`>${title}</text>`));
      assert.ok(svg, `${nb} shows the chart "${title}" (found: ${svgs.map((s) => /role-title[\s\S]*?<text[^>]*>([^<]*)</.exec(s)?.[1]).join(' | ')})`);
      assert.match(svg, /class="mark-(symbol|rule|line|area|tick)/, `${nb}: "${title}" draws marks`);
    }
  }

  // explore: a face per person, the tables listed, the ledger. reliability: the plain-words reading. compare: the new people.
  const nPeople = JSON.parse(readFileSync(join(runs.project, 'data/metrics.json'), 'utf8')).people as number;
  assert.ok((html['explore.ipynb'].match(/src="data:image\/jpeg;base64,/g) ?? []).length >= nPeople, 'a face thumbnail per person');
  for (const s of ['influencer_stats', 'registry_events', 'no_face']) assert.ok(html['explore.ipynb'].includes(s), `explore shows ${s}`);
  assert.match(html['reliability.ipynb'], /every person(&#39;|')s reliability lies on this curve/);
  assert.match(html['reliability.ipynb'], /What this means for choosing people/);
  assert.match(html['compare.ipynb'], /new person/);
  assert.match(html['compare.ipynb'], /(up|down) \d+ \(#\d+ → #\d+\)/);
});

test('a failing cell fails the headless run', { timeout: 120_000 }, () => {
  const dir = tempDir('notebook-fail-');
  const nb = {
    cells: [
      { cell_type: 'code', id: 'a', metadata: {}, execution_count: null, outputs: [], source: "throw new Error('this cell fails');" },
      { cell_type: 'code', id: 'b', metadata: {}, execution_count: null, outputs: [], source: "console.log('not reached');" },
    ],
    metadata: JSON.parse(readFileSync(join(ROOT, 'notebooks', NOTEBOOKS[0]), 'utf8')).metadata,
    nbformat: 4, nbformat_minor: 5,
  };
  writeFileSync(join(dir, 'fails.ipynb'), JSON.stringify(nb));
  const r = execute([join(dir, 'fails.ipynb')], dir);
  assert.notEqual(r.status, 0);
  assert.match(r.log, /CellExecutionError[\s\S]*this cell fails/);
});
