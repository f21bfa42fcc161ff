import { embeddingFromBase64, simTextEmbedding, simTokenize } from "@gateway/test-kit/llama-sim";
import { EmbeddingsResponse, type EmbeddingsJob } from "@gateway/contracts";
import { describe, expect, it } from "vitest";
import { configFile, MODEL, useWorkerHarness, type Harness } from "./worker-harness.ts";

// Embeddings-only simulators, configured as model MODEL's embeddings pool.
const { sims, setup } = useWorkerHarness({
  simOptions: { embeddingsOnly: true },
  env: (backends) => ({ GATEWAY_CONFIG_FILE: configFile({ models: [{ id: MODEL, embedding_backends: backends.map((s) => s.url) }] }) }),
});

/** Tokens the simulator counts for a text input: its words plus BOS. */
const inputTokens = (texts: string[]) => texts.reduce((n, t) => n + simTokenize(t).length + 1, 0);

async function body(h: Harness, job: EmbeddingsJob) {
  const { final } = await h.finished(job.request_id);
  if (final.type !== "embeddings") throw new Error(`expected embeddings, got ${JSON.stringify(final)}`);
  const raw = await h.redis.get(final.key);
  return { final, response: EmbeddingsResponse.parse(JSON.parse(raw ?? "null")) };
}

describe("embeddings jobs", () => {
  it("when a batch is larger than the batch size, then it is split across backends, answered in order, and billed once with prompt tokens only", async () => {
    const h = await setup(2, {}, { EMBEDDINGS_BATCH_SIZE: "2" });
    const prompts = ["the cat", "a red ball", "Once upon a time", "the dog ran", "she smiled at the sun"];
    const job = h.embeddingsJob({ prompts });
    await h.submit(job);
    const { final, response } = await body(h, job);
    expect(response.data.map((d) => d.index)).toEqual([0, 1, 2, 3, 4]);
    for (const [i, text] of prompts.entries())
      expect(Float32Array.from(response.data[i]!.embedding as number[])).toEqual(simTextEmbedding(text));
    expect(response).toMatchObject({
      object: "list",
      model: MODEL,
      usage: { prompt_tokens: inputTokens(prompts), total_tokens: inputTokens(prompts) },
    });
    expect(final.usage.prompt_tokens).toBe(inputTokens(prompts));
    expect(sims.every((s) => s.stats.generations > 0)).toBe(true);
    expect(sims[0]!.stats.generations + sims[1]!.stats.generations).toBe(3);
    const usage = await h.usageEvents();
    expect(usage).toHaveLength(1);
    expect(usage[0]?.data).toMatchObject({
      outcome: "succeeded",
      prompt_tokens: inputTokens(prompts),
      completion_tokens: 0,
      model: MODEL,
      kind: "embeddings",
    });
  });

  it("when base64 is asked for, then each vector is its little-endian float32 bytes", async () => {
    const h = await setup(1);
    const job = h.embeddingsJob({ prompts: ["a red ball"], encoding_format: "base64" });
    await h.submit(job);
    const { response } = await body(h, job);
    expect(embeddingFromBase64(response.data[0]!.embedding as string)).toEqual(simTextEmbedding("a red ball"));
  });

  it("when token arrays are sent, then they go to the backend as they are", async () => {
    const h = await setup(1);
    const job = h.embeddingsJob({ prompts: [[1, 403, 407]] });
    await h.submit(job);
    const { response } = await body(h, job);
    expect(response.usage.prompt_tokens).toBe(3);
  });

  it("when one backend answers 500, then the batch is retried on the other, invisibly", async () => {
    const h = await setup(2);
    sims[0]!.faults.failNext(1, 500);
    for (let i = 0; i < 2; i++) {
      const job = h.embeddingsJob({ prompts: ["the cat"] });
      await h.submit(job);
      expect((await h.finished(job.request_id)).final.type).toBe("embeddings");
    }
    expect(sims[0]!.stats.faulted).toBe(1);
    expect(await h.metricValue("gateway_backend_failovers_total", { backend: sims[0]!.url })).toBe(1);
  });

  it("when the backend crashes mid-request, then the batch completes on another backend", async () => {
    const h = await setup(2);
    // The second backend is loading, so the request goes to the first, which hangs and then dies.
    sims[1]!.faults.setLoading(60_000);
    await new Promise((r) => setTimeout(r, 250));
    sims[0]!.faults.hangNext(1);
    const job = h.embeddingsJob({ prompts: ["the cat", "the dog"] });
    await h.submit(job);
    await expect.poll(() => sims[0]!.stats.generations).toBe(1);
    sims[1]!.faults.setLoading(0);
    await expect.poll(() => h.metricValue("gateway_backend_state", { backend: sims[1]!.url, state: "ready" })).toBe(1);
    await sims[0]!.faults.die();
    const { response } = await body(h, job);
    expect(response.data).toHaveLength(2);
    expect(sims[1]!.stats.completed).toBe(1);
  });

  it("when an input is longer than the model's context, then context_length_exceeded and nothing runs", async () => {
    const h = await setup(1, { nCtx: 16 });
    const job = h.embeddingsJob({ prompts: ["short", "word ".repeat(40)] });
    await h.submit(job);
    const { final } = await h.finished(job.request_id);
    expect(final).toMatchObject({ type: "error", code: "context_length_exceeded" });
    expect(final.type === "error" && final.message).toMatch(/input 1 has 42 tokens/);
    expect(sims[0]!.stats.generations).toBe(0);
    expect(await h.usageEvents()).toEqual([]);
  });

  it("when an embeddings payload is invalid, then the job fails after exactly one attempt and counts as poison", async () => {
    const h = await setup(1);
    await h.inference.add(
      "inference",
      { v: 1, kind: "embeddings", model: MODEL, prompts: [] },
      { jobId: "poison-embeddings", attempts: 3 },
    );
    await expect.poll(async () => (await h.inference.getJob("poison-embeddings"))?.getState()).toBe("failed");
    expect((await h.inference.getJob("poison-embeddings"))?.attemptsMade).toBe(1);
    expect(await h.metricValue("gateway_queue_poison_messages_total", { queue: "inference" })).toBe(1);
    expect(sims[0]!.stats.generations).toBe(0);
  });
});
