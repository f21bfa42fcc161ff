/** Small HTTP helpers for the simulator's own tests; they read SSE by hand to see every byte. */
import { afterEach } from "vitest";
import { startLlamaSim } from "./start-llama-sim.ts";
import type { LlamaSim, LlamaSimOptions } from "./types.ts";

/** A `start` for one test file: each simulator it starts is closed after its test. */
export function useSims(): (options?: LlamaSimOptions) => Promise<LlamaSim> {
  const open: LlamaSim[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((sim) => sim.close()));
  });
  return async (options = {}) => {
    const sim = await startLlamaSim(options);
    open.push(sim);
    return sim;
  };
}

export function postJson(url: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...init.headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: init.signal ?? null,
  });
}

export interface SseEvent {
  field: string;
  value: string;
}

/**
 * Splits a stream body into `field: value` events, asserting llama-server's framing: every event
 * is exactly one line ended by a blank line; unknown fields such as `error` are kept.
 */
export function parseSse(text: string): SseEvent[] {
  if (!text.endsWith("\n\n")) throw new Error(`stream does not end with a blank line: ${JSON.stringify(text.slice(-40))}`);
  return text
    .slice(0, -2)
    .split("\n\n")
    .map((block) => {
      if (block.includes("\n")) throw new Error(`event has more than one line: ${JSON.stringify(block)}`);
      const colon = block.indexOf(": ");
      if (colon < 0) throw new Error(`event without "field: ": ${JSON.stringify(block)}`);
      return { field: block.slice(0, colon), value: block.slice(colon + 2) };
    });
}

/** The JSON payloads of the `data:` events before `[DONE]`. */
export function dataChunks(events: SseEvent[]): Record<string, unknown>[] {
  return events.filter((e) => e.field === "data" && e.value !== "[DONE]").map((e) => JSON.parse(e.value) as Record<string, unknown>);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds or `timeoutMs` passes. */
export async function waitFor(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(2);
  }
}
