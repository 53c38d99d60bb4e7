// Hardening, crash safety (issue 8, item 5): every stage is killed (SIGKILL) while it works and while
// it writes, then rerun, on the demo sample (the report tests' fixture, test/report/fixture.ts: the
// sample and the stages' caches are kept between test runs).
//
// Before each kill the stage's own outputs are deleted (its tables also from the warehouse), so
// whatever is there after the kill was written by the killed run. Then, before anything reruns:
// every parquet table present reads and equals the uninterrupted run's, a copy of the warehouse
// (with its WAL) opens and every table in it equals the uninterrupted run's, the face crops,
// registry, metrics, plots and reports present are whole (equal to the uninterrupted run's), every
// cache and log entry parses, and the stage's ffmpeg / Chromium children died with it. The stage is
// rerun as `dvc repro` would rerun it (DVC records a stage in dvc.lock only when it succeeds), and
// then every output equals the uninterrupted run's. Kill points are what the stage visibly does (a
// file or a child process appearing), not delays, so they hold on a loaded machine; a point the
// stage ran past before the kill landed is retried.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, watch, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { parse, stringify } from 'yaml';
import { ident, memoryConnection, sqlString } from '../../pipeline/lib/warehouse/index.ts';
import { listenLocal } from '../helpers/http.ts';
import { descendants, procs, type Proc } from '../helpers/procs.ts';
import { ROOT, stageArgs, toolEnv } from '../helpers/project.ts';
import { demoWarehouse } from '../report/fixture.ts';
import { make, mkdirp, scratch } from './helpers.ts';

const DVC = parse(readFileSync(join(ROOT, 'dvc.yaml'), 'utf8')) as { stages: Record<string, { outs?: (string | Record<string, unknown>)[] }> };
/** A stage's tables, in the order it writes them (its parquet outs in dvc.yaml). */
const tablesOf = (stage: string) => (DVC.stages[stage]?.outs ?? []).map((o) => (typeof o === 'string' ? o : Object.keys(o)[0]))
  .filter((o) => /^data\/processed\/[^/]+\.parquet$/.test(o)).map((o) => basename(o, '.parquet'));
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

let dir = '';
const at = (rel: string) => join(dir, rel);
const filesIn = (rel: string, re = /./) => (existsSync(at(rel)) ? readdirSync(at(rel)).filter((f) => re.test(f) && statSync(at(`${rel}/${f}`)).isFile()).sort() : []);
const filesUnder = (rel: string): string[] => (existsSync(at(rel)) ? readdirSync(at(rel), { recursive: true, encoding: 'utf8' }).map((f) => `${rel}/${f}`).filter((f) => statSync(at(f)).isFile()) : []);

// ---- processes: the stage's children, and whether they outlive it ------------------------------------

/** Still running (the same process: its start time matches; not a zombie). */
const alive = (p: Proc) => procs().some((q) => q.pid === p.pid && q.start === p.start);

// ---- running a stage, killed where a trigger fires ------------------------------------------------

/** `watch`: a folder whose changes are checked at once (inotify), besides the polling every 4 ms. */
interface Trigger { what: string; fired(pid: number): boolean; watch?: string }
/** A file appears (the stage's own outputs are deleted before its run, so it is this run's). */
const appears = (rel: string): Trigger => ({ what: `${rel} appeared`, fired: () => existsSync(at(rel)) });
const fileUnder = (rel: string, re: RegExp): Trigger => ({ what: `a ${re.source} file under ${rel}`, fired: () => filesUnder(rel).some((f) => re.test(f)), watch: rel });
const child = (re: RegExp): Trigger => ({ what: `a ${re.source} child running`, fired: (pid) => descendants(pid).some((p) => re.test(p.comm)) });

interface Run { code: number | null; stderr: string; killed: boolean; children: Proc[]; ms: number }

function runStage(stage: string, trigger?: Trigger): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const proc = spawn(process.execPath, stageArgs(stage), { cwd: dir, env: toolEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '', killed = false, done = false, children: Proc[] = [];
    proc.stderr!.on('data', (b: Buffer) => { stderr += b.toString(); });
    const check = () => {
      if (done || killed || !trigger) return;
      let fire = false;
      try { fire = trigger.fired(proc.pid!); } catch { /* a racing read: next tick */ }
      if (!fire) return;
      children = descendants(proc.pid!);
      killed = proc.kill('SIGKILL');
    };
    const iv = setInterval(check, 4);
    const watcher = trigger?.watch && existsSync(at(trigger.watch)) ? watch(at(trigger.watch), { recursive: false }, check) : null;
    proc.on('exit', () => { done = true; });
    proc.on('error', (e) => { clearInterval(iv); watcher?.close(); reject(e); });
    proc.on('close', (code, signal) => {
      clearInterval(iv);
      watcher?.close();
      resolve({ code, stderr, killed: killed && signal === 'SIGKILL', children, ms: performance.now() - t0 });
    });
  });
}
async function runOk(stage: string) {
  const r = await runStage(stage);
  assert.equal(r.code, 0, `stage ${stage} failed: ${r.stderr}`);
  return r;
}

// ---- what a run leaves: every output in a comparable form -------------------------------------------

let db: DuckDBConnection;
async function canon(from: string, conn = db): Promise<string> {
  const r = await conn.runAndReadAll(`SELECT * FROM ${from} ORDER BY ALL`);
  return JSON.stringify({ columns: r.columnNames(), types: r.columnTypes().map(String), rows: r.getRowsJson() });
}
/** Each table of a copy of the warehouse (its WAL too, replayed when the copy opens). */
async function warehouse(into: Map<string, string>) {
  const tmp = mkdtempSync(join(tmpdir(), 'hard-crash-wh-'));
  try {
    for (const f of filesIn('data', /^warehouse\.duckdb(\.wal)?$/)) copyFileSync(at(`data/${f}`), join(tmp, f));
    const inst = await DuckDBInstance.create(join(tmp, 'warehouse.duckdb'));
    const conn = await inst.connect();
    try {
      const names = (await conn.runAndReadAll(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'`)).getRowsJson().map((r) => String(r[0]));
      for (const t of names) into.set(`warehouse ${t}`, await canon(ident(t), conn));
    } finally { conn.closeSync(); inst.closeSync(); }
  } finally { rmSync(tmp, { recursive: true, force: true }); }
}
const OUTPUTS = ['models/registry.json', 'data/metrics.json', 'data/plots/influencer_means.csv', 'data/plots/reliability_curve.csv',
  'reports/index.html', 'reports/influencers.csv', 'reports/contact-sheet.jpg', 'reports/influencers.pdf', 'reports/influencers.xlsx'];
function digest(rel: string): string {
  const b = readFileSync(at(rel));
  if (rel.endsWith('.html')) return sha(b.toString('utf8').replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')); // the run time
  // The PDF and the workbook carry their creation time: whole or not.
  if (rel.endsWith('.pdf')) return b.subarray(0, 5).toString() === '%PDF-' && b.subarray(-1024).toString('latin1').includes('%%EOF') ? 'a whole PDF' : 'a torn PDF';
  if (rel.endsWith('.xlsx')) return b.length > 22 && b.readUInt32LE(b.length - 22) === 0x06054b50 ? 'a whole zip' : 'a torn zip';
  return sha(b);
}
/** Tables (parquet and warehouse), crops (every file in data/faces) and the other outputs. */
async function snapshot(): Promise<Map<string, string>> {
  const s = new Map<string, string>();
  for (const f of filesIn('data/processed', /\.parquet$/)) {
    try { s.set(f, await canon(`read_parquet(${sqlString(at(`data/processed/${f}`))})`)); } catch (e) { s.set(f, `unreadable: ${(e as Error).message}`); }
  }
  try { await warehouse(s); } catch (e) { s.set('warehouse', `does not open: ${(e as Error).message}`); }
  for (const f of filesIn('data/faces')) s.set(`data/faces/${f}`, sha(readFileSync(at(`data/faces/${f}`))));
  for (const f of OUTPUTS) if (existsSync(at(f))) s.set(f, digest(f));
  return s;
}

let ref: Map<string, string>;

/** After a kill: everything there reads, and equals the uninterrupted run's (temp files aside). */
async function assertIntact(where: string) {
  const now = await snapshot();
  for (const [k, v] of now) if (!/\.tmp-[\d-]+$/.test(k)) assert.equal(v, ref.get(k), `${where}: ${k} differs from the uninterrupted run's`);
  for (const f of [...filesUnder('data/cache'), ...filesUnder('data/logs')].filter((x) => x.endsWith('.json'))) {
    assert.doesNotThrow(() => JSON.parse(readFileSync(at(f), 'utf8')), `${where}: torn ${f}`);
  }
}
/** After the rerun: every output equals the uninterrupted run's. */
async function assertSame(where: string) {
  const now = await snapshot();
  assert.deepEqual([...now.keys()].sort(), [...ref.keys()].sort(), `${where}: the same outputs`);
  for (const [k, v] of now) assert.equal(v, ref.get(k), `${where}: ${k} equals the uninterrupted run's`);
}

// ---- kill points ----------------------------------------------------------------------------------

interface Kill { stage: string; at: string; trigger: () => Trigger; keepCache?: boolean }
const table = (stage: string, i: number) => `data/processed/${tablesOf(stage)[i]}.parquet`;
const WAL = 'data/warehouse.duckdb.wal';
const KILLS: Kill[] = [
  { stage: 'ingest', at: 'hashing and probing the media', trigger: () => fileUnder('data/cache/ingest', /\.json$/) },
  { stage: 'ingest', at: 'between two tables', trigger: () => appears(table('ingest', 0)) },
  { stage: 'dedup', at: 'decoding fingerprints', trigger: () => child(/^ffmpeg$/) },
  { stage: 'dedup', at: 'between two tables', trigger: () => appears(table('dedup', 0)) },
  { stage: 'extract', at: 'detecting faces (worker pool, ffmpeg decoding)', trigger: () => child(/^ffmpeg$/) },
  // Seen by inotify at once: a crop written in place (as before this test) is caught empty, and kept by the rerun.
  { stage: 'extract', at: 'writing face crops', keepCache: true, trigger: () => fileUnder('data/faces', /\.jpg$/) },
  { stage: 'extract', at: 'between two tables', keepCache: true, trigger: () => appears(table('extract', 0)) },
  { stage: 'embed', at: 'inside the warehouse transaction', trigger: () => appears(WAL) },
  { stage: 'cluster', at: 'between two tables, registry not yet written', trigger: () => appears(table('cluster', 1)) },
  { stage: 'aggregate', at: 'inside the warehouse transaction', trigger: () => appears(WAL) },
  { stage: 'report', at: 'Chromium printing the PDF', trigger: () => child(/^(chrom|headless)/) },
];

/** The extract cache entries of one video with faces (found by a crop's bytes: entries are keyed by hash). */
let probeCrop = '';
const dropDetections = () => {
  const hits = filesUnder('data/cache/extract').filter((f) => f.endsWith('.json') && readFileSync(at(f), 'utf8').includes(probeCrop));
  assert.ok(hits.length > 0, 'found the chosen video\'s detections in the extract cache');
  for (const f of hits) rmSync(at(f));
};

/** The state before a stage's run: its tables gone (parquet and warehouse), its other outputs and its cache cleared. */
async function prepare(k: Kill) {
  const tables = tablesOf(k.stage);
  for (const t of tables) rmSync(at(`data/processed/${t}.parquet`), { force: true });
  // Opening the warehouse also replays and checkpoints a killed run's WAL, so none is left.
  const inst = await DuckDBInstance.create(at('data/warehouse.duckdb'));
  const conn = await inst.connect();
  try { for (const t of tables) await conn.run(`DROP TABLE IF EXISTS ${ident(t)}`); } finally { conn.closeSync(); inst.closeSync(); }
  assert.ok(!existsSync(at(WAL)), 'no WAL before the run (a kill point waits for one)');
  const rm = (rel: string) => rmSync(at(rel), { recursive: true, force: true });
  if (k.stage === 'ingest') rm('data/cache/ingest');
  if (k.stage === 'dedup') rm('data/cache/dedup');
  if (k.stage === 'extract') { if (!k.keepCache) dropDetections(); for (const f of filesIn('data/faces')) rm(`data/faces/${f}`); }
  if (k.stage === 'cluster') rm('models/registry.json');
  if (k.stage === 'aggregate') { rm('data/metrics.json'); rm('data/plots'); }
  if (k.stage === 'report') rm('reports');
}

/** Prepares, runs the stage until the kill point and kills it there (again when it ran past it); checks what it left. */
async function killAt(t: TestContext, k: Kill) {
  for (let attempt = 1; ; attempt++) {
    await prepare(k);
    const trig = k.trigger();
    const r = await runStage(k.stage, trig);
    if (!r.killed) {
      assert.equal(r.code, 0, `${k.stage} failed before the kill point "${k.at}": ${r.stderr}`);
      assert.ok(attempt < 3, `${k.stage} finished before reaching "${k.at}" (${trig.what}) ${attempt} times`);
      t.diagnostic(`${k.stage} finished before "${k.at}"; again`);
      continue;
    }
    t.diagnostic(`${k.stage} killed at "${k.at}" (${trig.what}) after ${(r.ms / 1000).toFixed(1)} s${r.children.length ? `; its children then: ${r.children.map((c) => c.comm).join(', ')}` : ''}`);
    // ffmpeg dies on its closed pipe, Chromium on its closed control pipe.
    for (let i = 0; i < 200 && r.children.some(alive); i++) await new Promise((ok) => setTimeout(ok, 100));
    const orphans = r.children.filter(alive);
    for (const o of orphans) try { process.kill(o.pid, 'SIGKILL'); } catch { /* gone */ }
    assert.deepEqual(orphans.map((o) => o.comm), [], `${k.stage} killed at "${k.at}": its children outlived it`);
    await assertIntact(`${k.stage} killed at "${k.at}"`);
    return;
  }
}

test('crash safety: SIGKILL during every stage, rerun: the same results, nothing torn ever read', { timeout: 900_000 }, async (t) => {
  const t0 = performance.now();
  dir = demoWarehouse(); // the uninterrupted run up to aggregate (sample and caches kept between test runs)
  db = await memoryConnection();
  await runOk('report');
  ref = await snapshot();
  assert.ok([...ref.keys()].filter((k) => k.endsWith('.parquet')).length >= 18 && [...ref.keys()].some((k) => k.startsWith('data/faces/')) && ref.has('reports/influencers.pdf'),
    'the uninterrupted run wrote its tables, crops and reports');
  for (const [k, v] of ref) if (k.endsWith('.parquet')) assert.equal(ref.get(`warehouse ${basename(k, '.parquet')}`), v, `the warehouse holds ${k}`);
  // The video whose detections extract recomputes: the one with a usable face and the fewest frames.
  const pick = (await db.runAndReadAll(`SELECT f.crop_path FROM read_parquet(${sqlString(at('data/processed/faces.parquet'))}) f
    JOIN read_parquet(${sqlString(at('data/processed/video_faces.parquet'))}) v USING (video_id)
    WHERE v.n_usable_faces > 0 AND f.crop_path IS NOT NULL ORDER BY v.n_frames, f.video_id, f.face_id LIMIT 1`)).getRowsJson();
  probeCrop = readFileSync(at(String(pick[0][0]))).toString('base64');
  t.diagnostic(`uninterrupted run: ${((performance.now() - t0) / 1000).toFixed(0)} s`);

  let broken = ''; // a failed stage leaves outputs that are not the reference's: the later ones are skipped
  for (const stage of new Set(KILLS.map((k) => k.stage))) {
    await t.test(stage, { skip: broken ? `${broken} failed` : false }, async (st) => {
      const s0 = performance.now();
      broken = stage;
      for (const k of KILLS.filter((x) => x.stage === stage)) {
        await killAt(st, k);
        const r = await runOk(stage);
        // The killed run had real work to do: the rerun decodes what it did not finish.
        if (k.stage === 'extract' && !k.keepCache) assert.match(r.stderr, /\(1 decoded/);
        await assertSame(`${stage} rerun after a kill at "${k.at}"`);
      }
      broken = '';
      st.diagnostic(`${stage}: ${((performance.now() - s0) / 1000).toFixed(1)} s`);
    });
  }
  t.diagnostic(`total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  db.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

test('crash safety: ingest killed mid-download resumes the partial file (HTTP Range), same tables and store', { timeout: 300_000 }, async (t) => {
  // Three small videos served on 127.0.0.1 with Range support, slowly (16 kB every 25 ms) while the
  // run to be killed downloads, at full speed for the rerun.
  dir = scratch('crash-dl');
  const bodies = new Map([3, 4, 5].map((s) => [`/cdn/clip-${s}`, readFileSync(make.video(join(dir, `clip-${s}.mp4`), { seconds: s, size: '320x568', rate: 25 }))]));
  let slow = false;
  const ranges: string[] = [];
  const server = createServer((req, res) => {
    const body = bodies.get(req.url ?? '');
    if (!body) { res.writeHead(404).end(); return; }
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const from = m ? Number(m[1]) : 0;
    if (m) ranges.push(`${req.url} ${req.headers.range}`);
    if (from >= body.length) { res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end(); return; }
    res.writeHead(m ? 206 : 200, {
      'content-type': 'video/mp4', 'content-length': body.length - from, 'accept-ranges': 'bytes',
      ...(m ? { 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` } : {}),
    });
    if (!slow) { res.end(body.subarray(from)); return; }
    let sent = from;
    const tick = () => {
      if (res.destroyed) return;
      res.write(body.subarray(sent, sent + 16_384));
      sent = Math.min(body.length, sent + 16_384);
      if (sent < body.length) setTimeout(tick, 25); else res.end();
    };
    tick();
  });
  const { port } = await listenLocal(server);
  try {
    writeFileSync(join(mkdirp(at('data/raw')), 'sheet.csv'), ['url,score', ...[...bodies.keys()].map((p, i) => `http://127.0.0.1:${port}${p},${i + 1}.5`)].join('\n') + '\n');
    const params = parse(readFileSync(join(ROOT, 'params.yaml'), 'utf8'));
    params.input.download.allow_hosts = ['127.0.0.1'];
    writeFileSync(at('params.yaml'), stringify(params));
    db = await memoryConnection();
    const tables = tablesOf('ingest');
    const state = async () => {
      const s = new Map<string, string>();
      for (const tb of tables) if (existsSync(at(`data/processed/${tb}.parquet`))) s.set(tb, await canon(`read_parquet(${sqlString(at(`data/processed/${tb}.parquet`))})`));
      await warehouse(s);
      for (const f of filesIn('data/media')) s.set(`data/media/${f}`, sha(readFileSync(at(`data/media/${f}`))));
      return s;
    };
    await runOk('ingest');
    const want = await state();
    assert.equal([...want.keys()].filter((k) => k.startsWith('data/media/')).length, bodies.size, 'every video downloaded');

    for (const p of ['data/media', 'data/cache/ingest', 'data/processed', 'data/warehouse.duckdb']) rmSync(at(p), { recursive: true, force: true });
    slow = true;
    const partialOver = (bytes: number): Trigger => ({
      what: `a partial download over ${bytes} bytes`,
      fired: () => filesIn('data/media/.partial').some((f) => statSync(at(`data/media/.partial/${f}`)).size > bytes),
    });
    const r = await runStage('ingest', partialOver(65_536));
    assert.ok(r.killed, `ingest was killed mid-download (${r.code}): ${r.stderr}`);
    const partial = filesIn('data/media/.partial').map((f) => statSync(at(`data/media/.partial/${f}`)).size);
    t.diagnostic(`ingest killed mid-download after ${(r.ms / 1000).toFixed(1)} s; partial files: ${partial.join(', ')} bytes`);
    // The store holds only whole, content-addressed files; no table was written.
    for (const f of filesIn('data/media')) assert.equal(sha(readFileSync(at(`data/media/${f}`))), f, `data/media/${f} is whole`);
    for (const tb of tables) assert.ok(!existsSync(at(`data/processed/${tb}.parquet`)), `${tb} not written by the killed run`);

    slow = false;
    await runOk('ingest');
    assert.ok(ranges.length > 0, 'the rerun resumed a partial file with a Range request');
    assert.deepEqual(await state(), want, 'the tables, the warehouse and the media store equal the uninterrupted run\'s');
    assert.deepEqual(filesIn('data/media/.partial'), [], 'no partial download left');
    db.closeSync();
    rmSync(dir, { recursive: true, force: true });
  } finally {
    server.close();
  }
});
