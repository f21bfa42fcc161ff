import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { listenHost, listenPort, logLevel, milliseconds, optionalString, parseEnv, queuePrefix, redisUrl } from "@gateway/config";
import { z } from "zod";

export const BillingEnv = z.object({
  BILLING_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  REDIS_URL: redisUrl,
  QUEUE_PREFIX: queuePrefix,
  HOST: listenHost,
  PORT: listenPort(8082),
  /** Shared secret the edge presents on the internal API. */
  BILLING_INTERNAL_TOKEN: z.string().min(16, "must be at least 16 characters"),
  LOG_LEVEL: logLevel,
  /** Usage events in flight at once; also the most rows one insert statement carries. */
  USAGE_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(64),
  /** How long an event waits for others to share its insert: billing lag traded for CPU. */
  USAGE_BATCH_WINDOW_MS: z.coerce.number().int().min(0).max(1_000).default(20),
  /** How soon a usage event held by a billing process that died is delivered again (BullMQ's lock). */
  LOCK_DURATION_MS: milliseconds(30_000, 500),
  /** Names this process's consumer in the deliveries stream's group: unique per process unless set. */
  BILLING_ID: z
    .string()
    .min(1)
    .default(() => `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`),
  /**
   * How long a delivery read by a billing process stays unacknowledged before another takes it
   * over (the first died, or Postgres held it up; writing it twice is harmless).
   */
  DELIVERY_CLAIM_IDLE_MS: milliseconds(60_000, 100),
  // The price table comes from the same model configuration as edge and worker use.
  GATEWAY_CONFIG_FILE: optionalString,
  LLAMA_SERVER_URLS: optionalString,
  GATEWAY_MODEL: optionalString,
});
export type BillingEnv = z.infer<typeof BillingEnv>;

/** Pure: tests pass their own record. */
export function parseBillingEnv(source: Record<string, string | undefined>): BillingEnv {
  return parseEnv(BillingEnv, source);
}

export function readEnv(): BillingEnv {
  return parseBillingEnv(process.env);
}
