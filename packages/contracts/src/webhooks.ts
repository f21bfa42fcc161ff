import { z } from "zod";
import { Usage } from "./chat.ts";
import { EmbeddingsUsage } from "./embeddings.ts";
import { ErrorCode } from "./errors.ts";
import { WebhookUrl } from "./job.ts";
import { JobStatus, JobType } from "./jobs.ts";

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
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;
