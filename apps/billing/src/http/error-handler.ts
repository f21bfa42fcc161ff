import { ERROR_CODES, type ErrorCode, type ErrorEnvelope, type FieldIssue } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import type { ErrorRequestHandler, RequestHandler } from "express";
import { ZodError } from "zod";
import { AppError } from "./app-error.ts";

export const notFound: RequestHandler = (req) => {
  throw new AppError("not_found", `no route for ${req.method} ${req.path}`);
};

function envelope(
  code: ErrorCode,
  message: string,
  requestId: string | null,
  param: string | null,
  details: FieldIssue[] | null,
): ErrorEnvelope {
  return { error: { code, message, type: ERROR_CODES[code].type, param, details, request_id: requestId } };
}

/** The one place errors become responses: known errors map to their code, anything else is a 500 without internals. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    // Mid-response there is no envelope to send: Express's default handler closes the socket.
    if (res.headersSent) return next(err);
    const requestId = typeof res.locals.requestId === "string" ? res.locals.requestId : null;
    let body: ErrorEnvelope;
    if (err instanceof AppError) {
      body = envelope(err.code, err.message, requestId, err.options.param ?? null, err.options.details ?? null);
    } else if (err instanceof ZodError) {
      const details = err.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
      const message = details.map((d) => `${d.path || "query"}: ${d.message}`).join("; ");
      body = envelope("invalid_request", message, requestId, details[0]?.path || null, details);
    } else {
      logger.error({ err, request_id: requestId }, "unhandled error");
      body = envelope("internal_error", "internal error", requestId, null, null);
    }
    res.status(ERROR_CODES[body.error.code].status).json(body);
  };
}
