import { CreateJobRequest, eventsKey, ListQuery, type ErrorMessage, type JobList, type JobRecord } from "@gateway/contracts";
import { AppError } from "@gateway/http";
import { Router, json, type RequestHandler, type Response } from "express";
import type { Redis } from "ioredis";
import { listPage } from "../http/list-page.ts";
import { parseInput, pathId } from "../http/parse-input.ts";
import { requireJson } from "../http/require-json.ts";
import { claimIdempotency, type IdempotencyStore } from "../idempotency/idempotency-store.ts";
import { admitReader } from "../limits/admit-reader.ts";
import { limitHeadersOnError } from "../limits/limit-headers-on-error.ts";
import { lastEventId } from "../sse/open-sse.ts";
import type { JobStore } from "./job-store.ts";
import { jobLinks, noteDelivered, viewJob } from "./job-view.ts";
import type { WebhookTarget } from "../webhooks/webhook-target.ts";
import { streamJobEvents } from "./stream-job-events.ts";
import { jobPayloadBuilder, newJobId, submitJob, type SubmitJobDeps } from "./submit-job.ts";

export interface JobRouteDeps extends SubmitJobDeps {
  idempotency: IdempotencyStore;
  authenticate: RequestHandler;
  bodyLimit: string;
  redis: Redis;
  namespace: string;
  keepAliveMs: number;
  slowClientBufferBytes: number;
  webhookTarget: WebhookTarget;
}

/** A Redis stream entry id: what a job's events are numbered by. */
const STREAM_ENTRY_ID = /^\d{1,15}-\d{1,10}$/;

async function findJob(jobs: JobStore, res: Response, id: string): Promise<JobRecord> {
  const found = await jobs.get(res.locals.caller.tenant_id, id);
  if (found === "expired")
    throw new AppError("job_expired", `job '${id}' finished more than ${jobs.retentionS} s ago and its result is no longer kept`);
  if (!found) throw new AppError("not_found", `no job '${id}'`);
  return found;
}

/** `/v1/jobs`: async chat completions and embeddings, polled, followed over SSE, or cancelled. */
export function jobsRoutes(deps: JobRouteDeps): Router {
  const build = jobPayloadBuilder(deps);
  const router = Router();
  router.post("/v1/jobs", deps.authenticate, requireJson, json({ limit: deps.bodyLimit }), async (req, res) => {
    const input = parseInput(CreateJobRequest, req.body);
    const tenant = res.locals.caller.tenant_id;
    // Before anything is admitted, claimed or queued: a refused webhook leaves no trace.
    const versions = input.webhook_url ? await deps.webhookTarget(tenant, input.webhook_url) : undefined;
    const payload = build(input, { requestId: newJobId(), clientRequestId: res.locals.clientRequestId }, res.locals.principal, versions);
    const claim = await claimIdempotency(deps.idempotency, req, tenant, payload.request_id);
    let record: JobRecord;
    if (claim?.repeat) {
      res.setHeader("idempotent-replayed", "true");
      record = await findJob(deps.jobs, res, claim.requestId);
    } else {
      record = await submitJob(deps, input, payload, res).catch(async (err: unknown) => {
        await claim?.release();
        throw err;
      });
    }
    res
      .status(202)
      .location(`/v1/jobs/${record.id}`)
      .json({ id: record.id, object: "job", status: "queued", created: Math.floor(record.created_ms / 1000), links: jobLinks(record.id) });
  });
  router.get("/v1/jobs", deps.authenticate, async (req, res) => {
    const query = parseInput(ListQuery, req.query);
    const { records, hasMore } = await deps.jobs.list(res.locals.caller.tenant_id, query.limit, query.after);
    const data = await Promise.all(records.map((record) => viewJob(deps, record)));
    const page: JobList = listPage({ data, hasMore });
    res.json(page);
    for (const job of data) noteDelivered(deps.deliveries, job);
  });
  router.get("/v1/jobs/:id", deps.authenticate, async (req, res) => {
    const job = await viewJob(deps, await findJob(deps.jobs, res, pathId(req)));
    res.json(job);
    noteDelivered(deps.deliveries, job);
  });
  router.delete("/v1/jobs/:id", deps.authenticate, async (req, res) => {
    const record = await findJob(deps.jobs, res, pathId(req));
    const before = await viewJob(deps, record);
    if (before.status === "queued" || before.status === "running") {
      await deps.jobs.markCancelled(record);
      await deps.hub.cancel(record.id, "cancelled");
      // A queued job is only skipped when a worker reaches it: its end is written now, so
      // pollers and /events see it cancelled at once (the worker's own word later is ignored).
      if (before.status === "queued") {
        const end: ErrorMessage = {
          type: "error",
          request_id: record.id,
          code: "client_closed_request",
          message: "job cancelled before it started",
        };
        const key = eventsKey(deps.namespace, record.id);
        await deps.redis.multi().xadd(key, "*", "m", JSON.stringify(end)).expire(key, deps.jobs.retentionS).exec();
      }
    }
    const after = await viewJob(deps, record);
    res.json(after);
    noteDelivered(deps.deliveries, after);
  });
  router.get("/v1/jobs/:id/events", deps.authenticate, async (req, res) => {
    const record = await findJob(deps.jobs, res, pathId(req));
    const after = lastEventId(req, STREAM_ENTRY_ID);
    await admitReader(deps.admission, res);
    await streamJobEvents(deps, record, after, res);
  });
  router.use(limitHeadersOnError(deps.admission));
  return router;
}
