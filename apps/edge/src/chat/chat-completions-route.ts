import type { GatewayConfig } from "@gateway/contracts";
import { Router, json } from "express";
import { authenticate } from "../auth/authenticate.ts";
import type { KeyStore } from "../auth/config-key-store.ts";
import { requireJson } from "../http/require-json.ts";
import type { CallDeps } from "./call-worker.ts";
import { chatRequestParser } from "./parse-chat-request.ts";
import { respondJson } from "./respond-json.ts";
import { respondStream } from "./respond-stream.ts";
import { toInferenceJob } from "./to-inference-job.ts";

export interface ChatRouteDeps extends CallDeps {
  config: GatewayConfig;
  keys: KeyStore;
  bodyLimit: string;
  requestTimeoutMs: number;
}

export function chatCompletionsRoute(deps: ChatRouteDeps): Router {
  const parse = chatRequestParser(deps.config);
  const router = Router();
  router.post("/v1/chat/completions", authenticate(deps.keys), requireJson, json({ limit: deps.bodyLimit }), async (req, res) => {
    const startedAt = process.hrtime.bigint();
    const request = parse(req.body);
    const job = toInferenceJob(request, deps.config, {
      requestId: res.locals.requestId,
      caller: res.locals.caller,
      replyTo: deps.hub.channel,
      now: Date.now(),
      timeoutMs: deps.requestTimeoutMs,
    });
    if (job.stream) await respondStream(deps, job, res, request.stream_options?.include_usage === true, startedAt);
    else await respondJson(deps, job, res);
  });
  return router;
}
