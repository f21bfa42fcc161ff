import { promptText, type ChatJob } from "@gateway/contracts";
import { withFailover } from "../backends/with-failover.ts";
import type { OnPiece } from "../llama/answer-piece.ts";
import { UpstreamError } from "../llama/upstream-error.ts";
import { CancelledAbort } from "./abort-reasons.ts";
import { ChatAnswerBuilder } from "./chat-answer-builder.ts";
import { chatCall, generationMetrics } from "./chat-call.ts";
import { TEMPLATE_TOKENS_PER_MESSAGE, TEMPLATE_TOKENS_PER_PROMPT, promptFits } from "./context-guard.ts";
import { ImageFetchError, withFetchedImages } from "./fetch-images.ts";
import type { InferenceDeps } from "./inference-deps.ts";
import { JobEnd } from "./job-end.ts";
import type { InferenceOutcome, JobRun } from "./job-run.ts";
import { chatCompletion, completionIdentity, contentChunk, deltaChunk, finishChunk } from "./openai-payloads.ts";
import { resolveUsage } from "./resolve-usage.ts";
import type { ClientFailure } from "./to-client-failure.ts";

/**
 * Refuses a prompt that, with max_tokens, does not fit the model's context: llama-server would
 * silently drop the prompt's start and still answer 200. Tools count as their JSON. Images are
 * not counted (only the backend knows what its projector makes of one, and builds that take
 * images refuse a prompt that outgrows the context rather than cut it).
 */
async function checkContext(job: ChatJob, run: JobRun, deps: InferenceDeps): Promise<void> {
  const context = deps.pool.contextLength(job.model);
  if (context === undefined) return;
  const { messages, max_tokens } = job.params;
  const text = promptText(job.params);
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

/** The job with its remote images fetched (a 400 naming the image when one cannot be), before any backend is asked. */
async function fetchImages(job: ChatJob, run: JobRun, deps: InferenceDeps): Promise<ChatJob> {
  try {
    return await withFetchedImages(job, deps.images, run.signal);
  } catch (err) {
    if (err instanceof ImageFetchError) throw run.refuse({ code: "invalid_request", message: err.message, param: err.param });
    throw err;
  }
}

export async function runChat(queued: ChatJob, run: JobRun, deps: InferenceDeps): Promise<InferenceOutcome> {
  const { metrics } = deps;
  const { log } = run;
  const model = queued.model;
  const job = await fetchImages(queued, run, deps);
  await checkContext(job, run, deps);

  const end = new JobEnd(job, run, deps, model);
  const identity = completionIdentity(job, end.startedAt);
  const answer = new ChatAnswerBuilder(job.params.logprobs === true ? (job.params.top_logprobs ?? 0) : undefined);
  let seq = 0;
  let produced = 0;
  const publish = (chunk: ReturnType<typeof contentChunk>) =>
    deps.publish(job, { type: "chunk", request_id: job.request_id, seq: seq++, attempt: run.attempt, chunk });
  const onContent: OnPiece = (text, extra) => {
    produced++;
    // Plain text is the hot path: one push, one chunk.
    if (!extra) {
      answer.text(text);
      if (job.stream) publish(contentChunk(identity, text, seq === 0));
      return;
    }
    const piece = answer.extra(text, extra);
    if (!job.stream) return;
    // As OpenAI does, a logprobs stream opens with a role-only chunk: the SDK's stream helper counts a first chunk's logprobs twice.
    if (seq === 0 && job.params.logprobs === true) publish(deltaChunk(identity, { content: "" }, [], true));
    publish(deltaChunk(identity, piece.delta, piece.logprobs, seq === 0));
  };

  let result;
  try {
    result = await withFailover(
      {
        model: job.model,
        capability: "chat",
        // Nobody has seen a non-stream job's tokens: a backend failing mid-way is replaced invisibly.
        ...(job.stream ? {} : { onRestart: () => answer.reset() }),
        call: chatCall(job, { signal: run.signal, onContent, ...generationMetrics(deps, job.model) }, deps, log),
      },
      end.limits(),
      deps,
      log,
    );
  } catch (err) {
    // Billed only where tokens were produced: their count from the backend, else counted here (resolveUsage).
    const billed = async (failure: ClientFailure) => {
      const backend = err instanceof UpstreamError ? err.backend : undefined;
      if (!failure.usageOutcome || !(err instanceof UpstreamError) || !backend) return undefined;
      const state = { tokens: err.details.tokens, usage: err.details.usage ?? null, finishReason: null };
      return { usage: await resolveUsage(state, job.params, backend, deps.client), backend };
    };
    return end.fail(err, billed, { tokens: produced });
  }

  const { state, backend } = result;
  // The cancel came as the last token did: nothing was saved, the whole answer is billed.
  if (run.signal.aborted && run.signal.reason instanceof CancelledAbort) metrics.uncancelled.inc({ model, reason: "finished" });
  const usage = await resolveUsage(state, job.params, backend, deps.client);
  const finishReason = state.finishReason ?? "stop";
  if (job.stream) publish(finishChunk(identity, finishReason));
  const message = answer.message();
  const response = chatCompletion(identity, message, finishReason, usage, answer.choiceLogprobs());
  // Redacted by the logger unless LOG_CONTENT is on: prompts and answers stay out of logs by default.
  if (log.isLevelEnabled("debug")) log.debug({ messages: queued.params.messages, completion: message }, "inference content");
  await end.succeed({ type: "result", response }, { usage, backend });
  log.info(
    {
      backend,
      prompt_tokens: usage.prompt_tokens,
      completion_tokens: usage.completion_tokens,
      finish_reason: finishReason,
      ...(answer.hasToolCalls && { tool_calls: message.tool_calls?.length }),
      ms: Date.now() - end.startedAt,
      attempt: run.attempt,
    },
    "inference job completed",
  );
  return { finish_reason: finishReason, usage };
}
