import { deliveriesKey, DELIVERIES_MAX_LEN } from "@gateway/contracts";
import { EgressRefusedError, type egressFetcher } from "@gateway/egress";
import type { Logger } from "@gateway/observability";
import { UnrecoverableError, type Handler } from "@gateway/queue";
import { deriveWebhookSecret, webhookSignatureHeader } from "@gateway/webhooks";
import type { Redis } from "ioredis";
import type { WorkerMetrics } from "../worker-metrics.ts";

export interface WebhookDeps {
  /** Unset: deliveries fail (logged) rather than go out unsigned. */
  masterKey: string | undefined;
  /** The egress guard's fetch: forbidden destinations refused at connect time, redirects never followed. */
  egress: Pick<ReturnType<typeof egressFetcher>, "fetch">;
  timeoutMs: number;
  redis: Redis;
  /** Where a succeeded job's delivery is recorded (the deliveries stream) once its webhook got a 2xx. */
  namespace: string;
  logger: Logger;
  metrics: Pick<WorkerMetrics, "webhookDeliveries">;
}

/**
 * The "webhooks" handler: one POST signed with each of the tenant's listed secrets, through the
 * egress guard. A forbidden destination (a loopback, private or metadata address, whatever name
 * led there) or a delivery that cannot be signed fails at once, never retried; any other answer
 * than 2xx (3xx included: redirects are not followed), or none, throws so the queue retries it.
 * A 2xx for a succeeded job is its answer delivered: recorded like the edge's deliveries, so
 * billing can tell a billed job its client got from one it never did.
 */
export function createWebhookHandler(deps: WebhookDeps): Handler<"webhooks"> {
  const count = (outcome: string) => deps.metrics.webhookDeliveries.inc({ outcome });
  return async (delivery, bullJob) => {
    const context = { job_id: delivery.id, attempt: bullJob.attemptsStarted };
    if (!deps.masterKey) {
      count("unsigned");
      deps.logger.error(context, "WEBHOOK_MASTER_KEY is not set on this worker: the delivery fails rather than go out unsigned");
      throw new UnrecoverableError("WEBHOOK_MASTER_KEY is not set: webhooks are not sent unsigned");
    }
    if (!delivery.tenant_id || !delivery.key_versions) {
      count("unsigned");
      deps.logger.error(context, "webhook delivery names no tenant and key versions (queued before per-tenant secrets): it fails unsent");
      throw new UnrecoverableError("the delivery names no tenant and key versions to sign with: there is no gateway-wide secret any more");
    }
    let result = delivery.body.result;
    if (delivery.result_key) {
      const stored = await deps.redis.get(delivery.result_key);
      result = stored === null ? null : (JSON.parse(stored) as unknown);
    }
    const body = JSON.stringify({ ...delivery.body, result });
    const timestamp = Math.floor(Date.now() / 1000);
    const secrets = delivery.key_versions.map((version) => deriveWebhookSecret(deps.masterKey!, delivery.tenant_id!, version));
    let res;
    try {
      res = await deps.egress.fetch(delivery.url, {
        method: "POST",
        signal: AbortSignal.timeout(deps.timeoutMs),
        headers: {
          "content-type": "application/json",
          "webhook-id": delivery.id,
          "webhook-timestamp": String(timestamp),
          "webhook-signature": webhookSignatureHeader(secrets, delivery.id, timestamp, body),
        },
        body,
      });
    } catch (err) {
      if (!(err instanceof EgressRefusedError)) {
        count("unreachable");
        throw err;
      }
      count("forbidden");
      // The host only: a URL's path or query may carry the receiver's own token.
      deps.logger.warn(
        { ...context, host: err.host, reason: err.reason },
        "webhook destination is forbidden by the egress policy; not retried",
      );
      throw new UnrecoverableError(err.message);
    }
    await res.body?.cancel();
    if (res.status < 200 || res.status > 299) {
      count("refused");
      deps.logger.warn({ ...context, status: res.status }, "webhook receiver refused the delivery; retrying");
      throw new Error(`webhook receiver answered ${res.status}${res.status < 400 ? " (redirects are not followed)" : ""}`);
    }
    count("delivered");
    if (delivery.body.status === "succeeded") {
      // Not retried on failure: the receiver has it, and a retry would post it again.
      await deps.redis
        .xadd(deliveriesKey(deps.namespace), "MAXLEN", "~", DELIVERIES_MAX_LEN, "*", "id", delivery.id, "at", String(Date.now()))
        .catch((err: unknown) => deps.logger.warn({ ...context, err }, "a webhook's delivery could not be recorded for billing"));
    }
    return { status: res.status };
  };
}
