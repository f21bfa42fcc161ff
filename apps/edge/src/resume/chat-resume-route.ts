import { pathId } from "../http/parse-input.ts";
import { Router, type Request, type RequestHandler, type Response } from "express";
import { AppError } from "@gateway/http";
import { admitReader } from "../limits/admit-reader.ts";
import type { Admission } from "../limits/admission.ts";
import { lastEventId } from "../sse/open-sse.ts";
import { answerFromLog, type AnswerFromLogDeps } from "./answer-from-log.ts";
import { replayChatStream } from "./replay-chat-stream.ts";

export interface ChatResumeDeps extends AnswerFromLogDeps {
  authenticate: RequestHandler;
  admission: Admission;
}

/** A live stream's events are numbered 0, 1, 2, … (a chunk's id is its seq). */
const EVENT_NUMBER = /^(0|[1-9]\d{0,8})$/;

/**
 * `GET /v1/chat/completions/{id}/stream` (the `x-resume-url` of a stream): the stream's events
 * after Last-Event-ID, then the rest live, numbered exactly as the original stream numbered them
 * (a chunk's id is its seq; the usage chunk and `[DONE]` follow), so a client simply continues.
 */
export function chatResumeRoute(deps: ChatResumeDeps): Router {
  const router = Router();
  const ownRequest = async (req: Request, res: Response): Promise<string> => {
    const id = pathId(req);
    if ((await deps.attachments.owner(id)) !== res.locals.caller.tenant_id) {
      throw new AppError("not_found", `no request '${id}': it never existed or is older than ${deps.attachments.retentionS} s`);
    }
    return id;
  };
  // The answer of any chat request, as JSON: a client that lost it (its connection, or the
  // gateway's Redis, went away) gets it here for the retention, once it is done.
  router.get("/v1/chat/completions/:id", deps.authenticate, async (req, res) => {
    const id = await ownRequest(req, res);
    await admitReader(deps.admission, res);
    await answerFromLog(deps, id, res);
  });
  router.get("/v1/chat/completions/:id/stream", deps.authenticate, async (req, res) => {
    const id = await ownRequest(req, res);
    const after = Number(lastEventId(req, EVENT_NUMBER) ?? -1);
    await admitReader(deps.admission, res);
    await replayChatStream(deps, id, after, req.query.include_usage === "true", res);
  });
  return router;
}
