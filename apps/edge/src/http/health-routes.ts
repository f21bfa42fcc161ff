import type { Registry } from "@gateway/observability";
import { Router } from "express";
import type { WorkerPresence } from "../relay/worker-presence.ts";
import { AppError } from "./app-error.ts";

export interface HealthDeps {
  registry: Registry;
  presence: WorkerPresence;
  /** False once shutdown began (before the pre-stop delay): load balancers must stop sending work. */
  isReady: () => boolean;
}

export function healthRoutes({ registry, presence, isReady }: HealthDeps): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    await presence.refresh();
    const checks = { accepting: isReady(), redis: presence.redisReachable, workers: presence.workers };
    if (!checks.accepting || !checks.redis || checks.workers === 0) {
      const why = !checks.accepting ? "shutting down" : !checks.redis ? "Redis is unreachable" : "no worker seen recently";
      throw new AppError("not_ready", `not ready: ${why}`, {
        retryAfter: 5,
        details: [{ path: "checks", message: JSON.stringify(checks) }],
      });
    }
    res.json({ status: "ready", checks });
  });
  router.get("/metrics", async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}
