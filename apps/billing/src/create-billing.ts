import { pricesOf } from "@gateway/config";
import type { GatewayConfig } from "@gateway/contracts";
import type { Logger, Registry } from "@gateway/observability";
import { createConsumer } from "@gateway/queue";
import type { Worker } from "bullmq";
import type { Express } from "express";
import type { Redis } from "ioredis";
import { createApp } from "./app.ts";
import { DeliveryConsumer } from "./deliveries/delivery-consumer.ts";
import { createDeliveryRepository } from "./deliveries/delivery-repository.ts";
import { createDeliverySweep, type DeliverySweep } from "./deliveries/delivery-sweep.ts";
import type { PrismaClient } from "./generated/prisma/client.ts";
import { createReconcileRepository } from "./reconcile/reconcile-repository.ts";
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
  /** This process's consumer in the deliveries group (BILLING_ID). */
  consumerName: string;
  /** See DELIVERY_CLAIM_IDLE_MS. */
  claimIdleMs: number;
}

export interface Billing {
  app: Express;
  consumer: Worker;
  /** Reads the deliveries stream on a connection of its own (a duplicate of `redis`), closed with it. */
  deliveries: DeliveryConsumer;
  sweep: DeliverySweep;
  /** Turns /readyz to 503 for the rest of the process's life. */
  stopAccepting(): void;
}

/** Wires the service from its clients; main.ts and the component tests share this wiring. */
export function createBilling(deps: BillingDeps): Billing {
  const repository = createUsageRepository(deps.prisma);
  const metrics = billingMetrics(deps.registry);
  const recordUsage = createRecordUsage({
    insert: batchedInsert((records) => repository.insertMany(records), { windowMs: deps.batchWindowMs, maxRows: deps.concurrency }),
    prices: pricesOf(deps.gateway),
    metrics,
    logger: deps.logger,
  });
  const deliveryRepository = createDeliveryRepository(deps.prisma);
  const deliveries = new DeliveryConsumer(deps.redis.duplicate(), deliveryRepository, metrics, deps.logger, {
    namespace: deps.queuePrefix,
    consumer: deps.consumerName,
    claimIdleMs: deps.claimIdleMs,
  });
  deliveries.start();
  const sweep = createDeliverySweep(deliveryRepository, metrics, deps.logger);
  sweep.start();
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
    reconcile: createReconcileRepository(deps.prisma),
    registry: deps.registry,
    logger: deps.logger,
    internalToken: deps.internalToken,
    accepting: () => accepting,
    checks: { postgres: () => repository.ping(), redis: async () => void (await deps.redis.ping()) },
  });
  return {
    app,
    consumer,
    deliveries,
    sweep,
    stopAccepting: () => {
      accepting = false;
    },
  };
}
