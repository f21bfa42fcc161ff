import type { ChatCompletionChunk, InferenceJob } from "@gateway/contracts";
import type { Response } from "express";
import { errorEnvelope } from "../http/error-envelope.ts";
import { withCost } from "../usage/usage-cost.ts";
import { callWorker, toAppError, type CallDeps } from "./call-worker.ts";

const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  // Tells nginx-style proxies not to buffer the stream.
  "x-accel-buffering": "no",
};

/**
 * Relays a job as OpenAI-style SSE. The status is committed only when the first chunk arrives,
 * so a job that fails before producing anything still gets a proper error status; after that,
 * a failure is an error event, never a clean-looking truncated answer.
 */
export async function respondStream(deps: CallDeps, job: InferenceJob, res: Response, includeUsage: boolean, startedAt: bigint): Promise<void> {
  let opened = false;
  let nextId = 0;
  const open = () => {
    opened = true;
    res.writeHead(200, SSE_HEADERS);
    deps.metrics.activeStreams.inc();
  };
  const send = (data: string) => res.write(`id: ${nextId++}\ndata: ${data}\n\n`);

  try {
    const end = await callWorker(deps, job, res, (message) => {
      if (!opened) {
        open();
        deps.metrics.timeToFirstToken.observe({ model: job.model }, Number(process.hrtime.bigint() - startedAt) / 1e9);
      }
      nextId = message.seq;
      send(JSON.stringify(message.chunk));
    });
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
    if (opened) deps.metrics.activeStreams.dec();
  }
}
