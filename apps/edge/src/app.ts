import { errorHandler, healthRoutes, requestId } from "@gateway/http";
import type { Logger, Registry } from "@gateway/observability";
import express from "express";
import { adminRoutes, type AdminRouteDeps } from "./admin/admin-routes.ts";
import { chatCompletionsRoute, type ChatRouteDeps } from "./chat/chat-completions-route.ts";
import { completionsRoute, type CompletionsRouteDeps } from "./completions/completions-route.ts";
import { docsRoutes } from "./docs/docs-routes.ts";
import { embeddingsRoute, type EmbeddingsRouteDeps } from "./embeddings/embeddings-route.ts";
import { countRejections } from "./http/count-rejections.ts";
import { databaseUnavailable } from "./http/database-unavailable.ts";
import "./http/locals.ts";
import { newRequestId } from "./http/request-ids.ts";
import { observeRequests } from "./http/observe-requests.ts";
import { degradedChecks, readinessChecks, type ReadinessDeps } from "./http/readiness-checks.ts";
import { refuseWhileDraining } from "./http/refuse-while-draining.ts";
import { unmatchedRoute, type Listener } from "./http/routes-table.ts";
import { conversationsRoutes, type ConversationRouteDeps } from "./conversations/conversations-routes.ts";
import { jobsRoutes, type JobRouteDeps } from "./jobs/jobs-routes.ts";
import { keyRoutes } from "./keys/key-routes.ts";
import { modelsRoute, type ModelRouteDeps } from "./models/models-route.ts";
import { rerankRoute, type RerankRouteDeps } from "./rerank/rerank-route.ts";
import { chatResumeRoute } from "./resume/chat-resume-route.ts";
import { usageRoutes, type UsageRouteDeps } from "./usage/usage-routes.ts";
import { wsRoute } from "./ws/ws-route.ts";

export interface AppDeps
  extends
    ChatRouteDeps,
    ReadinessDeps,
    UsageRouteDeps,
    AdminRouteDeps,
    EmbeddingsRouteDeps,
    ModelRouteDeps,
    CompletionsRouteDeps,
    RerankRouteDeps,
    JobRouteDeps,
    ConversationRouteDeps {
  logger: Logger;
  registry: Registry;
  /** False once the listener closes on shutdown: a request on a kept-alive connection gets 503. */
  isAccepting: () => boolean;
  /** TRUST_PROXY: which proxies' X-Forwarded-For names the client address. */
  trustProxy?: string | undefined;
}

/**
 * Builds the edge's HTTP app for one listener; no I/O, no listening: start-edge.ts does that.
 * "all" serves everything on one port; with INTERNAL_PORT set, "public" leaves out /metrics and
 * the admin API, which "internal" serves beside the probes.
 */
export function createApp(deps: AppDeps, listener: Listener = "all"): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  if (deps.trustProxy !== undefined) app.set("trust proxy", trustProxyValue(deps.trustProxy));
  // Every id that names work is the server's; the client's own id is a label (docs/architecture.md, trust).
  app.use(requestId({ generate: newRequestId, clientLabel: true }));
  app.use(observeRequests(deps.metrics, deps.logger));
  const metrics = listener !== "public";
  app.use(
    healthRoutes({ registry: deps.registry, checks: readinessChecks(deps), degradedBy: degradedChecks(deps), retryAfterS: 5, metrics }),
  );
  if (listener === "internal") {
    app.use(adminRoutes(deps));
    return finish(app, deps, listener);
  }
  app.use(refuseWhileDraining(deps.isAccepting));
  app.use(chatCompletionsRoute(deps));
  app.use(completionsRoute(deps));
  app.use(embeddingsRoute(deps));
  app.use(rerankRoute(deps));
  app.use(modelsRoute(deps));
  app.use(jobsRoutes(deps));
  app.use(chatResumeRoute(deps));
  app.use(wsRoute());
  app.use(conversationsRoutes(deps));
  app.use(keyRoutes(deps.keyRepository, deps.authenticate));
  app.use(usageRoutes(deps));
  if (listener === "all") app.use(adminRoutes(deps));
  app.use(docsRoutes(deps.config));
  return finish(app, deps, listener);
}

function finish(app: express.Express, deps: AppDeps, listener: Listener): express.Express {
  app.use(unmatchedRoute(listener));
  app.use(errorHandler(deps.logger, { onError: countRejections(deps.metrics), classify: databaseUnavailable }));
  return app;
}

/** TRUST_PROXY as Express takes it: a hop count, true/false, or proxy addresses ("loopback, 10.0.0.0/8"). */
function trustProxyValue(raw: string): boolean | number | string {
  if (/^\d+$/.test(raw)) return Number(raw);
  if (raw === "true" || raw === "false") return raw === "true";
  return raw;
}
