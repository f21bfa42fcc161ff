import type { Response } from "express";
import type { InferenceTransport } from "./run-inference.ts";

export type HttpTransportOptions = Pick<InferenceTransport, "onChunk" | "resume" | "beforeEnqueue">;

/**
 * An HTTP response as the inference core's transport: the response closing is the client
 * leaving, admission's headers become response headers, the backend time goes to the access
 * log and the overhead metric.
 */
export function httpTransport(res: Response, options: HttpTransportOptions = {}): InferenceTransport {
  const left = new AbortController();
  if (res.closed) left.abort();
  // A response that finished has nobody left to tell: aborting it would only build a DOMException per request.
  else res.once("close", () => res.writableFinished || left.abort());
  return {
    signal: left.signal,
    setHeaders: (headers) => {
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    },
    onLastWord: (message) => (res.locals.backendMs = message.backend_ms),
    ...options,
  };
}
