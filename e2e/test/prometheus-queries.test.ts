import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startLlamaSim, type LlamaSim } from "@gateway/test-kit/llama-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { MODEL, PRICE, startSystem, type System } from "./start-system.ts";
import { startPrometheus, type RunningPrometheus } from "./support/prometheus.ts";
import { metricNamesIn, promqlInInfra, selectorsIn } from "./support/promql-in-infra.ts";

const INFRA = fileURLToPath(new URL("../../infra/prometheus/", import.meta.url));
/** Known to edge and worker, not to billing: the configuration drift that bills usage at 0. */
const UNPRICED_MODEL = "stories-unpriced";

let system: System;
let prometheus: RunningPrometheus;
let sims: LlamaSim[];

const hostPort = (url: string) => new URL(url).host;

/**
 * The scrape jobs of infra/prometheus/prometheus.yml, each pointed at the processes of this test
 * instead of compose's DNS names: the same job names, so alerts that select on `job` are tested too.
 */
function scrapeTargets(): Record<string, string[]> {
  const local: Record<string, string[]> = {
    "gateway-edge": system.edgeUrls.map(hostPort),
    "gateway-worker": system.serviceUrls.workers.map(hostPort),
    "gateway-billing": [hostPort(system.serviceUrls.billing)],
    "llama-server": sims.map((s) => hostPort(s.url)),
  };
  const config = parse(readFileSync(`${INFRA}prometheus.yml`, "utf8")) as { scrape_configs: { job_name: string }[] };
  const jobs = config.scrape_configs.map((c) => c.job_name);
  expect(jobs.sort(), "prometheus.yml must scrape every service, and only those").toEqual(Object.keys(local).sort());
  return local;
}

async function chat(body: Record<string, unknown>, apiKey = system.apiKey, signal?: AbortSignal): Promise<Response> {
  return fetch(`${system.edgeUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "Tell me a story." }], max_tokens: 8, ...body }),
    signal,
  });
}

/** Enough of every kind of traffic that each series a dashboard or alert reads exists. */
async function driveTraffic(): Promise<void> {
  const [chatA, chatB] = sims as [LlamaSim, LlamaSim];
  for (let i = 0; i < 5; i++) expect((await chat({})).status).toBe(200);
  for (let i = 0; i < 3; i++) {
    const res = await chat({ stream: true, stream_options: { include_usage: true } });
    expect(res.status).toBe(200);
    await res.text();
  }
  expect((await chat({ model: UNPRICED_MODEL })).status).toBe(200);
  const embeddings = await fetch(`${system.edgeUrl}/v1/embeddings`, {
    method: "POST",
    headers: { authorization: `Bearer ${system.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ model: MODEL, input: ["a red ball", "a blue boat"] }),
  });
  expect(embeddings.status).toBe(200);
  // Refusals: a bad key, an unknown field.
  expect((await chat({}, "sk-gw-not-a-real-key")).status).toBe(401);
  expect((await chat({ max_token: 5 })).status).toBe(400);

  // A client that walks away mid-generation (not a stream: those wait for a reconnect first).
  const controller = new AbortController();
  const cancelled = chat({ max_tokens: 200 }, system.apiKey, controller.signal).catch(() => undefined);
  for (const deadline = Date.now() + 5_000; chatA.stats.processing + chatB.stats.processing === 0 && Date.now() < deadline;)
    await new Promise((r) => setTimeout(r, 2));
  controller.abort();
  await cancelled;

  // Every backend failing at once: a 5xx.
  chatA.faults.failNext(3);
  chatB.faults.failNext(3);
  expect((await chat({})).status).toBeGreaterThanOrEqual(500);
  chatA.faults.reset();
  chatB.faults.reset();

  // One backend failing: failovers hide it from clients until its breaker opens.
  chatB.faults.failNext(1_000);
  for (let i = 0; i < 8; i++) expect((await chat({})).status).toBe(200);
  chatB.faults.reset();
}

beforeAll(async () => {
  sims = await Promise.all([
    startLlamaSim({ interTokenMs: 2, naturalTokens: 64 }),
    startLlamaSim({ interTokenMs: 2, naturalTokens: 64 }),
    startLlamaSim({ embeddingsOnly: true }),
  ]);
  const chatBackends = sims.slice(0, 2).map((s) => s.url);
  const embeddingBackends = [sims[2]!.url];
  const edgeAndWorkerConfig = join(mkdtempSync(join(tmpdir(), "gw-prom-e2e-")), "gateway.json");
  writeFileSync(
    edgeAndWorkerConfig,
    JSON.stringify({
      models: [
        { id: MODEL, backends: chatBackends, embedding_backends: embeddingBackends, max_output_tokens: 256, price: PRICE },
        { id: UNPRICED_MODEL, backends: chatBackends, max_output_tokens: 256 },
      ],
    }),
  );
  system = await startSystem({
    backends: 0,
    // A tier both configurations have (the edge's and worker's file keeps the default tiers).
    tier: "enterprise",
    model: () => ({ backends: chatBackends, embedding_backends: embeddingBackends }),
    edgeEnv: { GATEWAY_CONFIG_FILE: edgeAndWorkerConfig },
    // A long reset keeps the opened breaker open until the queries run.
    workerEnv: { GATEWAY_CONFIG_FILE: edgeAndWorkerConfig, BREAKER_RESET_MS: "120000", PROBE_INTERVAL_MS: "500" },
  });
  prometheus = await startPrometheus(scrapeTargets(), [`${INFRA}alerts.yml`]);
  await driveTraffic();
}, 180_000);

afterAll(async () => {
  await prometheus?.stop();
  await system?.stop();
  await Promise.all((sims ?? []).map((s) => s.close()));
});

describe("when a real Prometheus scrapes the running services under traffic", () => {
  const exprs = promqlInInfra();

  it("then every target of prometheus.yml's jobs is scraped successfully", async () => {
    await expect.poll(async () => (await prometheus.targets()).filter((t) => t.health !== "up"), { timeout: 15_000 }).toEqual([]);
  });

  it("then every dashboard and alert expression is valid PromQL and reads only metrics the services expose", async () => {
    // Scraped at 1 s: a few scrapes after the traffic, every series it created is in.
    const usedBy = new Map<string, string[]>();
    for (const { source, expr } of exprs) for (const s of selectorsIn(expr)) usedBy.set(s, [...(usedBy.get(s) ?? []), source]);
    const missing = async () =>
      (
        await Promise.all(
          [...usedBy].map(async ([s, sources]) => ((await prometheus.query(s)).length ? [] : [`${s}, used by ${sources.join("; ")}`])),
        )
      ).flat();
    await expect.poll(missing, { timeout: 20_000, interval: 1_000 }).toEqual([]);

    const names = await prometheus.metricNames();
    const problems: string[] = [];
    for (const { source, expr } of exprs) {
      await prometheus.query(expr).catch((err: Error) => problems.push(`${source}: invalid: ${err.message}\n  ${expr}`));
      for (const name of metricNamesIn(expr)) if (!names.has(name)) problems.push(`${source}: reads ${name}, which no service exposes`);
    }
    expect(problems).toEqual([]);
    expect(exprs.length).toBeGreaterThan(50);
  });

  it("then Prometheus evaluates every alert rule without an error", async () => {
    await expect
      .poll(async () => (await prometheus.rules()).filter((r) => r.health === "unknown").map((r) => r.name), { timeout: 10_000 })
      .toEqual([]);
    const broken = (await prometheus.rules()).filter((r) => r.health !== "ok");
    expect(broken).toEqual([]);
    expect((await prometheus.rules()).length).toBe(exprs.filter((e) => e.source.startsWith("alerts.yml")).length);
  });
});
