import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { loadGatewayConfig, parseEnv } from "@gateway/config";
import type { GatewayConfig } from "@gateway/contracts";
import { z } from "zod";

const EnvSchema = z.object({
  HOST: z.string().default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  REDIS_URL: z.string().default("redis://127.0.0.1:6379"),
  QUEUE_PREFIX: z.string().min(1).default("gw"),
  /** Names this process's relay channel; unique per replica. */
  EDGE_ID: z.string().regex(/^[A-Za-z0-9._-]+$/).default(`${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`),
  /** Comma-separated `key:tenant:tier` triples (stored, hashed keys replace this later). */
  GATEWAY_API_KEYS: z
    .string()
    .min(1, "configure at least one API key")
    .transform((spec) => spec.split(",").map((triple) => triple.trim().split(":")))
    .pipe(
      z.array(
        z
          .tuple([z.string().min(16, "API keys must be at least 16 characters"), z.string().min(1), z.string().min(1)])
          .transform(([key, tenant_id, tier]) => ({ key, tenant_id, tier })),
      ),
    ),
  BODY_LIMIT: z.string().default("1mb"),
  /** A request not answered within this long gets 504 and its job is cancelled. */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(300_000),
  /** A worker counts as alive if it sent a heartbeat within this long. */
  WORKER_SEEN_WITHIN_MS: z.coerce.number().int().min(1_000).default(10_000),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(25_000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  GATEWAY_CONFIG_FILE: z.string().optional(),
  LLAMA_SERVER_URLS: z.string().optional(),
  GATEWAY_MODEL: z.string().optional(),
});

export type EdgeEnv = z.infer<typeof EnvSchema> & { gateway: GatewayConfig };

export function parseEdgeEnv(source: Record<string, string | undefined>): EdgeEnv {
  const env = parseEnv(EnvSchema, source);
  return { ...env, gateway: loadGatewayConfig(env) };
}

export const readEnv = (): EdgeEnv => parseEdgeEnv(process.env);
