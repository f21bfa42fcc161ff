import { simCompletion } from "@gateway/test-kit/llama-sim";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRows } from "./billing-rows.ts";
import { MODEL, startSystem, type System } from "./start-system.ts";

let system: System;

beforeAll(async () => {
  // A slow backend, so a generation is surely running when the worker is killed, and a short
  // lock, so the stalled job is re-delivered within a couple of seconds.
  system = await startSystem({ sim: { interTokenMs: 25, naturalTokens: 500 }, workerEnv: { LOCK_DURATION_MS: "1000" } });
});
afterAll(() => system?.stop());

const messages = [{ role: "user" as const, content: "Tell me a long story about a boat." }];

async function killWorkerMidGeneration() {
  const sim = system.sims[0]!;
  await expect.poll(() => sim.stats.processing, { timeout: 10_000 }).toBe(1);
  await system.services.worker.stop("SIGKILL");
  // llama-server sees its client vanish and frees the slot; nobody is left to finish the job.
  await expect.poll(() => sim.stats.processing, { timeout: 5_000 }).toBe(0);
  await system.startWorker();
}

describe("when a worker is killed with SIGKILL mid-job", () => {
  it("then a non-stream request is answered in full by another worker and billed exactly once", async () => {
    const pending = system.openai.chat.completions.create({ model: MODEL, messages, max_tokens: 80 }).withResponse();
    await killWorkerMidGeneration();
    const { data, response } = await pending;
    expect(data.choices[0]?.message.content).toBe(simCompletion(messages, 80, { naturalTokens: 500 }).text);
    const rows = await usageRows(system.db, response.headers.get("x-request-id")!);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: "succeeded", completion_tokens: 80 });
  });

  it("then a stream that already sent tokens ends with an error event, never duplicated text, and is billed exactly once", async () => {
    const { data: stream, response } = await system.openai.chat.completions
      .create({ model: MODEL, messages, max_tokens: 200, stream: true })
      .withResponse();
    const requestId = response.headers.get("x-request-id")!;
    let text = "";
    let killed: Promise<void> | undefined;
    const failure = await (async () => {
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        killed ??= killWorkerMidGeneration();
      }
    })().catch((e: unknown) => e);
    await killed;

    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect((failure as InstanceType<typeof OpenAI.APIError>).message).toMatch(/cannot be resumed/);
    expect(text.length).toBeGreaterThan(0);
    // What the client got is a clean prefix of the one answer: no restart spliced in.
    expect(simCompletion(messages, 200, { naturalTokens: 500 }).text.startsWith(text)).toBe(true);
    const rows = await usageRows(system.db, requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: "cancelled" });
  });
});
