import type { ChatCompletionChunk, ChatJob } from "@gateway/contracts";
import { errorEnvelope } from "@gateway/http";
import type { Response } from "express";
import { keepAlive, SSE_HEADERS } from "../resume/open-sse.ts";
import type { StreamResumeDeps } from "../resume/stream-attachments.ts";
import { withCost } from "../usage/usage-cost.ts";
import { callWorker, toAppError, type CallDeps, type ResumeOnClose } from "./call-worker.ts";
import { tokenTiming } from "./token-timing.ts";

/**
 * Relays a job as OpenAI-style SSE. The status is committed only when the first chunk arrives
 * (or the first keep-alive is due), so a job that fails before producing anything still gets a
 * proper error status; after that, a failure is an error event, never a clean-looking truncated
 * answer. The job's events are also logged, so `x-resume-url` replays them after a disconnect.
 */
export async function respondStream(
  deps: CallDeps & StreamResumeDeps,
  streamJob: ChatJob,
  res: Response,
  includeUsage: boolean,
  startedAt: bigint,
  resume: ResumeOnClose = { graceMs: deps.resumeGraceMs, isAttached: () => deps.attachments.isAttached(streamJob.request_id) },
): Promise<void> {
  const job: ChatJob = { ...streamJob, events_ttl_s: streamJob.events_ttl_s ?? deps.attachments.retentionS };
  deps.attachments.own(job.request_id, job.caller.tenant_id);
  let opened = false;
  let nextId = 0;
  const open = () => {
    opened = true;
    clearTimeout(firstKeepAlive);
    const resumeUrl = `/v1/chat/completions/${job.request_id}/stream${includeUsage ? "?include_usage=true" : ""}`;
    res.writeHead(200, { ...SSE_HEADERS, "x-resume-url": resumeUrl });
    keepAlive(res, deps.keepAliveMs);
    deps.metrics.activeStreams.inc();
  };
  // A job still queued when the first keep-alive is due commits the 200 so proxies see bytes.
  const firstKeepAlive = setTimeout(() => {
    if (opened || res.closed) return;
    open();
    res.write(": keep-alive\n\n");
  }, deps.keepAliveMs);
  firstKeepAlive.unref();

  const send = (data: string) => res.write(`id: ${nextId++}\ndata: ${data}\n\n`);
  // A keep-alive may have opened the stream already: the first token is told by its own clock.
  const tokenWritten = tokenTiming(deps.metrics, job.model, startedAt);

  try {
    const end = await callWorker(
      deps,
      job,
      res,
      (message) => {
        if (!opened) open();
        tokenWritten();
        nextId = message.seq;
        send(JSON.stringify(message.chunk));
      },
      resume,
    );
    if (!end) return;
    if (end.type === "error") {
      if (!opened) throw toAppError(end);
      send(JSON.stringify(errorEnvelope(end.code, end.message, job.request_id)));
    } else {
      if (!opened) open();
      if (includeUsage) {
        const { id, created, model } = end.response;
        // The cost is known only now, after the headers went out: it rides in the usage chunk
        // (the SDKs keep the extra field), not in a trailer, which no SDK reads.
        const usage = withCost(deps.prices, job.model, end.response.usage);
        const chunk: ChatCompletionChunk = { id, object: "chat.completion.chunk", created, model, choices: [], usage };
        send(JSON.stringify(chunk));
      }
    }
    send("[DONE]");
    res.end();
  } finally {
    clearTimeout(firstKeepAlive);
    if (opened) deps.metrics.activeStreams.dec();
  }
}
