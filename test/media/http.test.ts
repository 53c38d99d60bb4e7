// Media over real HTTP from a server on 127.0.0.1, under URLs without file extensions.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { JsonCache } from '../../pipeline/lib/cache/index.ts';
import { ingest } from '../../pipeline/lib/ledger/ingest.ts';
import { allowList, MediaResolver, type MediaProbe } from '../../pipeline/lib/media/index.ts';
import type { Sheet } from '../../pipeline/lib/sheet/index.ts';
import { makeTestVideo } from '../helpers/project.ts';
import { listenLocal } from '../helpers/http.ts';

const tmp = mkdtempSync(join(tmpdir(), 'http-'));
makeTestVideo(join(tmp, 'clip.mp4'));
const video = readFileSync(join(tmp, 'clip.mp4'));
const hits = new Map<string, number>();

const server = createServer((req, res) => {
  const path = req.url ?? '';
  hits.set(path, (hits.get(path) ?? 0) + 1);
  const n = hits.get(path)!;
  if (path === '/v/good-clip') { res.writeHead(200, { 'content-type': 'application/octet-stream' }); res.end(video); return; }
  if (path === '/v/flaky') {
    if (n === 1) { res.writeHead(500); res.end('try again'); return; }
    res.writeHead(200); res.end(video); return;
  }
  if (path === '/v/slow') { res.writeHead(200, { 'content-length': String(video.length) }); res.write(video.subarray(0, 100)); return; } // then silence
  if (path === '/v/page') { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<html><body>Sign in to continue</body></html>'); return; }
  if (path === '/v/loop') { res.writeHead(302, { location: '/v/loop' }); res.end(); return; }
  if (path === '/v/moved') { res.writeHead(301, { location: '/v/good-clip' }); res.end(); return; }
  res.writeHead(404); res.end('not found');
});
let base = '';
before(async () => {
  ({ base } = await listenLocal(server));
});
after(() => { server.closeAllConnections(); server.close(); });

function sheetOf(urls: string[]): Sheet {
  return {
    file: join(tmp, 'sheet.csv'), columns: ['url', 'score'], urlColumn: 'url', scoreColumn: 'score',
    rows: urls.map((url, i) => ({ rowNumber: i + 1, sheetRow: i + 2, url, scoreText: String(i + 1), cells: { url, score: String(i + 1) } })),
  };
}

function resolver(store: string) {
  return new MediaResolver({
    baseDir: tmp, allowedRoots: [tmp], cacheDir: join(store, 'cache'),
    download: { storeDir: join(store, 'media'), idleTimeoutMs: 800, totalTimeoutMs: 5000, retries: 2, backoffMs: 50, maxBytes: 50 << 20, allow: allowList(['127.0.0.1']) },
  });
}

test('each URL ends in the right status, in bounded time', async () => {
  const store = mkdtempSync(join(tmpdir(), 'store-'));
  const urls = ['good-clip', 'missing', 'flaky', 'slow', 'page', 'loop', 'moved'].map((p) => `${base}/v/${p}`);
  const t0 = Date.now();
  const r = await ingest(sheetOf(urls), resolver(store), new JsonCache<MediaProbe>(join(store, 'probe')), 4);
  const elapsed = Date.now() - t0;
  const by = Object.fromEntries(r.rows.map((x) => [String(x.url).split('/').pop(), x]));
  assert.equal(by['good-clip'].status, 'ok');
  assert.equal(by.missing.status, 'media_unavailable');
  assert.match(String(by.missing.reason), /HTTP 404/);
  assert.equal(hits.get('/v/missing'), 1, 'a 404 is not retried');
  assert.equal(by.flaky.status, 'ok', '500 then success is retried');
  assert.equal(hits.get('/v/flaky'), 2);
  assert.equal(by.slow.status, 'media_unavailable');
  assert.match(String(by.slow.reason), /timed out: no data for 800 ms/);
  assert.equal(by.page.status, 'media_unavailable');
  assert.match(String(by.page.reason), /not a playable video/);
  assert.equal(by.loop.status, 'media_unavailable');
  assert.match(String(by.loop.reason), /redirect/);
  assert.equal(by.moved.status, 'ok');
  assert.equal(by.moved.media_sha256, by['good-clip'].media_sha256, 'content-addressed: same bytes, same hash');
  assert.ok(elapsed < 15_000, `took ${elapsed} ms`);
  assert.equal(r.media.filter((m) => m.playable).length, 1);
  assert.equal(r.counters.rows, urls.length);

  // A second run downloads nothing: the store and its URL index are reused.
  const before = hits.get('/v/good-clip');
  const again = resolver(store);
  await ingest(sheetOf(urls.slice(0, 1)), again, new JsonCache<MediaProbe>(join(store, 'probe')), 1);
  assert.equal(hits.get('/v/good-clip'), before);
  assert.equal(again.counters.downloadCacheHits, 1);
});

test('bad rows are rejected with their reason and never fetched', async () => {
  const store = mkdtempSync(join(tmpdir(), 'store-'));
  const s = sheetOf(['', 'ftp://x.test/a', 'www.example.com/v', `${base}/v/good-clip`, 'file:///etc/passwd', '../../../etc/passwd']);
  s.rows[3].scoreText = 'lots';
  const r = await ingest(s, resolver(store), new JsonCache<MediaProbe>(join(store, 'probe')), 2);
  const reasons = r.rows.map((x) => `${x.status}: ${x.reason}`);
  assert.match(reasons[0], /^rejected: empty URL/);
  assert.match(reasons[1], /^rejected: malformed URL: unsupported scheme "ftp:"/);
  assert.match(reasons[2], /^rejected: malformed URL: no scheme/);
  assert.match(reasons[3], /^rejected: non-numeric score "lots"/);
  assert.match(reasons[4], /^rejected: local path outside the allowed roots/);
  assert.match(reasons[5], /^rejected: local path outside the allowed roots/);
});
