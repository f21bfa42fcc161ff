import { registryKey, WorkerRegistry, chatCompletionOf } from "@gateway/contracts";
import { simCompletion, startLlamaSim } from "@gateway/test-kit/llama-sim";
import { testPrefix } from "@gateway/test-kit/redis";
import { describe, expect, it } from "vitest";
import { configFile, MODEL, useWorkerHarness, type Harness } from "./worker-harness.ts";

const { sims, setup, start } = useWorkerHarness();

async function registry(h: Harness): Promise<WorkerRegistry> {
  return WorkerRegistry.parse(JSON.parse((await h.redis.hget(registryKey(h.prefix), h.env.WORKER_ID)) ?? "null"));
}

async function run(h: Harness, over: Parameters<Harness["job"]>[0] = {}, params: Parameters<Harness["job"]>[1] = {}) {
  const job = h.job(over, params);
  await h.submit(job);
  return { job, ...(await h.finished(job.request_id)) };
}

describe("backend pools", () => {
  it("when two workers share one backend of 2 slots, then it never processes more than 2 requests at once", async () => {
    const shared = [await startLlamaSim({ slots: 2, interTokenMs: 2 })];
    const prefix = testPrefix();
    const one = await start(shared, { WORKER_CONCURRENCY: "4" }, prefix);
    const two = await start(shared, { WORKER_CONCURRENCY: "4" }, prefix);
    const jobs = Array.from({ length: 12 }, () => one.job({}, { max_tokens: 8 }));
    await Promise.all(jobs.map((j) => one.submit(j)));
    for (const job of jobs) expect((await one.finished(job.request_id)).final.type).toBe("result");
    expect(sims[0]!.stats.maxProcessing).toBe(2);
    expect(sims[0]!.stats.deferred).toBe(0);
    // Both workers took part.
    expect((await one.metricValue("gateway_inference_results_total")) + (await two.metricValue("gateway_inference_results_total"))).toBe(
      12,
    );
    expect(await two.metricValue("gateway_inference_results_total")).toBeGreaterThan(0);
  });

  it("when a backend fails every generation, then its breaker opens after three in a row and jobs keep succeeding elsewhere", async () => {
    const h = await setup(2, {}, { BREAKER_RESET_MS: "60000" });
    sims[0]!.faults.failNext(1_000, 500);
    for (let i = 0; i < 8; i++) expect((await run(h)).final.type).toBe("result");
    expect(await h.metricValue("gateway_backend_breaker_state", { backend: sims[0]!.url, state: "open" })).toBe(1);
    expect(await h.metricValue("gateway_worker_backend_up", { backend: sims[0]!.url, model: MODEL })).toBe(0);
    expect(sims[0]!.stats.faulted).toBe(3);
    await expect.poll(async () => (await registry(h)).backends.find((b) => b.url === sims[0]!.url)?.breaker).toBe("open");
  });

  it("when an open breaker's /health trial succeeds, then the backend rejoins", async () => {
    const h = await setup(2, {}, { BREAKER_RESET_MS: "200" });
    sims[0]!.faults.failNext(3, 500);
    for (let i = 0; i < 4; i++) expect((await run(h)).final.type).toBe("result");
    await expect.poll(() => h.metricValue("gateway_backend_breaker_transitions_total", { backend: sims[0]!.url, state: "closed" })).toBe(1);
    const before = sims[0]!.stats.completed;
    for (let i = 0; i < 4; i++) expect((await run(h)).final.type).toBe("result");
    expect(sims[0]!.stats.completed).toBeGreaterThan(before);
  });

  it("when a backend is stuck loading, then it is never chosen, its breaker stays closed, and the registry says loading", async () => {
    const loading = await startLlamaSim({ loadingMs: 600_000 });
    const ready = await startLlamaSim();
    const h = await start([loading, ready]);
    for (let i = 0; i < 6; i++) expect((await run(h)).final.type).toBe("result");
    expect(loading.stats.generations).toBe(0);
    const entry = (await registry(h)).backends.find((b) => b.url === loading.url);
    expect(entry).toMatchObject({ state: "loading", breaker: "closed" });
    expect(await h.metricValue("gateway_backend_breaker_state", { backend: loading.url, state: "closed" })).toBe(1);
  });

  it("when the worker has probed its backends, then the registry carries slots, context and model facts, and service time after a job", async () => {
    const h = await setup(1, { slots: 3, nCtx: 512 });
    await run(h);
    await expect.poll(async () => (await registry(h)).models[0]?.service_ms ?? null).not.toBeNull();
    const snapshot = await registry(h);
    expect(snapshot.models).toEqual([{ id: MODEL, chat: [sims[0]!.url], embeddings: [], rerank: [], service_ms: expect.any(Number) }]);
    expect(snapshot.backends[0]).toMatchObject({
      url: sims[0]!.url,
      state: "ready",
      breaker: "closed",
      slots: 3,
      busy: 0,
      meta: { n_ctx: 512, n_ctx_train: 2048, n_params: 292800, size: 1171200, chat_template: false },
    });
    expect(snapshot.at).toBeGreaterThan(Date.now() - 5_000);
  });

  it("when a prompt plus max_tokens exceeds the context, then context_length_exceeded before any generation", async () => {
    const h = await setup(1, { nCtx: 256 });
    const { final } = await run(h, {}, { messages: [{ role: "user", content: "word ".repeat(300) }], max_tokens: 16 });
    expect(final).toMatchObject({ type: "error", code: "context_length_exceeded" });
    expect(final.type === "error" && final.message).toMatch(/context is 256 tokens: the prompt has 309 tokens and max_tokens asks for 16/);
    expect(sims[0]!.stats.generations).toBe(0);
    expect(await h.metricValue("gateway_inference_context_checks_total", { outcome: "exceeded" })).toBe(1);
  });

  it("when a prompt is long in bytes but short in tokens, then the backend's count lets it run", async () => {
    const h = await setup(1, { nCtx: 256 });
    const content = Array.from({ length: 20 }, () => "x".repeat(30)).join(" ");
    expect((await run(h, {}, { messages: [{ role: "user", content }], max_tokens: 8 })).final.type).toBe("result");
    expect(await h.metricValue("gateway_inference_context_checks_total", { outcome: "fits" })).toBe(1);
  });

  it("when the configured context_length is smaller than the backend's, then the override is enforced", async () => {
    const backend = await startLlamaSim();
    const file = configFile({ models: [{ id: MODEL, backends: [backend.url], context_length: 64 }] });
    const h = await start([backend], { GATEWAY_CONFIG_FILE: file });
    const { final } = await run(h, {}, { messages: [{ role: "user", content: "word ".repeat(60) }], max_tokens: 8 });
    expect(final).toMatchObject({ type: "error", code: "context_length_exceeded" });
  });

  it("when a backend cuts a non-stream answer mid-way, then another backend answers it in full and only that is billed", async () => {
    const h = await setup(2);
    sims[0]!.faults.cutStreamAfter(3, "close");
    // One after the other: the pool alternates between equally idle backends, so one job meets the cut.
    const jobs = [];
    for (let i = 0; i < 2; i++) {
      const { job, final } = await run(h, {}, { max_tokens: 12 });
      expect(final.type === "result" && chatCompletionOf(final)?.choices[0]?.message.content).toBe(
        simCompletion(job.params.messages, 12).text,
      );
      jobs.push(job);
    }
    expect(sims[0]!.stats.faulted).toBe(1);
    await expect.poll(async () => (await h.usageEvents()).length).toBe(2);
    for (const u of await h.usageEvents()) expect(u.data).toMatchObject({ outcome: "succeeded", completion_tokens: 12 });
  });

  it("when a stream job runs, then every chunk names the job's delivery attempt", async () => {
    const h = await setup(1);
    const { chunks } = await run(h, { stream: true }, { max_tokens: 4 });
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.every((c) => c.attempt === 1)).toBe(true);
  });
});
