import type { Logger, Registry } from "@gateway/observability";
import type { Redis } from "ioredis";
import type { EdgeEnv } from "../env.ts";
import { modelIndex } from "../models/model-index.ts";
import type { BillingClient } from "../usage/billing-client.ts";
import { Admission } from "./admission.ts";
import { contentPolicy, type ContentPolicy } from "./content-policy.ts";
import { LeaseKeeper } from "./lease-keeper.ts";
import { limitMetrics } from "./limit-metrics.ts";
import { tokenizedCount, type TokenizedCount } from "./prompt-tokens.ts";
import { QuotaReconciler } from "./quota-reconciler.ts";

export interface LimitServices {
  admission: Admission;
  contentPolicy: ContentPolicy;
  /** The model's own prompt count, for admission near the quota and for conversation turns. */
  tokenized: TokenizedCount;
  leases: LeaseKeeper;
  reconciler: QuotaReconciler | undefined;
  start(): void;
  /** Stops the timers and gives back what this process still holds. */
  stop(): Promise<void>;
}

/** Admission (rate, concurrency, tokens), lease renewal and reconciliation, wired from the environment. */
export function createLimitServices(
  env: EdgeEnv,
  redis: Redis,
  billing: BillingClient | undefined,
  registry: Registry,
  logger: Logger,
): LimitServices {
  const metrics = limitMetrics(registry);
  const leases = new LeaseKeeper(redis, env.LIMIT_LEASE_MS, logger);
  const tokenized = tokenizedCount(env.gateway, env.TOKENIZE_TIMEOUT_MS);
  const admission = new Admission({
    redis,
    namespace: env.QUEUE_PREFIX,
    tiers: env.gateway.tiers,
    leaseMs: env.LIMIT_LEASE_MS,
    timeoutMs: env.QUEUE_OUTAGE_WAIT_MS,
    leases,
    metrics,
    logger,
    tokenized,
    imageTokens: (model) => modelIndex(env.gateway).get(model)?.image_tokens ?? 2_048,
  });
  const reconciler = billing
    ? new QuotaReconciler({
        redis,
        namespace: env.QUEUE_PREFIX,
        billing,
        intervalMs: env.RECONCILE_INTERVAL_MS,
        edgeId: env.EDGE_ID,
        metrics,
        logger,
      })
    : undefined;
  return {
    admission,
    contentPolicy: contentPolicy(env.CONTENT_BLOCKED_PATTERNS, metrics),
    tokenized,
    leases,
    reconciler,
    start() {
      leases.start();
      reconciler?.start();
    },
    async stop() {
      leases.stop();
      reconciler?.stop();
      admission.close();
      await leases.releaseAll();
    },
  };
}
