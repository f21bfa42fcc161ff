import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelDetail } from "./billing-rows.ts";
import { MODEL, startSystem, type System } from "./start-system.ts";

let system: System;

beforeAll(async () => {
  system = await startSystem({
    backends: 2,
    sim: { nCtx: 512, slots: 2 },
    model: () => ({ aliases: ["gpt-sim"] }),
    workerEnv: { PROBE_INTERVAL_MS: "200" },
  });
});
afterAll(() => system?.stop());

const messages = [{ role: "user" as const, content: "Tell me about a cat." }];

describe("when a client lists and retrieves models with the official openai SDK", () => {
  it("then the model is listed in OpenAI's shape with live status and the backends' facts", async () => {
    const list = await system.openai.models.list();
    expect(list.data.map((m) => m.id)).toEqual([MODEL]);
    expect(list.data[0]).toMatchObject({
      object: "model",
      owned_by: "llamacpp",
      aliases: ["gpt-sim"],
      capabilities: {
        chat: true,
        completion: true,
        embeddings: false,
        rerank: false,
        function_calling: true,
        vision: false,
        json_schema: true,
      },
      status: "ready",
      ready_backends: 2,
      details: { context_length: 512, parameters: 292800, file_size: 1171200 },
    });
    const byAlias = await system.openai.models.retrieve("gpt-sim");
    expect(byAlias.id).toBe(MODEL);
    expect(await system.openai.models.retrieve("nope").catch((e: unknown) => e)).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("then a chat request by alias is served and billed under the canonical id", async () => {
    const res = await system.openai.chat.completions.create({ model: "gpt-sim", messages, max_tokens: 4 });
    expect(res.model).toBe(MODEL);
  });

  it("then a prompt that does not fit the context with max_tokens is a 400 context_length_exceeded", async () => {
    const long = [{ role: "user" as const, content: "word ".repeat(600) }];
    const err = await system.openai.chat.completions.create({ model: MODEL, messages: long, max_tokens: 16 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).code).toBe("context_length_exceeded");
    expect(system.sims.every((s) => s.stats.generations <= 1)).toBe(true);
  });
});

describe("when a backend is stuck loading its model", () => {
  it("then it is never chosen, its breaker stays closed, and the model's status says so", async () => {
    const [stuck, healthy] = system.sims as [(typeof system.sims)[0], (typeof system.sims)[0]];
    stuck.faults.setLoading(600_000);
    await expect
      .poll(async () => (await modelDetail(system.edgeUrl, system.apiKey, MODEL)).backends[0]?.state, { timeout: 10_000 })
      .toBe("loading");
    const before = stuck.stats.generations;
    const results = await Promise.all(
      Array.from({ length: 8 }, () => system.openai.chat.completions.create({ model: MODEL, messages, max_tokens: 4 })),
    );
    expect(results.every((r) => r.choices[0]?.message.content)).toBe(true);
    expect(stuck.stats.generations).toBe(before);
    expect(healthy.stats.generations).toBeGreaterThanOrEqual(8);
    const detail = await modelDetail(system.edgeUrl, system.apiKey, MODEL);
    expect(detail).toMatchObject({ status: "degraded", ready_backends: 1 });
    expect(detail.backends[0]).toMatchObject({ id: "chat-0", state: "loading", breaker: "closed" });
    stuck.faults.setLoading(0);
    await expect.poll(async () => (await modelDetail(system.edgeUrl, system.apiKey, MODEL)).status, { timeout: 10_000 }).toBe("ready");
  });
});
