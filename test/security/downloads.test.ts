// Security (issue 18): a sheet's URLs cannot make the pipeline reach the network it runs in. Real
// HTTP servers on loopback addresses (127.0.0.1, 127.0.0.2, ::1) stand for internal services: by
// default every URL or redirect that leads to a private address is refused before any connection
// (the servers see no request); input.download.allow_hosts lets named hosts and ranges through.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { allowList, privateKind } from '../../pipeline/lib/media/index.ts';
import { pinHost } from '../../pipeline/lib/media/egress.ts';
import { fixture, ledger, make, mkdirp, runStageAsync, scratch, sheetOf } from '../hardening/helpers.ts';

const dir = scratch('ssrf');
const video = readFileSync(make.video(join(dir, 'clip.mp4'), { seconds: 1 }));

/** Requests each server saw, by path. */
const hits: Record<string, string[]> = { main: [], inner: [], v6: [] };
const ports: Record<string, number> = {};
function serve(name: string, host: string): Server {
  return createServer((req, res) => {
    hits[name].push(req.url ?? '');
    const to = (location: string) => { res.writeHead(302, { location }); res.end(); };
    switch (req.url) {
      case '/clip': res.writeHead(200, { 'content-type': 'video/mp4' }); return void res.end(video);
      case '/to-inner': return to(`http://127.0.0.2:${ports.inner}/clip`);
      case '/to-v6': return to(`http://[::1]:${ports.v6}/clip`);
      case '/to-metadata': return to('http://169.254.169.254/latest/meta-data/');
      case '/to-name': return to(`http://localhost:${ports.main}/clip`);
      default: res.writeHead(404); res.end();
    }
  }).listen(0, host);
}
const servers = { main: serve('main', '127.0.0.1'), inner: serve('inner', '127.0.0.2'), v6: serve('v6', '::1') };
before(async () => {
  for (const [name, s] of Object.entries(servers)) {
    if (!s.listening) await new Promise((r) => s.once('listening', r));
    ports[name] = (s.address() as { port: number }).port;
  }
});
after(() => { for (const s of Object.values(servers)) { s.closeAllConnections(); s.close(); } });

const seen = () => Object.values(hits).flat().length;
const download = async (urls: string[], allow: string[]) => {
  const fx = fixture({ download: { idleTimeoutMs: 3000, totalTimeoutMs: 5000, retries: 1, allow: allowList(allow) } });
  return (await ledger(sheetOf(urls.map((u, i) => [u, String(i + 1)])), fx)).rows;
};

test('by default a URL to a private, loopback, link-local or otherwise internal address is refused before connecting', async () => {
  const m = ports.main;
  const urls = [
    'http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/v', 'http://172.16.0.1/v', 'http://192.168.1.1/v', 'http://100.64.0.1/v',
    'http://224.0.0.1/v', `http://[::1]:${ports.v6}/clip`, 'http://[fe80::1]/v', 'http://[fd00::1]/v', 'http://[::ffff:169.254.169.254]/v',
    `http://[::ffff:127.0.0.1]:${m}/clip`, `http://127.0.0.1:${m}/clip`, `http://127.0.0.2:${ports.inner}/clip`, `http://0.0.0.0:${m}/clip`,
    `http://0x7f000001:${m}/clip`, `http://2130706433:${m}/clip`, `http://127.1:${m}/clip`, // other spellings of 127.0.0.1
    `http://LocalHost:${m}/clip`, // a host name that resolves to 127.0.0.1
  ];
  const before = seen();
  const t0 = performance.now();
  const rows = await download(urls, []);
  const ms = performance.now() - t0;
  const lines = rows.map((r) => `#   ${String(r.url).padEnd(44)} ${r.status}: ${r.reason}`);
  process.stderr.write(`# refused by default (${urls.length} URLs, ${ms.toFixed(0)} ms):\n${lines.join('\n')}\n`);
  for (const r of rows) {
    assert.equal(r.status, 'media_unavailable', String(r.url));
    assert.match(String(r.reason), /^refused: private address \S+ \(.+; not in input\.download\.allow_hosts\)$/, String(r.url));
  }
  assert.equal(rows[0].reason, 'refused: private address 169.254.169.254 (link-local; not in input.download.allow_hosts)');
  assert.match(String(rows[9].reason), /^refused: private address ::ffff:a9fe:a9fe \(IPv4-mapped link-local;/);
  assert.match(String(rows[17].reason), /^refused: private address 127\.0\.0\.1 \(loopback address of localhost;/);
  assert.equal(seen(), before, 'no server saw a request');
  assert.ok(ms < 3000, `refusals take no network time (${ms.toFixed(0)} ms)`);
});

test('a redirect from an allowed host to a private one is refused at that hop', async () => {
  const m = ports.main;
  const before = { main: hits.main.length, inner: hits.inner.length, v6: hits.v6.length };
  const rows = await download([`http://127.0.0.1:${m}/to-inner`, `http://127.0.0.1:${m}/to-v6`, `http://127.0.0.1:${m}/to-metadata`], ['127.0.0.1']);
  assert.deepEqual(rows.map((r) => r.status), ['media_unavailable', 'media_unavailable', 'media_unavailable']);
  assert.match(String(rows[0].reason), /^refused: redirect to private address 127\.0\.0\.2 \(loopback;/);
  assert.match(String(rows[1].reason), /^refused: redirect to private address ::1 \(loopback;/);
  assert.match(String(rows[2].reason), /^refused: redirect to private address 169\.254\.169\.254 \(link-local;/);
  assert.equal(hits.main.length - before.main, 3, 'the allowed host was asked once per row (a refusal is not retried)');
  assert.equal(hits.inner.length - before.inner, 0, 'the private target saw no request');
  assert.equal(hits.v6.length - before.v6, 0);
});

test('input.download.allow_hosts lets named hosts and ranges through, and only those', async () => {
  const m = ports.main;
  const cases: [string, string[]][] = [
    [`http://127.0.0.1:${m}/clip`, ['127.0.0.1']],
    [`http://localhost:${m}/clip`, ['LocalHost']], // a name, any case
    [`http://[::1]:${ports.v6}/clip`, ['::1']],
    [`http://127.0.0.1:${m}/to-inner`, ['127.0.0.0/8']], // a range covers the redirect's target too
    [`http://127.0.0.1:${m}/to-name`, ['127.0.0.1']], // localhost resolves into the allowed address
  ];
  for (const [url, allow] of cases) {
    const [row] = await download([url], allow);
    assert.equal(row.status, 'ok', `${url} with allow_hosts ${allow}: ${row.reason}`);
  }
  assert.ok(hits.inner.includes('/clip') && hits.v6.includes('/clip'));
  // Allowing one host allows neither its neighbours nor the same address under a name not listed.
  const rows = await download([`http://127.0.0.2:${ports.inner}/clip`, `http://localhost:${m}/clip`], ['127.0.0.1/32', 'media.example']);
  assert.equal(rows[0].status, 'media_unavailable');
  assert.match(String(rows[0].reason), /^refused: private address 127\.0\.0\.2/);
  assert.equal(rows[1].status, 'ok', 'localhost resolves to 127.0.0.1, which the range allows');
  // Addresses no test can connect to: the check alone (no request is made by it).
  assert.deepEqual(await pinHost(new URL('http://169.254.169.254/x'), allowList(['169.254.169.254'])), { address: '169.254.169.254', family: 4 });
  assert.deepEqual(await pinHost(new URL('http://10.0.0.1/x'), allowList(['10.0.0.0/8'])), { address: '10.0.0.1', family: 4 });
  assert.ok('refused' in await pinHost(new URL('http://10.0.0.1/x'), allowList(['10.0.0.0/32'])));
});

test('address kinds, and allow_hosts entries that are neither a host name nor a CIDR', () => {
  const kinds: [string, string | null][] = [
    ['127.0.0.1', 'loopback'], ['10.1.2.3', 'private'], ['172.31.255.255', 'private'], ['172.32.0.1', null], ['192.168.0.1', 'private'],
    ['169.254.169.254', 'link-local'], ['100.64.0.1', 'carrier-grade NAT'], ['100.128.0.1', null], ['0.0.0.0', 'unspecified'],
    ['224.0.0.251', 'multicast'], ['255.255.255.255', 'reserved'], ['8.8.8.8', null], ['::', 'unspecified'], ['::1', 'loopback'],
    ['fe80::1%eth0', 'link-local'], ['fc00::1', 'unique-local'], ['fdff::1', 'unique-local'], ['ff02::1', 'multicast'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'], ['::ffff:7f00:1', 'IPv4-mapped loopback'], ['::ffff:8.8.8.8', null],
    ['::127.0.0.1', 'IPv4-compatible loopback'], ['64:ff9b::a9fe:a9fe', 'NAT64 link-local'], ['2001:4860:4860::8888', null],
  ];
  for (const [ip, kind] of kinds) assert.equal(privateKind(ip), kind, ip);
  for (const bad of ['10.0.0.0/33', '10.0.0.0/', 'http://media.example', '*.example', 'a b', '1.2.3.4/8/1']) {
    assert.throws(() => allowList([bad]), /input\.download\.allow_hosts: ".*" is neither a host name nor an address range/, bad);
  }
  assert.deepEqual([...allowList(['Media.Example.', '10.0.0.0/8', '::1']).names], ['media.example']);
});

test('the ingest stage reads input.download.allow_hosts, and stops on a malformed entry', async () => {
  const proj = scratch('ssrf-stage');
  mkdirp(join(proj, 'data/raw'));
  writeFileSync(join(proj, 'data/raw/sheet.csv'), `url,score\nhttp://127.0.0.1:${ports.main}/clip,1\nhttp://127.0.0.2:${ports.inner}/clip,2\n`);
  const params = (allow: string[]) => writeFileSync(join(proj, 'params.yaml'), stringify({
    input: { sheets: ['data/raw/*.csv'], media_dir: '', allowed_roots: [], download: { concurrency: 2, idle_timeout_s: 5, total_timeout_s: 10, retries: 0, backoff_s: 0.01, max_mb: 50, allow_hosts: allow } },
  }));
  params(['127.0.0.1']);
  const log = await runStageAsync('ingest', proj);
  assert.match(log, /2 rows: 1 ok, 0 rejected, 1 media unavailable/);
  params(['127.0.0.0/99']);
  await assert.rejects(runStageAsync('ingest', proj), /input\.download\.allow_hosts: "127\.0\.0\.0\/99" is neither a host name nor an address range/);
});
