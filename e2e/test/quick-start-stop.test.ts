import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase } from "@gateway/test-kit/postgres";
import { freePort } from "@gateway/test-kit/processes";
import { cleanPrefix, testPrefix, TEST_REDIS_URL } from "@gateway/test-kit/redis";
import { until } from "@gateway/test-kit/until";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { descendantsOf, survivors, type ProcessEntry } from "./support/process-table.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/**
 * By hand, 20 in a row: `QUICK_START_STOPS=20 pnpm --filter @gateway/e2e exec vitest run
 * test/quick-start-stop.test.ts`. CI runs 3: each run starts four processes from scratch (~6 s
 * on 2 cores), and the hang this guards against needs no luck to show: it came from the logger,
 * which packages/observability's tests pin down deterministically.
 */
const STOPS = Number(process.env.QUICK_START_STOPS ?? 3);
/** The longest grace a service gives itself (the edge's 25 s drain + 5 s). */
const STOP_BOUND_MS = 30_000;

interface QuickStart {
  runner: ChildProcess;
  output(): string;
  /** Every process the runner started, found while they all ran. */
  processes: ProcessEntry[];
  ports: Record<"edge" | "billing" | "worker" | "sim", number>;
}

let databases: TestDatabase[] = [];
const prefix = testPrefix();
const runDir = mkdtempSync(join(tmpdir(), "gw-quick-start-"));
const started: QuickStart[] = [];

beforeAll(async () => {
  // The quick start runs the built services, as start.sh does (turbo's cache makes this quick
  // when nothing changed).
  execFileSync(
    "pnpm",
    [
      "turbo",
      "run",
      "build",
      "--output-logs=errors-only",
      "--filter=@gateway/edge...",
      "--filter=@gateway/worker...",
      "--filter=@gateway/billing...",
      "--filter=@gateway/test-kit...",
    ],
    {
      cwd: ROOT,
      stdio: "inherit",
    },
  );
  const templates = inject("templates");
  databases = await Promise.all([createTestDatabase(templates.billing), createTestDatabase(templates.edge)]);
}, 300_000);

afterAll(async () => {
  for (const quickStart of started) kill(quickStart);
  await Promise.all(databases.map((d) => d.drop()));
  await cleanPrefix(prefix);
  rmSync(runDir, { recursive: true, force: true });
});

function kill(quickStart: QuickStart): void {
  for (const p of survivors(quickStart.runner.pid!, quickStart.processes)) {
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

async function startQuickStart(): Promise<QuickStart> {
  const [billingDb, edgeDb] = databases as [TestDatabase, TestDatabase];
  const ports = { edge: await freePort(), billing: await freePort(), worker: await freePort(), sim: await freePort() };
  // detached: the runner calls setsid(2), so it leads a session and process group of its own, as
  // a shell started from a terminal does; everything it starts is in that group.
  const runner = spawn("bash", ["scripts/run-services.sh"], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      BILLING_DATABASE_URL: billingDb.url,
      EDGE_DATABASE_URL: edgeDb.url,
      EDGE_PORT: String(ports.edge),
      BILLING_PORT: String(ports.billing),
      WORKER_PORT: String(ports.worker),
      SIM_PORT: String(ports.sim),
      GATEWAY_RUN_DIR: runDir,
      // Past the bound below: what ends the services is their own shutdown, never the runner's kill.
      STOP_TIMEOUT_S: "120",
      LOG_LEVEL: "info",
    },
  });
  let output = "";
  runner.stdout!.on("data", (data: Buffer) => (output = (output + data.toString()).slice(-100_000)));
  runner.stderr!.on("data", (data: Buffer) => (output = (output + data.toString()).slice(-100_000)));
  const quickStart: QuickStart = { runner, output: () => output, processes: [], ports };
  started.push(quickStart);
  try {
    await until(
      () => {
        if (runner.exitCode !== null) throw new Error(`the quick start exited with ${runner.exitCode}:\n${output}`);
        return output.includes("Gateway ready");
      },
      60_000,
      100,
    );
    const urls = [`:${ports.edge}/readyz`, `:${ports.billing}/readyz`, `:${ports.worker}/readyz`, `:${ports.sim}/health`];
    await until(
      async () => {
        const answers = await Promise.all(
          urls.map((url) =>
            fetch(`http://127.0.0.1${url}`).then(
              (r) => r.ok,
              () => false,
            ),
          ),
        );
        return answers.every(Boolean);
      },
      30_000,
      100,
    );
  } catch (err) {
    kill(quickStart);
    throw new Error(`${(err as Error).message}\n${output}`);
  }
  quickStart.processes = descendantsOf(runner.pid!);
  return quickStart;
}

/** One completion first: every service then has lines in its logger's buffer when its pipe breaks. */
async function complete(quickStart: QuickStart): Promise<void> {
  const key = /Demo API key:\s+(\S+)/.exec(quickStart.output())![1]!;
  const res = await fetch(`http://127.0.0.1:${quickStart.ports.edge}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "stories260k-demo", messages: [{ role: "user", content: "Once upon a time" }] }),
  });
  expect(res.status).toBe(200);
  await res.json();
}

describe("the quick start (scripts/run-services.sh, as start.sh runs it)", () => {
  it(
    "when a running system has its process group signalled as Ctrl-C does, then every process it started exits within the bound",
    { timeout: STOPS * 90_000 },
    async () => {
      const stops: number[] = [];
      for (let run = 0; run < STOPS; run++) {
        const quickStart = await startQuickStart();
        const commands = quickStart.processes.map((p) => p.command);
        for (const name of ["llama-sim", "billing", "worker", "edge"]) expect(commands).toContain(`sed -u s/^/[${name}] /`);
        expect(commands.filter((c) => /^node .*(apps\/\w+\/dist\/main|llama-sim\/main)\.js/.test(c))).toHaveLength(4);
        if (run === 0) {
          const { ports } = quickStart;
          for (const [service, port] of Object.entries({ edge: ports.edge, worker: ports.worker, billing: ports.billing })) {
            const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
            expect(metrics).toMatch(
              new RegExp(`^gateway_log_lines_dropped_total\\{reason="broken_pipe",service="${service}"\\} \\d+$`, "m"),
            );
          }
        }
        await complete(quickStart);

        const signalledAt = Date.now();
        process.kill(-quickStart.runner.pid!, "SIGINT");
        let left: ProcessEntry[] = [];
        await until(() => (left = survivors(quickStart.runner.pid!, quickStart.processes)).length === 0, STOP_BOUND_MS, 100).catch(() => {
          const message = `run ${run + 1}: still running ${STOP_BOUND_MS} ms after SIGINT:\n${left.map((p) => `${p.pid} ${p.state} ${p.command}`).join("\n")}\n${quickStart.output().slice(-5_000)}`;
          kill(quickStart);
          throw new Error(message);
        });
        stops.push(Date.now() - signalledAt);
        expect(quickStart.output()).not.toMatch(/did not stop within/);
      }
      console.log(`quick start stopped ${STOPS} times; ms from SIGINT to the last process gone: ${stops.join(", ")}`);
    },
  );
});
