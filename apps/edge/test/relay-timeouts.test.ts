import { cancelledKey, workersKey } from "@gateway/contracts";
import { TEST_REDIS_URL } from "@gateway/test-kit/redis";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatBody, post, startTestEdge } from "./start-test-edge.ts";

let edge: Awaited<ReturnType<typeof startTestEdge>>;
const redis = new Redis(TEST_REDIS_URL);

beforeAll(async () => {
  // No resume grace: a stream whose client leaves is cancelled at once.
  edge = await startTestEdge({ REQUEST_TIMEOUT_MS: "300", STREAM_RESUME_GRACE_MS: "0" });
  // A worker heartbeat without a worker: jobs are accepted and nobody answers them.
  await redis.zadd(workersKey(edge.prefix), Date.now() + 60_000, "ghost");
  await fetch(`${edge.url}/readyz`);
});
afterAll(async () => {
  await edge.close();
  await redis.quit();
});

describe("when a worker is seen but nobody answers", () => {
  it("then /readyz is 200", async () => {
    const res = await fetch(`${edge.url}/readyz`);
    expect(res.status).toBe(200);
  });

  it("then the request ends at its deadline with 504 and the job is cancelled", async () => {
    const started = Date.now();
    const res = await post(`${edge.url}/v1/chat/completions`, chatBody());
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("upstream_timeout");
    expect(Date.now() - started).toBeLessThan(5_000);
    const id = res.headers.get("x-request-id")!;
    expect(await redis.get(cancelledKey(edge.prefix, id))).toBe("timeout");
  });

  it("then a reused client request id is refused with 409 while the first is running", async () => {
    const headers = { "x-request-id": `client-${Date.now()}-abc` };
    const first = post(`${edge.url}/v1/chat/completions`, chatBody(), headers);
    await new Promise((r) => setTimeout(r, 50));
    const second = await post(`${edge.url}/v1/chat/completions`, chatBody(), headers);
    expect(second.status).toBe(409);
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe("request_id_conflict");
    expect((await first).status).toBe(504);
  });

  it("then a client that disconnects gets its job cancelled", async () => {
    const controller = new AbortController();
    const headers = { "x-request-id": `client-${Date.now()}-gone` };
    const pending = fetch(`${edge.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer sk-test-0123456789abcdef", "content-type": "application/json", ...headers },
      body: JSON.stringify(chatBody()),
      signal: controller.signal,
    }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    await pending;
    await expect.poll(() => redis.get(cancelledKey(edge.prefix, headers["x-request-id"])), { timeout: 2_000 }).toBe("client_disconnected");
  });
});
