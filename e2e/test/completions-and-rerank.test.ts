import { simRerankScore, simTextCompletion, simTokenize } from "@gateway/test-kit/llama-sim";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRows } from "./billing-rows.ts";
import { MODEL, PRICE, startSystem, type System } from "./start-system.ts";

// One simulator started with --reranking serves the model's chat, embeddings and rerank pools, as the demo's does.
let system: System;

beforeAll(async () => {
  system = await startSystem({
    sim: { reranking: true },
    model: (sims) => ({ embedding_backends: sims.map((s) => s.url), rerank_backends: sims.map((s) => s.url), embedding_dimensions: [16] }),
  });
});
afterAll(() => system?.stop());

const prompts = ["Once upon a time", "The dog"];
const promptTokens = (texts: string[]) => texts.reduce((n, t) => n + 1 + simTokenize(t).length, 0);

describe("when a client asks for legacy completions with the official openai SDK", () => {
  it("then an array prompt is one text_completion with a choice per prompt, a cmpl- id and summed usage, billed once", async () => {
    const { data, response } = await system.openai.completions.create({ model: MODEL, prompt: prompts, max_tokens: 6 }).withResponse();
    expect(data.id).toMatch(/^cmpl-/);
    expect(data.object).toBe("text_completion");
    expect(data.choices.map((c) => [c.index, c.text, c.finish_reason])).toEqual(
      prompts.map((p, i) => [i, simTextCompletion(p, 6).text, simTextCompletion(p, 6).finishReason]),
    );
    expect(data.usage).toMatchObject({
      prompt_tokens: promptTokens(prompts),
      completion_tokens: 12,
      total_tokens: promptTokens(prompts) + 12,
    });
    const rows = await usageRows(system.db, response.headers.get("x-request-id")!);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ prompt_tokens: promptTokens(prompts), completion_tokens: 12, outcome: "succeeded" });
  });

  it("then a stream yields each choice's text by index, each finishing, then the usage chunk", async () => {
    const stream = await system.openai.completions.create({
      model: MODEL,
      prompt: prompts,
      max_tokens: 6,
      stream: true,
      stream_options: { include_usage: true },
    });
    const texts = ["", ""];
    const finished: (string | null)[] = [null, null];
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        texts[choice.index] += choice.text;
        finished[choice.index] = choice.finish_reason ?? finished[choice.index]!;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(texts).toEqual(prompts.map((p) => simTextCompletion(p, 6).text));
    expect(finished).toEqual(["length", "length"]);
    expect(usage?.completion_tokens).toBe(12);
  });

  it("then echo puts the prompt first and logprobs come in OpenAI's legacy arrays", async () => {
    const echoed = await system.openai.completions.create({ model: MODEL, prompt: "Once upon a time", echo: true, max_tokens: 4 });
    expect(echoed.choices[0]!.text).toBe(`Once upon a time${simTextCompletion("Once upon a time", 4).text}`);
    const withLogprobs = await system.openai.completions.create({ model: MODEL, prompt: "Once upon a time", logprobs: 2, max_tokens: 4 });
    const logprobs = withLogprobs.choices[0]!.logprobs!;
    expect(logprobs.tokens!.join("")).toBe(withLogprobs.choices[0]!.text);
    expect(logprobs.token_logprobs).toHaveLength(4);
    expect(logprobs.text_offset).toHaveLength(4);
  });

  it("then suffix, n above 1 and echo with logprobs are 400s that name the field", async () => {
    for (const [body, param] of [
      [{ suffix: "The end." }, "suffix"],
      [{ n: 2 }, "n"],
      [{ echo: true, logprobs: 1 }, "echo"],
    ] as const) {
      const err = await system.openai.completions.create({ model: MODEL, prompt: "Once", ...body }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe(param);
    }
  });
});

describe("when a client reranks documents (plain HTTP: the SDK has no rerank)", () => {
  const rerank = (body: object) =>
    fetch(`${system.edgeUrl}/v1/rerank`, {
      method: "POST",
      headers: { authorization: `Bearer ${system.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("then the results come best first with their index and relevance_score, top_n kept, billed for prompt tokens only", async () => {
    const documents = ["a dog in the park", "the cat sat on the mat", "the red cat"];
    const res = await rerank({ model: MODEL, query: "the cat", documents, top_n: 2, return_documents: true });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      results: { index: number; relevance_score: number; document: { text: string } }[];
      usage: { prompt_tokens: number; cost: string };
    };
    const expected = documents
      .map((text, index) => ({ index, relevance_score: simRerankScore("the cat", text), document: { text } }))
      .sort((a, b) => b.relevance_score - a.relevance_score)
      .slice(0, 2);
    expect(body.results).toEqual(expected);
    const rows = await usageRows(system.db, res.headers.get("x-request-id")!);
    expect(rows[0]).toMatchObject({ prompt_tokens: body.usage.prompt_tokens, completion_tokens: 0, outcome: "succeeded" });
    expect(Number(body.usage.cost)).toBeCloseTo((body.usage.prompt_tokens * Number(PRICE.prompt_per_1k)) / 1000, 12);
  });

  it("then an empty documents list is a 400 naming documents", async () => {
    const res = await rerank({ model: MODEL, query: "the cat", documents: [] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe("documents");
  });
});

describe("when a client asks for shorter embeddings and the model's capabilities", () => {
  it("then dimensions the model is configured for come back cut and normalised; others are a 400", async () => {
    const res = await system.openai.embeddings.create({ model: MODEL, input: "a red ball", dimensions: 16, encoding_format: "float" });
    expect(res.data[0]!.embedding).toHaveLength(16);
    expect(Math.hypot(...res.data[0]!.embedding)).toBeCloseTo(1, 5);
    const err = await system.openai.embeddings.create({ model: MODEL, input: "a", dimensions: 8 }).catch((e: unknown) => e);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("dimensions");
  });

  it("then /v1/models says the model does chat, completions, embeddings, rerank, tools and JSON, with its details", async () => {
    const model = (await system.openai.models.retrieve(MODEL)) as unknown as {
      capabilities: object;
      details: object;
      backends: { id: string }[];
    };
    expect(model.capabilities).toEqual({
      chat: true,
      completion: true,
      embeddings: true,
      rerank: true,
      function_calling: true,
      vision: false,
      json_schema: true,
    });
    expect(model.details).toMatchObject({
      parameters: 292800,
      file_size: 1171200,
      vocab_size: 512,
      embedding_dim: 64,
      training_context_length: 2048,
    });
    expect(model.backends.map((b) => b.id)).toEqual(["chat-0", "embeddings-0", "rerank-0"]);
  });
});
