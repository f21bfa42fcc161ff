import { randomUUID } from "node:crypto";
import { errorHandler, healthRoutes, notFound, requestId, type ReadinessCheck } from "@gateway/http";
import type { Logger, Registry } from "@gateway/observability";
import express, { type Express } from "express";
import { reconcileRoutes } from "./http/reconcile-routes.ts";
import { requireBearerToken } from "./http/require-bearer-token.ts";
import { usageRoutes } from "./http/usage-routes.ts";
import type { ReconcileRepository } from "./reconcile/reconcile-repository.ts";
import type { UsageRepository } from "./usage/usage-repository.ts";

// The edge forwards its own request id so one request can be followed across services; anything
// else (absent, oversized, odd characters) is replaced rather than echoed into logs and headers.
const FORWARDABLE = /^[A-Za-z0-9._:-]{1,128}$/;

export interface AppDeps {
  repository: UsageRepository;
  reconcile: ReconcileRepository;
  registry: Registry;
  logger: Logger;
  internalToken: string;
  /** False once shutdown has begun, so load balancers stop sending traffic before we close. */
  accepting: () => boolean;
  /** Named dependency checks; each rejects when its dependency is unusable. */
  checks: Record<string, ReadinessCheck>;
  checkTimeoutMs?: number;
}

/** Builds the HTTP app; listening and everything else with a lifetime belongs to main.ts. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.use(requestId({ trusted: FORWARDABLE, generate: randomUUID }));
  app.use(healthRoutes(deps));
  app.use("/internal", requireBearerToken(deps.internalToken));
  app.use(usageRoutes(deps.repository));
  app.use(reconcileRoutes(deps.reconcile));
  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
