import type { ChatJob, Usage } from "@gateway/contracts";
import { UnrecoverableError } from "@gateway/queue";
import { BackendClock } from "../backends/backend-clock.ts";
import { withFailover } from "../backends/with-failover.ts";
import { UpstreamError } from "../llama/upstream-error.ts";
import { CancelledAbort } from "./abort-reasons.ts";
import { TEMPLATE_TOKENS_PER_MESSAGE, TEMPLATE_TOKENS_PER_PROMPT, promptFits } from "./context-guard.ts";
import type { InferenceDeps } from "./inference-deps.ts";
import type { InferenceOutcome, JobRun } from "./job-run.ts";
import { chatCompletion, completionIdentity, contentChunk, finishChunk, upstreamChatBody } from "./openai-payloads.ts";
import { resolveUsage } from "./resolve-usage.ts";
import { RETRY_AFTER_S, toClientFailure } from "./to-client-failure.ts";

/**
 * Refuses a prompt that, with max_tokens, does not fit the model's context: llama-server would
 * silently drop the prompt's start and still answer 200.
 */
async function checkContext(job: ChatJob, run: JobRun, deps: InferenceDeps): Promise<void> {
  const context = deps.pool.contextLength(job.model);
  if (context === undefined) return;
  const { messages, max_tokens } = job.params;
  const text = messages.map((m) => m.content).join("\n");
  const overhead = TEMPLATE_TOKENS_PER_PROMPT + TEMPLATE_TOKENS_PER_MESSAGE * messages.length;
  const verdict = await promptFits(text, overhead, context - max_tokens, deps.pool.tokenizers(job.model), deps.client);
  deps.metrics.contextChecks.inc({ model: job.model, outcome: verdict.outcome });
  if (verdict.outcome === "unknown") run.log.warn({ context }, "no backend counted the prompt's tokens; running without the context check");
  if (verdict.outcome !== "exceeded") return;
  const prompt = verdict.tokens === undefined ? "" : `the prompt has ${verdict.tokens} tokens and `;
  throw run.refuse({
    code: "context_length_exceeded",
    message: `this model's context is ${context} tokens: ${prompt}max_tokens asks for ${max_tokens}; shorten the messages or lower max_tokens`,
  });
}

export async function runChat(job: ChatJob, run: JobRun, deps: InferenceDeps): Promise<InferenceOutcome> {
  const { metrics } = deps;
  const { log } = run;
  const model = deps.pool.hasModel(job.model) ? job.model : "unknown";
  if (model === "unknown") {
    throw run.refuse({
      code: "backend_unavailable",
      message: `no chat backends configured for model '${job.model}'`,
      retry_after: RETRY_AFTER_S,
    });
  }
  await checkContext(job, run, deps);

  const startedAt = Date.now();
  const identity = completionIdentity(job, startedAt);
  const pieces: string[] = [];
  const onContent = (text: string) => {
    pieces.push(text);
    if (!job.stream) return;
    const seq = pieces.length - 1;
    deps.publish(job, {
      type: "chunk",
      request_id: job.request_id,
      seq,
      attempt: run.attempt,
      chunk: contentChunk(identity, text, seq === 0),
    });
  };
  const body = upstreamChatBody(job);

  const clock = new BackendClock();
  let result;
  try {
    result = await withFailover(
      {
        model: job.model,
        capability: "chat",
        // Nobody has seen a non-stream job's tokens: a backend failing mid-way is replaced invisibly.
        ...(job.stream ? {} : { onRestart: () => (pieces.length = 0) }),
        call: async (backend, seconds) => {
          const state = await deps.client.streamChat(backend, body, {
            signal: run.signal,
            onContent,
            onFirstToken: () => metrics.timeToFirstToken.observe({ model: job.model, backend }, seconds()),
            onUncancelled: () => metrics.uncancelled.inc({ model: job.model, reason: "stuck" }),
          });
          return { state, backend };
        },
      },
      { signal: run.signal, deadlineAt: job.deadline_at, requestId: job.request_id, clock },
      deps,
      log,
    );
  } catch (err) {
    run.leavePending();
    const failure = toClientFailure(err);
    let usage: Usage | undefined;
    const backend = err instanceof UpstreamError ? err.backend : undefined;
    if (failure.usageOutcome && err instanceof UpstreamError && backend) {
      const state = { tokens: err.details.tokens, usage: err.details.usage ?? null, finishReason: null };
      usage = await resolveUsage(state, job.params.messages, backend, deps.client);
    }
    run.sendError({
      code: failure.code,
      message: failure.message,
      ...(failure.retryAfter ? { retry_after: failure.retryAfter } : {}),
      ...(usage ? { usage } : {}),
      backend_ms: clock.ms(),
    });
    metrics.results.inc({ model, outcome: failure.cancelled ? "cancelled" : failure.code });
    if (failure.cancelled) metrics.cancellations.inc({ model, stage: failure.stage ?? "waiting" });
    if (usage && failure.usageOutcome && backend) await deps.recordUsage(job, { outcome: failure.usageOutcome, usage, backend, startedAt });
    const fields = { backend, code: failure.code, tokens: pieces.length, ms: Date.now() - startedAt };
    if (failure.code === "internal_error") log.error({ ...fields, err }, "inference job crashed");
    else if (failure.cancelled) log.info(fields, "inference job cancelled");
    else log.warn({ ...fields, err: (err as Error).message }, "inference job did not complete");
    if (failure.cancelled) return { cancelled: true };
    throw new UnrecoverableError(`${failure.code}: ${failure.message}`);
  }

  const { state, backend } = result;
  // The cancel came as the last token did: nothing was saved, the whole answer is billed.
  if (run.signal.aborted && run.signal.reason instanceof CancelledAbort) metrics.uncancelled.inc({ model, reason: "finished" });
  const usage = await resolveUsage(state, job.params.messages, backend, deps.client);
  const finishReason = state.finishReason ?? "stop";
  if (job.stream) {
    deps.publish(job, {
      type: "chunk",
      request_id: job.request_id,
      seq: pieces.length,
      attempt: run.attempt,
      chunk: finishChunk(identity, finishReason),
    });
  }
  const response = chatCompletion(identity, pieces.join(""), finishReason, usage);
  // Redacted by the logger unless LOG_CONTENT is on: prompts and answers stay out of logs by default.
  if (log.isLevelEnabled("debug"))
    log.debug({ messages: job.params.messages, completion: response.choices[0]?.message.content }, "inference content");
  deps.publish(job, { type: "result", request_id: job.request_id, response, backend_ms: clock.ms() });
  metrics.results.inc({ model, outcome: "succeeded" });
  // The result's PUBLISH is queued on the autopipelined connection, flushed at the end of this
  // loop turn; the usage add writes at once. Waiting for that turn keeps it off the answer's path.
  await new Promise(setImmediate);
  await deps.recordUsage(job, { outcome: "succeeded", usage, backend, startedAt });
  log.info(
    {
      backend,
      prompt_tokens: usage.prompt_tokens,
      completion_tokens: usage.completion_tokens,
      finish_reason: finishReason,
      ms: Date.now() - startedAt,
      attempt: run.attempt,
    },
    "inference job completed",
  );
  return { finish_reason: finishReason, usage };
}
