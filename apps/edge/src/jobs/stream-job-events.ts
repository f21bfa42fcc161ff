import type { JobRecord } from "@gateway/contracts";
import type { Response } from "express";
import { attachToLog, type EventLog, type LoggedEvent } from "../resume/event-log.ts";
import type { EdgeMetrics } from "../metrics.ts";
import { boundedSse } from "../sse/bounded-sse.ts";
import { openSse } from "../sse/open-sse.ts";
import type { DeliveryLog } from "../usage/delivery-log.ts";
import { noteDelivered, viewJob, type JobViewDeps } from "./job-view.ts";

export interface JobEventsDeps extends JobViewDeps {
  events: EventLog;
  keepAliveMs: number;
  slowClientBufferBytes: number;
  metrics: EdgeMetrics;
  deliveries: DeliveryLog;
}

/**
 * `/v1/jobs/{id}/events`: the job's log from the start (or after `afterId`), then live, then one
 * final event named after the status, carrying the job. Each SSE id is the log entry's id, so a
 * reconnect with Last-Event-ID continues exactly where the client stopped.
 */
export async function streamJobEvents(deps: JobEventsDeps, record: JobRecord, afterId: string | undefined, res: Response): Promise<void> {
  openSse(res, deps.keepAliveMs);
  const out = boundedSse(res, deps.slowClientBufferBytes, () => deps.metrics.slowClients.inc({ transport: "sse" }));
  let ended = false;
  const left = new AbortController();
  res.once("close", () => {
    ended = true;
    left.abort();
  });
  // The final event needs an async read of the job; it is the log's last entry, so it still comes last.
  let final: Promise<void> = Promise.resolve();
  const onEvent = ({ id, message }: LoggedEvent) => {
    if (ended) return;
    if (message.type === "chunk") {
      out.write(`id: ${id}\nevent: chunk\ndata: ${JSON.stringify(message.chunk)}\n\n`);
      return;
    }
    ended = true;
    final = viewJob(deps, record).then((job) => {
      out.write(`id: ${id}\nevent: ${job.status}\ndata: ${JSON.stringify(job)}\n\n`);
      out.end();
      // Not when the client left while the job was read: the event went nowhere.
      if (!left.signal.aborted) noteDelivered(deps.deliveries, job);
    });
  };
  const stop = await attachToLog(deps.events, record.id, afterId ?? "-", onEvent, left.signal);
  // Ending the response (final event or client gone) closes it, and closing stops following.
  if (res.closed) stop();
  else res.once("close", stop);
  await final;
}
