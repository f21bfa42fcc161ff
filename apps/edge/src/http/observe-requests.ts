import type { Logger } from "@gateway/observability";
import type { RequestHandler } from "express";
import type { EdgeMetrics } from "../metrics.ts";

/** Probes and scrapes arrive every few seconds from machines: their lines would drown the rest. */
const QUIET_ROUTES = new Set(["/healthz", "/readyz", "/metrics"]);

/**
 * Counts and times every response by route pattern (never the raw path: labels stay bounded).
 * A request a worker answered also gets its overhead: the edge's time minus the backend's. One
 * access log line per request (asynchronous, like every log line): who, what, how it ended.
 */
export function observeRequests(metrics: EdgeMetrics, logger?: Logger): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.once("close", () => {
      const route = (req.route?.path as string | undefined) ?? "unmatched";
      const labels = { route, method: req.method, status_class: res.headersSent ? `${Math.floor(res.statusCode / 100)}xx` : "aborted" };
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      metrics.requests.inc(labels);
      metrics.duration.observe(labels, seconds);
      const backendMs = res.locals.backendMs;
      if (backendMs !== undefined) metrics.overhead.observe({ route }, Math.max(0, seconds - backendMs / 1000));
      if (!logger) return;
      const level = QUIET_ROUTES.has(route) ? "debug" : "info";
      if (!logger.isLevelEnabled(level)) return;
      const caller = res.locals.caller;
      logger[level](
        {
          request_id: res.locals.requestId,
          ...(res.locals.clientRequestId !== undefined && { client_request_id: res.locals.clientRequestId }),
          method: req.method,
          route,
          status: res.headersSent ? res.statusCode : null,
          ms: Math.round(seconds * 10_000) / 10,
          ...(caller ? { tenant_id: caller.tenant_id, key_id: caller.key_id, tier: caller.tier } : {}),
          ...(backendMs !== undefined ? { backend_ms: backendMs } : {}),
        },
        "request",
      );
    });
    next();
  };
}
