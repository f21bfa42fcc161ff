import type { Logger, Registry } from "@gateway/observability";
import express, { type Express } from "express";
import { errorHandler, notFound } from "./http/error-handler.ts";
import { healthRoutes } from "./http/health-routes.ts";
import { requestId } from "./http/request-id.ts";
import { requireBearerToken } from "./http/require-bearer-token.ts";
import { usageRoutes } from "./http/usage-routes.ts";
import type { UsageRepository } from "./usage/usage-repository.ts";

export interface AppDeps {
  repository: UsageRepository;
  registry: Registry;
  logger: Logger;
  internalToken: string;
  accepting: () => boolean;
  checks: Record<string, () => Promise<unknown>>;
  checkTimeoutMs?: number;
}

/** Builds the HTTP app; listening and everything else with a lifetime belongs to main.ts. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.use(requestId);
  app.use(healthRoutes(deps));
  app.use("/internal", requireBearerToken(deps.internalToken));
  app.use(usageRoutes(deps.repository));
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
