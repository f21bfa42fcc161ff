import { pricesOf } from "@gateway/config";
import type { GatewayConfig } from "@gateway/contracts";
import type { Logger, Registry } from "@gateway/observability";
import { createConsumer } from "@gateway/queue";
import type { Worker } from "bullmq";
import type { Express } from "express";
import type { Redis } from "ioredis";
import { createApp } from "./app.ts";
import type { PrismaClient } from "./generated/prisma/client.ts";
import { billingMetrics } from "./usage/billing-metrics.ts";
import { batchedInsert } from "./usage/batched-insert.ts";
import { createRecordUsage } from "./usage/record-usage.ts";
import { createUsageRepository } from "./usage/usage-repository.ts";

export interface BillingDeps {
  prisma: PrismaClient;
  /** A BullMQ-ready connection (maxRetriesPerRequest: null). */
  redis: Redis;
  gateway: GatewayConfig;
  registry: Registry;
  logger: Logger;
  queuePrefix: string;
  concurrency: number;
  /** See USAGE_BATCH_WINDOW_MS. */
  batchWindowMs: number;
  /** See LOCK_DURATION_MS; BullMQ's 30 s when absent. */
  lockDurationMs?: number;
  internalToken: string;
}

export interface Billing {
  app: Express;
  consumer: Worker;
  /** Turns /readyz to 503 for the rest of the process's life. */
  stopAccepting(): void;
}

/** Wires the service from its clients; main.ts and the component tests share this wiring. */
export function createBilling(deps: BillingDeps): Billing {
  const repository = createUsageRepository(deps.prisma);
  const recordUsage = createRecordUsage({
    insert: batchedInsert((records) => repository.insertMany(records), { windowMs: deps.batchWindowMs, maxRows: deps.concurrency }),
    prices: pricesOf(deps.gateway),
    metrics: billingMetrics(deps.registry),
    logger: deps.logger,
  });
  const consumer = createConsumer("usage", (event) => recordUsage(event), {
    connection: deps.redis,
    prefix: deps.queuePrefix,
    concurrency: deps.concurrency,
    ...(deps.lockDurationMs && { lockDurationMs: deps.lockDurationMs }),
    registry: deps.registry,
    logger: deps.logger,
  });
  let accepting = true;
  const app = createApp({
    repository,
    registry: deps.registry,
    logger: deps.logger,
    internalToken: deps.internalToken,
    accepting: () => accepting,
    checks: { postgres: () => repository.ping(), redis: async () => void (await deps.redis.ping()) },
  });
  return {
    app,
    consumer,
    stopAccepting: () => {
      accepting = false;
    },
  };
}
