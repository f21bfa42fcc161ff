import type { RequestEndEvent } from "@gateway/test-kit/llama-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRows, usageRowsByClientId } from "./billing-rows.ts";
import { MODEL, startSystem, type System } from "./start-system.ts";

/** From the client's disconnect to llama-server seeing its request closed. */
const BOUND_MS = 500;

let system: System;

beforeAll(async () => {
  // No resume grace: a disconnect must cancel at once for the bound below.
  system = await startSystem({ sim: { interTokenMs: 20, naturalTokens: 500 }, edgeEnv: { STREAM_RESUME_GRACE_MS: "0" } });
});
afterAll(() => system?.stop());

const body = (stream: boolean) =>
  JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "Tell me a very long story." }], max_tokens: 250, stream });

function nextRequestEnd(): Promise<RequestEndEvent & { at: number }> {
  return new Promise((resolve) => {
    const off = system.sims[0]!.onRequestEnd((event) => {
      off();
      resolve({ ...event, at: Date.now() });
    });
  });
}

async function expectFreedAndBilled(
  ended: Promise<RequestEndEvent & { at: number }>,
  abortedAt: number,
  rowsOf: () => Promise<Record<string, unknown>[]>,
) {
  const event = await ended;
  expect(event.aborted).toBe(true);
  expect(event.at - abortedAt).toBeLessThan(BOUND_MS);
  expect(system.sims[0]!.stats.processing).toBe(0);
  const rows = await rowsOf();
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ outcome: "cancelled" });
  expect(Number(rows[0]!.completion_tokens)).toBeGreaterThan(0);
  expect(Number(rows[0]!.completion_tokens)).toBeLessThan(250);
}

describe("when a client disconnects", () => {
  it("then a stream's upstream request is closed within the bound, its slot is free, and what was produced is billed once", async () => {
    const controller = new AbortController();
    const ended = nextRequestEnd();
    const res = await fetch(`${system.edgeUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${system.apiKey}`, "content-type": "application/json" },
      body: body(true),
      signal: controller.signal,
    });
    const requestId = res.headers.get("x-request-id")!;
    const reader = res.body!.getReader();
    let events = 0;
    while (events < 3) events += (new TextDecoder().decode((await reader.read()).value).match(/^data: /gm) ?? []).length;
    const abortedAt = Date.now();
    controller.abort();
    await expectFreedAndBilled(ended, abortedAt, () => usageRows(system.db, requestId));
  });

  it("then a non-stream request's generation is aborted the same way", async () => {
    const controller = new AbortController();
    const ended = nextRequestEnd();
    // The client never sees the gateway's id of a request it abandons: its own label finds the bill.
    const clientId = `cancel-${Date.now()}-nonstream`;
    const pending = fetch(`${system.edgeUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${system.apiKey}`, "content-type": "application/json", "x-request-id": clientId },
      body: body(false),
      signal: controller.signal,
    }).catch(() => undefined);
    await expect.poll(() => system.sims[0]!.stats.processing, { timeout: 5_000 }).toBe(1);
    await new Promise((r) => setTimeout(r, 100));
    const abortedAt = Date.now();
    controller.abort();
    await pending;
    await expectFreedAndBilled(ended, abortedAt, () => usageRowsByClientId(system.db, clientId));
  });
});
