import { cancelledKey, type ChatCompletion, type ErrorMessage, type InferenceJob, type Usage } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import { UnrecoverableError, type Handler } from "@gateway/queue";
import type { Redis } from "ioredis";
import type { CancelRegistry } from "./cancel-registry.ts";
import { describeFailure, RETRY_AFTER_S } from "./describe-failure.ts";
import { dispatchChat, type DispatchDeps } from "./dispatch-chat.ts";
import { chatCompletion, completionIdentity, contentChunk, finishChunk, upstreamChatBody } from "./openai-payloads.ts";
import type { RecordUsage } from "./record-usage.ts";
import type { RelayPublisher } from "./relay-publisher.ts";
import { resolveUsage } from "./resolve-usage.ts";
import { UpstreamError } from "./upstream-error.ts";

export interface InferenceDeps extends DispatchDeps {
  /** Commands connection, for the cancelled-key check. */
  redis: Redis;
  /** The deployment's Redis namespace (the queue prefix) for channel and key names. */
  namespace: string;
  publish: RelayPublisher;
  recordUsage: RecordUsage;
  cancels: CancelRegistry;
  logger: Logger;
}

/** What a finished inference job returns to BullMQ (readable as the job's return value). */
export type InferenceOutcome = ChatCompletion | { cancelled: true };

/**
 * The "inference" job handler. Every job ends with exactly one result or error message on its
 * reply channel. Failures fail the job as unrecoverable: the client already got the error, and
 * retries against other backends happened inside (before the first token) or must not happen.
 */
export function createInferenceHandler(deps: InferenceDeps): Handler<"inference"> {
  return async (job, bullJob) => {
    const log = deps.logger.child({ request_id: job.request_id, model: job.model });
    // Registered before the cancelled-key check: a cancel landing in between still aborts.
    const controller = deps.cancels.register(job.request_id);
    try {
      return await runInference(job, bullJob.timestamp, controller.signal, deps, log);
    } finally {
      deps.cancels.unregister(job.request_id, controller);
    }
  };
}

/**
 * Known from the cancels this process heard (no round trip) when it has been listening since
 * before the job was enqueued; otherwise from the cancelled key. If Redis cannot answer, the job
 * runs: a cancel message still reaches it while it runs.
 */
async function cancelledWhileQueued(job: InferenceJob, enqueuedAt: number, deps: InferenceDeps, log: Logger): Promise<boolean> {
  const known = deps.cancels.cancelledWhileQueued(job.request_id, enqueuedAt);
  if (known !== undefined) return known;
  const value = await deps.redis.get(cancelledKey(deps.namespace, job.request_id)).catch((err: unknown) => {
    log.warn({ err }, "could not read the cancelled key");
    return null;
  });
  return value !== null;
}

async function runInference(job: InferenceJob, enqueuedAt: number, signal: AbortSignal, deps: InferenceDeps, log: Logger): Promise<InferenceOutcome> {
  const { metrics } = deps;
  const model = deps.pool.hasModel(job.model) ? job.model : "unknown";
  const sendError = (fields: Omit<ErrorMessage, "type" | "request_id">) =>
    deps.publish(job.reply_to, { type: "error", request_id: job.request_id, ...fields });

  if (await cancelledWhileQueued(job, enqueuedAt, deps, log)) {
    sendError({ code: "client_closed_request", message: "request cancelled before it started" });
    metrics.cancellations.inc({ model, stage: "queued" });
    metrics.results.inc({ model, outcome: "cancelled" });
    log.info("skipping a job cancelled while queued");
    return { cancelled: true };
  }
  const refuse = (fields: Omit<ErrorMessage, "type" | "request_id">) => {
    sendError(fields);
    metrics.results.inc({ model, outcome: fields.code });
    log.warn({ code: fields.code }, fields.message);
    return new UnrecoverableError(`${fields.code}: ${fields.message}`);
  };
  if (Date.now() > job.deadline_at) throw refuse({ code: "upstream_timeout", message: "request expired in the queue before a worker took it" });
  if (!deps.pool.hasModel(job.model)) {
    throw refuse({ code: "backend_unavailable", message: `no backends configured for model '${job.model}'`, retry_after: RETRY_AFTER_S });
  }

  const startedAt = Date.now();
  const identity = completionIdentity(job, startedAt);
  const pieces: string[] = [];
  const onContent = (text: string) => {
    pieces.push(text);
    if (!job.stream) return;
    const seq = pieces.length - 1;
    deps.publish(job.reply_to, { type: "chunk", request_id: job.request_id, seq, chunk: contentChunk(identity, text, seq === 0) });
  };

  let result;
  try {
    result = await dispatchChat(job.model, upstreamChatBody(job), onContent, { signal, deadlineAt: job.deadline_at }, deps, log);
  } catch (err) {
    const failure = describeFailure(err);
    let usage: Usage | undefined;
    const backend = err instanceof UpstreamError ? err.backend : undefined;
    if (failure.usageOutcome && err instanceof UpstreamError && backend) {
      const state = { tokens: err.details.tokens, usage: err.details.usage ?? null, finishReason: null };
      usage = await resolveUsage(state, job.params.messages, backend, deps.client);
    }
    sendError({
      code: failure.code,
      message: failure.message,
      ...(failure.retryAfter ? { retry_after: failure.retryAfter } : {}),
      ...(usage ? { usage } : {}),
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
  const usage = await resolveUsage(state, job.params.messages, backend, deps.client);
  const finishReason = state.finishReason ?? "stop";
  if (job.stream) {
    deps.publish(job.reply_to, { type: "chunk", request_id: job.request_id, seq: pieces.length, chunk: finishChunk(identity, finishReason) });
  }
  const response = chatCompletion(identity, pieces.join(""), finishReason, usage);
  deps.publish(job.reply_to, { type: "result", request_id: job.request_id, response });
  metrics.results.inc({ model, outcome: "succeeded" });
  await deps.recordUsage(job, { outcome: "succeeded", usage, backend, startedAt });
  log.info(
    { backend, prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens, finish_reason: finishReason, ms: Date.now() - startedAt },
    "inference job completed",
  );
  return response;
}
