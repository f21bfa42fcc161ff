import { z } from "zod";
import { ChatCompletionChunk, Usage } from "./chat.ts";
import { EmbeddingsUsage } from "./embeddings.ts";
import { ErrorBody } from "./errors.ts";
import { WebhookUrl } from "./job.ts";
import { listPage } from "./pagination.ts";

export const JobType = z.enum(["chat.completion", "embeddings"]);
export type JobType = z.infer<typeof JobType>;

export const JobStatus = z.enum(["queued", "running", "succeeded", "failed", "cancelled"]);
export type JobStatus = z.infer<typeof JobStatus>;

/**
 * `POST /v1/jobs`. `request` is the body the synchronous endpoint takes (chat completions or
 * embeddings), validated by the same parser; a chat request's `stream` is ignored (a job always
 * records its chunks for `/events`).
 */
export const CreateJobRequest = z.strictObject({
  type: JobType,
  request: z.record(z.string(), z.unknown()),
  webhook_url: WebhookUrl.optional(),
});
export type CreateJobRequest = z.infer<typeof CreateJobRequest>;

export const JobLinks = z.object({ self: z.string(), events: z.string() });
export type JobLinks = z.infer<typeof JobLinks>;

export const Job = z.object({
  id: z.string(),
  object: z.literal("job"),
  type: JobType,
  model: z.string(),
  status: JobStatus,
  /** Epoch seconds, like OpenAI's `created`. */
  created: z.number().int(),
  /** 1 = next to run; only while queued. */
  position: z.number().int().min(1).nullable(),
  /** The OpenAI-shaped response of the synchronous endpoint, once succeeded. */
  result: z.unknown().nullable(),
  usage: z.union([Usage, EmbeddingsUsage]).nullable(),
  error: ErrorBody.omit({ request_id: true }).partial().nullable(),
  webhook_url: z.string().nullable(),
  links: JobLinks,
});
export type Job = z.infer<typeof Job>;

export const JobList = listPage(Job);
export type JobList = z.infer<typeof JobList>;

/** SSE event names of `/v1/jobs/{id}/events`: chunks of a chat job, then exactly one final event with the job. */
export const JobEventName = z.enum(["chunk", "succeeded", "failed", "cancelled"]);
export type JobEventName = z.infer<typeof JobEventName>;
export const JobChunkEvent = ChatCompletionChunk;
export const JobFinalEvent = Job;

/** What the edge keeps about an async job in Redis (the status itself comes from its event log). */
export const JobRecord = z.object({
  id: z.string(),
  tenant_id: z.string(),
  type: JobType,
  model: z.string(),
  created_ms: z.number().int(),
  webhook_url: z.string().optional(),
  cancelled: z.boolean().optional(),
});
export type JobRecord = z.infer<typeof JobRecord>;
