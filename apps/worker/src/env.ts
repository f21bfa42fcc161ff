import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import {
  egressAllowCidrs,
  envBoolean,
  listenHost,
  listenPort,
  loadGatewayConfig,
  logLevel,
  milliseconds as ms,
  optionalString,
  parseEnv,
  queuePrefix,
  redisUrl,
  webhookMasterKey,
} from "@gateway/config";
import type { GatewayConfig } from "@gateway/contracts";
import { z } from "zod";

const Schema = z.object({
  REDIS_URL: redisUrl,
  QUEUE_PREFIX: queuePrefix,
  /** Names this process's slot leases, heartbeat and registry entry: unique per process unless set. */
  WORKER_ID: z
    .string()
    .min(1)
    .default(() => `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`),
  HOST: listenHost,
  PORT: listenPort(8083),
  LOG_LEVEL: logLevel,
  /** Debugging only: prompts and completions in debug log lines (redacted otherwise). */
  LOG_CONTENT: envBoolean.default(false),
  /** Jobs run at once; unset means twice the slots of the backends that can take work, followed as they change. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).optional(),
  /** Short values make a dead worker's job re-delivered sooner (crash-recovery tests). */
  LOCK_DURATION_MS: ms(30_000),
  BACKEND_CONNECT_TIMEOUT_MS: ms(2_000),
  /** Covers prompt processing of a long prompt on a slow box, not queueing: we never exceed slots. */
  BACKEND_FIRST_TOKEN_TIMEOUT_MS: ms(30_000),
  BACKEND_IDLE_TIMEOUT_MS: ms(15_000),
  BACKEND_TOTAL_TIMEOUT_MS: ms(300_000),
  /** A slot lease outlives a dead worker by at most this long; live workers renew theirs. */
  BACKEND_LEASE_TTL_MS: ms(15_000),
  /** Circuit breakers: how long one stays open before a /health trial, and what opens it. */
  BREAKER_RESET_MS: ms(5_000),
  BREAKER_CONSECUTIVE_FAILURES: ms(3),
  BREAKER_ERROR_PERCENTAGE: z.coerce.number().int().min(1).max(100).default(50),
  BREAKER_WINDOW_MS: ms(10_000),
  BREAKER_MIN_REQUESTS: ms(10),
  /** Inputs per embeddings backend call: larger requests are split across the pool. */
  EMBEDDINGS_BATCH_SIZE: ms(32),
  /** Backends tried per job before the first token (each one at most once). */
  BACKEND_MAX_ATTEMPTS: ms(3),
  BACKEND_RETRY_BACKOFF_MS: z.coerce.number().int().min(0).default(25),
  PROBE_INTERVAL_MS: ms(2_000),
  PROBE_TIMEOUT_MS: ms(1_000),
  TOKENIZE_TIMEOUT_MS: ms(200),
  HEARTBEAT_INTERVAL_MS: ms(2_000),
  /** An edge that has not beaten for this long is gone: its streams and synchronous requests here are cancelled. */
  EDGE_SEEN_WITHIN_MS: ms(3_000),
  /** How long SIGTERM lets in-flight generations finish before aborting them. */
  SHUTDOWN_TIMEOUT_MS: ms(25_000),
  /** Each tenant's webhook signing secrets are derived from it (the edges' too); unset: deliveries fail rather than go out unsigned. */
  WEBHOOK_MASTER_KEY: webhookMasterKey,
  /** One secret for every tenant let a tenant replay its deliveries to another's receiver: refused, not ignored. */
  WEBHOOK_SECRET: z
    .undefined({
      error:
        "is no longer read: set WEBHOOK_MASTER_KEY on edges and workers and create each tenant's secret (pnpm gateway webhook-secret create --tenant T)",
    })
    .optional(),
  /** Where tenant-chosen URLs may point inside the operator's network (webhook deliveries, remote images). */
  EGRESS_ALLOW_CIDRS: egressAllowCidrs,
  WEBHOOK_TIMEOUT_MS: ms(10_000),
  /** First retry delay of a refused webhook delivery; each next one doubles. */
  WEBHOOK_RETRY_DELAY_MS: ms(1_000),
  GATEWAY_CONFIG_FILE: optionalString,
  LLAMA_SERVER_URLS: optionalString,
  GATEWAY_MODEL: optionalString,
});

/** The schema's own variable names, as edge and billing have them, plus the gateway config they name. */
export type WorkerEnv = z.infer<typeof Schema> & { config: GatewayConfig };

/** Pure: parses an env-like record (tests pass their own); throws one error naming every bad variable. */
export function parseWorkerEnv(source: Record<string, string | undefined>): WorkerEnv {
  const env = parseEnv(Schema, source);
  return { ...env, config: loadGatewayConfig(env) };
}

/** The process's configuration; called once, by main.ts. */
export function readEnv(): WorkerEnv {
  return parseWorkerEnv(process.env);
}
