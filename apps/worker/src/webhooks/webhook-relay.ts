import { embeddingsResultKey, type InferenceQueuePayload, type RelayMessage, type WebhookJobBody } from "@gateway/contracts";
import type { Logger } from "@gateway/observability";
import type { Producer } from "@gateway/queue";
import type { RelayPublisher } from "../relay/relay-publisher.ts";

/** The job as its webhook shows it, from its terminal message. */
export function webhookBody(job: InferenceQueuePayload, message: Exclude<RelayMessage, { type: "chunk" }>): WebhookJobBody {
  const base = {
    id: job.request_id,
    object: "job" as const,
    type: job.kind === "chat" ? ("chat.completion" as const) : ("embeddings" as const),
    model: job.model,
    created: Math.floor(job.accepted_at / 1000),
  };
  if (message.type === "result")
    return { ...base, status: "succeeded", result: message.response, usage: message.response.usage, error: null };
  if (message.type === "embeddings") return { ...base, status: "succeeded", result: null, usage: message.usage, error: null };
  const status = message.code === "client_closed_request" ? "cancelled" : "failed";
  return { ...base, status, result: null, usage: message.usage ?? null, error: { code: message.code, message: message.message } };
}

/**
 * Publishes as usual and, on the job's terminal message, queues its webhook delivery: queued by
 * the worker that ended the job, so no edge has to be alive for it, and retried by the queue.
 * The delivery id is the job id, so a second terminal (a re-delivered job) is a BullMQ no-op.
 */
export function withWebhook(
  publish: RelayPublisher,
  webhooks: Producer<"webhooks">,
  job: InferenceQueuePayload,
  url: string,
  namespace: string,
  logger: Logger,
): RelayPublisher {
  return (target, message) => {
    publish(target, message);
    if (message.type === "chunk") return;
    const delivery = {
      v: 1 as const,
      id: job.request_id,
      model: job.model,
      url,
      body: webhookBody(job, message),
      ...(message.type === "embeddings" && { result_key: embeddingsResultKey(namespace, job.request_id) }),
      // Signed by the handler with the tenant's secrets the edge chose at submit (current, then previous).
      ...(job.webhook_key_versions && { tenant_id: job.caller.tenant_id, key_versions: job.webhook_key_versions }),
    };
    webhooks
      .add(`wh-${job.request_id}`, delivery)
      .catch((err: unknown) => logger.error({ err, request_id: job.request_id }, "could not queue a webhook delivery"));
  };
}
