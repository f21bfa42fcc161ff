import type { RequestHandler } from "express";
import type { EdgeMetrics } from "../metrics.ts";

/** Counts and times every response by route pattern (never the raw path: labels stay bounded). */
export function observeRequests(metrics: EdgeMetrics): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.once("close", () => {
      const labels = {
        route: (req.route?.path as string | undefined) ?? "unmatched",
        method: req.method,
        status_class: res.headersSent ? `${Math.floor(res.statusCode / 100)}xx` : "aborted",
      };
      metrics.requests.inc(labels);
      metrics.duration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  };
}
