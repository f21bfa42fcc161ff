import { CHANNELS, cancelledKey, type CancelMessage, contentText, type ChatMessage } from "@gateway/contracts";
import { simTokenize, type RequestEndEvent } from "@gateway/test-kit/llama-sim";
import { until } from "@gateway/test-kit/until";
import { describe, expect, it } from "vitest";
import { useWorkerHarness } from "./worker-harness.ts";

const { sims, setup } = useWorkerHarness();

const promptTokensByTokenize = (messages: ChatMessage[]) => simTokenize(messages.map((m) => contentText(m.content)).join("\n")).length;

describe("inference worker failures", () => {
  it("when the stream breaks with an error line after 3 tokens, then chunks, upstream_error with usage, and a failed usage event", async () => {
    const h = await setup(1);
    sims[0]?.faults.cutStreamAfter(3, "error-line");
    const job = h.job({ stream: true });
    await h.submit(job);
    const { chunks, final } = await h.finished(job.request_id);
    expect(chunks.map((c) => c.seq)).toEqual([0, 1, 2]);
    expect(chunks.every((c) => c.chunk.choices[0]?.finish_reason === null)).toBe(true);
    const prompt = promptTokensByTokenize(job.params.messages);
    expect(final).toMatchObject({
      type: "error",
      code: "upstream_error",
      usage: { prompt_tokens: prompt, completion_tokens: 3, total_tokens: prompt + 3 },
    });
    const usage = await h.usageEvents();
    expect(usage).toHaveLength(1);
    expect(usage[0]?.data).toMatchObject({ outcome: "failed", completion_tokens: 3, prompt_tokens: prompt, kind: "chat" });
    expect(await (await h.inference.getJob(job.request_id))?.getState()).toBe("failed");
  });

  it("when the backend closes the socket mid-stream, then upstream_error billed with what came", async () => {
    const h = await setup(1);
    sims[0]?.faults.cutStreamAfter(2, "close");
    const job = h.job({ stream: false });
    await h.submit(job);
    const { final } = await h.finished(job.request_id);
    expect(final).toMatchObject({ type: "error", code: "upstream_error", usage: { completion_tokens: 2 } });
  });

  it("when a cancel message comes during generation, then the backend request is aborted within 200 ms and billed as cancelled", async () => {
    const h = await setup(1, { interTokenMs: 20, naturalTokens: 500 });
    const ended = new Promise<RequestEndEvent>((resolve) => sims[0]?.onRequestEnd(resolve));
    const job = h.job({ stream: true }, { max_tokens: 400 });
    await h.submit(job);
    await h.waitFor(job.request_id, (list) => list.length >= 3);
    const cancelledAt = Date.now();
    const cancel: CancelMessage = { request_id: job.request_id, reason: "client_disconnected" };
    await h.redis.publish(CHANNELS.cancel(h.prefix), JSON.stringify(cancel));
    const event = await ended;
    expect(event.aborted).toBe(true);
    expect(Date.now() - cancelledAt).toBeLessThan(200);
    const { chunks, final } = await h.finished(job.request_id);
    expect(final).toMatchObject({ type: "error", code: "client_closed_request" });
    await until(async () => (await h.usageEvents()).length === 1);
    const [usage] = await h.usageEvents();
    expect(usage?.data.outcome).toBe("cancelled");
    expect(usage?.data.completion_tokens).toBe(chunks.length);
    expect(await (await h.inference.getJob(job.request_id))?.getState()).toBe("completed");
    expect(await h.metricValue("gateway_inference_cancellations_total", { stage: "generating" })).toBe(1);
  });

  it("when the cancelled key is set before pickup, then no backend is called and nothing is billed", async () => {
    const h = await setup(1);
    const job = h.job();
    await h.redis.set(cancelledKey(h.prefix, job.request_id), "1", "EX", 60);
    await h.submit(job);
    const { final } = await h.finished(job.request_id);
    expect(final).toMatchObject({ type: "error", code: "client_closed_request" });
    await until(async () => (await (await h.inference.getJob(job.request_id))?.getState()) === "completed");
    expect(sims[0]?.stats.generations).toBe(0);
    expect(await h.usageEvents()).toEqual([]);
  });

  it("when the deadline passed before pickup, then upstream_timeout without a backend call", async () => {
    const h = await setup(1);
    const job = h.job({ deadline_at: Date.now() - 1 });
    await h.submit(job);
    const { final } = await h.finished(job.request_id);
    expect(final).toMatchObject({ type: "error", code: "upstream_timeout" });
    expect(sims[0]?.stats.generations).toBe(0);
  });

  it("when a backend hangs before the first token, then the first-token timeout moves the job to another backend", async () => {
    const h = await setup(2, {}, { BACKEND_FIRST_TOKEN_TIMEOUT_MS: "200" });
    sims[0]?.faults.hangNext(1);
    // Sequential jobs alternate between idle backends, so one of the two meets the hang.
    for (let i = 0; i < 2; i++) {
      const job = h.job();
      await h.submit(job);
      expect((await h.finished(job.request_id)).final.type).toBe("result");
    }
    expect(await h.metricValue("gateway_backend_requests_total", { outcome: "timeout" })).toBe(1);
    await until(() => sims[0]?.stats.aborted === 1);
  });

  it("when the same job id runs twice, then each run appends the same request's usage event (billing writes one row per request)", async () => {
    const h = await setup(1);
    const job = h.job();
    await h.submit(job);
    await h.finished(job.request_id);
    // The result is published before the handler returns (its usage add follows): a job still active cannot be removed.
    await expect.poll(async () => (await h.inference.getJob(job.request_id))?.isCompleted()).toBe(true);
    await (await h.inference.getJob(job.request_id))?.remove();
    h.received.delete(job.request_id);
    await h.submit(job);
    expect((await h.finished(job.request_id)).final.type).toBe("result");
    expect(sims[0]?.stats.generations).toBe(2);
    await until(async () => (await h.usageEvents()).length === 2);
    const usage = await h.usageEvents();
    expect(usage.map((u) => u.data.request_id)).toEqual([job.request_id, job.request_id]);
    expect(usage[1]?.data).toMatchObject({ outcome: "succeeded", completion_tokens: usage[0]?.data.completion_tokens });
  });

  it("when a payload is invalid, then the job fails after exactly one attempt and counts as poison", async () => {
    const h = await setup(1);
    await h.inference.add("inference", { v: 1, kind: "chat", model: 42 }, { jobId: "poison-1", attempts: 3 });
    await until(async () => (await (await h.inference.getJob("poison-1"))?.getState()) === "failed");
    const failed = await h.inference.getJob("poison-1");
    expect(failed?.attemptsMade).toBe(1);
    expect(await h.metricValue("gateway_queue_poison_messages_total", { queue: "inference" })).toBe(1);
    expect(sims[0]?.stats.generations).toBe(0);
  });
});
