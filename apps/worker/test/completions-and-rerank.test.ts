import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import {
  EmbeddingsResponse,
  RerankResponse,
  TextCompletion,
  TextCompletionChunk,
  type CompletionJob,
  type RerankJob,
} from "@gateway/contracts";
import { simRerankScore, simTextCompletion, simTokenize, startLlamaSim } from "@gateway/test-kit/llama-sim";
import { describe, expect, it } from "vitest";
import { configFile, MODEL, useWorkerHarness, type Harness } from "./worker-harness.ts";

const { sims, setup, start } = useWorkerHarness();

const envelope = (h: Harness) => ({
  v: 1 as const,
  request_id: `req-${randomUUID()}`,
  model: MODEL,
  caller: { tenant_id: "tenant-1", key_id: "key-1", tier: "free" },
  reply_to: h.replyTo,
  accepted_at: Date.now(),
  deadline_at: Date.now() + 60_000,
});

const completionJob = (h: Harness, params: Partial<CompletionJob["params"]>, stream = false): CompletionJob => ({
  ...envelope(h),
  kind: "completion",
  params: { prompts: ["Once upon a time"], max_tokens: 6, ...params },
  stream,
});

async function finish(h: Harness, job: { request_id: string }) {
  await h.inference.add("inference", job, { jobId: job.request_id, attempts: 1 });
  return h.finished(job.request_id);
}

describe("legacy completions", () => {
  it("when two prompts are sent, then one text_completion answers them, a choice each, cmpl- id, usage summed", async () => {
    const h = await setup(1);
    const prompts = ["Once upon a time", "The dog"];
    const job = completionJob(h, { prompts });
    const { final } = await finish(h, job);
    if (final.type !== "result") throw new Error(JSON.stringify(final));
    const response = TextCompletion.parse(final.response);
    const expected = prompts.map((p) => simTextCompletion(p, 6));
    expect(response).toMatchObject({ id: `cmpl-${job.request_id}`, object: "text_completion", model: MODEL });
    expect(response.choices).toEqual(expected.map((e, index) => ({ text: e.text, index, logprobs: null, finish_reason: e.finishReason })));
    const prompt = prompts.reduce((n, p) => n + 1 + simTokenize(p).length, 0);
    expect(response.usage).toEqual({ prompt_tokens: prompt, completion_tokens: 12, total_tokens: prompt + 12 });
    expect((await h.usageEvents())[0]?.data).toMatchObject({ prompt_tokens: prompt, completion_tokens: 12, outcome: "succeeded" });
  });

  it("when streamed with echo and logprobs asked separately, then the prompt comes first and logprobs are OpenAI's legacy arrays", async () => {
    const h = await setup(1);
    const echoed = await finish(h, completionJob(h, { echo: true }, true));
    const chunks = echoed.chunks.map((c) => TextCompletionChunk.parse(c.chunk));
    expect(chunks[0]?.choices[0]?.text).toBe("Once upon a time");
    expect(chunks.map((c) => c.choices[0]?.text).join("")).toBe(`Once upon a time${simTextCompletion("Once upon a time", 6).text}`);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("length");

    const { final } = await finish(h, completionJob(h, { logprobs: 2 }));
    if (final.type !== "result") throw new Error(JSON.stringify(final));
    const logprobs = TextCompletion.parse(final.response).choices[0]?.logprobs;
    expect(logprobs?.tokens.join("")).toBe(simTextCompletion("Once upon a time", 6).text);
    expect(logprobs?.token_logprobs).toHaveLength(6);
    expect(logprobs?.top_logprobs.every((t) => t !== null && Object.keys(t).length <= 2)).toBe(true);
    expect(logprobs?.text_offset[0]).toBe(0);
  });

  it("when b4748 serves it, then the answer is the same shape (its array answers and echo refusal never reach the client)", async () => {
    const h = await setup(1, { toolsMode: "legacy" });
    const { final } = await finish(h, completionJob(h, { prompts: ["a", "b"], echo: true }));
    if (final.type !== "result") throw new Error(JSON.stringify(final));
    expect(TextCompletion.parse(final.response).choices.map((c) => c.text.slice(0, 1))).toEqual(["a", "b"]);
  });
});

describe("rerank", () => {
  it("when documents are scored in batches across the pool, then the best come first, top_n kept, with texts, billed for prompt tokens", async () => {
    const rerankers = await Promise.all([startLlamaSim({ reranking: true, toolsMode: "legacy" }), startLlamaSim({ reranking: true })]);
    const h = await start(rerankers, {
      GATEWAY_CONFIG_FILE: configFile({ models: [{ id: MODEL, rerank_backends: rerankers.map((s) => s.url) }] }),
      EMBEDDINGS_BATCH_SIZE: "2",
    });
    const documents = ["a dog in the park", "the cat sat on the mat", "cats and dogs", "the red cat"];
    const job: RerankJob = { ...envelope(h), kind: "rerank", query: "the cat", documents, top_n: 3, return_documents: true };
    const { final } = await finish(h, job);
    if (final.type !== "result") throw new Error(JSON.stringify(final));
    const response = RerankResponse.parse(final.response);
    const expected = documents
      .map((text, index) => ({ index, relevance_score: simRerankScore("the cat", text), document: { text } }))
      .sort((a, b) => b.relevance_score - a.relevance_score || a.index - b.index)
      .slice(0, 3);
    expect(response.results).toEqual(expected);
    expect(response.usage.prompt_tokens).toBeGreaterThan(0);
    expect(rerankers.every((s) => s.stats.generations === 1)).toBe(true);
    expect((await h.usageEvents())[0]?.data).toMatchObject({ completion_tokens: 0, prompt_tokens: response.usage.prompt_tokens });
  });
});

describe("embeddings dimensions", () => {
  it("when a job asks for fewer dimensions, then each vector is cut to them and of unit length again", async () => {
    const embedder = await startLlamaSim({ embeddingsOnly: true });
    const h = await start([embedder], {
      GATEWAY_CONFIG_FILE: configFile({ models: [{ id: MODEL, embedding_backends: [embedder.url], embedding_dimensions: [8] }] }),
    });
    const job = { ...h.embeddingsJob({ prompts: ["a red ball"] }), dimensions: 8 };
    await h.submit(job);
    const { final } = await h.finished(job.request_id);
    if (final.type !== "embeddings") throw new Error(JSON.stringify(final));
    const vector = EmbeddingsResponse.parse(JSON.parse((await h.redis.get(final.key)) ?? "null")).data[0]!.embedding as number[];
    expect(vector).toHaveLength(8);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 6);
  });
});

describe("remote images", () => {
  const png = Buffer.from("89504e470d0a1a0a", "hex");
  const imageServer = async () => {
    let hits = 0;
    const server = createServer((_req, res) => {
      hits++;
      res.writeHead(200, { "content-type": "image/png" }).end(png);
    }).listen(0, "127.0.0.1");
    await once(server, "listening");
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cat.png`, hits: () => hits, close: () => server.close() };
  };
  const imageJob = (h: Harness, url: string) =>
    h.job(
      {},
      {
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "what is it?" },
              { type: "image_url", image_url: { url } },
            ],
          },
        ],
      },
    );

  it("when the URL's address is allowed, then the worker fetches it once and the backend gets a data URL", async () => {
    const images = await imageServer();
    const h = await setup(1, { vision: true }, { EGRESS_ALLOW_CIDRS: "127.0.0.0/8" });
    const { final } = await finish(h, imageJob(h, images.url));
    images.close();
    expect(final, JSON.stringify(final)).toMatchObject({ type: "result" });
    expect(images.hits()).toBe(1);
    expect(sims[0]!.stats.completed).toBe(1);
  });

  it("when the URL resolves to a forbidden address, then nothing is fetched or generated and the 400 names the image", async () => {
    const images = await imageServer();
    const h = await setup(1, { vision: true });
    const job = imageJob(h, images.url.replace("127.0.0.1", "localhost"));
    const { final } = await finish(h, job);
    images.close();
    expect(final).toMatchObject({ type: "error", code: "invalid_request", param: "messages.0.content.1.image_url.url" });
    expect(images.hits()).toBe(0);
    expect(sims[0]!.stats.generations).toBe(0);
  });
});
