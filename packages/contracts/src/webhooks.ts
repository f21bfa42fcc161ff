import { z } from "zod";
import { Usage } from "./chat.ts";
import { EmbeddingsUsage } from "./embeddings.ts";
import { ErrorCode } from "./errors.ts";
import { WebhookKeyVersions, WebhookUrl } from "./job.ts";
import { JobStatus, JobType } from "./jobs.ts";
import { RotationGraceSeconds, TenantId } from "./keys.ts";

/** The body POSTed to a job's webhook_url once the job has ended (what `GET /v1/jobs/{id}` shows, less the links). */
export const WebhookJobBody = z.object({
  id: z.string(),
  object: z.literal("job"),
  type: JobType,
  model: z.string(),
  status: JobStatus,
  created: z.number().int(),
  result: z.unknown().nullable(),
  usage: z.union([Usage, EmbeddingsUsage]).nullable(),
  error: z.object({ code: ErrorCode, message: z.string() }).nullable(),
});
export type WebhookJobBody = z.infer<typeof WebhookJobBody>;

/**
 * A delivery on the "webhooks" queue: retried with backoff until the receiver answers 2xx
 * (at least once). `id` is the `webhook-id` header, the same on every retry so receivers can
 * deduplicate; an embeddings result is read from `result_key` when sent.
 */
export const WebhookDelivery = z.object({
  v: z.literal(1),
  id: z.string().min(1),
  /** The job's model: every queue payload names one (the consumer's wait metric is labelled by it). */
  model: z.string().min(1),
  url: WebhookUrl,
  body: WebhookJobBody,
  result_key: z.string().optional(),
  /** Whose signing secrets sign it, and which versions. Optional: older workers never set them (such a delivery is not sent). */
  tenant_id: z.string().min(1).optional(),
  key_versions: WebhookKeyVersions.optional(),
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

const Timestamp = z.iso.datetime({ offset: true });

/**
 * A tenant's webhook signing secret as the admin API shows it. The secret is derived from the
 * gateway's master key and the version, never stored, so it can be shown again.
 */
export const WebhookSecret = z.object({
  object: z.literal("webhook_secret"),
  tenant_id: TenantId,
  /** Signs every delivery; starts at 1, one more per rotation. */
  version: z.number().int().min(1),
  /** Standard Webhooks: `whsec_` + base64 of 32 key bytes. */
  secret: z.string(),
  /** Also signs deliveries until previous_expires_at (a rotation's grace). */
  previous_version: z.number().int().min(1).nullable(),
  previous_expires_at: Timestamp.nullable(),
  created_at: Timestamp,
  rotated_at: Timestamp.nullable(),
});
export type WebhookSecret = z.infer<typeof WebhookSecret>;

/** The path of /v1/admin/tenants/{tenant_id}/webhook-secret. */
export const WebhookSecretPath = z.object({ tenant_id: TenantId });
export type WebhookSecretPath = z.infer<typeof WebhookSecretPath>;

export const RotateWebhookSecretRequest = z.strictObject({
  /** How long the previous secret still signs deliveries (default KEY_ROTATION_GRACE_S); 0 ends it at once. */
  grace_seconds: RotationGraceSeconds.optional(),
});
export type RotateWebhookSecretRequest = z.infer<typeof RotateWebhookSecretRequest>;
