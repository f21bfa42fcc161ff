import { afterEach, describe, expect, it } from "vitest";
import { resultOf, startFakeWorker, type FakeWorker } from "./fake-worker.ts";
import { chatBody, post, startTestEdge, type TestEdge } from "./start-test-edge.ts";

let edge: TestEdge | undefined;
let worker: FakeWorker | undefined;
afterEach(async () => {
  await worker?.close();
  worker = edge = undefined;
});

describe("when an edge with a pre-stop delay is told to shut down", () => {
  it("then /readyz turns 503 at once, new requests are still served until the delay ends, and only then is the listener closed", async () => {
    edge = await startTestEdge({ SHUTDOWN_DELAY_MS: "800" });
    worker = await startFakeWorker(edge.prefix, async (job) => [resultOf(job, 1, 1)]);
    expect((await fetch(`${edge.url}/readyz`)).status).toBe(200);

    const startedAt = Date.now();
    const closed = edge.close().then(() => Date.now());
    const ready = await fetch(`${edge.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { error: { message: string } }).error.message).toContain("shutting down");
    // The balancer has not noticed yet: what it still sends here is served in full.
    const served = await post(`${edge.url}/v1/chat/completions`, chatBody());
    expect(served.status).toBe(200);
    expect(Date.now() - startedAt).toBeLessThan(800);

    const closedAt = await closed;
    expect(closedAt - startedAt).toBeGreaterThanOrEqual(800);
    await expect(fetch(`${edge.url}/readyz`)).rejects.toThrow();
  });
});
