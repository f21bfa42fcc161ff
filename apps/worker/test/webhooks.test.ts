import { once } from "node:events";
import { lookup } from "node:dns/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { deliveriesKey, eventsKey } from "@gateway/contracts";
import { addressRefusal, egressPolicy } from "@gateway/egress";
import { until } from "@gateway/test-kit/until";
import { deriveWebhookSecret, signWebhook, webhookKey } from "@gateway/webhooks";
import { Queue } from "bullmq";
import { afterEach, describe, expect, it } from "vitest";
import { useWorkerHarness, type Harness } from "./worker-harness.ts";

const MASTER_KEY = "worker-test-master-key-0123456789abcdef";
const { setup, sims } = useWorkerHarness();
let queue: Queue | undefined;
let receiver: Server | undefined;

// Registered after useWorkerHarness's afterEach, so it runs before it: the queue closes before the harness.
afterEach(async () => {
  await queue?.close();
  queue = undefined;
  receiver?.closeAllConnections();
  await new Promise((resolve) => (receiver ? receiver.close(resolve) : resolve(undefined)));
  receiver = undefined;
});

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver on 127.0.0.1 that records every request; `/redirect` answers 302 to `/target`. */
async function startReceiver(): Promise<{ port: number; received: Received[] }> {
  const received: Received[] = [];
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body });
      if (req.url === "/redirect") res.writeHead(302, { location: `http://127.0.0.1:${port}/target` }).end();
      else res.writeHead(204).end();
    });
  }).listen(0, "127.0.0.1");
  await once(receiver, "listening");
  const { port } = receiver.address() as AddressInfo;
  return { port, received };
}

const webhooksQueue = (h: Harness) => (queue = new Queue("webhooks", { connection: h.redis, prefix: h.prefix }));

/** Runs a chat job that asks for a webhook and returns its delivery's queue id once the delivery reached `state`. */
async function deliverVia(h: Harness, url: string, versions: number[] | undefined, state: "completed" | "failed" | "delayed") {
  const job = { ...h.job({}, { max_tokens: 2 }), webhook_url: url, ...(versions && { webhook_key_versions: versions }) };
  await h.submit(job);
  await h.finished(job.request_id);
  const q = webhooksQueue(h);
  await until(async () => (await (await q.getJob(`wh-${job.request_id}`))?.getState()) === state);
  return { job, delivery: (await q.getJob(`wh-${job.request_id}`))! };
}

describe("webhook deliveries", () => {
  it("when a webhook payload is invalid, then the delivery fails after exactly one attempt and counts as poison", async () => {
    const h = await setup(1, {}, { WEBHOOK_MASTER_KEY: MASTER_KEY });
    const q = webhooksQueue(h);
    await q.add("webhooks", { v: 1, id: "x", url: "file:///etc/passwd" }, { jobId: "poison-wh", attempts: 3 });
    await until(async () => (await (await q.getJob("poison-wh"))?.getState()) === "failed");
    expect((await q.getJob("poison-wh"))?.attemptsMade).toBe(1);
    expect(await h.metricValue("gateway_queue_poison_messages_total", { queue: "webhooks" })).toBe(1);
  });

  it("when the webhook's host name resolves to a loopback address, then nothing reaches it and the delivery fails once, not retried", async () => {
    // The test means something only if this machine's name resolves to loopback (/etc/hosts): fail loudly otherwise.
    const addresses = await lookup(hostname(), { all: true });
    expect(addresses.length).toBeGreaterThan(0);
    for (const { address } of addresses) expect(addressRefusal(address, egressPolicy())).toBe("loopback");
    const { port, received } = await startReceiver();
    const h = await setup(1, {}, { WEBHOOK_MASTER_KEY: MASTER_KEY, WEBHOOK_RETRY_DELAY_MS: "10" });

    const { delivery } = await deliverVia(h, `http://${hostname()}:${port}/hook`, [1], "failed");
    expect(delivery.attemptsMade).toBe(1);
    expect(delivery.failedReason).toMatch(/loopback/);
    // Retries would have come within ~10 ms each: none came.
    await new Promise((r) => setTimeout(r, 200));
    expect((await webhooksQueue(h).getJob(delivery.id!))?.attemptsMade).toBe(1);
    expect(received).toHaveLength(0);
    expect(await h.metricValue("gateway_webhook_deliveries_total", { outcome: "forbidden" })).toBe(1);
  });

  it("when an allowed receiver answers 302, then the redirect is not followed and the delivery counts as failed", async () => {
    const { port, received } = await startReceiver();
    const h = await setup(1, {}, { WEBHOOK_MASTER_KEY: MASTER_KEY, EGRESS_ALLOW_CIDRS: "127.0.0.0/8", WEBHOOK_RETRY_DELAY_MS: "60000" });

    const { delivery } = await deliverVia(h, `http://127.0.0.1:${port}/redirect`, [1], "delayed");
    expect(delivery.failedReason).toMatch(/answered 302/);
    expect(received.map((r) => r.path)).toEqual(["/redirect"]);
    expect(await h.metricValue("gateway_webhook_deliveries_total", { outcome: "refused" })).toBe(1);
  });

  it("when the tenant's secret is being rotated, then the delivery is signed with both versions and verifies with either secret", async () => {
    const { port, received } = await startReceiver();
    const h = await setup(1, {}, { WEBHOOK_MASTER_KEY: MASTER_KEY, EGRESS_ALLOW_CIDRS: "127.0.0.0/8" });

    const { job } = await deliverVia(h, `http://127.0.0.1:${port}/hook`, [2, 1], "completed");
    expect(received).toHaveLength(1);
    const [{ headers, body }] = received as [Received];
    const timestamp = Number(headers["webhook-timestamp"]);
    const signatures = String(headers["webhook-signature"]).split(" ");
    const [current, previous] = [2, 1].map((v) => deriveWebhookSecret(MASTER_KEY, job.caller.tenant_id, v)) as [string, string];
    // What a receiver does: any signature made with the secret it knows.
    for (const secret of [current, previous])
      expect(signatures).toContain(signWebhook(webhookKey(secret), job.request_id, timestamp, body));
    expect(signatures).toHaveLength(2);
    expect(signatures).not.toContain(
      signWebhook(webhookKey(deriveWebhookSecret(MASTER_KEY, "another-tenant", 2)), job.request_id, timestamp, body),
    );
    expect(JSON.parse(body)).toMatchObject({ id: job.request_id, status: "succeeded" });
  });

  it("when a succeeded job's webhook gets a 2xx, then its delivery is recorded once for billing; a refused one or a failed job's is not", async () => {
    const { port } = await startReceiver();
    const h = await setup(1, {}, { WEBHOOK_MASTER_KEY: MASTER_KEY, EGRESS_ALLOW_CIDRS: "127.0.0.0/8", WEBHOOK_RETRY_DELAY_MS: "60000" });
    const before = Date.now();
    await deliverVia(h, `http://127.0.0.1:${port}/redirect`, [1], "delayed");
    const { job } = await deliverVia(h, `http://127.0.0.1:${port}/hook`, [1], "completed");
    sims[0]!.faults.failNext(100, 500);
    const { job: failed } = await deliverVia(h, `http://127.0.0.1:${port}/hook`, [1], "completed");
    expect(failed.request_id).not.toBe(job.request_id);

    const entries = await h.redis.xrange(deliveriesKey(h.prefix), "-", "+");
    expect(entries.map(([, fields]) => fields.slice(0, 3))).toEqual([["id", job.request_id, "at"]]);
    const at = Number(entries[0]![1][3]);
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
  });

  it("when a delivery names no key versions (queued before per-tenant secrets), then it is not sent and fails once", async () => {
    const { port, received } = await startReceiver();
    const h = await setup(1, {}, { WEBHOOK_MASTER_KEY: MASTER_KEY, EGRESS_ALLOW_CIDRS: "127.0.0.0/8", WEBHOOK_RETRY_DELAY_MS: "10" });

    const { delivery } = await deliverVia(h, `http://127.0.0.1:${port}/hook`, undefined, "failed");
    expect(delivery.attemptsMade).toBe(1);
    expect(delivery.failedReason).toMatch(/no tenant and key versions/);
    expect(received).toHaveLength(0);
    expect(await h.metricValue("gateway_webhook_deliveries_total", { outcome: "unsigned" })).toBe(1);
  });
});

describe("event logs", () => {
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
