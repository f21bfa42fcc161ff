import type { Prices } from "@gateway/config";
import type { RelayMessage } from "@gateway/contracts";
import { AppError } from "@gateway/http";
import type { Response } from "express";
import { toAppError } from "../chat/call-worker.ts";
import { replayChatStream, type ChatResumeDeps } from "../resume/chat-resume-route.ts";
import { attachToLog, type EventLog } from "../resume/event-log.ts";
import { withCost } from "../usage/usage-cost.ts";

/** The terminal message of a request, from its event log, once it lands (or undefined at the deadline). */
export async function waitForEnd(
  events: EventLog,
  requestId: string,
  timeoutMs: number,
): Promise<Exclude<RelayMessage, { type: "chunk" }> | undefined> {
  let stop: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise((resolve, reject) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
      attachToLog(events, requestId, "-", ({ message }) => {
        if (message.type !== "chunk") resolve(message);
      }).then((off) => (stop = off), reject);
    });
  } finally {
    clearTimeout(timer);
    stop?.();
  }
}

/**
 * Answers a repeated chat request (same Idempotency-Key, same body) with the first one's
 * outcome: a stream is replayed from its event log, a JSON answer waits for the first request's
 * end. Nothing new is run, so nothing is billed twice.
 */
export async function replayChat(
  deps: Omit<ChatResumeDeps, "authenticate"> & { requestTimeoutMs: number; prices: Prices },
  requestId: string,
  stream: { includeUsage: boolean } | undefined,
  res: Response,
): Promise<void> {
  res.setHeader("idempotent-replayed", "true");
  if (stream) return replayChatStream(deps, requestId, -1, stream.includeUsage, res);
  // Attached while waiting: the first request's client may have left, and its job must not be
  // cancelled at the end of the grace while this one waits for it.
  const detach = await deps.attachments.attach(requestId);
  const end = await waitForEnd(deps.events, requestId, deps.requestTimeoutMs).finally(() => void detach());
  if (!end) throw new AppError("upstream_timeout", "the original request with this Idempotency-Key has not finished");
  if (end.type === "error") throw toAppError(end);
  if (end.type !== "result")
    throw new AppError("internal_error", "the original request with this Idempotency-Key was not a chat completion");
  const usage = withCost(deps.prices, end.response.model, end.response.usage);
  res.setHeader("x-usage-cost", usage.cost);
  res.json({ ...end.response, usage });
}
