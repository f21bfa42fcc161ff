import type { ChatJob } from "@gateway/contracts";
import type { Request, Response } from "express";
import { respondJson } from "../chat/respond-json.ts";
import { respondStream, type StreamDeps } from "../chat/respond-stream.ts";
import type { EventLog } from "../resume/event-log.ts";
import { claimIdempotency, type IdempotencyStore } from "./idempotency-store.ts";
import { replayChat } from "./replay-chat.ts";

export interface IdempotentChatDeps extends StreamDeps {
  idempotency: IdempotencyStore;
  events: EventLog;
  requestTimeoutMs: number;
}

/**
 * A chat completion with an Idempotency-Key. The first request runs with its events logged for
 * the key's lifetime, and a client that drops it gets the resume grace (a retry is expected, not
 * a cancel); a repeat replays that outcome instead of running again. A first request that fails
 * with an error gives the key back, so retrying it runs it again.
 */
export async function idempotentChat(
  deps: IdempotentChatDeps,
  req: Request,
  res: Response,
  job: ChatJob,
  includeUsage: boolean,
  startedAt: bigint,
): Promise<void> {
  const claim = await claimIdempotency(deps.idempotency, req, job.caller.tenant_id, job.request_id);
  if (claim?.repeat) return replayChat(deps, claim.requestId, job.stream ? { includeUsage } : undefined, res);
  const logged: ChatJob = { ...job, events_ttl_s: deps.idempotency.ttlS };
  try {
    if (job.stream) await respondStream(deps, logged, res, { includeUsage, startedAt });
    else
      await respondJson(deps, logged, res, { graceMs: deps.resumeGraceMs, isAttached: () => deps.attachments.isAttached(job.request_id) });
  } catch (err) {
    await claim?.release();
    throw err;
  }
}
