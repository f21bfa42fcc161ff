import type { Server } from "node:http";
import { errorHandler, expressServer, healthRoutes, notFound, type ReadinessCheck } from "@gateway/http";
import type { Logger, Registry } from "@gateway/observability";
import express from "express";

export interface HttpServerDeps {
  registry: Registry;
  logger: Logger;
  /** False once shutdown began: no balancer or orchestrator should count on this worker. */
  accepting: () => boolean;
  checks: Record<string, ReadinessCheck>;
}

/** /healthz (the process runs), /readyz (it can do work), /metrics, as every service serves them. Listened on by main.ts. */
export function createHttpServer({ registry, logger, accepting, checks }: HttpServerDeps): Server {
  const app = express();
  app.disable("x-powered-by");
  app.use(healthRoutes({ registry, accepting, checks, retryAfterS: 5 }));
  app.use(notFound);
  app.use(errorHandler(logger));
  return expressServer(app);
}
