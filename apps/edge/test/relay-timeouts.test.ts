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

  it("then two requests sending the same x-request-id each get an id of the server's, the client's only echoed as a label", async () => {
    const headers = { "x-request-id": `client-${Date.now()}-abc` };
    const [first, second] = await Promise.all([
      post(`${edge.url}/v1/chat/completions`, chatBody(), headers),
      post(`${edge.url}/v1/chat/completions`, chatBody(), headers),
    ]);
    expect([first.status, second.status]).toEqual([504, 504]);
    const ids = [first, second].map((r) => r.headers.get("x-request-id"));
    expect(ids[0]).toMatch(/^req_[0-9a-f]{32}$/);
    expect(ids[1]).toMatch(/^req_[0-9a-f]{32}$/);
    expect(ids[0]).not.toBe(ids[1]);
    expect([first, second].map((r) => r.headers.get("x-client-request-id"))).toEqual([headers["x-request-id"], headers["x-request-id"]]);
    // Nothing was ever keyed by the client's id.
    expect(await redis.keys(`${edge.prefix}:*${headers["x-request-id"]}*`)).toEqual([]);
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
    // The request's id is the server's (the client never saw it): its cancel is the one marked client_disconnected.
    const cancelledBy = async () => {
      const keys = await redis.keys(cancelledKey(edge.prefix, "*"));
      return Promise.all(keys.map((k) => redis.get(k)));
    };
    await expect.poll(cancelledBy, { timeout: 2_000 }).toContain("client_disconnected");
  });
});
