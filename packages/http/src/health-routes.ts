import type { FieldIssue } from "@gateway/contracts";
import type { Registry } from "@gateway/observability";
import { Router } from "express";
import { AppError } from "./app-error.ts";
import { withTimeout } from "./with-timeout.ts";

/** Rejects when its dependency is unusable; /readyz reports what it resolves to ("ok" for nothing). */
export type ReadinessCheck = () => Promise<unknown>;

export interface HealthOptions {
  registry: Registry;
  /** Named checks, all run on each /readyz; the names are the keys of its `checks`. */
  checks: Record<string, ReadinessCheck>;
  /**
   * Checks of dependencies the service works without (the edge's database: inference goes on):
   * one that fails makes /readyz say `degraded` (still 200, so balancers keep routing), naming it.
   */
  degradedBy?: Record<string, ReadinessCheck>;
  /** False once shutdown has begun: /readyz answers 503 without asking the checks. */
  accepting?: () => boolean;
  checkTimeoutMs?: number;
  /** Retry-After on a 503, in seconds; none when absent. */
  retryAfterS?: number;
  /** Serve /metrics here (default); false where it belongs on another listener. */
  metrics?: boolean;
}

const messageOf = (reason: unknown) => (reason instanceof Error ? reason.message : String(reason));

/** `/healthz` (liveness), `/readyz` (readiness) and `/metrics` (the process's Prometheus registry). */
export function healthRoutes({
  registry,
  checks,
  accepting = () => true,
  checkTimeoutMs = 2_000,
  retryAfterS,
  metrics = true,
  degradedBy = {},
}: HealthOptions): Router {
  const notReady = (message: string, details: FieldIssue[] | null = null) =>
    new AppError("not_ready", message, { details, ...(retryAfterS !== undefined && { retryAfter: retryAfterS }) });
  const router = Router();
  // Liveness says only that the process serves HTTP: a database outage must not get it restarted.
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  router.get("/readyz", async (_req, res) => {
    if (!accepting()) throw notReady("not ready: shutting down");
    const names = Object.keys(checks);
    const optional = Object.keys(degradedBy);
    // A blocking Redis connection waits forever during an outage; the timeout turns that into a 503.
    const [results, optionalResults] = await Promise.all([
      Promise.allSettled(names.map((n) => withTimeout(checks[n]!, checkTimeoutMs))),
      Promise.allSettled(optional.map((n) => withTimeout(degradedBy[n]!, checkTimeoutMs))),
    ]);
    const failures = names.flatMap((path, i) => {
      const result = results[i]!;
      return result.status === "rejected" ? [{ path, message: messageOf(result.reason) }] : [];
    });
    if (failures.length > 0) throw notReady(`not ready: ${failures.map((f) => `${f.path}: ${f.message}`).join("; ")}`, failures);
    const report = names.map((n, i) => {
      const result = results[i] as PromiseFulfilledResult<unknown>;
      return [n, result.value ?? "ok"];
    });
    const degraded = optional.flatMap((path, i) => {
      const result = optionalResults[i]!;
      return result.status === "rejected" ? [{ path, message: messageOf(result.reason) }] : [];
    });
    for (const [i, n] of optional.entries()) {
      const result = optionalResults[i]!;
      report.push([n, result.status === "fulfilled" ? (result.value ?? "ok") : "unreachable"]);
    }
    res.json({
      status: degraded.length > 0 ? "degraded" : "ready",
      checks: Object.fromEntries(report),
      ...(degraded.length > 0 && { degraded }),
    });
  });
  if (metrics) {
    router.get("/metrics", async (_req, res) => {
      res.type(registry.contentType).send(await registry.metrics());
    });
  }
  return router;
}
