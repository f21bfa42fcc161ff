import { ChatCompletion, ChatCompletionChunk, workersKey, chatCompletionOf } from "@gateway/contracts";
import { simCompletion, simPromptTokens, startLlamaSim } from "@gateway/test-kit/llama-sim";
import { describe, expect, it } from "vitest";
import { MODEL, useWorkerHarness } from "./worker-harness.ts";

const { sims, setup, start } = useWorkerHarness();

describe("inference worker", () => {
  it("when a non-stream job runs, then one result carries the backend's exact text and usage, and one usage event is appended", async () => {
    const h = await setup(1);
    const job = h.job();
    await h.submit(job);
    const { chunks, final } = await h.finished(job.request_id);
    const expected = simCompletion(job.params.messages, job.params.max_tokens);
    const prompt = simPromptTokens(job.params.messages);
    expect(chunks).toEqual([]);
    expect(final.type).toBe("result");
    if (final.type !== "result") return;
    const response = ChatCompletion.parse(final.response);
    expect(response).toMatchObject({ id: `chatcmpl-${job.request_id}`, model: MODEL, object: "chat.completion" });
    expect(response.choices[0]?.message.content).toBe(expected.text);
    expect(response.choices[0]?.finish_reason).toBe(expected.finishReason);
    expect(response.usage).toEqual({
      prompt_tokens: prompt,
      completion_tokens: expected.tokens.length,
      total_tokens: prompt + expected.tokens.length,
    });

    const usage = await h.usageEvents();
    expect(usage).toHaveLength(1);
    expect(usage[0]?.data).toMatchObject({
      request_id: job.request_id,
      model: MODEL,
      caller: job.caller,
      outcome: "succeeded",
      prompt_tokens: prompt,
      completion_tokens: expected.tokens.length,
      backend: sims[0]?.url,
    });
    expect(await h.metricValue("gateway_inference_tokens_total", { kind: "completion" })).toBe(expected.tokens.length);

    // BullMQ keeps a job's return value in Redis (its hash and events stream): a summary, never the answer.
    await expect.poll(async () => (await h.inference.getJob(job.request_id))?.finishedOn).toBeDefined();
    const kept = await h.inference.getJob(job.request_id);
    expect(kept?.returnvalue).toEqual({ finish_reason: expected.finishReason, usage: response.usage });
    const events = await h.redis.xrange(`${h.prefix}:inference:events`, "-", "+");
    expect(JSON.stringify(events)).not.toContain(expected.text);
  });

  it("when a stream job runs, then ordered chunks (role first, finish last) come before the result", async () => {
    const h = await setup(1, { interTokenMs: 1 });
    const job = h.job({ stream: true }, { max_tokens: 8 });
    await h.submit(job);
    const { chunks, final } = await h.finished(job.request_id);
    const expected = simCompletion(job.params.messages, 8);
    expect(chunks.map((c) => c.seq)).toEqual(Array.from({ length: expected.tokens.length + 1 }, (_, i) => i));
    const parsed = chunks.map((c) => ChatCompletionChunk.parse(c.chunk));
    const created = parsed[0]?.created;
    for (const chunk of parsed) expect(chunk).toMatchObject({ id: `chatcmpl-${job.request_id}`, model: MODEL, created });
    expect(parsed[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: expected.tokens[0] });
    expect(parsed.slice(1, -1).map((c) => c.choices[0]?.delta)).toEqual(expected.tokens.slice(1).map((content) => ({ content })));
    expect(parsed.at(-1)?.choices[0]).toEqual({ index: 0, delta: {}, finish_reason: expected.finishReason });
    expect(parsed.some((c) => c.usage)).toBe(false);
    expect(final.type).toBe("result");
    if (final.type === "result") expect(chatCompletionOf(final)?.choices[0]?.message.content).toBe(expected.text);
  });

  it("when a newer build sends usage as its own chunk, then the usage is still exact", async () => {
    const h = await setup(1, { usageMode: "separate-chunk" });
    const job = h.job({ stream: true });
    await h.submit(job);
    const { final } = await h.finished(job.request_id);
    const expected = simCompletion(job.params.messages, job.params.max_tokens);
    expect(final.type === "result" && chatCompletionOf(final)?.usage.completion_tokens).toBe(expected.tokens.length);
    expect(final.type === "result" && chatCompletionOf(final)?.usage.prompt_tokens).toBe(simPromptTokens(job.params.messages));
  });

  it("when one of two backends fails the next request, then the job still succeeds on the other, invisibly", async () => {
    const h = await setup(2);
    sims[0]?.faults.failNext(1, 500);
    // One after the other: the pool alternates between equally idle backends, so one job meets the fault.
    for (let i = 0; i < 2; i++) {
      const job = h.job({ stream: true });
      await h.submit(job);
      const { chunks, final } = await h.finished(job.request_id);
      expect(final.type).toBe("result");
      expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, seq) => seq));
      expect(ChatCompletionChunk.parse(chunks[0]?.chunk).choices[0]?.delta.role).toBe("assistant");
    }
    expect(sims[0]?.stats.faulted).toBe(1);
    expect(await h.metricValue("gateway_backend_failovers_total", { backend: sims[0]?.url ?? "" })).toBe(1);
  });

  it("when a backend is loading, then it is not chosen", async () => {
    const loading = await startLlamaSim({ loadingMs: 60_000 });
    const ready = await startLlamaSim();
    const h = await start([loading, ready]);
    const jobs = Array.from({ length: 4 }, () => h.job());
    for (const job of jobs) await h.submit(job);
    for (const job of jobs) expect((await h.finished(job.request_id)).final.type).toBe("result");
    expect(loading.stats.generations).toBe(0);
    expect(ready.stats.generations).toBe(4);
    expect(await h.metricValue("gateway_backend_state", { backend: loading.url, state: "loading" })).toBe(1);
  });

  it("when every backend is down, then backend_unavailable with retry_after", async () => {
    const h = await setup(1);
    await sims[0]?.faults.die();
    const job = h.job();
    await h.submit(job);
    const { final } = await h.finished(job.request_id);
    expect(final).toMatchObject({ type: "error", code: "backend_unavailable" });
    expect(final.type === "error" && final.retry_after).toBeGreaterThanOrEqual(1);
    expect(await h.usageEvents()).toEqual([]);
  });

  it("when the worker runs, then its heartbeat is in the workers set and /readyz logic sees a ready backend", async () => {
    const h = await setup(1);
    const score = await h.redis.zscore(workersKey(h.prefix), h.env.WORKER_ID);
    expect(Number(score)).toBeGreaterThan(Date.now() - 10_000);
    expect(h.worker.accepting()).toBe(true);
    await expect(h.worker.readiness.redis!()).resolves.toBeUndefined();
    expect(await h.worker.readiness.backends!()).toBe(1);
  });
});
