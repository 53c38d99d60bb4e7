// The machine's process table from /proc (Linux): who is whose child, and whether a process still runs.
import { readdirSync, readFileSync } from 'node:fs';

/** A running (not zombie) process; `start` (clock ticks after boot) tells a reused pid apart. */
export interface Proc { pid: number; ppid: number; comm: string; start: string }

export function procs(): Proc[] {
  const out: Proc[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const s = readFileSync(`/proc/${e}/stat`, 'utf8');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      if (f[0] !== 'Z') out.push({ pid: Number(e), comm: s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')), ppid: Number(f[1]), start: f[19] });
    } catch { /* gone meanwhile */ }
  }
  return out;
}

/** Every process below `pid` (children, their children, …). */
export function descendants(pid: number): Proc[] {
  const all = procs();
  const out: Proc[] = [];
  for (let ps = [pid]; ps.length;) { const kids = all.filter((p) => ps.includes(p.ppid)); out.push(...kids); ps = kids.map((k) => k.pid); }
  return out;
}
