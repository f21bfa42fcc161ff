import { AppError } from "@gateway/http";
import type { Request, Response } from "express";

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

/**
 * The client's resume point: the Last-Event-ID header, or `last_event_id` in the query for
 * clients that cannot set headers. One that is not an event id of this stream (`format`) is a
 * 400, never a read of the log at a position nobody wrote.
 */
export function lastEventId(req: Request, format: RegExp): string | undefined {
  const header = req.get("last-event-id")?.trim();
  const query = typeof req.query.last_event_id === "string" ? req.query.last_event_id : undefined;
  const value = header || query || undefined;
  if (value === undefined) return undefined;
  if (value.length > 64 || !format.test(value)) {
    throw new AppError("invalid_request", `Last-Event-ID '${value.slice(0, 64)}' is not an event id of this stream`, {
      param: "Last-Event-ID",
    });
  }
  return value;
}
