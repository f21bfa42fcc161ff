import type { Logger } from "@gateway/observability";
import type { ErrorRequestHandler } from "express";
import type { EdgeMetrics } from "../metrics.ts";
import { AppError } from "./app-error.ts";
import { errorEnvelope } from "./error-envelope.ts";
import { rejectionReasonOf } from "./rejection-reasons.ts";

/** body-parser's error types, mapped to our codes: a client's mistake is never a 500. */
function fromBodyParser(err: { type?: string; status?: number; message: string }): AppError | undefined {
  switch (err.type) {
    case "entity.parse.failed":
      return new AppError("invalid_json", "the request body is not valid JSON");
    case "entity.too.large":
      return new AppError("payload_too_large", "the request body is too large");
    case "encoding.unsupported":
    case "charset.unsupported":
      return new AppError("unsupported_media_type", err.message);
    case "request.aborted":
      return new AppError("client_closed_request", "the client closed the request");
    default:
      return err.status && err.status >= 400 && err.status < 500 ? new AppError("invalid_request", err.message) : undefined;
  }
}

/**
 * The one place errors become responses: the envelope, the status, the request id. Being the one
 * place, it is also where refusals are counted (`gateway_edge_rejections_total{reason}`), so a
 * new check that throws an AppError is counted without touching metrics.
 */
export function errorHandler(logger: Logger, metrics?: Pick<EdgeMetrics, "rejections">): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const requestId = res.locals.requestId ?? null;
    const appError = err instanceof AppError ? err : fromBodyParser(err);
    if (!appError) logger.error({ err, request_id: requestId }, "unhandled error");
    const e = appError ?? new AppError("internal_error", "internal error");
    if (res.headersSent) {
      res.end();
      return;
    }
    const rejection = e.extra.rejection ?? rejectionReasonOf(e.code);
    if (rejection) metrics?.rejections.inc({ reason: rejection });
    if (e.extra.retryAfter !== undefined) res.setHeader("retry-after", String(e.extra.retryAfter));
    for (const [name, value] of Object.entries(e.extra.headers ?? {})) res.setHeader(name, value);
    res.status(e.status).json(errorEnvelope(e.code, e.message, requestId, e.extra.param ?? null, e.extra.details ?? null));
  };
}
