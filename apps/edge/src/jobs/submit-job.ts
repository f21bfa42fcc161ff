import { randomBytes } from "node:crypto";
import type { CreateJobRequest, InferenceQueuePayload, JobRecord, WebhookKeyVersions } from "@gateway/contracts";
import type { Response } from "express";
import type { Principal } from "../auth/principal.ts";
import type { RequestIds } from "../http/request-ids.ts";
import type { InferenceDeps, PrepareDeps } from "../inference/inference-deps.ts";
import { chatJobPreparer } from "../inference/prepare-chat-job.ts";
import { embeddingsJobPreparer } from "../inference/prepare-embeddings-job.ts";
import { submitDetached } from "../inference/submit-detached.ts";
import type { EventLog } from "../resume/event-log.ts";
import type { JobStore } from "./job-store.ts";

export interface SubmitJobDeps extends InferenceDeps, PrepareDeps {
  jobs: JobStore;
  events: EventLog;
}

export const newJobId = () => `job_${randomBytes(12).toString("hex")}`;

/**
 * Validates a job's request as the synchronous endpoint does and builds its queue payload; a
 * webhook carries the versions of the tenant's signing secret (webhook-target.ts) with its URL.
 */
export function jobPayloadBuilder(deps: SubmitJobDeps) {
  const prepareChat = chatJobPreparer(deps);
  const prepareEmbeddings = embeddingsJobPreparer(deps);
  return (
    input: CreateJobRequest,
    ids: RequestIds,
    principal: Principal,
    webhookKeyVersions?: WebhookKeyVersions,
  ): InferenceQueuePayload => {
    const job: InferenceQueuePayload =
      input.type === "chat.completion"
        ? // Always streamed by the worker: the chunks fill the event log that /events replays.
          { ...prepareChat({ ...input.request, stream: false }, principal, ids).job, stream: true }
        : prepareEmbeddings(input.request, principal, ids);
    return {
      ...job,
      events_ttl_s: deps.jobs.retentionS,
      ...(input.webhook_url && { webhook_url: input.webhook_url, webhook_key_versions: webhookKeyVersions }),
    };
  };
}

/** Admits and enqueues an async job and records it; its ticket is settled from its event log when it ends. */
export async function submitJob(
  deps: SubmitJobDeps,
  input: CreateJobRequest,
  job: InferenceQueuePayload,
  res: Response,
): Promise<JobRecord> {
  const record: JobRecord = {
    id: job.request_id,
    tenant_id: job.caller.tenant_id,
    type: input.type,
    model: job.model,
    created_ms: job.accepted_at,
    ...(input.webhook_url && { webhook_url: input.webhook_url }),
  };
  await submitDetached(
    deps,
    job,
    (headers) => {
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    },
    () => deps.jobs.create(record),
  );
  return record;
}
