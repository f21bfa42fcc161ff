import { ErrorEnvelope, InferenceQueuePayload, tenantJobsKey } from "@gateway/contracts";
import { createRedis } from "@gateway/queue";
import { testPrefix, TEST_REDIS_URL } from "@gateway/test-kit/redis";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminApi } from "./admin-api.ts";
import { resultOf, startFakeWorker, type FakeWorker } from "./fake-worker.ts";
import { chatBody, MODEL, post, startTestEdge, TEST_TENANT, type TestEdge } from "./start-test-edge.ts";

const MASTER_KEY = "edge-test-master-key-0123456789abcdef";

let edge: TestEdge;
let allowing: TestEdge;
let worker: FakeWorker;
let redis: Redis;
let queue: Queue;
beforeAll(async () => {
  // The worker beats before the edges start, so their first presence check already sees it.
  const prefix = testPrefix();
  worker = await startFakeWorker(prefix, async (job) => [resultOf(job, 3, 2)]);
  edge = await startTestEdge({ QUEUE_PREFIX: prefix, WEBHOOK_MASTER_KEY: MASTER_KEY });
  // A second replica of the same deployment whose operator allows in-cluster receivers.
  allowing = await startTestEdge({
    QUEUE_PREFIX: prefix,
    EDGE_DATABASE_URL: edge.databaseUrl,
    WEBHOOK_MASTER_KEY: MASTER_KEY,
    EGRESS_ALLOW_CIDRS: "127.0.0.0/8, 10.0.0.0/8",
    KEY_CACHE_TTL_MS: "300",
  });
  expect((await adminApi(edge.url).call("POST", `/v1/admin/tenants/${TEST_TENANT}/webhook-secret`)).status).toBe(201);
  redis = createRedis(TEST_REDIS_URL, "blocking");
  queue = new Queue("inference", { connection: redis, prefix });
});
afterAll(async () => {
  await queue?.close();
  await redis?.quit();
  await allowing?.close();
  await edge?.close();
  await worker?.close();
});

const job = (webhookUrl: string) => ({ type: "chat.completion", request: chatBody({ max_tokens: 4 }), webhook_url: webhookUrl });

async function queuedJobs(): Promise<InferenceQueuePayload[]> {
  const jobs = await queue.getJobs(["waiting", "prioritized", "active", "completed", "failed", "delayed"]);
  return jobs.map((j) => InferenceQueuePayload.parse(j.data));
}

async function expectRefused(res: Response, message: RegExp) {
  expect(res.status).toBe(400);
  const { error } = ErrorEnvelope.parse(await res.json());
  expect(error).toMatchObject({ code: "invalid_request", param: "webhook_url" });
  expect(error.message).toMatch(message);
}

describe("when a job's webhook_url is a forbidden destination", () => {
  it.each([
    ["http://127.0.0.1:8082/internal/v1/usage", "a loopback address"],
    ["http://localhost/hook", "a loopback address"],
    ["http://[::1]/hook", "a loopback address"],
    ["http://0x7f000001/hook", "a loopback address"],
    ["http://2130706433/hook", "a loopback address"],
    ["http://169.254.169.254/latest/meta-data", "a link-local address"],
    ["http://10.0.0.1/hook", "a private address"],
    ["http://192.168.1.1/hook", "a private address"],
    ["http://[fd00::1]/hook", "a unique-local address"],
    ["http://[::ffff:127.0.0.1]/hook", "a loopback address"],
  ])("then %s is a 400 naming webhook_url (%s), and nothing is admitted, recorded or queued", async (url, why) => {
    await expectRefused(await post(`${edge.url}/v1/jobs`, job(url)), new RegExp(`^webhook_url may not point at ${why}`));
    expect(await queuedJobs()).toEqual([]);
    expect(await redis.zcard(tenantJobsKey(edge.prefix, TEST_TENANT))).toBe(0);
  });
});

describe("when the operator allows in-cluster ranges (EGRESS_ALLOW_CIDRS)", () => {
  it("then a webhook_url in them is accepted and queued with the versions that sign it, and one outside them is still refused", async () => {
    const res = await post(`${allowing.url}/v1/jobs`, job("http://10.0.0.1:9000/hook"));
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    expect((await queuedJobs()).find((j) => j.request_id === id)).toMatchObject({
      webhook_url: "http://10.0.0.1:9000/hook",
      webhook_key_versions: [1],
      model: MODEL,
    });
    await expectRefused(await post(`${allowing.url}/v1/jobs`, job("http://192.168.1.1/hook")), /a private address/);
  });
});

describe("the versions a job's delivery is signed with", () => {
  it("when the tenant's secret is rotated, then jobs carry the current version and the previous one while its grace lasts", async () => {
    const rotate = (grace: number) =>
      adminApi(edge.url).call("POST", `/v1/admin/tenants/${TEST_TENANT}/webhook-secret/rotate`, { grace_seconds: grace });
    const versionsOf = async (replica: TestEdge) => {
      const res = await post(`${replica.url}/v1/jobs`, job("https://hooks.example.com/hook"));
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: string };
      return (await queuedJobs()).find((j) => j.request_id === id)?.webhook_key_versions;
    };
    expect(await versionsOf(edge)).toEqual([1]);
    expect(await versionsOf(allowing)).toEqual([1]);
    expect((await rotate(600)).status).toBe(200);
    // The replica that rotated uses the new version at once; the other follows within its KEY_CACHE_TTL_MS (300 ms here).
    expect(await versionsOf(edge)).toEqual([2, 1]);
    await new Promise((r) => setTimeout(r, 400));
    expect(await versionsOf(allowing)).toEqual([2, 1]);
    expect((await rotate(0)).status).toBe(200);
    expect(await versionsOf(edge)).toEqual([3]);
  });
});

describe("when webhooks cannot be signed for the job", () => {
  it("then a tenant without a webhook secret gets a 400 saying an operator must create one, and nothing is queued", async () => {
    const key = await adminApi(edge.url).create({ tenant_id: "tenant-without-secret", tier: "enterprise" });
    const before = (await queuedJobs()).length;
    const res = await post(`${edge.url}/v1/jobs`, job("https://hooks.example.com/hook"), { authorization: `Bearer ${key.secret}` });
    await expectRefused(
      res,
      /no webhook signing secret yet: an operator must create one .*webhook-secret create --tenant tenant-without-secret/,
    );
    expect((await queuedJobs()).length).toBe(before);
  });

  it("then an edge without WEBHOOK_MASTER_KEY answers 400 saying webhooks are not configured, and a job without a webhook still runs", async () => {
    const bare = await startTestEdge({ QUEUE_PREFIX: edge.prefix, EDGE_DATABASE_URL: edge.databaseUrl });
    try {
      await expectRefused(
        await post(`${bare.url}/v1/jobs`, job("https://hooks.example.com/hook")),
        /webhooks are not configured on this gateway/,
      );
      const plain = await post(`${bare.url}/v1/jobs`, { type: "chat.completion", request: chatBody({ max_tokens: 4 }) });
      expect(plain.status).toBe(202);
    } finally {
      await bare.close();
    }
  });
});
