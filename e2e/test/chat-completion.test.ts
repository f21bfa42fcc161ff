import { simCompletion, simPromptTokens } from "@gateway/test-kit/llama-sim";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRows } from "./billing-rows.ts";
import { MODEL, PRICE, startSystem, type System } from "./start-system.ts";

let system: System;

beforeAll(async () => {
  system = await startSystem({ backends: 2 });
});
afterAll(() => system?.stop());

const messages = [
  { role: "system" as const, content: "You are a storyteller." },
  { role: "user" as const, content: "Tell me about a girl and a red ball." },
];

const expectedCost = (prompt: number, completion: number) =>
  (prompt * Number(PRICE.prompt_per_1k)) / 1000 + (completion * Number(PRICE.completion_per_1k)) / 1000;

describe("when a client uses the official openai SDK", () => {
  it("then a non-stream completion is answered with the backend's text and billed exactly once", async () => {
    const expected = simCompletion(messages, 12);
    const { data, response } = await system.openai.chat.completions.create({ model: MODEL, messages, max_tokens: 12 }).withResponse();
    const requestId = response.headers.get("x-request-id")!;

    expect(data.model).toBe(MODEL);
    expect(data.choices[0]?.message.content).toBe(expected.text);
    expect(data.choices[0]?.finish_reason).toBe(expected.finishReason);
    // `cost` is the gateway's extra usage field: the SDK passes it through.
    expect(data.usage).toEqual({
      prompt_tokens: simPromptTokens(messages),
      completion_tokens: 12,
      total_tokens: simPromptTokens(messages) + 12,
      cost: expect.any(String),
    });

    const rows = await usageRows(system.db, requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      tenant_id: "tenant-e2e",
      model: MODEL,
      prompt_tokens: simPromptTokens(messages),
      completion_tokens: 12,
      outcome: "succeeded",
    });
    expect(Number(rows[0]!.cost)).toBeCloseTo(expectedCost(simPromptTokens(messages), 12), 12);
    expect(Number((data.usage as unknown as { cost: string }).cost)).toBe(Number(rows[0]!.cost));
  });

  it("then a stream yields every token in order, the usage chunk, and one usage row", async () => {
    const expected = simCompletion(messages, 20);
    const { data: stream, response } = await system.openai.chat.completions
      .create({ model: MODEL, messages, max_tokens: 20, stream: true, stream_options: { include_usage: true } })
      .withResponse();
    const requestId = response.headers.get("x-request-id")!;

    let text = "";
    let role: string | undefined;
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      role ??= chunk.choices[0]?.delta.role;
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(role).toBe("assistant");
    expect(text).toBe(expected.text);
    expect(finish).toBe(expected.finishReason);
    expect(usage?.completion_tokens).toBe(expected.tokens.length);

    const rows = await usageRows(system.db, requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      completion_tokens: expected.tokens.length,
      prompt_tokens: simPromptTokens(messages),
      outcome: "succeeded",
    });
  });

  it("then a bad request is a typed SDK error carrying the envelope and request id", async () => {
    const err = await system.openai.chat.completions.create({ model: MODEL, messages, temperature: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const apiError = err as InstanceType<typeof OpenAI.BadRequestError>;
    expect(apiError.code).toBe("invalid_request");
    expect(apiError.param).toBe("temperature");
    expect(apiError.requestID).toMatch(/^req_/);
  });

  it("then an unknown model is a 404 NotFoundError", async () => {
    const err = await system.openai.chat.completions.create({ model: "nope", messages }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe("when the backend fails", () => {
  it("then a stream cut mid-way ends with an error event, and the produced tokens are billed once", async () => {
    for (const sim of system.sims) sim.faults.cutStreamAfter(5, "error-line");
    const { data: stream, response } = await system.openai.chat.completions
      .create({ model: MODEL, messages, max_tokens: 30, stream: true })
      .withResponse();
    const requestId = response.headers.get("x-request-id")!;
    let text = "";
    const failure = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })().catch((e: unknown) => e);
    for (const sim of system.sims) sim.faults.reset();

    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(text).toBe(simCompletion(messages, 30).tokens.slice(0, 5).join(""));
    const rows = await usageRows(system.db, requestId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ completion_tokens: 5, outcome: "failed" });
  });

  it("then a backend that fails before the first token is retried on another, invisibly", async () => {
    system.sims[0]!.faults.failNext(1);
    system.sims[1]!.faults.failNext(1);
    const results = await Promise.all(
      Array.from({ length: 4 }, () => system.openai.chat.completions.create({ model: MODEL, messages, max_tokens: 4 })),
    );
    for (const r of results) expect(r.choices[0]?.message.content).toBe(simCompletion(messages, 4).text);
  });
});
