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
  /** Usage events per read of the stream and per insert statement (19 bind parameters each, far below Postgres's 65,535). */
  USAGE_BATCH_SIZE: z.coerce.number().int().min(1).max(2_000).default(500),
  /**
   * How long a read of the usage or the deliveries stream that did not fill a batch waits for more
   * entries to share its statement: billing lag traded for CPU. At 20 ms a gateway at 200 requests
   * per second paid ~1.8 ms of billing CPU per request (a statement for every one or two); at 100 ms,
   * 0.3 ms (docs/architecture.md, Benchmarks).
   */
  USAGE_BATCH_WINDOW_MS: z.coerce.number().int().min(0).max(1_000).default(100),
  /** How long a usage event read by a billing process stays unwritten before another takes it over (the first died). */
  USAGE_CLAIM_IDLE_MS: milliseconds(30_000, 100),
  /** Names this process's consumer in the usage and deliveries streams' groups: unique per process unless set. */
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
