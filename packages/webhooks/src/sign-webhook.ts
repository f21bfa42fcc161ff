import { createHmac } from "node:crypto";

/** Standard Webhooks: `whsec_` + base64 of the key bytes; anything else is used as the key's text. */
export function webhookKey(secret: string): Buffer {
  return secret.startsWith("whsec_") ? Buffer.from(secret.slice(6), "base64") : Buffer.from(secret, "utf8");
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` (Standard Webhooks). */
export function signWebhook(key: Buffer, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64")}`;
}

/**
 * The `webhook-signature` header: one signature per secret, space-separated, so during a
 * rotation a receiver that knows either the new or the previous secret can verify.
 */
export function webhookSignatureHeader(secrets: readonly string[], id: string, timestamp: number, body: string): string {
  return secrets.map((secret) => signWebhook(webhookKey(secret), id, timestamp, body)).join(" ");
}
