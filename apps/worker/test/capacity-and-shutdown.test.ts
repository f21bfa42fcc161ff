import { workersKey, chatCompletionOf } from "@gateway/contracts";
import { simCompletion, startLlamaSim } from "@gateway/test-kit/llama-sim";
import { describe, expect, it } from "vitest";
import { useWorkerHarness } from "./worker-harness.ts";

const { sims, setup, start } = useWorkerHarness();

describe("inference worker capacity and shutdown", () => {
  it("when 3x slots jobs arrive at once, then in-flight never exceeds the backend's slots and all succeed", async () => {
    // More consumer concurrency than slots: the pool, not BullMQ, must hold the line.
    const h = await setup(1, { slots: 2, interTokenMs: 3 }, { WORKER_CONCURRENCY: "6" });
    const jobs = Array.from({ length: 6 }, (_, i) => h.job({ stream: i % 2 === 0 }, { max_tokens: 8 }));
    await Promise.all(jobs.map((j) => h.submit(j)));
    for (const job of jobs) {
      const { final } = await h.finished(job.request_id);
      expect(final.type === "result" && chatCompletionOf(final)?.choices[0]?.message.content).toBe(
        simCompletion(job.params.messages, 8).text,
      );
    }
    expect(sims[0]?.stats.maxProcessing).toBe(2);
    expect(sims[0]?.stats.generations).toBe(6);
  });

  it("when WORKER_CONCURRENCY is unset, then the consumer takes twice as many jobs as the probed slots", async () => {
    const h = await start([await startLlamaSim({ slots: 3 }), await startLlamaSim({ slots: 2 })]);
    expect(h.worker.worker.concurrency).toBe(10);
  });

  it("when closed during a generation, then it finishes, and the heartbeat is removed", async () => {
    const h = await setup(1, { interTokenMs: 10 });
    const job = h.job({ stream: true }, { max_tokens: 16 });
    await h.submit(job);
    await h.waitFor(job.request_id, (l) => l.length >= 1);
    await h.worker.close();
    const { final } = await h.finished(job.request_id);
    expect(final.type).toBe("result");
    expect(await h.redis.zscore(workersKey(h.prefix), h.env.WORKER_ID)).toBeNull();
  });

  it("when the shutdown grace period ends mid-generation, then the request is aborted and billed as failed", async () => {
    const h = await setup(1, { interTokenMs: 20, naturalTokens: 500 }, { SHUTDOWN_TIMEOUT_MS: "100" });
    const job = h.job({ stream: true }, { max_tokens: 400 });
    await h.submit(job);
    await h.waitFor(job.request_id, (l) => l.length >= 2);
    await h.worker.close();
    const { final } = await h.finished(job.request_id);
    expect(final).toMatchObject({ type: "error", code: "upstream_error" });
    const usage = await h.usageEvents();
    expect(usage[0]?.data.outcome).toBe("failed");
    expect(sims[0]?.stats.aborted).toBe(1);
  });
});
