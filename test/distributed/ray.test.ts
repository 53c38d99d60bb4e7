// Past one machine (issue 20): the per-video work on a real local Ray cluster (a head and two worker
// nodes, started here by `ray start`) fills the caches so that `dvc repro` only assembles tables, and
// those tables are byte-identical to a plain one-machine `dvc repro` of the same inputs: a handful of
// real replica videos (one a near-duplicate of another) and hostile media (a zero-byte file, a
// truncated video whose index is gone, one cut short that still plays). One worker node is killed
// while it runs a task: the task is retried on the other node and nothing is lost. The unit's own
// failure paths (an undecodable video) and the Kubernetes manifest are checked too.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { readTable } from '../../pipeline/lib/warehouse/index.ts';
import { make, scratch, tree } from '../hardening/helpers.ts';
import { procs, type Proc } from '../helpers/procs.ts';
import { FUELGROWTH, hasShared, ROOT, scratchProject, toolEnv } from '../helpers/project.ts';
import { driverCommand, hasRay, processesUnder, rayEnv, rayletOf, startLocalRay } from '../helpers/ray.ts';

const REAL = ['hd-883738210384679', 'hd-6720438181324436', 'hd-929300948587514', 'hd-809480737932683', 'hd-999607261342550', 'hd-938232524809973'];

/** The hostile media, made once: [file name, what ingest says]. */
const hostileDir = scratch('ray-hostile');
const HOSTILE: [string, RegExp | null][] = [['zero.mp4', /^empty file \(0 bytes\)$/], ['truncated.mp4', /^not a playable video: .*moov atom not found/], ['cut-short.mp4', null]];
{
  const clip = readFileSync(make.video(join(hostileDir, 'clip.mp4'), { seconds: 3 }));
  const fast = readFileSync(make.video(join(hostileDir, 'fast.mp4'), { seconds: 3, extra: ['-movflags', '+faststart'] }));
  writeFileSync(join(hostileDir, 'zero.mp4'), '');
  writeFileSync(join(hostileDir, 'truncated.mp4'), clip.subarray(0, clip.length >> 1)); // moov at the end: gone
  writeFileSync(join(hostileDir, 'cut-short.mp4'), fast.subarray(0, Math.floor(fast.length * 0.6))); // index intact: plays partly
}

/** A scratch project whose sheet posts the real videos (one twice) and the hostile media. */
function project(prefix: string) {
  const p = scratchProject(prefix);
  const media = join(p.dir, 'media');
  mkdirSync(media);
  for (const m of REAL) symlinkSync(join(FUELGROWTH, 'media/facebook-assets', m), join(media, m));
  for (const [f] of HOSTILE) copyFileSync(join(hostileDir, f), join(media, f));
  const names = [...REAL, REAL[0], ...HOSTILE.map(([f]) => f)];
  mkdirSync(join(p.dir, 'data/raw'), { recursive: true });
  writeFileSync(join(p.dir, 'data/raw/sheet.csv'), 'url,score\n' + names.map((n, i) => `https://cdn.example.invalid/v/${n},${i + 1}.5`).join('\n') + '\n');
  p.setParams((x) => { x.input.media_dir = 'media'; });
  return p;
}

const UNIT = 'pipeline/distributed/unit.ts';
/** A running unit's task file (it names it after its script), or undefined once gone. */
function taskOf(argv: string[]): { step: string; videos: { sha256: string }[] } | undefined {
  try {
    return JSON.parse(readFileSync(argv[argv.indexOf(UNIT) + 1], 'utf8'));
  } catch {
    return undefined;
  }
}

const waitFor = async <T>(what: string, fn: () => T | undefined, ms: number): Promise<T> => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    const v = fn();
    if (v !== undefined) return v;
  }
  throw new Error(`timed out waiting for ${what}`);
};

/** Every file under `dir` with its bytes, by relative path. */
const files = (dir: string) => new Map(tree(dir).filter((f) => !f.endsWith('/')).map((f) => [f, readFileSync(join(dir, f))]));

test('a local Ray cluster (head + 2 workers) fills the caches; dvc repro then equals a one-machine run byte for byte; a killed worker loses nothing', {
  skip: (!hasShared && 'needs ../shared') || (!hasRay && 'no .venv-ray (./run test installs scale/requirements-ray.txt)'), timeout: 900_000,
}, async () => {
  const t0 = performance.now();
  const plain = project('ray-plain-');
  plain.run('dvc', ['repro', 'aggregate']);
  const tPlain = performance.now();

  const dist = project('ray-dist-');
  const ray = await startLocalRay(2);
  let killed: { videos: string[]; nodeId: string };
  let other: string;
  let frozen: Pick<Proc, 'pid' | 'start'> | undefined;
  let driverLog = '';
  try {
    const driver = spawn(driverCommand[0], [driverCommand[1], '--project', dist.dir, '--address', ray.address, '--videos-per-task', '1'], { env: rayEnv, stdio: ['ignore', 'ignore', 'pipe'] });
    driver.stderr.on('data', (b: Buffer) => { driverLog += b.toString(); });
    const exited = new Promise<number | null>((r) => driver.on('close', r));
    // Kill the first worker node (its raylet, SIGKILL) while its unit detects faces in a video. The unit is
    // frozen first: its Ray worker notices the raylet's death only after a while, and a unit that finished
    // meanwhile was reported done on the dead node (seen in a fresh-clone run), leaving nothing to retry.
    const [victim, survivor] = ray.workers.map(rayletOf);
    other = survivor.nodeId;
    const unit = await waitFor('a faces task on worker 1', () => {
      const u = processesUnder(ray.workers[0], UNIT).map((p) => ({ ...p, task: taskOf(p.argv) })).find((p) => p.task?.step === 'faces');
      if (!u) return undefined;
      try {
        process.kill(u.pid, 'SIGSTOP');
      } catch {
        return undefined; // it ended between the scan and the signal: wait for the next one
      }
      return (frozen = u);
    }, 300_000);
    process.kill(victim.pid, 'SIGKILL');
    killed = { videos: unit.task!.videos.map((v) => v.sha256), nodeId: victim.nodeId };
    assert.equal(await exited, 0, driverLog);
    assert.ok(!procs().some((p) => p.pid === unit.pid && p.start === unit.start), 'the killed node\'s unit did not outlive it');
  } finally {
    // A frozen unit ignores all but SIGKILL: should it have outlived its node (a failed assertion above), end it.
    if (frozen && procs().some((p) => p.pid === frozen!.pid && p.start === frozen!.start)) process.kill(frozen.pid, 'SIGKILL');
    await ray.stop();
  }
  const tDist = performance.now();

  // The summary: every video done, the killed task's videos done again on the other node, none lost.
  const summary = JSON.parse(readFileSync(join(dist.dir, 'data/logs/scale.json'), 'utf8'));
  const videos = await readTable<{ sha256: string }>(join(dist.dir, 'data/processed/videos.parquet'));
  const media = (await readTable<{ sha256: string; playable: boolean }>(join(dist.dir, 'data/processed/media.parquet'))).filter((m) => m.playable);
  for (const [step, expected] of [['fingerprint', media], ['faces', videos]] as const) {
    const s = summary.steps[step];
    assert.deepEqual(s.lost, [], step);
    assert.deepEqual(s.tasks.flatMap((t: { videos: string[] }) => t.videos).sort(), expected.map((v) => v.sha256).sort(), `${step}: every video once`);
  }
  assert.equal(videos.length, REAL.length, 'the near-duplicate is one video; cut-short.mp4 is one');
  for (const sha of killed!.videos) {
    const t = summary.steps.faces.tasks.find((x: { videos: string[] }) => x.videos.includes(sha));
    assert.equal(t.node, other!, `${sha} retried on the other node (killed: ${killed!.nodeId})`);
  }

  // dvc repro finds every fingerprint and detection cached, and the tables equal the plain run's.
  dist.run('dvc', ['repro', 'aggregate']);
  assert.equal(dist.log('dedup').fingerprinted, 0);
  assert.equal(dist.log('extract').decoded, 0);
  assert.equal(plain.log('extract').decoded, videos.length);
  const tables = (dir: string) => files(join(dir, 'data/processed'));
  const [a, b] = [tables(plain.dir), tables(dist.dir)];
  assert.ok(a.size >= 18, `${a.size} tables`);
  assert.deepEqual([...b.keys()], [...a.keys()]);
  assert.deepEqual([...a].filter(([f, bytes]) => !bytes.equals(b.get(f)!)).map(([f]) => f), [], 'tables differing from the one-machine run');
  // The cache entries the workers wrote are exactly the stages' (same names, same bytes).
  for (const c of ['data/cache/extract', 'data/cache/dedup/fingerprints']) {
    const [x, y] = [files(join(plain.dir, c)), files(join(dist.dir, c))];
    assert.deepEqual([...y.keys()].sort(), [...x.keys()].sort(), c);
    assert.deepEqual([...x].filter(([f, bytes]) => !bytes.equals(y.get(f)!)).map(([f]) => f), [], c);
  }
  // The hostile media end with the same reasons.
  const rows = await readTable<{ url: string; status: string; reason: string | null }>(join(dist.dir, 'data/processed/rows.parquet'));
  for (const [f, reason] of HOSTILE) {
    const r = rows.find((x) => x.url.endsWith(`/${f}`))!;
    if (reason) assert.match(String(r.reason), reason, f);
    else assert.notEqual(r.status, 'media_unavailable', `${f}: ${r.reason}`);
  }
  process.stderr.write(`# ray: plain dvc repro ${((tPlain - t0) / 1000).toFixed(1)} s; cluster + driver (1 node killed) ${((tDist - tPlain) / 1000).toFixed(1)} s `
    + `(fingerprint ${summary.steps.fingerprint.wall_s.toFixed(1)} s, faces ${summary.steps.faces.wall_s.toFixed(1)} s); then dvc repro ${((performance.now() - tDist) / 1000).toFixed(1)} s\n`);
  for (const p of [plain, dist]) rmSync(p.dir, { recursive: true, force: true });
});

test('the unit on a video that cannot be decoded: detections cached as an error (as extract does), fingerprint failed and not cached (as dedup does)', async () => {
  const dir = scratch('ray-unit');
  copyFileSync(join(ROOT, 'params.yaml'), join(dir, 'params.yaml'));
  writeFileSync(join(dir, 'zero.mp4'), '');
  const unit = (step: string) => {
    writeFileSync(join(dir, 'task.json'), JSON.stringify({ step, videos: [{ sha256: 'a'.repeat(64), path: 'zero.mp4', duration_s: 3, video_id: 'vid-a' }] }));
    const r = spawnSync('node', ['--import', import.meta.resolve('tsx'), join(ROOT, 'pipeline/distributed/unit.ts'), 'task.json', '--workers', '1'], { cwd: dir, env: toolEnv, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const faces = unit('faces');
  assert.equal(faces.computed, 1);
  assert.equal(faces.failed.length, 1);
  const [entry] = readdirSync(join(dir, 'data/cache/extract'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  assert.deepEqual(JSON.parse(readFileSync(join(entry.parentPath, entry.name), 'utf8')), { frameWidth: 0, frameHeight: 0, nFrames: 0, faces: [], error: faces.failed[0].reason });
  assert.equal(unit('faces').computed, 0, 'cached: not decoded again');
  const fp = unit('fingerprint');
  assert.equal(fp.computed, 0);
  assert.equal(fp.failed.length, 1);
  assert.ok(!existsSync(join(dir, 'data/cache/dedup')), 'a fingerprint failure is not cached');
});

test('the KubeRay manifest: the project image everywhere, the shared volume on every node, Ray as pinned', () => {
  const docs = parseAllDocuments(readFileSync(join(ROOT, 'deploy/kuberay.yaml'), 'utf8')).map((d) => d.toJS());
  const cluster = docs.find((d) => d.kind === 'RayCluster');
  const pvc = docs.find((d) => d.kind === 'PersistentVolumeClaim');
  assert.equal(cluster.apiVersion, 'ray.io/v1');
  assert.deepEqual(pvc.spec.accessModes, ['ReadWriteMany']);
  const pinned = /^ray(\[\w+\])?==([\d.]+)$/m.exec(readFileSync(join(ROOT, 'scale/requirements-ray.txt'), 'utf8'))![2];
  assert.equal(cluster.spec.rayVersion, pinned);
  const pods = [cluster.spec.headGroupSpec, ...cluster.spec.workerGroupSpecs].map((g) => g.template.spec);
  assert.equal(new Set(pods.flatMap((s) => s.containers.map((c: { image: string }) => c.image))).size, 1, 'one image');
  for (const s of pods) {
    const vol = s.volumes.find((v: any) => v.persistentVolumeClaim?.claimName === pvc.metadata.name);
    assert.ok(s.containers.every((c: any) => c.volumeMounts.some((m: any) => m.name === vol.name && m.mountPath === '/shared')));
  }
  const dockerfile = readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8');
  assert.match(dockerfile, /RUN \.\/run setup/);
  assert.match(dockerfile, /scale\/requirements-ray\.txt/);
});

test('kubectl apply --dry-run=client accepts the manifest, where kubectl reaches an API server with KubeRay', (t) => {
  const kubectl = spawnSync('kubectl', ['api-resources', '--api-group=ray.io', '--request-timeout=5s'], { encoding: 'utf8' });
  if (kubectl.error) return t.skip('kubectl is not installed');
  if (kubectl.status !== 0 || !/RayCluster/.test(kubectl.stdout)) {
    return t.skip(`kubectl is installed, but no Kubernetes API server with KubeRay's CRDs answers (client dry-run needs its discovery): ${(kubectl.stderr.trim().split('\n').pop() ?? '').slice(0, 200)}`);
  }
  execFileSync('kubectl', ['apply', '--dry-run=client', '-f', join(ROOT, 'deploy/kuberay.yaml')], { stdio: 'pipe' });
});
