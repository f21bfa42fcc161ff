import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import {
  egressAllowCidrs,
  envBoolean,
  listenHost,
  listenPort,
  loadGatewayConfig,
  logLevel,
  milliseconds,
  optionalString,
  parseEnv,
  queuePrefix,
  redisUrl,
  unlessBlank,
  webhookMasterKey,
} from "@gateway/config";
import { MAX_ROTATION_GRACE_S, type GatewayConfig } from "@gateway/contracts";
import { z } from "zod";
import { compileBlockedPatterns } from "./limits/content-policy.ts";

/** Where keys live, and how a rotation's grace defaults: shared by the server and the CLI. */
const KeyStoreEnv = z.object({
  EDGE_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  /** How long a rotated-out secret (API key or webhook signing secret) keeps working when the rotation does not say. */
  KEY_ROTATION_GRACE_S: z.coerce.number().int().min(0).max(MAX_ROTATION_GRACE_S).default(3_600),
  /** Tenants' webhook signing secrets are derived from it (the same on every edge and worker); unset: no webhooks. */
  WEBHOOK_MASTER_KEY: webhookMasterKey,
  GATEWAY_CONFIG_FILE: optionalString,
  LLAMA_SERVER_URLS: optionalString,
  GATEWAY_MODEL: optionalString,
});

/** JSON array of RE2 regular expressions (matched case-insensitively) that nothing a client sends may match. */
const BlockedPatterns = z
  .string()
  .default("[]")
  .transform((raw, ctx) => {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: "must be a JSON array of regular expressions" });
      return z.NEVER;
    }
  })
  .pipe(z.array(z.string().min(1)).max(200))
  .transform((sources, ctx) => {
    try {
      return compileBlockedPatterns(sources);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
      return z.NEVER;
    }
  });

const EnvSchema = KeyStoreEnv.extend({
  HOST: listenHost,
  PORT: listenPort(8080),
  /**
   * When set, /metrics and /v1/admin/* are served only on this port (keep it off the public
   * listener), beside /healthz and /readyz; unset, everything is on PORT.
   */
  INTERNAL_PORT: unlessBlank(z.coerce.number().int().min(0).max(65_535)),
  /** Express's `trust proxy` (hops or addresses of the proxies in front): the client address throttles are keyed by. */
  TRUST_PROXY: optionalString,
  REDIS_URL: redisUrl,
  QUEUE_PREFIX: queuePrefix,
  /** Names this process's relay channel; unique per replica. */
  EDGE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/)
    .default(`${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`),
  /** Replaced by stored keys: refusing it beats silently ignoring keys an operator relies on. */
  GATEWAY_API_KEYS: z
    .undefined({ error: "is no longer read: keys live in EDGE_DATABASE_URL; move them with `pnpm gateway keys import`" })
    .optional(),
  /** Credential for /v1/admin/…; the admin API answers 401 to everyone while unset. */
  ADMIN_API_KEY: unlessBlank(z.string().min(32, "must be at least 32 characters")),
  /** How stale a cached key may be: a revoked or rotated key stops working on every replica within this. */
  KEY_CACHE_TTL_MS: milliseconds(5_000, 100),
  /** While the key store is unreachable, keys seen within this long keep working (inference goes on through a database outage). */
  KEY_CACHE_STALE_MS: milliseconds(600_000, 0),
  /** last_used_at is written in one batch per interval, never per request. */
  LAST_USED_FLUSH_MS: milliseconds(30_000, 100),
  /** Optional JWT bearer tokens: an HS256 secret or a JWKS URL (not both). */
  JWT_HS256_SECRET: unlessBlank(z.string().min(32, "must be at least 32 characters")),
  JWT_JWKS_URL: unlessBlank(z.url({ protocol: /^https?$/ })),
  JWT_ISSUER: optionalString,
  JWT_AUDIENCE: optionalString,
  JWT_TENANT_CLAIM: z.string().min(1).default("sub"),
  JWT_TIER_CLAIM: z.string().min(1).default("tier"),
  /** Tier for a token without the tier claim; unset means such a token is refused. */
  JWT_DEFAULT_TIER: optionalString,
  /** Concurrency slots and token reservations expire unless renewed: a crashed edge frees them within this. */
  LIMIT_LEASE_MS: milliseconds(30_000, 1_000),
  /** After a cancel or timeout, how long to wait for the worker's last word (what was produced) before releasing. */
  SETTLE_GRACE_MS: milliseconds(10_000, 0),
  /** Budget for an exact prompt count from a backend's /tokenize (asked only near the token quota). */
  TOKENIZE_TIMEOUT_MS: milliseconds(200),
  BILLING_URL: unlessBlank(z.url({ protocol: /^https?$/ })),
  BILLING_INTERNAL_TOKEN: unlessBlank(z.string().min(16, "must be at least 16 characters")),
  BILLING_TIMEOUT_MS: milliseconds(5_000),
  /** How often one replica raises the token counters to what billing recorded. */
  RECONCILE_INTERVAL_MS: milliseconds(60_000, 1_000),
  CONTENT_BLOCKED_PATTERNS: BlockedPatterns,
  /** Where tenant-chosen URLs may point inside the operator's network (remote images, webhooks). */
  EGRESS_ALLOW_CIDRS: egressAllowCidrs,
  BODY_LIMIT: z.string().default("1mb"),
  /** A request not answered within this long gets 504 and its job is cancelled. */
  REQUEST_TIMEOUT_MS: milliseconds(300_000, 100),
  /** A worker counts as alive if it sent a heartbeat within this long. */
  WORKER_SEEN_WITHIN_MS: milliseconds(10_000, 1_000),
  /** A model whose queue would make a new request wait longer than this gets 503 + Retry-After; 0 never sheds. */
  MAX_QUEUE_WAIT_MS: milliseconds(30_000, 0),
  SHUTDOWN_GRACE_MS: milliseconds(25_000, 0),
  /**
   * After SIGTERM, how long the edge keeps serving new requests with /readyz already 503, so that
   * a load balancer (or Kubernetes endpoints) stops routing here before the listener closes. 0
   * (the default) closes at once; set it to your balancer's health-check interval times its
   * failure threshold.
   */
  SHUTDOWN_DELAY_MS: z.coerce.number().int().min(0).max(120_000).default(0),
  /** How long an async job's record, event log and result are kept after it was created. */
  JOB_RETENTION_S: z.coerce.number().int().min(60).default(86_400),
  /** How long a chat stream's events stay replayable for a client that reconnects (the resume URL). */
  STREAM_RETENTION_S: z.coerce.number().int().min(10).default(600),
  /** A stream whose client went away keeps generating this long for a reconnect before it is cancelled; 0 cancels at once. */
  STREAM_RESUME_GRACE_MS: milliseconds(10_000, 0),
  /** How long an Idempotency-Key is remembered (and its request's outcome kept for repeats). */
  IDEMPOTENCY_TTL_S: z.coerce.number().int().min(60).default(86_400),
  /** A comment on every open SSE stream this often, so proxies do not cut a stream whose job waits in the queue. */
  SSE_KEEPALIVE_MS: milliseconds(15_000, 100),
  /**
   * How long a request in flight waits for Redis to come back before it ends with 503
   * queue_unavailable; when Redis is back sooner, it catches up from its event log and is answered.
   */
  QUEUE_OUTAGE_WAIT_MS: milliseconds(10_000, 100),
  /** A WebSocket that has not authenticated within this long is closed (1008). */
  WS_AUTH_TIMEOUT_MS: milliseconds(5_000, 100),
  /**
   * A client that stops reading (SSE or WebSocket) is disconnected once this many bytes wait for
   * it in the edge: its requests then end as a client that left (cancelled, what was produced billed).
   */
  SLOW_CLIENT_BUFFER_BYTES: z.coerce.number().int().min(16_384).default(1_048_576),
  /** Unknown API keys one client address may try per minute before it gets 429 (each costs a key-store lookup). */
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  LOG_LEVEL: logLevel,
  /** Debugging only: keep prompts and completions in log lines that carry them (redacted otherwise). */
  LOG_CONTENT: envBoolean.default(false),
})
  .refine((e) => !(e.JWT_HS256_SECRET && e.JWT_JWKS_URL), {
    path: ["JWT_JWKS_URL"],
    message: "set JWT_HS256_SECRET or JWT_JWKS_URL, not both",
  })
  .refine((e) => !e.BILLING_URL === !e.BILLING_INTERNAL_TOKEN, {
    path: ["BILLING_INTERNAL_TOKEN"],
    message: "BILLING_URL and BILLING_INTERNAL_TOKEN go together",
  });

export type EdgeEnv = z.infer<typeof EnvSchema> & { gateway: GatewayConfig };

export function parseEdgeEnv(source: Record<string, string | undefined>): EdgeEnv {
  const env = parseEnv(EnvSchema, source);
  const gateway = loadGatewayConfig(env);
  if (env.JWT_DEFAULT_TIER && !gateway.tiers[env.JWT_DEFAULT_TIER]) {
    throw new Error(`invalid environment:\nJWT_DEFAULT_TIER: '${env.JWT_DEFAULT_TIER}' is not a configured tier`);
  }
  return { ...env, gateway };
}

export const readEnv = (): EdgeEnv => parseEdgeEnv(process.env);

const CliSchema = KeyStoreEnv.extend({
  /** Only `keys import` reads it: the `key:tenant:tier` triples of the old configuration. */
  GATEWAY_API_KEYS: optionalString,
});

/** The CLI's environment: the key store, and the gateway config when there is one (to check tiers and models). */
export type CliEnv = z.infer<typeof CliSchema> & { gateway: GatewayConfig | undefined };

export function parseCliEnv(source: Record<string, string | undefined>): CliEnv {
  const env = parseEnv(CliSchema, source);
  const configured = env.GATEWAY_CONFIG_FILE || env.LLAMA_SERVER_URLS;
  return { ...env, gateway: configured ? loadGatewayConfig(env) : undefined };
}

export const readCliEnv = (): CliEnv => parseCliEnv(process.env);

/** `pnpm gateway usage …`: billing's internal API, and the Redis where the workers keep the backends' own token counts. */
const UsageCliSchema = z.object({
  BILLING_URL: z.url({ protocol: /^https?$/ }),
  BILLING_INTERNAL_TOKEN: z.string().min(16, "must be at least 16 characters"),
  /** A reconciliation of many busy days is a long query: longer than the edge's 5 s per usage call. */
  BILLING_TIMEOUT_MS: milliseconds(60_000),
  REDIS_URL: redisUrl,
  /** The deployment's namespace, as edges and workers have it. */
  QUEUE_PREFIX: queuePrefix,
});
export type UsageCliEnv = z.infer<typeof UsageCliSchema>;

export const parseUsageCliEnv = (source: Record<string, string | undefined>): UsageCliEnv => parseEnv(UsageCliSchema, source);

export const readUsageCliEnv = (): UsageCliEnv => parseUsageCliEnv(process.env);
