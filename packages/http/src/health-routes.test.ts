import { ErrorEnvelope } from "@gateway/contracts";
import { createLogger, createRegistry, prom } from "@gateway/observability";
import express from "express";
import { afterEach, describe, expect, it } from "vitest";
import { errorHandler } from "./error-handler.ts";
import { healthRoutes, type HealthOptions } from "./health-routes.ts";
import { requestId } from "./request-id.ts";
import { serve } from "./test/serve.ts";

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function start(options: Omit<HealthOptions, "registry">) {
  const registry = createRegistry("test");
  new prom.Counter({ name: "test_things_total", help: "things", registers: [registry] }).inc();
  const app = express();
  app.use(requestId());
  app.use(healthRoutes({ registry, ...options }));
  app.use(errorHandler(createLogger({ service: "test", level: "silent", sync: true })));
  const served = await serve(app);
  close = served.close;
  return served.url;
}

const never = () => new Promise<never>(() => {});

describe("healthRoutes", () => {
  it("when every check answers, then /readyz is 200 with what each reported ('ok' for nothing)", async () => {
    const url = await start({ checks: { postgres: async () => undefined, workers: async () => 2 } });
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ready", checks: { postgres: "ok", workers: 2 } });
  });

  it("when checks fail or hang, then /readyz is 503 not_ready naming each within the timeout, with Retry-After if asked", async () => {
    const url = await start({
      checks: { postgres: async () => undefined, redis: never, workers: () => Promise.reject(new Error("no worker seen recently")) },
      checkTimeoutMs: 50,
      retryAfterS: 5,
    });
    const started = Date.now();
    const res = await fetch(`${url}/readyz`);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    const { error } = ErrorEnvelope.parse(await res.json());
    expect(error.code).toBe("not_ready");
    expect(error.message).toBe("not ready: redis: no answer within 50 ms; workers: no worker seen recently");
    expect(error.details).toEqual([
      { path: "redis", message: "no answer within 50 ms" },
      { path: "workers", message: "no worker seen recently" },
    ]);
  });

  it("when shutdown has begun, then /readyz is 503 without asking the checks, and /healthz stays 200", async () => {
    let asked = false;
    const url = await start({ accepting: () => false, checks: { redis: async () => void (asked = true) } });
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBeNull();
    expect(ErrorEnvelope.parse(await res.json()).error.message).toContain("shutting down");
    expect(asked).toBe(false);
    const live = await fetch(`${url}/healthz`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: "ok" });
  });

  it("when liveness is asked while every check hangs, then it answers at once", async () => {
    const url = await start({ checks: { redis: never } });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
  });

  it("when Prometheus scrapes, then /metrics is the registry in its text format", async () => {
    const url = await start({ checks: {} });
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(await res.text()).toContain('test_things_total{service="test"} 1');
  });
});
