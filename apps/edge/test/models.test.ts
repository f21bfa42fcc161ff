import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ErrorEnvelope,
  ModelDetail,
  ModelList,
  pendingKey,
  registryKey,
  workersKey,
  type BackendSnapshot,
  type WorkerRegistry,
} from "@gateway/contracts";
import { TEST_REDIS_URL } from "@gateway/test-kit/redis";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { post, startTestEdge, TEST_KEY, type TestEdge } from "./start-test-edge.ts";

const U = ["http://10.9.0.1:8080", "http://10.9.0.2:8080", "http://10.9.0.3:8080", "http://10.9.0.4:8080", "http://10.9.0.5:8080"];
const config = {
  models: [
    { id: "alpha", aliases: ["gpt-alpha"], backends: [U[0], U[1]], embedding_backends: [U[2]], context_length: 4096 },
    { id: "beta", backends: [U[3]] },
    { id: "org/gamma", backends: [U[4]] },
  ],
};
const meta = {
  n_ctx: 2048,
  n_ctx_train: 8192,
  n_params: 7_000_000_000,
  size: 4_100_000_000,
  model_path: "/m/Qwen2.5-7B-Instruct-Q4_K_M.gguf",
  architecture: "qwen2",
  quantization: "Q4_K_M",
};
const backend = (url: string, over: Partial<BackendSnapshot> = {}): BackendSnapshot => ({
  url,
  state: "ready",
  breaker: "closed",
  slots: 4,
  busy: 1,
  leased: 1,
  probed_at: Date.now(),
  meta,
  ...over,
});

let edge: TestEdge;
const redis = new Redis(TEST_REDIS_URL);
const auth = { authorization: `Bearer ${TEST_KEY}` };

async function publish(id: string, snapshot: Partial<WorkerRegistry>) {
  const full: WorkerRegistry = { v: 1, worker_id: id, at: Date.now(), backends: [], models: [], ...snapshot };
  await redis.hset(registryKey(edge.prefix), id, JSON.stringify(full));
}
const get = (path: string, headers: Record<string, string> = auth) => fetch(`${edge.url}${path}`, { headers });

beforeAll(async () => {
  const file = join(mkdtempSync(join(tmpdir(), "gw-edge-models-")), "gateway.json");
  writeFileSync(file, JSON.stringify(config));
  edge = await startTestEdge({ GATEWAY_CONFIG_FILE: file, MAX_QUEUE_WAIT_MS: "2000", REQUEST_TIMEOUT_MS: "400" });
  // A worker heartbeat without a worker: jobs are accepted and nobody answers them.
  await redis.zadd(workersKey(edge.prefix), Date.now() + 600_000, "ghost");
  await publish("w1", {
    backends: [
      backend(U[0]!),
      backend(U[1]!, { breaker: "open" }),
      backend(U[2]!, { meta: { n_ctx: 512 } }),
      backend(U[3]!, { slots: 1 }),
      backend(U[4]!, { state: "loading", meta: {} }),
    ],
    models: [{ id: "beta", chat: [U[3]!], embeddings: [], service_ms: 1_000 }],
  });
  // A second worker whose breaker for alpha's first backend is half-open, and a dead one that must be ignored.
  await publish("w2", { backends: [backend(U[0]!, { breaker: "half_open", probed_at: Date.now() - 1_000 })] });
  await publish("dead", { at: Date.now() - 60 * 60_000, backends: [backend(U[4]!, { state: "down", breaker: "open" })] });
  await fetch(`${edge.url}/readyz`);
  // The directory refreshes in the background every 500 ms.
  for (let i = 0; i < 50 && ((await (await get("/v1/models")).json()) as ModelList).data[0]?.status !== "degraded"; i++)
    await new Promise((r) => setTimeout(r, 100));
});
afterAll(async () => {
  await edge.close();
  await redis.quit();
});

describe("GET /v1/models", () => {
  it("when called without a key, then 401", async () => {
    expect((await get("/v1/models", {})).status).toBe(401);
  });

  it("when the registry has live workers, then every model is listed in OpenAI's shape with live status and facts", async () => {
    const list = ModelList.parse(await (await get("/v1/models")).json());
    expect(list.object).toBe("list");
    expect(list.data.map((m) => m.id)).toEqual(["alpha", "beta", "org/gamma"]);
    const [alpha, beta, gamma] = list.data;
    expect(alpha).toMatchObject({
      object: "model",
      owned_by: "llamacpp",
      aliases: ["gpt-alpha"],
      capabilities: {
        chat: true,
        completion: true,
        embeddings: true,
        rerank: false,
        function_calling: true,
        vision: false,
        json_schema: true,
      },
      // One of its three backends has an open breaker (and another one half-open on another worker).
      status: "degraded",
      ready_backends: 1,
      details: {
        context_length: 4096,
        training_context_length: 8192,
        parameters: 7_000_000_000,
        file_size: 4_100_000_000,
        architecture: "qwen2",
        quantization: "Q4_K_M",
        n_layer: null,
      },
    });
    expect(beta).toMatchObject({
      status: "ready",
      ready_backends: 1,
      details: { context_length: 2048 },
      capabilities: { chat: true, embeddings: false },
    });
    expect(gamma).toMatchObject({ status: "loading", ready_backends: 0, details: { context_length: null, parameters: null } });
  });

  it("when a model is asked for by alias, then its canonical object comes back with each backend's state and worst breaker", async () => {
    const res = await get("/v1/models/gpt-alpha");
    expect(res.status).toBe(200);
    const detail = ModelDetail.parse(await res.json());
    expect(detail.id).toBe("alpha");
    expect(detail.backends).toEqual([
      { id: "chat-0", capability: "chat", state: "ready", breaker: "half_open", slots: 4, busy_slots: 1 },
      { id: "chat-1", capability: "chat", state: "ready", breaker: "open", slots: 4, busy_slots: 1 },
      { id: "embeddings-0", capability: "embeddings", state: "ready", breaker: "closed", slots: 4, busy_slots: 1 },
    ]);
    expect(JSON.stringify(detail)).not.toContain("10.9.0");
  });

  it("when a model id contains a slash, then it is found", async () => {
    expect(((await (await get("/v1/models/org/gamma")).json()) as ModelDetail).backends[0]).toMatchObject({
      state: "loading",
      breaker: "closed",
    });
  });

  it("when the model does not exist, then 404 model_not_found in the envelope", async () => {
    const res = await get("/v1/models/nope");
    expect(res.status).toBe(404);
    expect(ErrorEnvelope.parse(await res.json()).error).toMatchObject({ code: "model_not_found", param: "model" });
  });

  it("when another method is used, then 405 with Allow", async () => {
    for (const path of ["/v1/models", "/v1/models/alpha", "/v1/models/org/gamma"]) {
      const res = await fetch(`${edge.url}${path}`, { method: "DELETE", headers: auth });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toContain("GET");
    }
  });
});

describe("aliases and load shedding", () => {
  it("when a chat request names an alias, then the job carries the canonical id", async () => {
    const res = await post(`${edge.url}/v1/chat/completions`, { model: "gpt-alpha", messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(504);
    const queue = new Queue("inference", { connection: redis, prefix: edge.prefix });
    expect((await queue.getJob(res.headers.get("x-request-id")!))?.data).toMatchObject({ kind: "chat", model: "alpha" });
  });

  it("when the expected queue wait is under the bound, then the request is queued and counted as pending", async () => {
    const res = await post(`${edge.url}/v1/chat/completions`, { model: "beta", messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(504);
    expect(await redis.zscore(pendingKey(edge.prefix, "beta"), res.headers.get("x-request-id")!)).not.toBeNull();
  });

  it("when the model's queue holds more than the bound, then 503 with Retry-After and nothing is queued", async () => {
    const deadline = Date.now() + 60_000;
    // 1 ready slot, 1 s per job: 10 queued jobs mean about 10 s for the next one, over the 2 s bound.
    await redis.zadd(pendingKey(edge.prefix, "beta"), ...Array.from({ length: 10 }, (_, i) => [deadline, `queued-${i}`]).flat());
    await expect
      .poll(
        async () => (await post(`${edge.url}/v1/chat/completions`, { model: "beta", messages: [{ role: "user", content: "hi" }] })).status,
      )
      .toBe(503);
    const res = await post(`${edge.url}/v1/chat/completions`, { model: "beta", messages: [{ role: "user", content: "hi" }] });
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(ErrorEnvelope.parse(await res.json()).error.message).toMatch(/overloaded/);
    const queue = new Queue("inference", { connection: redis, prefix: edge.prefix });
    expect(await queue.getJob(res.headers.get("x-request-id")!)).toBeUndefined();
    // Another model's queue is its own.
    expect((await post(`${edge.url}/v1/chat/completions`, { model: "alpha", messages: [{ role: "user", content: "hi" }] })).status).toBe(
      504,
    );
  });
});

describe("POST /v1/embeddings validation", () => {
  const url = () => `${edge.url}/v1/embeddings`;

  it("when the input is empty, too many, or the field is unsupported, then 400 naming the field", async () => {
    for (const [body, code, param] of [
      [{ model: "alpha", input: "" }, "invalid_request", "input"],
      [{ model: "alpha", input: [] }, "invalid_request", "input"],
      [{ model: "alpha", input: Array.from({ length: 2049 }, () => "a") }, "invalid_request", "input"],
      [{ model: "alpha", input: "a", dimensions: 8 }, "unsupported_parameter", "dimensions"],
      [{ model: "alpha", input: "a", encoding_format: "int8" }, "invalid_request", "encoding_format"],
      [{ model: "alpha", input: "a", extra: 1 }, "unknown_parameter", "extra"],
    ] as const) {
      const res = await post(url(), body);
      expect(res.status).toBe(400);
      expect(ErrorEnvelope.parse(await res.json()).error).toMatchObject({ code, param });
    }
  });

  it("when the model has no embeddings pool, then 404 model_not_found", async () => {
    const res = await post(url(), { model: "beta", input: "a" });
    expect(res.status).toBe(404);
    expect(ErrorEnvelope.parse(await res.json()).error.code).toBe("model_not_found");
  });

  it("when input is valid and named by alias, then one embeddings job with the canonical id and normalised prompts", async () => {
    const res = await post(url(), { model: "gpt-alpha", input: [[1, 2, 3], [4]] });
    expect(res.status).toBe(504);
    const queue = new Queue("inference", { connection: redis, prefix: edge.prefix });
    expect((await queue.getJob(res.headers.get("x-request-id")!))?.data).toMatchObject({
      kind: "embeddings",
      model: "alpha",
      prompts: [[1, 2, 3], [4]],
      encoding_format: "float",
    });
  });
});
