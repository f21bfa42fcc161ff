import type { Prices } from "@gateway/config";
import type { Response } from "express";
import { cancelAfterGrace } from "../inference/cancel-after-grace.ts";
import { deliveryGuard, RESTARTED_MESSAGE } from "../inference/delivery-guard.ts";
import { chatAnswer } from "../inference/terminal.ts";
import type { RelayHub } from "../relay/relay-hub.ts";
import type { EdgeMetrics } from "../metrics.ts";
import type { DeliveryLog } from "../usage/delivery-log.ts";
import { boundedSse } from "../sse/bounded-sse.ts";
import { ChatEventWriter } from "../sse/chat-event-writer.ts";
import { openSse } from "../sse/open-sse.ts";
import { attachToLog, type EventLog, type LoggedEvent } from "./event-log.ts";
import type { StreamResumeDeps } from "./stream-attachments.ts";

export interface ReplayDeps extends StreamResumeDeps {
  events: EventLog;
  deliveries: DeliveryLog;
  metrics: EdgeMetrics;
  hub: RelayHub;
  prices: Prices;
}

/**
 * Writes a chat stream from its event log: events numbered after `after` only, then live until
 * its end, numbered exactly as the original stream numbered them. Leaving starts the resume
 * grace, after which the job is cancelled unless another client is attached.
 */
export async function replayChatStream(deps: ReplayDeps, id: string, after: number, includeUsage: boolean, res: Response): Promise<void> {
  const detach = await deps.attachments.attach(id);
  openSse(res, deps.keepAliveMs);
  const out = boundedSse(res, deps.slowClientBufferBytes, () => deps.metrics.slowClients.inc({ transport: "sse" }));
  const events = new ChatEventWriter(out, includeUsage, after);
  const guard = deliveryGuard();
  let finished = false;
  const left = new AbortController();
  res.once("close", () => left.abort());
  const onEvent = ({ message }: LoggedEvent) => {
    if (finished) return;
    if (message.type === "chunk") {
      const verdict = guard(message);
      if (verdict === "deliver") events.chunk(message);
      else {
        finished = true;
        events.fail("upstream_error", RESTARTED_MESSAGE, id);
      }
      return;
    }
    finished = true;
    if (message.type === "error") events.fail(message.code, message.message, id);
    else {
      events.succeed(message.type === "result" ? chatAnswer(deps.prices, message) : undefined);
      deps.deliveries.delivered(id);
    }
  };
  const stop = await attachToLog(deps.events, id, "-", onEvent, left.signal);
  const gone = () => {
    stop();
    void detach().then(() => {
      // Like the original stream: a reader that leaves gets the grace before the job is cancelled.
      if (!finished)
        cancelAfterGrace(
          deps.resumeGraceMs,
          () => deps.attachments.isAttached(id),
          () => void deps.hub.cancel(id, "client_disconnected").catch(() => undefined),
        );
    });
  };
  if (res.closed) gone();
  else res.once("close", gone);
}
