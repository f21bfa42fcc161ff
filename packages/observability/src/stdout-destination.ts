import { write, writeSync } from "node:fs";
import { countDroppedLines, type DropReason } from "./dropped-log-lines.ts";

/** Lines go to the kernel in batches of at least this many bytes: one write for ~10 lines. */
const MIN_WRITE_BYTES = 4096;
/** Held while stdout takes nothing (a log collector restarting); past this, lines are dropped. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** A full pipe is tried again this often, from an unref'd timer: never a loop, never a sleep. */
const RETRY_MS = 100;
/** The reader is behind, not gone: try again later. */
const BUSY = new Set(["EAGAIN", "EWOULDBLOCK", "EBUSY", "EINTR"]);

export interface DestinationOptions {
  /** Write each line at once (tests, CLIs); what the descriptor does not take is dropped. */
  sync?: boolean;
  minLength?: number;
  maxBuffered?: number;
}

/**
 * A pino destination that never waits for its reader. pino's own (sonic-boom) runs `flushSync` on
 * `process.exit`, and `flushSync` retries a failed write forever, sleeping 100 ms between tries
 * with the event loop blocked: on EAGAIN (the reader is behind) and on EPIPE (the reader is gone)
 * alike. A process whose stdout reader had stopped then never exited, and no signal handler could
 * run. Here a full pipe is retried from a timer while new lines wait up to a bound (past it they
 * are dropped), a broken pipe drops everything from then on, exiting writes what stdout takes at
 * once, and every dropped line is counted (`gateway_log_lines_dropped_total`).
 */
export class StdoutDestination {
  /** Lines not yet handed to a write (UTF-16 length: near enough to bytes for the bound). */
  private buffered = "";
  /** What the current write has left to write: a partial or refused write keeps its rest here. */
  private pending: Buffer | undefined;
  private inFlight = false;
  private retry: NodeJS.Timeout | undefined;
  private broken: DropReason | undefined;
  private flushed: (() => void)[] = [];
  private readonly sync: boolean;
  private readonly minLength: number;
  private readonly maxBuffered: number;

  constructor(
    private readonly fd: number,
    { sync = false, minLength = MIN_WRITE_BYTES, maxBuffered = MAX_BUFFERED_BYTES }: DestinationOptions = {},
  ) {
    this.sync = sync;
    this.minLength = sync ? 0 : minLength;
    this.maxBuffered = maxBuffered;
  }

  write(line: string): void {
    if (this.broken) return countDroppedLines(this.broken);
    if (this.buffered.length + (this.pending?.length ?? 0) >= this.maxBuffered) return countDroppedLines("backpressure");
    this.buffered += line;
    if (this.sync) this.flushSync();
    else if (this.pending === undefined && this.buffered.length >= this.minLength) this.startWrite();
  }

  /**
   * Writes what is buffered now, as far as stdout takes it without waiting (the services call it
   * right before `process.exit`); the rest is retried later. `done` runs once nothing is left.
   */
  flush(done?: () => void): void {
    if (done) this.flushed.push(done);
    if (this.broken) return this.settle();
    // A write under way goes on with what follows it, then settles.
    if (this.inFlight) return;
    const rest = this.writeNow();
    if (rest === undefined) return this.settle();
    this.pending = rest;
    this.retry = setTimeout(this.writePending, RETRY_MS).unref();
  }

  /**
   * One attempt to write what is buffered (pino calls it from `fatal`, we on `process.exit`):
   * what stdout does not take at once is dropped. A write still under way is left to finish:
   * writing past it would reorder lines, and it shows stdout is not taking more.
   */
  flushSync(): void {
    if (this.broken || this.inFlight) return;
    const rest = this.writeNow();
    if (rest) countDroppedLines("backpressure", lineCount(rest));
    this.settle();
  }

  /** Writes what is held until stdout refuses more; returns what it refused (EAGAIN), if anything. */
  private writeNow(): Buffer | undefined {
    clearTimeout(this.retry);
    this.retry = undefined;
    let rest = this.buffered.length === 0 ? (this.pending ?? EMPTY) : Buffer.concat([this.pending ?? EMPTY, Buffer.from(this.buffered)]);
    this.pending = undefined;
    this.buffered = "";
    while (rest.length > 0) {
      try {
        rest = rest.subarray(writeSync(this.fd, rest));
      } catch (err) {
        if (BUSY.has((err as NodeJS.ErrnoException).code ?? "")) return rest;
        this.fail(err as NodeJS.ErrnoException, rest);
        return undefined;
      }
    }
    return undefined;
  }

  private startWrite(): void {
    this.pending = Buffer.from(this.buffered);
    this.buffered = "";
    this.writePending();
  }

  private readonly writePending = (): void => {
    this.retry = undefined;
    this.inFlight = true;
    write(this.fd, this.pending!, 0, this.pending!.length, null, this.written);
  };

  private readonly written = (err: NodeJS.ErrnoException | null, bytes: number): void => {
    this.inFlight = false;
    if (this.broken || this.pending === undefined) return;
    if (err) {
      if (BUSY.has(err.code ?? "")) this.retry = setTimeout(this.writePending, RETRY_MS).unref();
      else this.fail(err, this.pending);
      return;
    }
    if (bytes < this.pending.length) {
      this.pending = this.pending.subarray(bytes);
      return this.writePending();
    }
    this.pending = undefined;
    if (this.buffered.length >= this.minLength || (this.flushed.length > 0 && this.buffered.length > 0)) this.startWrite();
    else this.settle();
  };

  /** The reader is gone (or the descriptor unusable): nothing is written from now on. */
  private fail(err: NodeJS.ErrnoException, unwritten: Buffer | undefined): void {
    this.broken = err.code === "EPIPE" || err.code === "ECONNRESET" ? "broken_pipe" : "write_error";
    countDroppedLines(this.broken, lineCount(unwritten) + lineCount(this.buffered));
    clearTimeout(this.retry);
    this.retry = undefined;
    this.pending = undefined;
    this.buffered = "";
    this.settle();
  }

  private settle(): void {
    const flushed = this.flushed;
    this.flushed = [];
    for (const done of flushed) done();
  }
}

const EMPTY = Buffer.alloc(0);

function lineCount(data: string | Buffer | undefined): number {
  let lines = 0;
  for (let at = data?.indexOf("\n") ?? -1; at !== -1; at = data!.indexOf("\n", at + 1)) lines++;
  return lines;
}

let shared: StdoutDestination | undefined;

/**
 * Stdout as a pino destination. Asynchronous loggers share one (one buffer, so lines keep their
 * order) and write what is left when the process exits.
 */
export function stdoutDestination({ sync = false }: { sync?: boolean } = {}): StdoutDestination {
  // Reading process.stdout opens it as libuv does, which puts a pipe or socket in non-blocking
  // mode: a write to a reader that stopped reading then fails with EAGAIN instead of waiting.
  const fd = process.stdout.fd;
  if (sync) return new StdoutDestination(fd, { sync });
  if (!shared) {
    const destination = new StdoutDestination(fd);
    process.on("exit", () => destination.flushSync());
    shared = destination;
  }
  return shared;
}
