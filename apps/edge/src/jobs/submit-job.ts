import { randomBytes } from "node:crypto";
import type { CreateJobRequest, GatewayConfig, InferenceQueuePayload, JobRecord } from "@gateway/contracts";
import { AppError } from "@gateway/http";
import type { Response } from "express";
import { assertModelAllowed } from "../auth/assert-model-allowed.ts";
import { admitJob, enqueueJob } from "../chat/admit-and-enqueue.ts";
import type { CallDeps } from "../chat/call-worker.ts";
import { chatRequestParser } from "../chat/parse-chat-request.ts";
import { toChatJob } from "../chat/to-chat-job.ts";
import { embeddingsRequestParser } from "../embeddings/parse-embeddings-request.ts";
import { toEmbeddingsJob } from "../embeddings/to-embeddings-job.ts";
import type { ContentPolicy } from "../limits/content-policy.ts";
import { assertTierMaxTokens } from "../limits/tier-max-tokens.ts";
import { canonicalModel } from "../models/model-index.ts";
import { attachToLog, type EventLog } from "../resume/event-log.ts";
import type { JobStore } from "./job-store.ts";

export interface SubmitJobDeps extends CallDeps {
  config: GatewayConfig;
  contentPolicy: ContentPolicy;
  requestTimeoutMs: number;
  jobs: JobStore;
  events: EventLog;
}

export const newJobId = () => `job_${randomBytes(12).toString("hex")}`;

/** Validates a job's request with the synchronous endpoint's own parser and builds its queue payload. */
export function jobPayloadBuilder(deps: SubmitJobDeps) {
  const parseChat = chatRequestParser(deps.config);
  const parseEmbeddings = embeddingsRequestParser(deps.config);
  return (input: CreateJobRequest, id: string, res: Response): InferenceQueuePayload => {
    const { caller, principal } = res.locals;
    const common = { requestId: id, caller, replyTo: deps.hub.channel, now: Date.now(), timeoutMs: deps.requestTimeoutMs };
    let job: InferenceQueuePayload;
    if (input.type === "chat.completion") {
      const request = parseChat({ ...input.request, stream: false });
      assertModelAllowed(principal, request.model, deps.config);
      const tier = deps.config.tiers[caller.tier];
      assertTierMaxTokens(request, caller.tier, tier);
      // Always streamed by the worker: the chunks fill the event log that /events replays.
      job = { ...toChatJob(request, deps.config, { ...common, maxTokensCap: tier?.max_tokens }), stream: true };
      deps.contentPolicy(job.params.messages);
    } else {
      const request = parseEmbeddings(input.request);
      assertModelAllowed(principal, request.model, deps.config);
      job = toEmbeddingsJob(request, { ...common, model: canonicalModel(deps.config, request.model) });
      deps.contentPolicy(job.prompts.flatMap((p) => (typeof p === "string" ? [{ role: "user" as const, content: p }] : [])));
    }
    return { ...job, events_ttl_s: deps.jobs.retentionS, ...(input.webhook_url && { webhook_url: input.webhook_url }) };
  };
}

/**
 * Admits and enqueues an async job and records it. Its admission ticket is settled from the
 * job's event log when the terminal message lands (on this process: if it dies first, the
 * ticket's leases expire by themselves).
 */
export async function submitJob(
  deps: SubmitJobDeps,
  input: CreateJobRequest,
  job: InferenceQueuePayload,
  res: Response,
): Promise<JobRecord> {
  const ticket = await admitJob(deps, job, res);
  const record: JobRecord = {
    id: job.request_id,
    tenant_id: job.caller.tenant_id,
    type: input.type,
    model: job.model,
    created_ms: job.accepted_at,
    ...(input.webhook_url && { webhook_url: input.webhook_url }),
  };
  try {
    await deps.jobs.create(record);
    await enqueueJob(deps, job, ticket);
  } catch {
    ticket.release(undefined);
    throw new AppError("backend_unavailable", "the job queue is unavailable", { retryAfter: 5 });
  }
  settleWhenDone(deps, job, ticket.release);
  return record;
}

function settleWhenDone(
  deps: SubmitJobDeps,
  job: InferenceQueuePayload,
  release: (usage: { prompt_tokens: number; completion_tokens?: number } | undefined) => void,
): void {
  let stop: (() => void) | undefined;
  let settled = false;
  const settle = (usage: Parameters<typeof release>[0]) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    stop?.();
    release(usage);
  };
  const timer = setTimeout(() => settle(undefined), Math.max(0, job.deadline_at - Date.now()) + deps.settleGraceMs);
  timer.unref();
  attachToLog(deps.events, job.request_id, "-", ({ message }) => {
    if (message.type === "chunk") return;
    settle(message.type === "result" ? message.response.usage : message.usage);
  })
    .then((off) => (settled ? off() : (stop = off)))
    .catch(() => undefined);
}
