import type { Prices } from "@gateway/config";
import type { Response } from "express";
import { sendChatAnswer } from "../chat/respond-json.ts";
import { AppError } from "@gateway/http";
import { chatAnswer } from "../inference/terminal.ts";
import { admitReader } from "../limits/admit-reader.ts";
import type { Admission } from "../limits/admission.ts";
import { waitForEnd } from "../inference/wait-for-end.ts";
import { replayChatStream, type ReplayDeps } from "../resume/replay-chat-stream.ts";

/**
 * Answers a repeated chat request (same Idempotency-Key, same body) with the first one's
 * outcome: a stream is replayed from its event log, a JSON answer waits for the first request's
 * end. Nothing new is run, so nothing is billed twice.
 */
export async function replayChat(
  deps: ReplayDeps & { requestTimeoutMs: number; prices: Prices; admission: Admission },
  requestId: string,
  stream: { includeUsage: boolean } | undefined,
  res: Response,
): Promise<void> {
  res.setHeader("idempotent-replayed", "true");
  await admitReader(deps.admission, res);
  if (stream) return replayChatStream(deps, requestId, -1, stream.includeUsage, res);
  // Attached while waiting: the first request's client may have left, and its job must not be
  // cancelled at the end of the grace while this one waits for it.
  const detach = await deps.attachments.attach(requestId);
  const end = await waitForEnd(deps.events, requestId, deps.requestTimeoutMs).finally(() => void detach());
  if (!end) throw new AppError("upstream_timeout", "the original request with this Idempotency-Key has not finished");
  if (end.type === "embeddings")
    throw new AppError("internal_error", "the original request with this Idempotency-Key was not a chat completion");
  sendChatAnswer(res, chatAnswer(deps.prices, end));
}
