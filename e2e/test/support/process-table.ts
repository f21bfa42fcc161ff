import { readdirSync, readFileSync } from "node:fs";

/** One process as /proc shows it; `pid` and `startTime` together name it even if its pid is reused. */
export interface ProcessEntry {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  startTime: string;
  state: string;
  command: string;
}

function readEntry(pid: number): ProcessEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command sits in parentheses and may itself hold spaces or parentheses.
    const close = stat.lastIndexOf(")");
    const fields = stat.slice(close + 2).split(" ");
    const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim() || stat.slice(stat.indexOf("(") + 1, close);
    return {
      pid,
      ppid: Number(fields[1]),
      pgid: Number(fields[2]),
      sid: Number(fields[3]),
      startTime: fields[19]!,
      state: fields[0]!,
      command,
    };
  } catch {
    return undefined; // gone between listing and reading
  }
}

/** Every process on the machine that still runs (a zombie has exited: only its status is left). */
export function processTable(): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const entry = readEntry(Number(name));
    if (entry && entry.state !== "Z") entries.push(entry);
  }
  return entries;
}

/** `root` and every process below it, by parent links. */
export function descendantsOf(root: number, table = processTable()): ProcessEntry[] {
  const found = table.filter((p) => p.pid === root);
  for (let i = 0; i < found.length; i++) found.push(...table.filter((p) => p.ppid === found[i]!.pid));
  return found;
}

/** Which of `known` are still alive (same pid, same start time), plus anything else in session or group `id`. */
export function survivors(id: number, known: ProcessEntry[]): ProcessEntry[] {
  const table = processTable();
  const isKnown = (p: ProcessEntry) => known.some((k) => k.pid === p.pid && k.startTime === p.startTime);
  return table.filter((p) => p.sid === id || p.pgid === id || isKnown(p));
}
