import type { Response } from "express";

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  // Tells nginx-style proxies not to buffer the stream.
  "x-accel-buffering": "no",
};

/**
 * Sends the SSE headers and a comment every `keepAliveMs` until the response ends: proxies cut
 * connections that stay silent while a job waits in the queue.
 */
export function openSse(res: Response, keepAliveMs: number): void {
  res.writeHead(200, SSE_HEADERS);
  res.flushHeaders();
  keepAlive(res, keepAliveMs);
}

/** Keep-alive comments on an already open stream, stopped when it ends or closes. */
export function keepAlive(res: Response, keepAliveMs: number): void {
  const timer = setInterval(() => {
    if (!res.writableEnded) res.write(": keep-alive\n\n");
  }, keepAliveMs);
  timer.unref();
  res.once("close", () => clearInterval(timer));
  res.once("finish", () => clearInterval(timer));
}

/** The client's resume point: the Last-Event-ID header, or `last_event_id` in the query for clients that cannot set headers. */
export function lastEventId(header: string | undefined, query: unknown): string | undefined {
  const fromQuery = typeof query === "string" && query.length > 0 ? query : undefined;
  const value = header?.trim() || fromQuery;
  return value && value.length <= 64 ? value : undefined;
}
