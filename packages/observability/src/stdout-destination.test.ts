import { execFileSync } from "node:child_process";
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { droppedLogLines } from "./dropped-log-lines.ts";
import { createRegistry } from "./metrics-registry.ts";
import { StdoutDestination } from "./stdout-destination.ts";

/** A named pipe, both ends non-blocking as stdout is: the test plays the reader. */
function namedPipe() {
  const dir = mkdtempSync(join(tmpdir(), "stdout-destination-"));
  const path = join(dir, "pipe");
  execFileSync("mkfifo", [path]);
  let reader: number | undefined = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  const chunk = Buffer.alloc(65_536);
  return {
    writer,
    /** Everything written so far. */
    read(): string {
      let text = "";
      for (;;) {
        try {
          const n = readSync(reader!, chunk);
          if (n === 0) return text;
          text += chunk.toString("utf8", 0, n);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === "EAGAIN") return text;
          throw err;
        }
      }
    },
    closeReader() {
      if (reader !== undefined) closeSync(reader);
      reader = undefined;
    },
    close() {
      this.closeReader();
      closeSync(writer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const pipes: ReturnType<typeof namedPipe>[] = [];
afterEach(() => {
  for (const pipe of pipes.splice(0)) pipe.close();
});
function pipe() {
  const p = namedPipe();
  pipes.push(p);
  return p;
}

const line = (i: number) => `{"msg":"line ${i}","pad":"${"x".repeat(80)}"}\n`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const dropsSince = (before: Record<string, number>) =>
  Object.fromEntries(Object.entries(droppedLogLines()).map(([reason, n]) => [reason, n - before[reason]!]));

describe("StdoutDestination", () => {
  it("when the reader is slow, then every line arrives once and in order", async () => {
    const p = pipe();
    const destination = new StdoutDestination(p.writer, { minLength: 4096 });
    const total = 3_000; // ~300 KB: several times what the pipe holds
    let received = "";
    for (let i = 0; i < total; i++) {
      destination.write(line(i));
      if (i % 500 === 0) received += p.read();
    }
    for (let waited = 0; received.split("\n").length <= total && waited < 5_000; waited += 20) {
      destination.flush();
      await sleep(20);
      received += p.read();
    }
    expect(received).toBe(Array.from({ length: total }, (_, i) => line(i)).join(""));
  });

  it("when the reader stops reading, then at most the bound is held, the rest is counted as backpressure, and nothing waits", async () => {
    const p = pipe();
    const destination = new StdoutDestination(p.writer, { minLength: 4096, maxBuffered: 64 * 1024 });
    const before = { ...droppedLogLines() };
    const started = performance.now();
    for (let i = 0; i < 20_000; i++) destination.write(line(i)); // ~2 MB, the pipe holds 64 KB
    await sleep(50);
    destination.flushSync();
    expect(performance.now() - started).toBeLessThan(1_000);
    const dropped = dropsSince(before);
    expect(dropped.backpressure).toBeGreaterThan(15_000);
    expect(dropped.broken_pipe).toBe(0);
    // What the pipe did take is whole lines from the start, in order.
    const received = p.read().split("\n").slice(0, -1);
    expect(received.length).toBeGreaterThan(100);
    expect(received.slice(0, 100)).toEqual(Array.from({ length: 100 }, (_, i) => line(i).trimEnd()));
  });

  it("when the reader is gone, then lines are dropped and counted as broken_pipe, at once and for good", async () => {
    const p = pipe();
    const destination = new StdoutDestination(p.writer, { minLength: 4096 });
    const before = { ...droppedLogLines() };
    p.closeReader();
    for (let i = 0; i < 100; i++) destination.write(line(i));
    await sleep(20);
    const started = performance.now();
    for (let i = 0; i < 100; i++) destination.write(line(i));
    destination.flushSync();
    await new Promise<void>((resolve) => destination.flush(() => resolve()));
    expect(performance.now() - started).toBeLessThan(100);
    expect(dropsSince(before)).toEqual({ broken_pipe: 200, backpressure: 0, write_error: 0 });
    expect(await createRegistry("test").getSingleMetricAsString("gateway_log_lines_dropped_total")).toMatch(
      /gateway_log_lines_dropped_total\{reason="broken_pipe",service="test"\} [1-9]\d*/,
    );
  });

  it("when the pipe closes with lines buffered, then flushSync drops and counts them instead of retrying", () => {
    const p = pipe();
    const destination = new StdoutDestination(p.writer, { minLength: 4096 });
    const before = { ...droppedLogLines() };
    for (let i = 0; i < 3; i++) destination.write(line(i)); // below minLength: still buffered
    p.closeReader();
    const started = performance.now();
    destination.flushSync();
    expect(performance.now() - started).toBeLessThan(50);
    expect(dropsSince(before)).toEqual({ broken_pipe: 3, backpressure: 0, write_error: 0 });
  });

  it("when sync, then each line is written at once, and one the pipe cannot take is dropped, not waited for", () => {
    const p = pipe();
    const destination = new StdoutDestination(p.writer, { sync: true });
    destination.write(line(0));
    expect(p.read()).toBe(line(0));
    const before = { ...droppedLogLines() };
    const started = performance.now();
    for (let i = 0; i < 2_000; i++) destination.write(line(i)); // ~200 KB into a 64 KB pipe
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(dropsSince(before).backpressure).toBeGreaterThan(1_000);
  });
});

describe("createRegistry", () => {
  it("when a registry is created, then it reports dropped log lines for every reason, from 0", async () => {
    const text = await createRegistry("fresh").getSingleMetricAsString("gateway_log_lines_dropped_total");
    for (const reason of ["broken_pipe", "backpressure", "write_error"]) {
      expect(text).toMatch(new RegExp(`gateway_log_lines_dropped_total\\{reason="${reason}",service="fresh"\\} \\d+`));
    }
  });
});
