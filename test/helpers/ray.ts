// A real Ray cluster on this machine, for tests and benchmarks: a head that only schedules (0 CPUs)
// and N worker nodes of 1 CPU each, every node a `ray start --block` child of this process with its
// own free ports, no dashboard and no usage stats, so stop() ends exactly the processes it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { descendants, procs, type Proc } from './procs.ts';
import { ROOT, toolEnv } from './project.ts';

export const RAY_VENV = join(ROOT, '.venv-ray');
export const hasRay = existsSync(join(RAY_VENV, 'bin/ray'));
export const rayEnv = { ...toolEnv, RAY_USAGE_STATS_ENABLED: '0' };
/** The driver's command line (scale/ray_driver.py in the Ray venv's Python). */
export const driverCommand = [join(RAY_VENV, 'bin/python'), join(ROOT, 'scale/ray_driver.py')];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    }).on('error', reject);
  });
}

/** Starts one node; resolves once it printed `ready` (with the match), rejects if it exits first. */
function startNode(args: string[], ready: RegExp): Promise<{ proc: ChildProcess; match: RegExpExecArray }> {
  const proc = spawn(join(RAY_VENV, 'bin/ray'), ['start', '--block', '--disable-usage-stats', '--object-store-memory=100000000', ...args], {
    env: rayEnv, stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const read = (b: Buffer) => {
      if (out.length < 1e5) out += b.toString();
      const match = ready.exec(out);
      if (match) resolve({ proc, match });
    };
    proc.stdout!.on('data', read);
    proc.stderr!.on('data', read);
    proc.on('exit', (code) => reject(new Error(`ray start ${args[0]} exited (${code}):\n${out.slice(-3000)}`)));
  });
}

export interface LocalRay {
  /** The head's address (for ray.init and `ray start --address`). */
  address: string;
  /** Each worker node's `ray start --block` process. */
  workers: ChildProcess[];
  /** Ends every process the cluster started (workers, then the head) and removes its temp folder. */
  stop(): Promise<void>;
}

export async function startLocalRay(nWorkers: number): Promise<LocalRay> {
  const temp = mkdtempSync(join(tmpdir(), 'ray-')); // short: Ray's unix socket paths live under it
  const nodes: ChildProcess[] = [];
  const stop = async () => {
    // Children reparent when their `ray start` exits: note them (pid + start time) first.
    const mine = nodes.flatMap((n) => (n.exitCode === null && n.signalCode === null ? descendants(n.pid!) : []));
    for (const n of [...nodes].reverse()) {
      if (n.exitCode !== null || n.signalCode !== null) continue;
      const exited = new Promise((r) => n.once('exit', r));
      n.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
      if (n.exitCode === null && n.signalCode === null) n.kill('SIGKILL');
    }
    const alive = new Map(procs().map((p) => [p.pid, p.start]));
    for (const p of mine) if (alive.get(p.pid) === p.start) process.kill(p.pid, 'SIGKILL');
    rmSync(temp, { recursive: true, force: true });
  };
  try {
    const [port, dashboard, agent] = await Promise.all([freePort(), freePort(), freePort()]);
    const head = await startNode(['--head', `--port=${port}`, '--num-cpus=0', '--include-dashboard=false', `--dashboard-port=${dashboard}`,
      `--dashboard-agent-listen-port=${agent}`, `--temp-dir=${temp}`], /ray start --address='([^']+)'/);
    nodes.push(head.proc);
    const address = head.match[1];
    for (let i = 0; i < nWorkers; i++) {
      const w = await startNode([`--address=${address}`, '--num-cpus=1', `--dashboard-agent-listen-port=${await freePort()}`], /Ray runtime started/);
      nodes.push(w.proc);
    }
    return { address, workers: nodes.slice(1), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** A worker node's raylet process and the Ray node id it registered with. */
export function rayletOf(node: ChildProcess): { pid: number; nodeId: string } {
  const raylet = descendants(node.pid!).find((p) => p.comm === 'raylet');
  if (!raylet) throw new Error(`no raylet under ray start (pid ${node.pid})`);
  const nodeId = /--node_id=([0-9a-f]+)/.exec(readFileSync(`/proc/${raylet.pid}/cmdline`, 'utf8').replaceAll('\0', ' '))?.[1];
  if (!nodeId) throw new Error(`raylet ${raylet.pid}: no --node_id`);
  return { pid: raylet.pid, nodeId };
}

/** The processes under a node whose command line contains `needle`, with their arguments. */
export function processesUnder(node: ChildProcess, needle: string): (Proc & { argv: string[] })[] {
  return descendants(node.pid!).flatMap((p) => {
    try {
      const argv = readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0');
      return argv.some((a) => a.includes(needle)) ? [{ ...p, argv }] : [];
    } catch {
      return []; // gone meanwhile
    }
  });
}
