import type { ChatJob } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import type { OnPiece } from "../llama/answer-piece.ts";
import type { ChatStreamOptions } from "../llama/llama-client.ts";
import { llamaChatBody, needsWholeAnswer, TOOLS_STREAM_REFUSAL } from "../llama/llama-chat-body.ts";
import type { StreamState } from "../llama/read-chat-stream.ts";
import { UpstreamError } from "../llama/upstream-error.ts";
import type { InferenceDeps } from "./inference-deps.ts";

export interface ChatCallHooks {
  signal: AbortSignal;
  onContent: OnPiece;
  onFirstToken: (backend: string, seconds: () => number) => void;
  onUncancelled: () => void;
}

/** The metrics every generation reports on its backend calls: time to first token, and aborts that did not stop it. */
export function generationMetrics(
  deps: Pick<InferenceDeps, "metrics">,
  model: string,
): Pick<ChatCallHooks, "onFirstToken" | "onUncancelled"> {
  return {
    onFirstToken: (backend, seconds) => deps.metrics.timeToFirstToken.observe({ model, backend }, seconds()),
    onUncancelled: () => deps.metrics.uncancelled.inc({ model, reason: "stuck" }),
  };
}

const refusedToolsOnStream = (job: ChatJob, err: unknown): err is UpstreamError =>
  err instanceof UpstreamError && err.details.tokens === 0 && (job.params.tools?.length ?? 0) > 0 && TOOLS_STREAM_REFUSAL.test(err.message);

/**
 * One attempt of a chat job on one backend, in the form that backend reads (its facts from the
 * prober). Streamed whenever the backend can; where it cannot stream this request (tools on
 * b4748), the whole answer is asked for and told as a stream's pieces, so the job and its client
 * see no difference. A backend whose facts did not say so refuses with a 500 before any token:
 * the request is sent again whole on the same backend, within the same attempt (invisible), and
 * the backend's facts remember it until it restarts.
 */
export function chatCall(job: ChatJob, hooks: ChatCallHooks, deps: Pick<InferenceDeps, "pool" | "client">, log: Logger) {
  return async (backend: string, seconds: () => number): Promise<{ state: StreamState; backend: string }> => {
    const meta = deps.pool.get(backend)?.meta ?? {};
    const options: ChatStreamOptions = {
      signal: hooks.signal,
      onContent: hooks.onContent,
      onFirstToken: () => hooks.onFirstToken(backend, seconds),
      onUncancelled: hooks.onUncancelled,
    };
    if (needsWholeAnswer(job, meta))
      return { state: await deps.client.chatWhole(backend, llamaChatBody(job, meta, false), options), backend };
    try {
      return { state: await deps.client.streamChat(backend, llamaChatBody(job, meta), options), backend };
    } catch (err) {
      if (!refusedToolsOnStream(job, err)) throw err;
      deps.pool.learn(backend, { streamed_tools: false });
      log.info({ backend }, "backend cannot stream tool calls: asking it for whole answers from now on");
      return { state: await deps.client.chatWhole(backend, llamaChatBody(job, meta, false), options), backend };
    }
  };
}
