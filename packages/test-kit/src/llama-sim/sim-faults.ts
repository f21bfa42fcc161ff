import type { ServerResponse } from "node:http";
import { LlamaError, sendError } from "./llama-response.ts";
import { noFaults, type SimContext } from "./sim-context.ts";
import type { LlamaSimFaults } from "./types.ts";

/** The status the next generation request must fail with, or 0; consumes the fault. */
export function takeFailure(ctx: SimContext): number {
  const faults = ctx.faults;
  if (faults.failNext <= 0) return 0;
  faults.failNext--;
  return faults.failStatus;
}

/** Answers the request with a pending failNext fault, if there is one; true when it did. */
export function answerFailure(ctx: SimContext, res: ServerResponse): boolean {
  const failure = takeFailure(ctx);
  if (failure === 0) return false;
  ctx.stats.faulted++;
  sendError(res, failure, "simulated failure");
  return true;
}

export function takeHang(ctx: SimContext): boolean {
  if (ctx.faults.hangNext <= 0) return false;
  ctx.faults.hangNext--;
  return true;
}

/** The pending stream cut, taken by the next streamed request. */
export function takeCut(ctx: SimContext): { after: number; mode: "error-line" | "close" } | undefined {
  const faults = ctx.faults;
  if (faults.cutAfter < 0) return undefined;
  const cut = { after: faults.cutAfter, mode: faults.cutMode };
  faults.cutAfter = -1;
  return cut;
}

export function createFaults(ctx: SimContext, die: () => Promise<void>, revive: () => Promise<void>): LlamaSimFaults {
  return {
    failNext(n, status = 500) {
      ctx.faults.failNext = n;
      ctx.faults.failStatus = status;
    },
    hangNext(n) {
      ctx.faults.hangNext = n;
    },
    cutStreamAfter(tokens, mode = "error-line") {
      ctx.faults.cutAfter = Math.max(0, tokens);
      ctx.faults.cutMode = mode;
    },
    die,
    revive,
    setLoading(ms) {
      ctx.faults.loadingUntil = Date.now() + ms;
    },
    reset() {
      ctx.faults = noFaults();
    },
  };
}

const count = (x: unknown, field: string): number => {
  if (typeof x !== "number" || !Number.isInteger(x) || x < 0) throw new LlamaError(400, `${field} must be a non-negative integer`);
  return x;
};

/**
 * `POST /_sim/faults`, for a simulator running as another process: `{"failNext":n,"status":500}`,
 * `{"hangNext":n}`, `{"cutStreamAfter":n,"mode":"close"}`, `{"loadingMs":n}`, `{"reset":true}`.
 * Several keys in one body apply in that order, after the reset.
 */
export function applyFaultCommand(faults: LlamaSimFaults, body: unknown): void {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new LlamaError(400, "expected a JSON object");
  const command = body as Record<string, unknown>;
  if (command.reset === true) faults.reset();
  if (command.failNext !== undefined) {
    faults.failNext(count(command.failNext, "failNext"), command.status === undefined ? 500 : count(command.status, "status"));
  }
  if (command.hangNext !== undefined) faults.hangNext(count(command.hangNext, "hangNext"));
  if (command.cutStreamAfter !== undefined) {
    const mode = command.mode ?? "error-line";
    if (mode !== "error-line" && mode !== "close") throw new LlamaError(400, 'mode must be "error-line" or "close"');
    faults.cutStreamAfter(count(command.cutStreamAfter, "cutStreamAfter"), mode);
  }
  if (command.loadingMs !== undefined) faults.setLoading(count(command.loadingMs, "loadingMs"));
}
