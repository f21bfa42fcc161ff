import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

/** A real process logging through createLogger to its real stdout, which the test reads or stops reading. */
const FIXTURE = fileURLToPath(new URL("./test/logging-child.ts", import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL("..", import.meta.url));

interface Child {
  process: ChildProcess;
  stderr(): string;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
});

/** Starts the child and resolves once its first write reached stdout (the pipe is in use). */
async function startChild(linesPerTick: number): Promise<Child> {
  // stdout is a socket pair here (libuv's pipes): EPIPE and EAGAIN behave as with a pipe.
  const child = spawn(process.execPath, ["--import", "tsx", FIXTURE, String(linesPerTick)], {
    cwd: PACKAGE_DIR,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  children.push(child);
  let stderr = "";
  child.stderr!.on("data", (data: Buffer) => (stderr += data.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await once(child.stdout!, "data");
  return { process: child, stderr: () => stderr, exited };
}

async function report(child: Child): Promise<{ ticks: number; dropped: Record<string, number> }> {
  child.process.send("report");
  const [{ ticks, metrics }] = (await once(child.process, "message")) as [{ ticks: number; metrics: string }];
  const dropped: Record<string, number> = {};
  for (const [, reason, value] of metrics.matchAll(/^gateway_log_lines_dropped_total\{reason="(\w+)"[^}]*\} (\d+)$/gm)) {
    dropped[reason!] = Number(value);
  }
  return { ticks, dropped };
}

/** SIGTERM ends the process, cleanly, within a second. */
async function expectStopsAtOnce(child: Child): Promise<void> {
  const started = performance.now();
  child.process.kill("SIGTERM");
  const code = await Promise.race([child.exited, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1_000))]);
  expect(code === undefined ? Infinity : performance.now() - started, child.stderr()).toBeLessThan(1_000);
  expect(code).toBe(0);
}

/** Over 200 ms, timers keep firing and lines are dropped for `reason`. */
async function expectRunningAndCounting(child: Child, reason: string): Promise<void> {
  const before = await report(child);
  await sleep(200);
  const after = await report(child);
  expect(after.ticks - before.ticks).toBeGreaterThan(5);
  expect(after.dropped[reason]).toBeGreaterThan(before.dropped[reason]!);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a logger whose stdout stops taking lines", () => {
  it("when the reader goes away, then lines are dropped and counted, timers keep firing, and SIGTERM ends the process at once", async () => {
    const child = await startChild(20);
    child.process.stdout!.destroy();
    await sleep(300);
    await expectRunningAndCounting(child, "broken_pipe");
    await expectStopsAtOnce(child);
  });

  it("when the reader goes away while lines wait in the buffer, then exiting drops and counts them instead of retrying forever", async () => {
    const child = await startChild(1); // ~100 bytes every 10 ms: far below a 4 KB write
    child.process.stdout!.destroy();
    await sleep(100);
    await expectStopsAtOnce(child);
    const dropped = JSON.parse(/^dropped (.*)$/m.exec(child.stderr())![1]!) as Record<string, number>;
    expect(dropped.broken_pipe).toBeGreaterThan(0);
  });

  it("when the reader stops reading, then lines past the buffer are counted as backpressure, timers keep firing, and SIGTERM ends the process at once", async () => {
    const child = await startChild(200); // ~2 MB/s: the socket's buffers and the logger's fill in under a second
    child.process.stdout!.pause();
    await sleep(1_500);
    await expectRunningAndCounting(child, "backpressure");
    await expectStopsAtOnce(child);
  });
});
