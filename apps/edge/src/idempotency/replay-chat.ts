import type { Response } from "express";
import { admitReader } from "../limits/admit-reader.ts";
import type { Admission } from "../limits/admission.ts";
import { answerFromLog, type AnswerFromLogDeps } from "../resume/answer-from-log.ts";
import { replayChatStream } from "../resume/replay-chat-stream.ts";

/**
 * Answers a repeated chat request (same Idempotency-Key, same body) with the first one's
 * outcome: a stream is replayed from its event log, a JSON answer waits for the first request's
 * end. Nothing new is run, so nothing is billed twice.
 */
export async function replayChat(
  deps: AnswerFromLogDeps & { admission: Admission },
  requestId: string,
  stream: { includeUsage: boolean } | undefined,
  res: Response,
): Promise<void> {
  res.setHeader("idempotent-replayed", "true");
  await admitReader(deps.admission, res);
  if (stream) return replayChatStream(deps, requestId, -1, stream.includeUsage, res);
  await answerFromLog(deps, requestId, res);
}
