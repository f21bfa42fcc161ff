import { eventsKey } from "@gateway/contracts";
import { until } from "@gateway/test-kit/until";
import { Queue } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { signWebhook, webhookKey } from "../src/webhooks/deliver-webhook.ts";
import { useWorkerHarness } from "./worker-harness.ts";

const { setup } = useWorkerHarness();
let queue: Queue | undefined;

// Registered after useWorkerHarness's afterEach, so it runs before it: the queue closes before the harness.
afterEach(async () => {
  await queue?.close();
  queue = undefined;
});

describe("webhooks and event logs", () => {
  it("when a webhook payload is invalid, then the delivery fails after exactly one attempt and counts as poison", async () => {
    const h = await setup(1, {}, { WEBHOOK_SECRET: "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=" });
    queue = new Queue("webhooks", { connection: h.redis, prefix: h.prefix });
    await queue.add("webhooks", { v: 1, id: "x", url: "file:///etc/passwd" }, { jobId: "poison-wh", attempts: 3 });
    await until(async () => (await (await queue!.getJob("poison-wh"))?.getState()) === "failed");
    expect((await queue.getJob("poison-wh"))?.attemptsMade).toBe(1);
    expect(await h.metricValue("gateway_queue_poison_messages_total", { queue: "webhooks" })).toBe(1);
  });

  it("when a job asks for an event log, then every relay message is appended to it in order with the retention as expiry", async () => {
    const h = await setup(1);
    const job = { ...h.job({ stream: true }, { max_tokens: 4 }), events_ttl_s: 120 };
    await h.submit(job);
    const { chunks, final } = await h.finished(job.request_id);
    const entries = await h.redis.xrange(eventsKey(h.prefix, job.request_id), "-", "+");
    expect(entries.map(([, fields]) => JSON.parse(fields[1]!) as { type: string })).toEqual([...chunks, final]);
    const ttl = await h.redis.ttl(eventsKey(h.prefix, job.request_id));
    expect(ttl).toBeGreaterThan(100);
  });

  it("when a job asks for no event log, then nothing is written", async () => {
    const h = await setup(1);
    const job = h.job({ stream: true }, { max_tokens: 2 });
    await h.submit(job);
    await h.finished(job.request_id);
    expect(await h.redis.exists(eventsKey(h.prefix, job.request_id))).toBe(0);
  });
});

describe("signWebhook", () => {
  it("when signed, then it is the Standard Webhooks v1 HMAC of id.timestamp.body with the whsec_ key's bytes", () => {
    const key = webhookKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    // The Standard Webhooks reference example.
    expect(signWebhook(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}')).toBe(
      "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    );
  });
});
