import type { GatewayConfig } from "@gateway/contracts";
import { Router, json, type RequestHandler } from "express";
import { assertModelAllowed } from "../auth/assert-model-allowed.ts";
import { requireJson } from "../http/require-json.ts";
import { idempotentChat } from "../idempotency/idempotent-chat.ts";
import type { IdempotencyStore } from "../idempotency/idempotency-store.ts";
import type { ContentPolicy } from "../limits/content-policy.ts";
import { limitHeadersOnError } from "../limits/limit-headers-on-error.ts";
import type { EventLog } from "../resume/event-log.ts";
import type { StreamResumeDeps } from "../resume/stream-attachments.ts";
import { assertTierMaxTokens } from "../limits/tier-max-tokens.ts";
import type { CallDeps } from "./call-worker.ts";
import { chatRequestParser } from "./parse-chat-request.ts";
import { respondJson } from "./respond-json.ts";
import { respondStream } from "./respond-stream.ts";
import { toChatJob } from "./to-chat-job.ts";

export interface ChatRouteDeps extends CallDeps, StreamResumeDeps {
  events: EventLog;
  idempotency: IdempotencyStore;
  config: GatewayConfig;
  /** Puts the principal on res.locals, or 401. */
  authenticate: RequestHandler;
  contentPolicy: ContentPolicy;
  bodyLimit: string;
  requestTimeoutMs: number;
}

export function chatCompletionsRoute(deps: ChatRouteDeps): Router {
  const parse = chatRequestParser(deps.config);
  const router = Router();
  router.post("/v1/chat/completions", deps.authenticate, requireJson, json({ limit: deps.bodyLimit }), async (req, res) => {
    const startedAt = process.hrtime.bigint();
    const request = parse(req.body);
    const { caller } = res.locals;
    const tier = deps.config.tiers[caller.tier];
    assertModelAllowed(res.locals.principal, request.model, deps.config);
    assertTierMaxTokens(request, caller.tier, tier);
    const job = toChatJob(request, deps.config, {
      requestId: res.locals.requestId,
      caller,
      replyTo: deps.hub.channel,
      now: Date.now(),
      timeoutMs: deps.requestTimeoutMs,
      maxTokensCap: tier?.max_tokens,
    });
    deps.contentPolicy(job.params.messages);
    if (deps.idempotency.keyOf(req) !== undefined)
      return idempotentChat(deps, req, res, job, request.stream_options?.include_usage === true, startedAt);
    if (job.stream) await respondStream(deps, job, res, request.stream_options?.include_usage === true, startedAt);
    else await respondJson(deps, job, res);
  });
  router.use(limitHeadersOnError(deps.admission));
  return router;
}
