import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLlamaSim, type LlamaSim, type LlamaSimOptions } from "@gateway/test-kit/llama-sim";
import { createTestDatabase, type TestDatabase } from "@gateway/test-kit/postgres";
import { freePort, startService, type ServiceProcess } from "@gateway/test-kit/processes";
import { cleanPrefix, testPrefix, TEST_REDIS_URL } from "@gateway/test-kit/redis";
import OpenAI from "openai";
import pg from "pg";
import { APPS, BILLING_TEMPLATE } from "./paths.ts";

export const MODEL = "stories-sim";
export const PRICE = { prompt_per_1k: "0.0015", completion_per_1k: "0.002" };

export interface System {
  prefix: string;
  edgeUrl: string;
  apiKey: string;
  sims: LlamaSim[];
  openai: OpenAI;
  db: pg.Client;
  services: Record<"edge" | "worker" | "billing", ServiceProcess>;
  stop(): Promise<void>;
}

export interface SystemOptions {
  backends?: number;
  sim?: LlamaSimOptions;
  workerEnv?: Record<string, string>;
  edgeEnv?: Record<string, string>;
}

/**
 * The whole gateway as real processes (edge, worker, billing) on real Redis and Postgres,
 * with simulated llama-servers in this process; each system has its own Redis namespace and
 * its own billing database.
 */
export async function startSystem(options: SystemOptions = {}): Promise<System> {
  const prefix = testPrefix();
  const apiKey = `sk-e2e-${randomUUID()}`;
  const database: TestDatabase = await createTestDatabase(BILLING_TEMPLATE);
  const sims = await Promise.all(Array.from({ length: options.backends ?? 1 }, () => startLlamaSim(options.sim)));
  const configFile = join(mkdtempSync(join(tmpdir(), "gw-e2e-")), "gateway.json");
  writeFileSync(configFile, JSON.stringify({ models: [{ id: MODEL, backends: sims.map((s) => s.url), max_output_tokens: 256, price: PRICE }] }));

  const [edgePort, workerPort, billingPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const common = { REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, GATEWAY_CONFIG_FILE: configFile, HOST: "127.0.0.1", LOG_LEVEL: "warn" };
  const billing = await startService({
    name: "billing",
    cwd: APPS.billing,
    env: { ...common, PORT: String(billingPort), BILLING_DATABASE_URL: database.url, BILLING_INTERNAL_TOKEN: "e2e-internal-token-0123456789" },
    readyUrl: `http://127.0.0.1:${billingPort}/readyz`,
  });
  const worker = await startService({
    name: "worker",
    cwd: APPS.worker,
    env: { ...common, PORT: String(workerPort), ...options.workerEnv },
    readyUrl: `http://127.0.0.1:${workerPort}/readyz`,
  });
  const edge = await startService({
    name: "edge",
    cwd: APPS.edge,
    env: { ...common, PORT: String(edgePort), GATEWAY_API_KEYS: `${apiKey}:tenant-e2e:free`, ...options.edgeEnv },
    readyUrl: `http://127.0.0.1:${edgePort}/readyz`,
  });
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  const edgeUrl = `http://127.0.0.1:${edgePort}`;
  const services = { edge, worker, billing };

  return {
    prefix,
    edgeUrl,
    apiKey,
    sims,
    services,
    db,
    openai: new OpenAI({ apiKey, baseURL: `${edgeUrl}/v1`, maxRetries: 0 }),
    async stop() {
      await Promise.all(Object.values(services).map((s) => s.stop()));
      await db.end();
      await Promise.all(sims.map((s) => s.close()));
      await database.drop();
      await cleanPrefix(prefix);
    },
  };
}
