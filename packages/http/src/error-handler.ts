import type { Logger } from "@gateway/observability";
import type { ErrorRequestHandler } from "express";
import { AppError } from "./app-error.ts";
import { errorEnvelope } from "./error-envelope.ts";
import { toAppError } from "./to-app-error.ts";

export interface ErrorHooks {
  /** Sees every error answered with the envelope (the edge counts its refusals here). */
  onError?: (error: AppError) => void;
  /** What an error of a dependency means to a client (a database outage is a 503, not a bug); undefined: a 500. */
  classify?: (err: unknown) => AppError | undefined;
}

/**
 * The one place errors become responses: the envelope, the status, the request id. Anything that
 * is not a client's mistake is logged and answered as a 500 without internals.
 */
export function errorHandler(logger: Logger, hooks: ErrorHooks = {}): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const requestId = typeof res.locals.requestId === "string" ? res.locals.requestId : null;
    const appError = toAppError(err) ?? hooks.classify?.(err);
    if (!appError) logger.error({ err, request_id: requestId }, "unhandled error");
    // Mid-response there is no envelope to send: end what was sent.
    if (res.headersSent) {
      res.end();
      return;
    }
    const e = appError ?? new AppError("internal_error", "internal error");
    hooks.onError?.(e);
    if (e.extra.retryAfter !== undefined) res.setHeader("retry-after", String(e.extra.retryAfter));
    for (const [name, value] of Object.entries(e.extra.headers ?? {})) res.setHeader(name, value);
    res.status(e.status).json(errorEnvelope(e.code, e.message, requestId, e.extra.param ?? null, e.extra.details ?? null));
  };
}
