import type { Response } from "express";
import { AppError } from "@gateway/http";
import type { InferenceDeps } from "./inference-deps.ts";
import type { InferenceTransport } from "./run-inference.ts";

export interface HttpInferenceDeps extends InferenceDeps {
  /** Claims a client-supplied request id for a day; false if it was already used. */
  claimRequestId: (requestId: string) => Promise<boolean>;
}

export type HttpTransportOptions = Pick<InferenceTransport, "onChunk" | "resume">;

/**
 * An HTTP response as the inference core's transport: the response closing is the client
 * leaving, admission's headers become response headers, the backend time goes to the access
 * log and the overhead metric.
 */
export function httpTransport(
  res: Response,
  claimRequestId: (requestId: string) => Promise<boolean>,
  options: HttpTransportOptions = {},
): InferenceTransport {
  const left = new AbortController();
  if (res.closed) left.abort();
  else res.once("close", () => left.abort());
  return {
    signal: left.signal,
    setHeaders: (headers) => {
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    },
    onLastWord: (message) => (res.locals.backendMs = message.backend_ms),
    beforeTicket: async () => {
      if (res.locals.requestIdFromClient && !(await claimRequestId(res.locals.requestId))) {
        throw new AppError("request_id_conflict", "this x-request-id was already used; send a new one or none");
      }
    },
    ...options,
  };
}
