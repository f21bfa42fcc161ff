import { pricesOf } from "@gateway/config";
import { DELIVERIES_GROUP, deliveriesKey, USAGE_GROUP, usageEventsKey, type GatewayConfig } from "@gateway/contracts";
import type { Logger, Registry } from "@gateway/observability";
import type { Express } from "express";
import type { Redis } from "ioredis";
import type pg from "pg";
import { createApp } from "./app.ts";
import { createDeliveryRepository } from "./deliveries/delivery-repository.ts";
import { deliverySink } from "./deliveries/delivery-sink.ts";
import { createDeliverySweep, type DeliverySweep } from "./deliveries/delivery-sweep.ts";
import type { PrismaClient } from "./generated/prisma/client.ts";
import { createReconcileRepository } from "./reconcile/reconcile-repository.ts";
import { StreamConsumer } from "./streams/stream-consumer.ts";
import { billingMetrics } from "./usage/billing-metrics.ts";
import { createRecordUsage } from "./usage/record-usage.ts";
import { createUsageRepository } from "./usage/usage-repository.ts";
import { usageSink } from "./usage/usage-sink.ts";

export interface BillingDeps {
  prisma: PrismaClient;
  /** The pool under `prisma` (billing-database.ts): the batch writes use it directly. */
  pool: pg.Pool;
  /** For health checks and setting entries aside; each stream consumer reads on a duplicate of it. */
  redis: Redis;
  gateway: GatewayConfig;
  registry: Registry;
  logger: Logger;
  queuePrefix: string;
  /** Usage events per read and per insert statement (USAGE_BATCH_SIZE). */
  batchSize: number;
  /** See USAGE_BATCH_WINDOW_MS: for both streams. */
  batchWindowMs: number;
  internalToken: string;
  /** This process's consumer in the usage and deliveries groups (BILLING_ID). */
  consumerName: string;
  /** See USAGE_CLAIM_IDLE_MS. */
  usageClaimIdleMs: number;
  /** See DELIVERY_CLAIM_IDLE_MS. */
  claimIdleMs: number;
}

export interface Billing {
  app: Express;
  /** Reads the usage stream into usage_records, on a connection of its own (a duplicate of `redis`), closed with it. */
  usage: StreamConsumer;
  /** Reads the deliveries stream, likewise. */
  deliveries: StreamConsumer;
  sweep: DeliverySweep;
  /** Turns /readyz to 503 for the rest of the process's life. */
  stopAccepting(): void;
}

/** Wires the service from its clients; main.ts and the component tests share this wiring. */
export function createBilling(deps: BillingDeps): Billing {
  const repository = createUsageRepository(deps.prisma, deps.pool);
  const metrics = billingMetrics(deps.registry);
  const recordUsage = createRecordUsage({
    insertMany: (records) => repository.insertMany(records),
    prices: pricesOf(deps.gateway),
    metrics,
    logger: deps.logger,
  });
  const usage = new StreamConsumer(
    deps.redis.duplicate(),
    usageSink(recordUsage, deps.redis, deps.queuePrefix, metrics, deps.logger),
    deps.logger,
    {
      name: "usage events",
      key: usageEventsKey(deps.queuePrefix),
      group: USAGE_GROUP,
      consumer: deps.consumerName,
      claimIdleMs: deps.usageClaimIdleMs,
      batchSize: deps.batchSize,
      windowMs: deps.batchWindowMs,
    },
  );
  usage.start();
  const deliveryRepository = createDeliveryRepository(deps.prisma, deps.pool);
  const deliveries = new StreamConsumer(deps.redis.duplicate(), deliverySink(deliveryRepository, metrics, deps.logger), deps.logger, {
    name: "deliveries",
    key: deliveriesKey(deps.queuePrefix),
    group: DELIVERIES_GROUP,
    consumer: deps.consumerName,
    claimIdleMs: deps.claimIdleMs,
    windowMs: deps.batchWindowMs,
  });
  deliveries.start();
  const sweep = createDeliverySweep(deliveryRepository, metrics, deps.logger);
  sweep.start();
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
    usage,
    deliveries,
    sweep,
    stopAccepting: () => {
      accepting = false;
    },
  };
}
