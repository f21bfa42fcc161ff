import { createHmac } from "node:crypto";
import { lookup } from "node:dns/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { TEST_REDIS_URL } from "@gateway/test-kit/redis";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, MODEL, startSystem, TENANT, UNLIMITED_TIER, type System } from "./start-system.ts";

const MASTER_KEY = "e2e-webhook-master-key-0123456789abcdef";
const OTHER_TENANT = "tenant-e2e-other";

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

let system: System;
let receiver: Server;
let receiverUrl: string;
const received: Delivery[] = [];
let failNext = 0;
const redis = new Redis(TEST_REDIS_URL);

/** Creates the tenant's webhook secret through the admin API, as an operator would, and returns it. */
async function createWebhookSecret(target: System, tenant: string): Promise<string> {
  const res = await fetch(`${target.edgeUrl}/v1/admin/tenants/${tenant}/webhook-secret`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_KEY}` },
  });
  if (res.status !== 201) throw new Error(`creating a webhook secret failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { secret: string }).secret;
}

/** What a Standard Webhooks receiver does: some `v1,` signature is the HMAC of id.timestamp.body under the secret's bytes. */
function verifies(delivery: Delivery, secret: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const signed = `${String(delivery.headers["webhook-id"])}.${String(delivery.headers["webhook-timestamp"])}.${delivery.body}`;
  const expected = `v1,${createHmac("sha256", key).update(signed).digest("base64")}`;
  return String(delivery.headers["webhook-signature"]).split(" ").includes(expected);
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const status = failNext-- > 0 ? 500 : 204;
      received.push({ headers: req.headers, body, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  // The receiver is on loopback: this deployment's operator allows it, on edges and workers alike.
  const webhooks = { WEBHOOK_MASTER_KEY: MASTER_KEY, EGRESS_ALLOW_CIDRS: "127.0.0.0/8" };
  system = await startSystem({ workerEnv: { ...webhooks, WEBHOOK_RETRY_DELAY_MS: "200" }, edgeEnv: webhooks });
});
afterAll(async () => {
  await system?.stop();
  receiver?.close();
  redis.disconnect();
});

const createJob = (target: System, body: Record<string, unknown>, apiKey = target.apiKey) =>
  fetch(`${target.edgeUrl}/v1/jobs`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
const chatJob = (webhookUrl: string) => ({
  type: "chat.completion",
  request: { model: MODEL, messages: [{ role: "user", content: "hi" }], max_tokens: 5 },
  webhook_url: webhookUrl,
});
const deliveriesOf = (id: string) => received.filter((r) => r.headers["webhook-id"] === id);

describe("when an async job with a webhook_url ends", () => {
  let secret: string;
  beforeAll(async () => {
    secret = await createWebhookSecret(system, TENANT);
  });

  it("then the receiver gets the job signed with the tenant's secret from the admin API, retried with the same webhook-id after it failed once", async () => {
    failNext = 1;
    const res = await createJob(system, chatJob(receiverUrl));
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    await expect.poll(() => deliveriesOf(id).length, { timeout: 15_000 }).toBe(2);
    const [first, second] = deliveriesOf(id) as [Delivery, Delivery];
    expect(first.status).toBe(500);
    expect(second.status).toBe(204);
    for (const delivery of [first, second]) {
      expect(verifies(delivery, secret)).toBe(true);
      // No rotation yet: one signature.
      expect(String(delivery.headers["webhook-signature"]).split(" ")).toHaveLength(1);
      expect(Math.abs(Date.now() / 1000 - Number(delivery.headers["webhook-timestamp"]))).toBeLessThan(60);
    }
    const job = JSON.parse(second.body) as {
      id: string;
      status: string;
      usage: { completion_tokens: number };
      result: { choices: unknown[] };
    };
    expect(job).toMatchObject({ id, status: "succeeded", usage: { completion_tokens: 5 } });
    expect(job.result.choices).toHaveLength(1);
  });

  it("then another tenant's receiver cannot verify it: each tenant's deliveries are signed with its own secret", async () => {
    const otherKey = await system.createKey({ tenant_id: OTHER_TENANT, tier: UNLIMITED_TIER });
    const otherSecret = await createWebhookSecret(system, OTHER_TENANT);
    expect(otherSecret).not.toBe(secret);
    const ids = [];
    for (const apiKey of [system.apiKey, otherKey.secret]) {
      const res = await createJob(system, chatJob(receiverUrl), apiKey);
      expect(res.status).toBe(202);
      ids.push(((await res.json()) as { id: string }).id);
    }
    const [mine, theirs] = ids as [string, string];
    await expect.poll(() => deliveriesOf(mine).length + deliveriesOf(theirs).length, { timeout: 15_000 }).toBe(2);
    const [delivery, otherDelivery] = [deliveriesOf(mine)[0]!, deliveriesOf(theirs)[0]!];
    expect(verifies(delivery, secret)).toBe(true);
    expect(verifies(delivery, otherSecret)).toBe(false);
    expect(verifies(otherDelivery, otherSecret)).toBe(true);
    expect(verifies(otherDelivery, secret)).toBe(false);
  });

  it("then a webhook_url that is not http(s), or that points at a forbidden address, is refused with 400 and nothing runs", async () => {
    for (const url of ["file:///etc/passwd", "http://169.254.169.254/latest/meta-data"]) {
      const res = await createJob(system, chatJob(url));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { param: string } }).error.param).toBe("webhook_url");
    }
  });
});

describe("when a webhook_url names this machine (a name, so accepted at submit) on a deployment that allows no private range", () => {
  let strict: System;
  beforeAll(async () => {
    const webhooks = { WEBHOOK_MASTER_KEY: MASTER_KEY, WEBHOOK_RETRY_DELAY_MS: "100" };
    strict = await startSystem({ workerEnv: webhooks, edgeEnv: { WEBHOOK_MASTER_KEY: MASTER_KEY } });
    await createWebhookSecret(strict, TENANT);
  });
  afterAll(() => strict?.stop());

  it("then billing's internal API behind it is never called: the delivery fails at once, not retried, counted as forbidden", async () => {
    // Meaningful only where this machine's name resolves to loopback (/etc/hosts): fail loudly otherwise.
    const addresses = await lookup(hostname(), { all: true });
    expect(addresses.length).toBeGreaterThan(0);
    for (const { address } of addresses) expect(address).toMatch(/^(127\.|::1$|::ffff:127\.)/);
    const billingPort = new URL(strict.serviceUrls.billing).port;
    const res = await createJob(strict, chatJob(`http://${hostname()}:${billingPort}/internal/v1/usage/keys`));
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };

    const delivery = `${strict.prefix}:webhooks:wh-${id}`;
    await expect.poll(() => redis.zscore(`${strict.prefix}:webhooks:failed`, `wh-${id}`), { timeout: 15_000 }).not.toBeNull();
    // BullMQ's job hash: `atm` is the attempts made.
    const [attemptsMade, failedReason] = await redis.hmget(delivery, "atm", "failedReason");
    expect(attemptsMade).toBe("1");
    expect(failedReason).toMatch(/refusing to connect to '.*': it is a loopback address/);
    // Retries would come every ~100 ms: none does.
    await new Promise((r) => setTimeout(r, 500));
    expect(await redis.hget(delivery, "atm")).toBe("1");
    const metrics = await (await fetch(`${strict.serviceUrls.workers[0]}/metrics`)).text();
    expect(metrics).toMatch(/^gateway_webhook_deliveries_total\{[^}]*outcome="forbidden"[^}]*\} 1$/m);
    expect(metrics).toMatch(/^gateway_webhook_deliveries_total\{[^}]*outcome="delivered"[^}]*\} 0$/m);
  });
});
