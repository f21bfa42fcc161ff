import { AppError } from "@gateway/http";
import type { RequestHandler } from "express";

/**
 * After SIGTERM the listener is closed, but a client may still send a new request on a keep-alive
 * connection it already had: that request gets 503 (retryable, with Retry-After) and the
 * connection is closed, so the client's retry goes to another replica. In-flight requests finish.
 */
export function refuseWhileDraining(isAccepting: () => boolean): RequestHandler {
  return (_req, res, next) => {
    if (isAccepting()) return next();
    res.setHeader("connection", "close");
    throw new AppError("not_ready", "this gateway replica is shutting down; retry", { retryAfter: 1 });
  };
}
