import type { ChatJob, CompletionJob } from "@gateway/contracts";
import type { Response } from "express";
import { httpTransport } from "../inference/http-transport.ts";
import type { InferenceDeps } from "../inference/inference-deps.ts";
import { runInference, type ResumeOnClose } from "../inference/run-inference.ts";
import { chatAnswer, toAppError } from "../inference/terminal.ts";
import { tokenTiming } from "../inference/token-timing.ts";
import type { StreamResumeDeps } from "../resume/stream-attachments.ts";
import { boundedSse } from "../sse/bounded-sse.ts";
import { ChatEventWriter } from "../sse/chat-event-writer.ts";
import { keepAlive, SSE_HEADERS } from "../sse/open-sse.ts";

export interface StreamDeps extends InferenceDeps, StreamResumeDeps {}

export interface StreamOptions {
  /** The client asked for the usage chunk (stream_options.include_usage). */
  includeUsage?: boolean;
  /** When the request arrived: time to first token is measured from it. */
  startedAt: bigint;
  /** Default: the stream's resume grace, then cancelled unless a reader re-attached. */
  resume?: ResumeOnClose;
  beforeEnqueue?: () => Promise<void>;
}

/**
 * Relays a job as OpenAI-style SSE. The status is committed only when the first chunk arrives
 * (or the first keep-alive is due), so a job that fails before producing anything still gets a
 * proper error status; after that, a failure is an error event, never a clean-looking truncated
 * answer. The job's events are also logged, so `x-resume-url` replays them after a disconnect.
 */
export async function respondStream(
  deps: StreamDeps,
  streamJob: ChatJob | CompletionJob,
  res: Response,
  options: StreamOptions,
): Promise<void> {
  const { includeUsage = false, startedAt, beforeEnqueue } = options;
  const resume = options.resume ?? { graceMs: deps.resumeGraceMs, isAttached: () => deps.attachments.isAttached(streamJob.request_id) };
  const job = streamJob;
  const out = boundedSse(res, deps.slowClientBufferBytes, () => deps.metrics.slowClients.inc({ transport: "sse" }));
  const events = new ChatEventWriter(out, includeUsage);
  let opened = false;
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
    out.write(": keep-alive\n\n");
  }, deps.keepAliveMs);
  firstKeepAlive.unref();
  // A keep-alive may have opened the stream already: the first token is told by its own clock.
  const tokenWritten = tokenTiming(deps.metrics, job.model, startedAt);

  try {
    const end = await runInference(
      deps,
      job,
      httpTransport(res, {
        resume,
        ...(beforeEnqueue && { beforeEnqueue }),
        onChunk: (message) => {
          if (!opened) open();
          tokenWritten();
          events.chunk(message);
        },
      }),
    );
    if (!end) return;
    if (end.type === "error") {
      if (!opened) throw toAppError(end);
      events.fail(end.code, end.message, job.request_id);
      return;
    }
    if (!opened) open();
    events.succeed(chatAnswer(deps.prices, end));
    deps.deliveries.delivered(job.request_id);
  } finally {
    clearTimeout(firstKeepAlive);
    if (opened) deps.metrics.activeStreams.dec();
  }
}
