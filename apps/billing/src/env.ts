import { parseEnv } from "@gateway/config";
import { z } from "zod";

const optional = z.string().trim().min(1).optional();

export const BillingEnv = z.object({
  BILLING_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default("redis://127.0.0.1:6379"),
  /** BullMQ key prefix: every service of one deployment must agree on it. */
  QUEUE_PREFIX: z.string().min(1).default("gw"),
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65_535).default(8082),
  /** Shared secret the edge presents on the internal API. */
  BILLING_INTERNAL_TOKEN: z.string().min(16, "must be at least 16 characters"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Usage events in flight at once; also the most rows one insert statement carries. */
  USAGE_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(64),
  /** How long an event waits for others to share its insert: billing lag traded for CPU. */
  USAGE_BATCH_WINDOW_MS: z.coerce.number().int().min(0).max(1_000).default(20),
  /** How soon a usage event held by a billing process that died is delivered again (BullMQ's lock). */
  LOCK_DURATION_MS: z.coerce.number().int().min(500).default(30_000),
  // The price table comes from the same model configuration as edge and worker use.
  GATEWAY_CONFIG_FILE: optional,
  LLAMA_SERVER_URLS: optional,
  GATEWAY_MODEL: optional,
});
export type BillingEnv = z.infer<typeof BillingEnv>;

/** Pure: tests pass their own record. */
export function parseBillingEnv(source: Record<string, string | undefined>): BillingEnv {
  return parseEnv(BillingEnv, source);
}

export function readEnv(): BillingEnv {
  return parseBillingEnv(process.env);
}
