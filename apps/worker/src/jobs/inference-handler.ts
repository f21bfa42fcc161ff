import { cancelledKey, pendingKey, type InferenceQueuePayload, edgeOfReplyChannel } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import { UnrecoverableError, type Handler } from "@gateway/queue";
import { withConversationReply } from "../relay/conversation-reply-relay.ts";
import { withWebhook } from "../webhooks/webhook-relay.ts";
import type { InferenceDeps } from "./inference-deps.ts";
import type { InferenceOutcome, JobRun } from "./job-run.ts";
import { runChat } from "./run-chat.ts";
import { runCompletion } from "./run-completion.ts";
import { runEmbeddings } from "./run-embeddings.ts";
import { runRerank } from "./run-rerank.ts";
import { RETRY_AFTER_S } from "./to-client-failure.ts";

/** Which pool each job kind runs on: legacy completions on the chat pool. A model without one is refused before its runner starts. */
const POOL = { chat: "chat", completion: "chat", embeddings: "embeddings", rerank: "rerank" } as const;

function runJob(job: InferenceQueuePayload, run: JobRun, deps: InferenceDeps): Promise<InferenceOutcome> {
  switch (job.kind) {
    case "chat":
      return runChat(job, run, deps);
    case "completion":
      return runCompletion(job, run, deps);
    case "embeddings":
      return runEmbeddings(job, run, deps);
    case "rerank":
      return runRerank(job, run, deps);
  }
}

/**
 * The "inference" job handler, for every job kind. Every job ends with exactly one terminal
 * message on its reply channel. Failures fail the job as unrecoverable: the client already got
 * the error, and retries against other backends happened inside or must not happen.
 */
export function createInferenceHandler(shared: InferenceDeps): Handler<"inference"> {
  return async (job, bullJob) => {
    let deps =
      job.webhook_url && shared.webhooks
        ? { ...shared, publish: withWebhook(shared.publish, shared.webhooks, job, job.webhook_url, shared.namespace, shared.logger) }
        : shared;
    if (job.kind === "chat" && job.conversation_id && shared.conversationReplies) {
      deps = { ...deps, publish: withConversationReply(deps.publish, shared.conversationReplies, job, job.conversation_id, shared.logger) };
    }
    // The job id is the request id; tier is bounded and tells operators whose traffic it is.
    const log = deps.logger.child({
      request_id: job.request_id,
      ...(job.client_request_id !== undefined && { client_request_id: job.client_request_id }),
      model: job.model,
      kind: job.kind,
      tier: job.caller.tier,
    });
    // Registered before the cancelled-key check: a cancel landing in between still aborts.
    // A job someone waits for on an edge lives and dies with that edge (watchEdges); an async job or a conversation's turn runs to its end.
    const lives = job.detached === true || (job.kind === "chat" && job.conversation_id !== undefined);
    const controller = deps.cancels.register(job.request_id, lives ? undefined : edgeOfReplyChannel(deps.namespace, job.reply_to));
    const model = deps.pool.hasModel(job.model, POOL[job.kind]) ? job.model : "unknown";
    const sendError: JobRun["sendError"] = (fields) => deps.publish(job, { type: "error", request_id: job.request_id, ...fields });
    const leavePending = () => {
      deps.redis.zrem(pendingKey(deps.namespace, job.model), job.request_id).catch(() => undefined);
    };
    if (bullJob.attemptsStarted > 1) deps.metrics.redeliveries.inc({ model });
    const run: JobRun = {
      signal: controller.signal,
      attempt: Math.max(1, bullJob.attemptsStarted),
      log,
      sendError,
      leavePending,
      refuse(fields) {
        sendError(fields);
        leavePending();
        deps.metrics.results.inc({ model, outcome: fields.code });
        log.warn({ code: fields.code }, fields.message);
        return new UnrecoverableError(`${fields.code}: ${fields.message}`);
      },
    };
    try {
      if (await cancelledWhileQueued(job, bullJob.timestamp, deps, log)) {
        sendError({ code: "client_closed_request", message: "request cancelled before it started" });
        leavePending();
        deps.metrics.cancellations.inc({ model, stage: "queued" });
        deps.metrics.results.inc({ model, outcome: "cancelled" });
        log.info("skipping a job cancelled while queued");
        return { cancelled: true };
      }
      if (Date.now() > job.deadline_at)
        throw run.refuse({ code: "upstream_timeout", message: "request expired in the queue before a worker took it" });
      if (model === "unknown") {
        throw run.refuse({
          code: "backend_unavailable",
          message: `no ${POOL[job.kind]} backends configured for model '${job.model}'`,
          retry_after: RETRY_AFTER_S,
        });
      }
      return await runJob(job, run, deps);
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
async function cancelledWhileQueued(job: InferenceQueuePayload, enqueuedAt: number, deps: InferenceDeps, log: Logger): Promise<boolean> {
  const known = deps.cancels.cancelledWhileQueued(job.request_id, enqueuedAt);
  if (known !== undefined) return known;
  const value = await deps.redis.get(cancelledKey(deps.namespace, job.request_id)).catch((err: unknown) => {
    log.warn({ err }, "could not read the cancelled key");
    return null;
  });
  return value !== null;
}
