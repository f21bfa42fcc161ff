import type { Prices } from "@gateway/config";
import type { ChatCompletionChunk } from "@gateway/contracts";
import { AppError, errorEnvelope } from "@gateway/http";
import { Router, type RequestHandler, type Response } from "express";
import type { RelayHub } from "../relay/relay-hub.ts";
import { withCost } from "../usage/usage-cost.ts";
import { attachToLog, type EventLog } from "./event-log.ts";
import { lastEventId, openSse } from "./open-sse.ts";
import type { StreamResumeDeps } from "./stream-attachments.ts";

export interface ChatResumeDeps extends StreamResumeDeps {
  authenticate: RequestHandler;
  events: EventLog;
  hub: RelayHub;
  prices: Prices;
}

/**
 * `GET /v1/chat/completions/{id}/stream` (the `x-resume-url` of a stream): the stream's events
 * after Last-Event-ID, then the rest live, numbered exactly as the original stream numbered them
 * (a chunk's id is its seq; the usage chunk and `[DONE]` follow), so a client simply continues.
 */
export function chatResumeRoute(deps: ChatResumeDeps): Router {
  const router = Router();
  router.get("/v1/chat/completions/:id/stream", deps.authenticate, async (req, res) => {
    const id = req.params.id as string;
    if ((await deps.attachments.owner(id)) !== res.locals.caller.tenant_id) {
      throw new AppError("not_found", `no resumable stream '${id}': it never existed or is older than ${deps.attachments.retentionS} s`);
    }
    const after = Number(lastEventId(req.get("last-event-id"), req.query.last_event_id) ?? -1);
    await replayChatStream(deps, id, after, req.query.include_usage === "true", res);
  });
  return router;
}

/**
 * Writes a chat stream from its event log: events numbered after `after` only, then live until
 * its end. Leaving starts the resume grace, after which the job is cancelled unless another
 * client is attached.
 */
export async function replayChatStream(
  deps: Omit<ChatResumeDeps, "authenticate">,
  id: string,
  after: number,
  includeUsage: boolean,
  res: Response,
): Promise<void> {
  const detach = await deps.attachments.attach(id);
  openSse(res, deps.keepAliveMs);
  let finished = false;
  let nextId = 0;
  let attempt: number | undefined;
  const send = (data: string) => {
    if (nextId > after) res.write(`id: ${nextId}\ndata: ${data}\n\n`);
    nextId++;
  };
  const close = (data?: string) => {
    finished = true;
    if (data) send(data);
    send("[DONE]");
    res.end();
  };
  const stop = await attachToLog(deps.events, id, "-", ({ message }) => {
    if (finished) return;
    if (message.type === "chunk") {
      // Another delivery (its worker died) restarts at seq 0: its text cannot be spliced in.
      if (attempt !== undefined && (message.attempt ?? 1) !== attempt) {
        close(
          JSON.stringify(
            errorEnvelope(
              "upstream_error",
              "the worker serving this stream failed after sending part of the answer; the partial answer cannot be resumed",
              id,
            ),
          ),
        );
        return;
      }
      attempt = message.attempt ?? 1;
      nextId = message.seq;
      send(JSON.stringify(message.chunk));
    } else if (message.type === "error") close(JSON.stringify(errorEnvelope(message.code, message.message, id)));
    else if (message.type === "result") {
      const { id: completionId, created, model } = message.response;
      const usage = withCost(deps.prices, model, message.response.usage);
      const chunk: ChatCompletionChunk = { id: completionId, object: "chat.completion.chunk", created, model, choices: [], usage };
      close(includeUsage ? JSON.stringify(chunk) : undefined);
    } else close();
  });
  const gone = () => {
    stop();
    void detach().then(() => {
      if (finished) return;
      // Like the original stream: a reader that leaves gets the grace before the job is cancelled.
      const timer = setTimeout(() => {
        deps.attachments
          .isAttached(id)
          .then((attached) => (attached ? undefined : deps.hub.cancel(id, "client_disconnected")))
          .catch(() => undefined);
      }, deps.resumeGraceMs);
      timer.unref();
    });
  };
  if (res.closed) gone();
  else res.once("close", gone);
}
