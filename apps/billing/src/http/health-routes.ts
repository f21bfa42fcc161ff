import type { Registry } from "@gateway/observability";
import { Router } from "express";
import { AppError } from "./app-error.ts";

export interface HealthDeps {
  registry: Registry;
  /** False once shutdown has begun, so load balancers stop sending traffic before we close. */
  accepting: () => boolean;
  /** Named dependency checks; each rejects when its dependency is unusable. */
  checks: Record<string, () => Promise<unknown>>;
  checkTimeoutMs?: number;
}

function withTimeout(check: () => Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([check(), timeout]).finally(() => clearTimeout(timer));
}

export function healthRoutes({ registry, accepting, checks, checkTimeoutMs = 2_000 }: HealthDeps): Router {
  const router = Router();
  // Liveness says only that the process serves HTTP: a database outage must not get it restarted.
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    if (!accepting()) throw new AppError("not_ready", "shutting down");
    const names = Object.keys(checks);
    // A blocking Redis connection waits forever during an outage; the timeout turns that into a 503.
    const results = await Promise.allSettled(names.map((n) => withTimeout(checks[n]!, checkTimeoutMs)));
    const failures = names.flatMap((path, i) => {
      const result = results[i]!;
      if (result.status === "fulfilled") return [];
      return [{ path, message: result.reason instanceof Error ? result.reason.message : String(result.reason) }];
    });
    if (failures.length > 0) {
      throw new AppError("not_ready", `not ready: ${failures.map((f) => f.path).join(", ")}`, { details: failures });
    }
    res.json({ status: "ready", checks: Object.fromEntries(names.map((n) => [n, "ok"])) });
  });
  router.get("/metrics", async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}
