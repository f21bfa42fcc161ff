import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@gateway/test-kit/processes";

export interface RunningPrometheus {
  url: string;
  /** Instant query; throws with Prometheus's own message when the expression is invalid. */
  query(expr: string): Promise<unknown[]>;
  /** Every metric name Prometheus has scraped so far. */
  metricNames(): Promise<Set<string>>;
  /** Every loaded rule with its health after its last evaluation ("unknown" before the first). */
  rules(): Promise<{ name: string; health: string; lastError?: string }[]>;
  /** Every scrape target and whether its last scrape worked. */
  targets(): Promise<{ job: string; url: string; health: string; lastError: string }[]>;
  stop(): Promise<void>;
}

/**
 * A real Prometheus (Debian's package) scraping the given targets (job name → host:port list)
 * every second and evaluating `ruleFiles` as often, with its data in a fresh temporary folder.
 */
export async function startPrometheus(targets: Record<string, string[]>, ruleFiles: string[] = []): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), "gw-prom-"));
  const config = {
    global: { scrape_interval: "1s", evaluation_interval: "1s" },
    rule_files: ruleFiles,
    scrape_configs: Object.entries(targets).map(([job, addresses]) => ({ job_name: job, static_configs: [{ targets: addresses }] })),
  };
  // JSON is YAML: Prometheus reads it as its config file.
  writeFileSync(join(dir, "prometheus.yml"), JSON.stringify(config));
  const port = await freePort();
  const child: ChildProcess = spawn(
    "prometheus",
    [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let output = "";
  child.stderr?.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited:\n${output}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`prometheus not ready:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    url,
    async query(expr) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
      if (body.status !== "success") throw new Error(body.error ?? `query failed with ${res.status}`);
      return body.data?.result ?? [];
    },
    async metricNames() {
      const body = (await (await fetch(`${url}/api/v1/label/__name__/values`)).json()) as { data: string[] };
      return new Set(body.data);
    },
    async rules() {
      const body = (await (await fetch(`${url}/api/v1/rules`)).json()) as {
        data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
      };
      return body.data.groups.flatMap((g) => g.rules.map(({ name, health, lastError }) => ({ name, health, lastError })));
    },
    async targets() {
      type Target = { labels: { job: string }; scrapeUrl: string; health: string; lastError: string };
      const body = (await (await fetch(`${url}/api/v1/targets?state=active`)).json()) as { data: { activeTargets: Target[] } };
      return body.data.activeTargets.map((t) => ({ job: t.labels.job, url: t.scrapeUrl, health: t.health, lastError: t.lastError }));
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}
