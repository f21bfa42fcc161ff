import { deliveriesKey, type BackendDayTokens } from "@gateway/contracts";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usageRows } from "./billing-rows.ts";
import { readSse } from "./sse-events.ts";
import { MODEL, startSystem, type System } from "./start-system.ts";
import { reconcile, runReconcileCli, untilReconciled } from "./support/reconcile.ts";

let system: System;
let redis: Redis;
/** Request ids of the mixed run, by kind. */
const ids: Record<string, string> = {};

beforeAll(async () => {
  system = await startSystem({
    // Paced, so a stream can be left mid-way; long stories, so it would not end by itself.
    sim: { interTokenMs: 10, naturalTokens: 500 },
    model: (sims) => ({ embedding_backends: [sims[0]!.url] }),
    // A leaving client cancels at once; the backends' counters are read every few hundred ms.
    edgeEnv: { STREAM_RESUME_GRACE_MS: "0" },
    workerEnv: { PROBE_INTERVAL_MS: "200", PROBE_TIMEOUT_MS: "300" },
  });
  redis = new Redis(system.redisUrl);
});
afterAll(async () => {
  await redis?.quit();
  await system?.stop();
});

const messages = [{ role: "user" as const, content: "Tell me a story." }];
const post = (path: string, body: unknown, signal?: AbortSignal) =>
  fetch(`${system.edgeUrl}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${system.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    ...(signal && { signal }),
  });

async function mixedRun(): Promise<void> {
  const json = await system.openai.chat.completions.create({ model: MODEL, messages, max_tokens: 8 }).withResponse();
  ids.json = json.response.headers.get("x-request-id")!;

  const stream = await system.openai.chat.completions.create({ model: MODEL, messages, max_tokens: 12, stream: true }).withResponse();
  ids.stream = stream.response.headers.get("x-request-id")!;
  for await (const _ of stream.data);

  const left = new AbortController();
  const cancelled = await post("/v1/chat/completions", { model: MODEL, messages, max_tokens: 200, stream: true }, left.signal);
  ids.cancelled = cancelled.headers.get("x-request-id")!;
  let chunks = 0;
  await readSse(cancelled, () => ++chunks >= 3);
  left.abort();

  system.sims[0]!.faults.cutStreamAfter(3);
  const failed = await post("/v1/chat/completions", { model: MODEL, messages, max_tokens: 10, stream: true });
  ids.failed = failed.headers.get("x-request-id")!;
  await failed.text();

  const embeddings = await system.openai.embeddings.create({ model: MODEL, input: "Once upon a time" }).withResponse();
  ids.embeddings = embeddings.response.headers.get("x-request-id")!;

  const job = (await (await post("/v1/jobs", { type: "chat.completion", request: { model: MODEL, messages, max_tokens: 6 } })).json()) as {
    id: string;
  };
  ids.job = job.id;
  await expect
    .poll(
      async () => {
        const res = await fetch(`${system.edgeUrl}/v1/jobs/${job.id}`, { headers: { authorization: `Bearer ${system.apiKey}` } });
        return ((await res.json()) as { status: string }).status;
      },
      { timeout: 15_000 },
    )
    .toBe("succeeded");
}

const backendRow = (tokens: BackendDayTokens[]) => {
  const rows = tokens.filter((t) => t.backend === system.sims[0]!.url);
  expect(rows).toHaveLength(1);
  return rows[0]!;
};

describe("pnpm gateway usage reconcile", () => {
  it("when JSON, stream, cancelled, failed, embeddings and polled async requests ran, then nothing is listed and completion tokens billed are what the backend counted", async () => {
    await mixedRun();
    const outcomes = [];
    for (const id of Object.values(ids)) outcomes.push((await usageRows(system.db, id))[0]!.outcome);
    expect(outcomes).toEqual(["succeeded", "succeeded", "cancelled", "failed", "succeeded", "succeeded"]);

    const report = await untilReconciled(system);
    expect(report.billed_not_delivered.count + report.answered_not_billed.count + report.billed_twice.count).toBe(0);
    // The counters are read every round: wait for the reading after the last request.
    await expect
      .poll(async () => backendRow((await reconcile(system)).report.tokens).difference.completion_tokens, { timeout: 10_000 })
      .toBe(0);
    const { billed, counted, difference } = backendRow((await reconcile(system)).report.tokens);
    expect(billed.requests).toBe(6);
    expect(billed.succeeded_completion_tokens).toBe(8 + 12 + 6);
    // The cancelled and failed generations' tokens are billed, and never in llama-server's counter.
    expect(billed.completion_tokens).toBeGreaterThan(billed.succeeded_completion_tokens + 3);
    expect(counted.completion_tokens).toBe(26);
    // Embeddings are billed prompt tokens llama-server does not count; the cancelled and failed
    // requests' prompts are billed by /tokenize, without the template's few tokens.
    expect(billed.prompt_tokens).toBeGreaterThan(billed.generation_prompt_tokens);
    expect(difference.prompt_tokens).toBeGreaterThanOrEqual(0);
    expect(difference.prompt_tokens).toBeLessThanOrEqual(2 * 8);
  });

  it("when a usage row is lost, a delivery was never billed and a bill never delivered, then each is listed and the CLI exits 1", async () => {
    await system.db.query("DELETE FROM usage_records WHERE request_id = $1", [ids.json]);
    await redis.xadd(deliveriesKey(system.prefix), "*", "id", "req-never-billed", "at", String(Date.now()));
    await system.db.query("DELETE FROM usage_deliveries WHERE request_id = $1", [ids.stream]);
    await system.db.query("UPDATE usage_records SET delivered_at = NULL WHERE request_id = $1", [ids.stream]);
    await expect
      .poll(async () => (await system.db.query("SELECT 1 FROM usage_deliveries WHERE request_id = 'req-never-billed'")).rowCount, {
        timeout: 10_000,
      })
      .toBe(1);

    const { exitCode, report } = await reconcile(system);
    expect(exitCode).toBe(1);
    expect(report.answered_not_billed.data.map((r) => r.request_id).sort()).toEqual([ids.json, "req-never-billed"].sort());
    expect(report.billed_not_delivered.data.map((r) => r.request_id)).toEqual([ids.stream]);
    expect(report.discrepancies).toBe(3);

    const human = await runReconcileCli(system);
    expect(human.exitCode).toBe(1);
    expect(human.stdout).toContain("Answered but not billed: 2");
    expect(human.stdout).toContain(`  ${ids.stream}  tenant tenant-e2e`);
    expect(human.stdout).toMatch(/3 discrepancies/);
  });
});
