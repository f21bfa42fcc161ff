import { createLogger } from "@gateway/observability";
import { createTestDatabase } from "@gateway/test-kit/postgres";
import { TEST_REDIS_URL, testPrefix } from "@gateway/test-kit/redis";
import { inject } from "vitest";
import { parseEdgeEnv } from "../src/env.ts";
import { createKeyAdmin } from "../src/keys/key-admin.ts";
import { createEdgePrisma } from "../src/keys/edge-prisma.ts";
import { startEdge, type RunningEdge } from "../src/start-edge.ts";

export const TEST_KEY = "sk-test-0123456789abcdef";
export const TEST_TENANT = "tenant-a";
export const ADMIN_KEY = "sk-admin-test-0123456789abcdef0123456789";
export const MODEL = "test-model";

export interface TestEdge extends RunningEdge {
  prefix: string;
  databaseUrl: string;
}

export interface TestEdgeOptions {
  /** Tier of TEST_KEY (enterprise: generous enough that only tests about limits meet them). */
  tier?: string;
}

/**
 * An edge in-process on a free port, with its own Redis namespace and its own database cloned
 * from the migrated template (unless QUEUE_PREFIX / EDGE_DATABASE_URL are given, to run a second
 * replica beside the first), and TEST_KEY stored for TEST_TENANT.
 */
export async function startTestEdge(overrides: Record<string, string> = {}, options: TestEdgeOptions = {}): Promise<TestEdge> {
  const prefix = overrides.QUEUE_PREFIX ?? testPrefix();
  const db = overrides.EDGE_DATABASE_URL ? undefined : await createTestDatabase(inject("edgeTemplate"));
  const databaseUrl = overrides.EDGE_DATABASE_URL ?? db!.url;
  const env = parseEdgeEnv({
    PORT: "0",
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    EDGE_DATABASE_URL: databaseUrl,
    ADMIN_API_KEY: ADMIN_KEY,
    LLAMA_SERVER_URLS: "http://127.0.0.1:1",
    GATEWAY_MODEL: MODEL,
    LOG_LEVEL: "silent",
    ...overrides,
  });
  if (db !== undefined) {
    const prisma = createEdgePrisma(databaseUrl);
    try {
      await createKeyAdmin(prisma, { config: env.gateway, rotationGraceS: 0 }).create(
        { tenant_id: TEST_TENANT, name: "test", tier: options.tier ?? "enterprise" },
        { actor: "test" },
        TEST_KEY,
      );
    } finally {
      await prisma.$disconnect();
    }
  }
  const edge = await startEdge(env, createLogger({ service: "edge", level: "silent", sync: true }));
  return {
    ...edge,
    prefix,
    databaseUrl,
    async close() {
      await edge.close();
      await db?.drop();
    },
  };
}

export const chatBody = (extra: Record<string, unknown> = {}) => ({
  model: MODEL,
  messages: [{ role: "user", content: "Once upon a time" }],
  ...extra,
});

export function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}
