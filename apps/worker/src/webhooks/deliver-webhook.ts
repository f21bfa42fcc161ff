import { createHmac } from "node:crypto";
import type { Logger } from "@gateway/observability";
import { UnrecoverableError, type Handler } from "@gateway/queue";
import type { Redis } from "ioredis";

/** Standard Webhooks: `whsec_` + base64 of the key bytes; anything else is used as the key's text. */
export function webhookKey(secret: string): Buffer {
  return secret.startsWith("whsec_") ? Buffer.from(secret.slice(6), "base64") : Buffer.from(secret, "utf8");
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` (Standard Webhooks). */
export function signWebhook(key: Buffer, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64")}`;
}

export interface WebhookDeps {
  /** Unset: deliveries fail (logged) rather than go out unsigned. */
  secret: string | undefined;
  timeoutMs: number;
  redis: Redis;
  logger: Logger;
}

/**
 * The "webhooks" handler: one signed POST. Any answer but 2xx, or no answer, throws so the queue
 * retries it with backoff (at least once); a URL that is not http(s) is never tried.
 */
export function createWebhookHandler(deps: WebhookDeps): Handler<"webhooks"> {
  const key = deps.secret ? webhookKey(deps.secret) : undefined;
  return async (delivery, bullJob) => {
    const url = new URL(delivery.url);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new UnrecoverableError("webhook url is not http(s)");
    if (!key) throw new UnrecoverableError("WEBHOOK_SECRET is not set: webhooks are not sent unsigned");
    let result = delivery.body.result;
    if (delivery.result_key) {
      const stored = await deps.redis.get(delivery.result_key);
      result = stored === null ? null : (JSON.parse(stored) as unknown);
    }
    const body = JSON.stringify({ ...delivery.body, result });
    const timestamp = Math.floor(Date.now() / 1000);
    const res = await fetch(url, {
      method: "POST",
      redirect: "manual",
      signal: AbortSignal.timeout(deps.timeoutMs),
      headers: {
        "content-type": "application/json",
        "webhook-id": delivery.id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": signWebhook(key, delivery.id, timestamp, body),
      },
      body,
    });
    await res.body?.cancel();
    if (res.status < 200 || res.status > 299) {
      deps.logger.warn(
        { job_id: delivery.id, status: res.status, attempt: bullJob.attemptsStarted },
        "webhook receiver refused the delivery; retrying",
      );
      throw new Error(`webhook receiver answered ${res.status}`);
    }
    return { status: res.status };
  };
}
