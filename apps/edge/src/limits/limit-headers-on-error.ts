import { AppError } from "@gateway/http";
import type { ErrorRequestHandler } from "express";
import type { Admission } from "./admission.ts";

/**
 * For a known caller's request that failed before admission (validation, tier, policy), adds the
 * rate limit headers admission would have set, then hands the error on: every response to an
 * authenticated call carries them. Costs a read-only Redis round trip, on error paths only.
 */
export function limitHeadersOnError(admission: Admission): ErrorRequestHandler {
  return async (err, _req, res, next) => {
    const caller = res.locals.caller;
    // A refusal by admission itself carries the headers it computed (the error handler sets them).
    const carried = err instanceof AppError && err.extra.headers?.["x-ratelimit-limit-requests"] !== undefined;
    // Redis is what did not answer: asking it again would only hold the error back.
    const redisDown = err instanceof AppError && err.code === "queue_unavailable";
    if (caller && !carried && !redisDown && !res.headersSent && !res.hasHeader("x-ratelimit-limit-requests")) {
      const headers = await admission.peekHeaders(caller).catch(() => ({}));
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    }
    next(err);
  };
}
