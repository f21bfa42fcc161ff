import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** /proc/<pid>/stat counts CPU time in clock ticks (USER_HZ, 100 on Linux builds of every usual kind). */
const MICROS_PER_TICK = 1e6 / Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

interface Stat {
  ppid: number;
  /** utime + stime of all the process's threads, in ticks. */
  ticks: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ")".
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/**
 * CPU µs of one process: the sum of its threads' time on a CPU (user and system, in ns, from
 * schedstat), as ticks are too coarse for a cell of a few seconds at concurrency 1 (10 ms per
 * tick against ~20 streams). Ticks where schedstat is missing.
 */
function processMicros(pid: number): number {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`))
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    return ns / 1000;
  } catch {
    return (readStat(pid)?.ticks ?? 0) * MICROS_PER_TICK;
  }
}

/** `roots` and every process below them (nginx's workers, anything a service forks). */
function withDescendants(roots: number[]): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), Number(entry)]);
  }
  const all = new Set<number>();
  const visit = (pid: number) => {
    if (all.has(pid)) return;
    all.add(pid);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  roots.forEach(visit);
  return [...all];
}

/** User + system CPU time, in µs, used so far by each of `roots` and their descendants. */
export function cpuByPid(roots: number[]): Map<number, number> {
  return new Map(withDescendants(roots).map((pid) => [pid, processMicros(pid)]));
}

/**
 * CPU µs spent between two readings. A process that appeared in between counts from zero (it
 * started in between); a process or thread that exited in between takes its time with it.
 */
export function cpuSpent(before: Map<number, number>, after: Map<number, number>): number {
  let sum = 0;
  for (const [pid, micros] of after) sum += micros - (before.get(pid) ?? 0);
  return sum;
}
