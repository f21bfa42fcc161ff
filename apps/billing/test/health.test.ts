import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { ErrorEnvelope } from "@gateway/contracts";
import { createLogger } from "@gateway/observability";
import { createRedis } from "@gateway/queue";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../src/app.ts";
import { createReconcileRepository } from "../src/reconcile/reconcile-repository.ts";
import { createUsageRepository } from "../src/usage/usage-repository.ts";
import { startBilling, TOKEN, usageEvent, type Harness } from "./billing-harness.ts";

let h: Harness;
beforeEach(async () => {
  h = await startBilling();
});
afterEach(async () => {
  await h.close();
});

describe("health and metrics", () => {
  it("when Postgres and Redis answer, then /healthz and /readyz are 200", async () => {
    expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${h.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", checks: { postgres: "ok", redis: "ok" } });
  });

  it("when shutdown has begun, then /readyz is 503 not_ready while /healthz stays 200", async () => {
    h.billing.stopAccepting();
    const ready = await fetch(`${h.baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(ErrorEnvelope.parse(await ready.json()).error.code).toBe("not_ready");
    expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200);
  });

  it("when Redis is unreachable, then /readyz answers 503 within the check timeout instead of hanging", async () => {
    // Nothing listens on port 1; a BullMQ-style client would wait for it forever.
    const dead = createRedis("redis://127.0.0.1:1", "blocking", { lazyConnect: true, retryStrategy: () => 50 });
    dead.on("error", () => {}); // ECONNREFUSED on every retry is the point of this test
    const app = createApp({
      repository: createUsageRepository(h.prisma, h.pool),
      reconcile: createReconcileRepository(h.prisma),
      registry: h.registry,
      logger: createLogger({ service: "billing", level: "silent", sync: true }),
      internalToken: TOKEN,
      accepting: () => true,
      checks: { postgres: () => createUsageRepository(h.prisma, h.pool).ping(), redis: () => dead.ping() },
      checkTimeoutMs: 200,
    });
    const server = app.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`);
      expect(res.status).toBe(503);
      const { error } = ErrorEnvelope.parse(await res.json());
      expect(error.details).toEqual([{ path: "redis", message: "no answer within 200 ms" }]);
    } finally {
      server.close();
      dead.disconnect();
    }
  });

  it("when usage was billed, then /metrics exposes the billing series with bounded labels only", async () => {
    const event = usageEvent({ tenant: "tenant-secret" });
    await h.publish(event);
    await expect.poll(() => h.prisma.usageRecord.count(), { timeout: 10_000 }).toBe(1);
    const res = await fetch(`${h.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const name of [
      "gateway_billing_usage_events_total",
      "gateway_billing_tokens_total",
      "gateway_billing_cost_total",
      "gateway_billing_lag_seconds_bucket",
      "gateway_billing_usage_unread",
    ]) {
      expect(text).toContain(name);
    }
    expect(text).not.toContain("tenant-secret");
    expect(text).not.toContain(event.request_id);
  });
});
