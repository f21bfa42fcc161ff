import type { Logger, Registry } from "@gateway/observability";
import express from "express";
import { chatCompletionsRoute, type ChatRouteDeps } from "./chat/chat-completions-route.ts";
import { errorHandler } from "./http/error-handler.ts";
import { healthRoutes, type HealthDeps } from "./http/health-routes.ts";
import "./http/locals.ts";
import { observeRequests } from "./http/observe-requests.ts";
import { requestId } from "./http/request-id.ts";
import { unmatchedRoute } from "./http/routes-table.ts";

export interface AppDeps extends ChatRouteDeps, HealthDeps {
  logger: Logger;
  registry: Registry;
}

/** Builds the edge's HTTP app; no I/O, no listening: main.ts does that. */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use(requestId);
  app.use(observeRequests(deps.metrics));
  app.use(healthRoutes(deps));
  app.use(chatCompletionsRoute(deps));
  app.use(unmatchedRoute);
  app.use(errorHandler(deps.logger));
  return app;
}
