// Hardening, hostile input (issue 8, item 4): crafted URLs and file names cannot escape the allowed
// folders, cannot reach a shell, cannot make ffmpeg read other files, and nothing is written outside
// the project's data folders. The real ingest stage runs in a scratch project; then the same sheet
// runs through the library with the outside folder allowed (input.allowed_roots).
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { allowList, MediaResolver } from '../../pipeline/lib/media/index.ts';
import { classifyUrl, findInMediaDir, insideRoots, lastSegment } from '../../pipeline/lib/media/locate.ts';
import { readTable } from '../../pipeline/lib/warehouse/index.ts';
import { ROOT } from '../helpers/project.ts';
import { listenLocal } from '../helpers/http.ts';
import { fixture, ledger, make, mkdirp, runStageAsync, scratch, sheetOf, statusCounts, tree } from './helpers.ts';

const root = scratch('hostile');
const outside = mkdirp(join(root, 'outside'));
const proj = mkdirp(join(root, 'proj'));
const raw = mkdirp(join(proj, 'data/raw'));
const mediaDir = mkdirp(join(raw, 'media'));
const clip = make.video(join(outside, 'clip.mp4'));
copyFileSync(clip, join(outside, 'secret.mp4'));
const video = readFileSync(clip);
const marker = `pwned-${process.pid}`;

// Files whose names are hostile but which are legitimately the user's media.
const LOCAL_NAMES = [`$(touch ${marker}-a).mp4`, `a;touch ${marker}-b;b.mp4`, '`touch x`|&<>.mp4', '-i.mp4', '--help', 'клип 🎬.mp4', '..clip.mp4', `${'n'.repeat(240)}.mp4`];
for (const n of LOCAL_NAMES) make.video(join(raw, n), { seconds: 1, source: n === '-i.mp4' ? 'smptebars' : 'testsrc2' });
copyFileSync(clip, join(mediaDir, 'фильм 🎬.mp4'));
symlinkSync(join(outside, 'secret.mp4'), join(raw, 'link-out.mp4'));

const hits: string[] = [];
const server = createServer((req, res) => {
  hits.push(req.url ?? '');
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://h').pathname);
  if (path === '/hls-local') { res.end(`#EXTM3U\n#EXT-X-TARGETDURATION:3\n#EXTINF:2,\n${join(outside, 'secret.mp4')}\n#EXT-X-ENDLIST\n`); return; }
  if (path === '/hls-remote') { res.end(`#EXTM3U\n#EXT-X-TARGETDURATION:3\n#EXTINF:2,\nhttp://127.0.0.1:${port}/segment.mp4\n#EXT-X-ENDLIST\n`); return; }
  if (path === '/concat') { res.end(`ffconcat version 1.0\nfile ${join(outside, 'secret.mp4')}\n`); return; }
  if (path === '/segment.mp4' || path.startsWith('/ok/')) { res.end(video); return; }
  res.writeHead(404); res.end();
});
let port = 0;
let base = '';
before(async () => {
  ({ port, base } = await listenLocal(server));
});
after(() => { server.closeAllConnections(); server.close(); });

/** The hostile sheet: [url, expected status without allowed_roots, reason, status with the outside folder allowed]. */
function hostileRows(): [string, string, RegExp | null, string?][] {
  const o = outside;
  return [
    [`${base}/v/$(touch ${o}/${marker}-1)`, 'media_unavailable', /HTTP 404/],
    [`${base}/v/x;touch ${o}/${marker}-2;&&rm -rf ~`, 'media_unavailable', /HTTP 404/],
    [`${base}/v/\`touch ${o}/${marker}-3\`|sh`, 'media_unavailable', /HTTP 404/],
    [`${base}/ok/$(touch ${marker}-4)`, 'ok', null],
    ...LOCAL_NAMES.map((n): [string, string, null] => [n, 'ok', null]),
    [`./${LOCAL_NAMES[0]}`, 'ok', null],
    ['../../../outside/clip.mp4', 'rejected', /^local path outside the allowed roots \(input\.allowed_roots\): .*outside\/clip\.mp4$/, 'ok'],
    [`${o}/clip.mp4`, 'rejected', /^local path outside the allowed roots/, 'ok'],
    [`file://${o}/clip.mp4`, 'rejected', /^local path outside the allowed roots/, 'ok'],
    [`file://${encodeURI(o)}/../outside/./secret.mp4`, 'rejected', /^local path outside the allowed roots/, 'ok'],
    [`file://${raw}/../../../outside/clip.mp4`, 'rejected', /^local path outside the allowed roots/, 'ok'],
    ['file:///etc/passwd', 'rejected', /^local path outside the allowed roots \(input\.allowed_roots\): file:\/\/\/etc\/passwd$/], // as written, not resolved
    ['/dev/zero', 'rejected', /^local path outside the allowed roots/],
    ['link-out.mp4', 'rejected', /^local path outside the allowed roots/, 'ok'],
    ['file://remote.example/share/x.mp4', 'rejected', /^malformed file URL/],
    [`${base}/assets/..%2F..%2F..%2Foutside%2Fsecret.mp4`, 'media_unavailable', /HTTP 404/], // not looked up in media_dir
    [`${base}/assets/%2e%2e`, 'media_unavailable', /HTTP 404/],
    [`https://cdn.example.invalid/a/${encodeURIComponent('фильм 🎬.mp4')}?utm_source=x`, 'ok', null], // found in media_dir by its unicode name
    [`${base}/v/${'a'.repeat(300)}`, 'media_unavailable', /HTTP 404/],
    [`${base}/v/${'b'.repeat(5000)}`, 'rejected', /^malformed URL: longer than 4096 characters$/],
    [`${'c'.repeat(300)}.mp4`, 'rejected', /^malformed URL: neither an http\(s\) URL nor an existing file$/],
    [`${base}/hls-local`, 'media_unavailable', /^not a playable video: unsupported format "hls"/],
    [`${base}/hls-remote`, 'media_unavailable', /^not a playable video: unsupported format "hls"/],
    [`${base}/concat`, 'media_unavailable', /^not a playable video: unsupported format "concat"/],
    [`concat:${o}/clip.mp4|${o}/clip.mp4`, 'rejected', /^malformed URL: unsupported scheme "concat:"/],
    ['pipe:0', 'rejected', /unsupported scheme "pipe:"/],
    ['javascript:alert(1)', 'rejected', /unsupported scheme "javascript:"/],
    ['data:video/mp4;base64,AAAA', 'rejected', /unsupported scheme "data:"/],
    [`http://user:secret@127.0.0.1:${port}/ok/creds`, 'rejected', /^malformed URL: a user name or password in the URL is not supported$/],
    [`${base}/ok/a\nb`, 'rejected', /control characters/],
    ['~/secret.mp4', 'rejected', /^malformed URL: neither an http\(s\) URL nor an existing file$/], // no shell: no ~ expansion
    ['$HOME/.bashrc', 'rejected', /^malformed URL: neither an http\(s\) URL nor an existing file$/],
    [`file://${raw}/missing.mp4`, 'media_unavailable', new RegExp(`^cannot read file://${raw}/missing\\.mp4: ENOENT$`)], // a URL: named as written
  ];
}

const csvCell = (s: string) => `"${s.replaceAll('"', '""')}"`;
const pwnedAnywhere = () => [root, proj, tmpdir(), ROOT, process.cwd()].flatMap((d) => readdirSync(d).filter((f) => f.startsWith(marker)));

test('the ingest stage on a hostile sheet: each row one status, no shell, nothing written outside data/', async () => {
  const rows = hostileRows();
  writeFileSync(join(raw, 'hostile.csv'), 'url,score\n' + rows.map(([u], i) => `${csvCell(u)},${i + 1}`).join('\n') + '\n');
  writeFileSync(join(proj, 'params.yaml'), stringify({
    input: {
      sheet: 'data/raw/hostile.csv', media_dir: 'data/raw/media', allowed_roots: [],
      download: { concurrency: 4, idle_timeout_s: 2, total_timeout_s: 10, retries: 0, backoff_s: 0.01, max_mb: 50, allow_hosts: ['127.0.0.1'] },
    },
  }));
  const before = tree(root);
  const t0 = performance.now();
  await runStageAsync('ingest', proj);
  const ms = performance.now() - t0;

  const ledgerRows = await readTable<Record<string, unknown>>(join(proj, 'data/processed/ingest_rows.parquet'));
  assert.equal(ledgerRows.length, rows.length);
  rows.forEach(([url, status, reason], i) => {
    const r = ledgerRows[i];
    assert.equal(r.url, url.trim());
    assert.equal(r.status, status, `row ${i + 1} ${url.slice(0, 120)}: ${r.reason}`);
    if (reason) assert.match(String(r.reason), reason, `row ${i + 1} ${url.slice(0, 120)}`);
  });
  const c = statusCounts(ledgerRows);
  assert.equal(Object.values(c).reduce((a, b) => a + b), rows.length);

  // Nothing ran a shell, and the only new files are under the project's data folder.
  assert.deepEqual(pwnedAnywhere(), []);
  const added = tree(root).filter((p) => !before.includes(p));
  assert.deepEqual(added.filter((p) => !p.startsWith('proj/data/') || p.startsWith('proj/data/raw/')), [], 'written outside proj/data (or into the input folder)');
  assert.ok(added.length > 0);
  for (const f of readdirSync(join(proj, 'data/media'))) assert.match(f, /^([0-9a-f]{64}|\.partial)$/, 'the store holds content-addressed names only');
  // ffmpeg never followed a playlist: the remote segment was never requested.
  assert.equal(hits.filter((h) => h.startsWith('/segment')).length, 0);
  // The media_dir match needed no download; tracking parameters never left the machine.
  assert.equal(hits.filter((h) => h.includes('utm_')).length, 0);
  process.stderr.write(`# hostile sheet: ${rows.length} rows through the real ingest stage in ${ms.toFixed(0)} ms ${JSON.stringify(c)}\n`);
});

test('with the outside folder in input.allowed_roots, the same local paths and file:// URLs are read', async () => {
  const rows = hostileRows();
  const resolver = new MediaResolver({
    baseDir: raw, mediaDir, allowedRoots: [proj, raw, mediaDir, outside], cacheDir: join(proj, 'data/cache/allowed'),
    download: { storeDir: join(proj, 'data/media'), idleTimeoutMs: 2000, totalTimeoutMs: 5000, retries: 0, backoffMs: 10, maxBytes: 50 << 20, allow: allowList(['127.0.0.1']) },
  });
  const fx = { ...fixture(), resolver };
  const { ingest } = await ledger(sheetOf(rows.map(([u], i) => [u, String(i + 1)])), fx);
  rows.forEach(([url, status, , allowed], i) => assert.equal(ingest.rows[i].status, allowed ?? status, `row ${i + 1} ${url.slice(0, 100)}: ${ingest.rows[i].reason}`));
  assert.deepEqual(pwnedAnywhere(), []);
});

test('locate: names never escape their folder; symlinks and odd names are judged by where they really point', () => {
  for (const u of ['https://x.test/a/..%2F..%2Fetc%2Fpasswd', 'https://x.test/%2e%2e', 'https://x.test/a/..%5c..%5cwin.ini', 'https://x.test/a%00b', `https://x.test/${'z'.repeat(256)}`, 'https://x.test/', 'https://x.test/.']) {
    assert.equal(lastSegment(u), null, u);
  }
  assert.equal(lastSegment('https://x.test/a/%D1%84%D0%B8%D0%BB%D1%8C%D0%BC%20%F0%9F%8E%AC.mp4?x=1#y'), 'фильм 🎬.mp4');
  assert.equal(findInMediaDir('https://x.test/..%2Foutside%2Fsecret.mp4', mediaDir), null);
  assert.equal(findInMediaDir('https://x.test/..', raw), null);
  assert.equal(insideRoots(join(raw, '..clip.mp4'), [raw]), true, 'a name starting with two dots is inside');
  assert.equal(insideRoots(join(raw, 'link-out.mp4'), [proj]), false, 'a symlink is judged by its target');
  assert.equal(insideRoots(join(raw, 'not-there-yet.mp4'), [proj]), true);
  assert.equal(insideRoots(`${proj}-sibling/x.mp4`, [proj]), false, 'a sibling folder sharing the prefix is outside');
  symlinkSync(proj, join(root, 'proj-link'));
  assert.equal(insideRoots(join(root, 'proj-link', 'data/raw/missing.mp4'), [proj]), true, 'a missing file under a symlinked root is judged by the real folder');
  assert.equal(classifyUrl('C:\\media\\x.mp4', raw).kind, 'local', 'a drive letter is not a scheme');
  assert.equal(classifyUrl('HTTPS://X.TEST/a', raw).kind, 'http');
  assert.deepEqual(classifyUrl('https://x.test/a b', raw), { kind: 'http', url: 'https://x.test/a%20b' });
});

test('no child process is ever started through a shell', () => {
  // The code that handles URLs and names starts programs only with spawn(cmd, [args]) and never a shell.
  const files: string[] = [];
  const walk = (d: string) => { for (const e of readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.ts') && files.push(join(d, e.name)); };
  walk(resolve(ROOT, 'pipeline'));
  for (const f of files) {
    const src = readFileSync(f, 'utf8');
    assert.doesNotMatch(src, /shell\s*:\s*(true|['"`])|require\(\s*['"](node:)?child_process/, f);
    const imports = [...src.matchAll(/import\s+(.+?)\s+from\s+'(node:)?child_process'/g)].map((m) => m[1]);
    for (const names of imports) assert.match(names, /^\{\s*(spawn|spawnSync|execFile|execFileSync)(\s*,\s*(spawn|spawnSync|execFile|execFileSync))*\s*\}$/, `${f}: ${names}`);
  }
  assert.ok(existsSync(join(ROOT, 'pipeline/lib/frames/index.ts')));
});
