import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, prepareTemplate, prismaMigrate } from "@gateway/test-kit/postgres";
import { freePort, startService, type ServiceProcess } from "@gateway/test-kit/processes";
import { cleanPrefix, testPrefix } from "@gateway/test-kit/redis";
import { root, type Backends } from "./backends.ts";
import { env } from "./env.ts";

/** BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each gateway service there on exit. */
const nodeArgs = env.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${env.cpuProfDir}`] : [];

export interface Stack {
  edge: string;
  apiKey: string;
  /** Billing, worker and edge, by name. */
  parts: { name: string; pid: number }[];
  /** Names of the databases of billing and the edge (on the machine's shared Postgres). */
  databases: string[];
  stop(): Promise<void>;
}

/** The whole system as separate processes, the way it runs in production, in front of the bench's simulators. */
export async function startStack(backends: Backends, redisUrl: string): Promise<Stack> {
  // Built as production runs them (node on dist/, not tsx on sources): turbo skips what is unchanged.
  execFileSync(
    "pnpm",
    ["exec", "turbo", "run", "build", "--filter=@gateway/edge", "--filter=@gateway/worker", "--filter=@gateway/billing"],
    {
      cwd: root,
      stdio: ["ignore", process.stderr, process.stderr],
    },
  );
  // Named per run: two benches (or a bench and a test run) on one machine never drop each other's templates.
  const template = await prepareTemplate(`gw_bench_billing_${process.pid}`, prismaMigrate(`${root}apps/billing`, "BILLING_DATABASE_URL"));
  const edgeTemplate = await prepareTemplate(`gw_bench_edge_${process.pid}`, prismaMigrate(`${root}apps/edge`, "EDGE_DATABASE_URL"));
  const database = await createTestDatabase(template.name);
  const edgeDatabase = await createTestDatabase(edgeTemplate.name);
  const configFile = join(mkdtempSync(join(tmpdir(), "gw-bench-")), "gateway.json");
  writeFileSync(
    configFile,
    JSON.stringify({
      models: [
        { id: "bench-fast", backends: [backends.fast], max_output_tokens: 256 },
        { id: "bench-paced", backends: [backends.paced], max_output_tokens: 256 },
      ],
      // An enterprise key, as production's biggest callers have, with limits far above what the
      // bench sends: every request takes the whole admission path, and none is refused.
      tiers: {
        enterprise: {
          requests_per_minute: 100_000_000,
          tokens_per_day: 1_000_000_000_000,
          max_tokens: 256,
          max_concurrent: 10_000,
          priority: 10,
        },
      },
    }),
  );
  const prefix = testPrefix();
  const adminKey = `sk-bench-admin-${randomUUID()}`;
  const [edgePort, workerPort, billingPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const common = {
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    GATEWAY_CONFIG_FILE: configFile,
    LOG_LEVEL: "warn",
    NODE_ENV: "production",
  };
  const services: ServiceProcess[] = [];
  const stop = async () => {
    for (const s of services.reverse()) await s.stop();
    await Promise.all([template.drop(), edgeTemplate.drop()]);
    await cleanPrefix(prefix, redisUrl);
  };
  try {
    services.push(
      await startService({
        name: "billing",
        nodeArgs,
        built: true,
        cwd: `${root}apps/billing`,
        env: {
          ...common,
          PORT: String(billingPort),
          BILLING_DATABASE_URL: database.url,
          BILLING_INTERNAL_TOKEN: "bench-internal-token-0123456789",
        },
        readyUrl: `http://127.0.0.1:${billingPort}/readyz`,
      }),
    );
    services.push(
      await startService({
        name: "worker",
        nodeArgs,
        built: true,
        cwd: `${root}apps/worker`,
        env: { ...common, PORT: String(workerPort) },
        readyUrl: `http://127.0.0.1:${workerPort}/readyz`,
      }),
    );
    services.push(
      await startService({
        name: "edge",
        nodeArgs,
        built: true,
        cwd: `${root}apps/edge`,
        env: { ...common, PORT: String(edgePort), EDGE_DATABASE_URL: edgeDatabase.url, ADMIN_API_KEY: adminKey },
        readyUrl: `http://127.0.0.1:${edgePort}/readyz`,
      }),
    );
    // Keys live in the edge's database: one is made through the admin API, as an operator would.
    const created = await fetch(`http://127.0.0.1:${edgePort}/v1/admin/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ tenant_id: "bench", name: "bench", tier: "enterprise" }),
    });
    if (created.status !== 201) throw new Error(`creating the bench key failed: ${created.status} ${await created.text()}`);
    const { secret: apiKey } = (await created.json()) as { secret: string };
    const parts = services.flatMap((s) => (s.child.pid === undefined ? [] : [{ name: s.name, pid: s.child.pid }]));
    return { edge: `http://127.0.0.1:${edgePort}`, apiKey, parts, databases: [database.name, edgeDatabase.name], stop };
  } catch (err) {
    // A stack that fails to come up must not leave services running (and skewing the next bench).
    await stop();
    throw err;
  }
}
