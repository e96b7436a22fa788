/**
 * CPU accounting from /proc (Linux): utime + stime of every process in a server's process tree, so
 * a Python peer's workers, Ray's raylet and replicas, or Berth's worker threads all count.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** The fields of /proc/<pid>/stat the bench uses. */
export interface ProcEntry {
  readonly pid: number;
  readonly ppid: number;
  /** utime + stime, clock ticks. */
  readonly ticks: number;
}

let ticksPerSecond: number | undefined;

/** Clock ticks per second (`getconf CLK_TCK`, 100 on Linux almost everywhere). */
export function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Reads one /proc/<pid>/stat; undefined when the process is gone. */
export function readProc(pid: number): ProcEntry | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name is in parentheses and may hold spaces; fields after it are space-separated.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
}

/** Every process visible in /proc. */
export function listProcs(): Map<number, ProcEntry> {
  const procs = new Map<number, ProcEntry>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const entry = readProc(Number(name));
    if (entry) procs.set(entry.pid, entry);
  }
  return procs;
}

/** `roots` and all their descendants that are alive now. */
export function processTree(roots: Iterable<number>, procs = listProcs()): number[] {
  const children = new Map<number, number[]>();
  for (const entry of procs.values()) {
    const list = children.get(entry.ppid) ?? [];
    list.push(entry.pid);
    children.set(entry.ppid, list);
  }
  const seen = new Set<number>();
  const stack = [...roots].filter((pid) => procs.has(pid));
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return [...seen];
}

/** Ticks per pid of a process tree, for a later `cpuSecondsSince`. */
export function cpuSnapshot(root: number): Map<number, number> {
  const procs = listProcs();
  return new Map(processTree([root], procs).map((pid) => [pid, procs.get(pid)?.ticks ?? 0]));
}

/** CPU seconds the tree of `root` used since `before` (processes started since count in full). */
export function cpuSecondsSince(root: number, before: ReadonlyMap<number, number>): number {
  const after = cpuSnapshot(root);
  let ticks = 0;
  for (const [pid, now] of after) ticks += Math.max(0, now - (before.get(pid) ?? 0));
  return ticks / clockTicks();
}

/** Busy and total jiffies of the whole machine (/proc/stat), to tell how saturated a case left it. */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((sum, value) => sum + value, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}
