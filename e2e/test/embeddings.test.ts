import { simTextEmbedding, simTokenize, startLlamaSim, type LlamaSim } from "@gateway/test-kit/llama-sim";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRows } from "./billing-rows.ts";
import { MODEL, PRICE, startSystem, type System } from "./start-system.ts";

const ALIAS = "text-embedding-sim";
let system: System;
let embedders: LlamaSim[];

beforeAll(async () => {
  // Embeddings-only servers, as llama-server started with --embeddings: a pool of their own.
  embedders = await Promise.all([startLlamaSim({ embeddingsOnly: true }), startLlamaSim({ embeddingsOnly: true })]);
  system = await startSystem({
    model: () => ({ aliases: [ALIAS], embedding_backends: embedders.map((s) => s.url) }),
    workerEnv: { EMBEDDINGS_BATCH_SIZE: "8" },
  });
});
afterAll(async () => {
  await system?.stop();
  await Promise.all(embedders.map((s) => s.close()));
});

const tokensOf = (texts: string[]) => texts.reduce((n, t) => n + simTokenize(t).length + 1, 0);

describe("when a client asks for embeddings with the official openai SDK", () => {
  it("then the vectors are the backend's, in order, and the request is billed once for its prompt tokens", async () => {
    const input = ["The cat sat.", "A red ball.", "Once upon a time there was a dog."];
    // The SDK asks for base64 and decodes it itself.
    const { data, response } = await system.openai.embeddings.create({ model: ALIAS, input }).withResponse();
    expect(data.model).toBe(MODEL);
    expect(data.data.map((d) => d.index)).toEqual([0, 1, 2]);
    for (const [i, text] of input.entries()) expect(Float32Array.from(data.data[i]!.embedding)).toEqual(simTextEmbedding(text));
    expect(data.usage).toEqual({ prompt_tokens: tokensOf(input), total_tokens: tokensOf(input) });

    const rows = await usageRows(system.db, response.headers.get("x-request-id")!);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ model: MODEL, prompt_tokens: tokensOf(input), completion_tokens: 0, outcome: "succeeded" });
    expect(Number(rows[0]!.cost)).toBeCloseTo((tokensOf(input) * Number(PRICE.prompt_per_1k)) / 1000, 12);
    expect(Number(response.headers.get("x-usage-cost"))).toBe(Number(rows[0]!.cost));
  });

  it("then floats come back as floats, and a large batch is split across the pool", async () => {
    const input = Array.from({ length: 40 }, (_, i) => `sentence number ${i} about a tree`);
    const before = embedders.map((s) => s.stats.completed);
    const res = await system.openai.embeddings.create({ model: MODEL, input, encoding_format: "float" });
    expect(res.data).toHaveLength(40);
    expect(Float32Array.from(res.data[39]!.embedding)).toEqual(simTextEmbedding(input[39]!));
    const served = embedders.map((s, i) => s.stats.completed - before[i]!);
    expect(served.reduce((a, b) => a + b)).toBe(5);
    expect(served.every((n) => n > 0)).toBe(true);
  });

  it("then invalid input is a 400 the SDK raises as BadRequestError", async () => {
    const err = await system.openai.embeddings.create({ model: MODEL, input: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("input");
  });
});
