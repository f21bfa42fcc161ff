import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiKeyWithSecret, DEFAULT_TIERS, type TierConfig } from "@gateway/contracts";
import { startLlamaSim, type LlamaSim, type LlamaSimOptions } from "@gateway/test-kit/llama-sim";
import { createTestDatabase, type TestDatabase } from "@gateway/test-kit/postgres";
import { freePort, startService, type ServiceProcess } from "@gateway/test-kit/processes";
import { cleanPrefix, testPrefix, TEST_REDIS_URL } from "@gateway/test-kit/redis";
import OpenAI from "openai";
import pg from "pg";
import { inject } from "vitest";
import { APPS } from "./paths.ts";

export const MODEL = "stories-sim";
export const PRICE = { prompt_per_1k: "0.0015", completion_per_1k: "0.002" };
export const TENANT = "tenant-e2e";
export const ADMIN_KEY = "e2e-admin-key-0123456789abcdef0123456789";
/** What billing's internal API wants (the edges and `pnpm gateway usage` present it). */
export const INTERNAL_TOKEN = "e2e-internal-token-0123456789";
/** The default key's tier: far above any test's load, so only the tests about limits meet limits. */
export const UNLIMITED_TIER = "e2e-unlimited";
const UNLIMITED: TierConfig = {
  requests_per_minute: 10_000_000,
  tokens_per_day: 1_000_000_000_000,
  max_tokens: 100_000,
  max_concurrent: 100_000,
  priority: 10,
};

export interface System {
  prefix: string;
  /** The Redis every service of the system uses. */
  redisUrl: string;
  /** The first edge; `edgeUrls` has every replica. */
  edgeUrl: string;
  edgeUrls: string[];
  /** A stored key of TENANT with the system's tier. */
  apiKey: string;
  keyId: string;
  sims: LlamaSim[];
  openai: OpenAI;
  /** Billing's database. */
  db: pg.Client;
  /** The edge's database (keys, audit log). */
  edgeDb: pg.Client;
  services: Record<"edge" | "worker" | "billing", ServiceProcess>;
  edges: ServiceProcess[];
  /** Base URLs of billing's and every started worker's HTTP server (/readyz, /metrics). */
  serviceUrls: { billing: string; workers: string[] };
  /** Creates a key through the admin API, as an operator would. */
  createKey(fields: { tier: string; tenant_id?: string; name?: string; allowed_models?: string[] }): Promise<ApiKeyWithSecret>;
  /** Starts another worker process (e.g. after killing one). */
  startWorker(env?: Record<string, string>): Promise<ServiceProcess>;
  /** Starts billing again on its port and database, after the running one was stopped or killed. */
  restartBilling(): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

export interface SystemOptions {
  backends?: number;
  sim?: LlamaSimOptions;
  workerEnv?: Record<string, string>;
  edgeEnv?: Record<string, string>;
  billingEnv?: Record<string, string>;
  /** Edge replicas: separate processes on the same Redis and database. */
  edges?: number;
  /** Tier of the key in `apiKey` (default UNLIMITED_TIER). */
  tier?: string;
  /** Extra GatewayConfig fields; `tiers` are added to the default tiers and UNLIMITED_TIER. */
  gateway?: Record<string, unknown>;
  /** Extra fields of MODEL's config, e.g. `aliases` or `embedding_backends`. */
  model?: (sims: LlamaSim[]) => Record<string, unknown>;
  /** A Redis of the test's own (one it will break), instead of the shared test Redis. */
  redisUrl?: string;
  /** Migrated databases of the test's own (on a cluster it will stop), instead of clones of the templates. */
  databases?: { billing: string; edge: string };
  /** More models beside MODEL (on backends the test started itself). */
  extraModels?: () => Record<string, unknown>[];
}

/**
 * The whole gateway as real processes (edge, worker, billing) on real Redis and Postgres,
 * with simulated llama-servers in this process; each system has its own Redis namespace and
 * its own billing and edge databases. Its API key is created through the admin API.
 */
export async function startSystem(options: SystemOptions = {}): Promise<System> {
  const prefix = testPrefix();
  const redisUrl = options.redisUrl ?? TEST_REDIS_URL;
  const templates = inject("templates");
  const databases: TestDatabase[] = options.databases
    ? []
    : await Promise.all([createTestDatabase(templates.billing), createTestDatabase(templates.edge)]);
  const [billingDb, edgeDatabase] = options.databases
    ? [{ url: options.databases.billing }, { url: options.databases.edge }]
    : (databases as [TestDatabase, TestDatabase]);
  const sims = await Promise.all(Array.from({ length: options.backends ?? 1 }, () => startLlamaSim(options.sim)));
  const configFile = join(mkdtempSync(join(tmpdir(), "gw-e2e-")), "gateway.json");
  const { tiers, ...gateway } = options.gateway ?? {};
  writeFileSync(
    configFile,
    JSON.stringify({
      models: [
        { id: MODEL, backends: sims.map((s) => s.url), max_output_tokens: 256, price: PRICE, ...options.model?.(sims) },
        ...(options.extraModels?.() ?? []),
      ],
      ...gateway,
      tiers: { ...DEFAULT_TIERS, [UNLIMITED_TIER]: UNLIMITED, ...(tiers as Record<string, TierConfig> | undefined) },
    }),
  );

  const [workerPort, billingPort] = await Promise.all([freePort(), freePort()]);
  const common = { REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, GATEWAY_CONFIG_FILE: configFile, HOST: "127.0.0.1", LOG_LEVEL: "warn" };
  // Everything started so far, so that a system that fails to come up leaves no process behind.
  const started: ServiceProcess[] = [];
  const tracked = async (starting: Promise<ServiceProcess>) => {
    const service = await starting;
    started.push(service);
    return service;
  };
  try {
    const billings: ServiceProcess[] = [];
    const startBilling = async () => {
      const billing = await tracked(
        startService({
          name: `billing-${billings.length}`,
          cwd: APPS.billing,
          env: {
            ...common,
            PORT: String(billingPort),
            BILLING_DATABASE_URL: billingDb.url,
            BILLING_INTERNAL_TOKEN: INTERNAL_TOKEN,
            ...options.billingEnv,
          },
          readyUrl: `http://127.0.0.1:${billingPort}/readyz`,
        }),
      );
      billings.push(billing);
      return billing;
    };
    const billing = await startBilling();
    const workers: ServiceProcess[] = [];
    const workerUrls: string[] = [];
    const startWorker = async (env: Record<string, string> = {}) => {
      const port = workers.length === 0 ? workerPort : await freePort();
      const worker = await tracked(
        startService({
          name: `worker-${workers.length}`,
          cwd: APPS.worker,
          env: { ...common, PORT: String(port), ...options.workerEnv, ...env },
          readyUrl: `http://127.0.0.1:${port}/readyz`,
        }),
      );
      workers.push(worker);
      workerUrls.push(`http://127.0.0.1:${port}`);
      return worker;
    };
    const worker = await startWorker();
    const edgePorts = await Promise.all(Array.from({ length: options.edges ?? 1 }, () => freePort()));
    const edgeStarts = await Promise.allSettled(
      edgePorts.map((port, i) =>
        tracked(
          startService({
            name: `edge-${i}`,
            cwd: APPS.edge,
            env: {
              ...common,
              PORT: String(port),
              EDGE_DATABASE_URL: edgeDatabase.url,
              ADMIN_API_KEY: ADMIN_KEY,
              BILLING_URL: `http://127.0.0.1:${billingPort}`,
              BILLING_INTERNAL_TOKEN: INTERNAL_TOKEN,
              ...options.edgeEnv,
            },
            readyUrl: `http://127.0.0.1:${port}/readyz`,
          }),
        ),
      ),
    );
    const failedEdge = edgeStarts.find((r) => r.status === "rejected");
    if (failedEdge) throw failedEdge.reason;
    const edges = edgeStarts.map((r) => (r as PromiseFulfilledResult<ServiceProcess>).value);
    const edgeUrls = edgePorts.map((port) => `http://127.0.0.1:${port}`);
    const db = new pg.Client({ connectionString: billingDb.url });
    const edgeDb = new pg.Client({ connectionString: edgeDatabase.url });
    await Promise.all([db.connect(), edgeDb.connect()]);
    // A test that stops Postgres cuts these connections: a lost client must not crash the run.
    for (const client of [db, edgeDb]) client.on("error", () => undefined);

    const createKey: System["createKey"] = async (fields) => {
      const res = await fetch(`${edgeUrls[0]}/v1/admin/keys`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ tenant_id: TENANT, name: "e2e", ...fields }),
      });
      if (res.status !== 201) throw new Error(`creating a key failed: ${res.status} ${await res.text()}`);
      return ApiKeyWithSecret.parse(await res.json());
    };
    const key = await createKey({ tier: options.tier ?? UNLIMITED_TIER });

    return {
      prefix,
      redisUrl,
      edgeUrl: edgeUrls[0]!,
      edgeUrls,
      apiKey: key.secret,
      keyId: key.id,
      sims,
      services: {
        edge: edges[0]!,
        get billing() {
          return billings.at(-1) ?? billing;
        },
        get worker() {
          return workers.at(-1) ?? worker;
        },
      },
      edges,
      serviceUrls: { billing: `http://127.0.0.1:${billingPort}`, workers: workerUrls },
      db,
      edgeDb,
      openai: new OpenAI({ apiKey: key.secret, baseURL: `${edgeUrls[0]}/v1`, maxRetries: 0 }),
      createKey,
      startWorker,
      restartBilling: startBilling,
      async stop() {
        await Promise.all([...edges, ...workers, ...billings].map((s) => s.stop()));
        await Promise.all([db.end(), edgeDb.end()]);
        await Promise.all(sims.map((s) => s.close()));
        await Promise.all(databases.map((d) => d.drop()));
        await cleanPrefix(prefix, redisUrl).catch(() => undefined);
      },
    };
  } catch (err) {
    await Promise.all(started.map((service) => service.stop("SIGKILL")));
    await Promise.all(sims.map((sim) => sim.close()));
    await Promise.all(databases.map((d) => d.drop()));
    await cleanPrefix(prefix, redisUrl).catch(() => undefined);
    throw err;
  }
}
