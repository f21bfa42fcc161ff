import type { Prices } from "@gateway/config";
import { AppError } from "@gateway/http";
import type { Response } from "express";
import { sendChatAnswer } from "../chat/respond-json.ts";
import { chatAnswer } from "../inference/terminal.ts";
import { waitForEnd } from "../inference/wait-for-end.ts";
import type { ReplayDeps } from "./replay-chat-stream.ts";

export interface AnswerFromLogDeps extends ReplayDeps {
  requestTimeoutMs: number;
  prices: Prices;
}

/**
 * A chat request's JSON answer, from its event log: at once if it has ended, else when it does
 * (up to the request timeout). Attached while waiting: the request's own client may have left,
 * and its job must not be cancelled at the end of the grace while this reader waits for it.
 */
export async function answerFromLog(deps: AnswerFromLogDeps, requestId: string, res: Response): Promise<void> {
  const detach = await deps.attachments.attach(requestId);
  const end = await waitForEnd(deps.events, requestId, deps.requestTimeoutMs).finally(() => void detach());
  if (!end) throw new AppError("upstream_timeout", `request '${requestId}' has not finished`);
  if (end.type === "embeddings") throw new AppError("not_found", `request '${requestId}' is not a chat completion`);
  sendChatAnswer(res, chatAnswer(deps.prices, end));
  deps.deliveries.delivered(requestId);
}
