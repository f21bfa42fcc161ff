import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { ReconciliationReport } from "@gateway/contracts";
import { APPS } from "../paths.ts";
import { INTERNAL_TOKEN, type System } from "../start-system.ts";

export interface ReconcileOptions {
  /** UTC days; default yesterday to today, so a test running over midnight misses nothing. */
  from?: string;
  to?: string;
  /** Default 0: a test looks right after its traffic, and waits with `untilReconciled`. */
  settleS?: number;
}

export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

/** `pnpm gateway usage reconcile …` as an operator runs it (the same entry point), against a running system. */
export async function runReconcileCli(system: System, options: ReconcileOptions = {}, extraArgs: string[] = []): Promise<CliRun> {
  const args = ["--from", options.from ?? day(-1), "--to", options.to ?? day(0), "--settle", String(options.settleS ?? 0), ...extraArgs];
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ["--conditions=development", "--import", "tsx", "src/cli/main.ts", "usage", "reconcile", ...args],
      {
        cwd: APPS.edge,
        env: {
          ...process.env,
          BILLING_URL: system.serviceUrls.billing,
          BILLING_INTERNAL_TOKEN: INTERNAL_TOKEN,
          REDIS_URL: system.redisUrl,
          QUEUE_PREFIX: system.prefix,
        },
      },
    );
    return { exitCode: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== "number") throw err;
    return { exitCode: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** One reconciliation with `--json`: its report and exit code (0 when the three lists are empty, 1 when not). */
export async function reconcile(
  system: System,
  options: ReconcileOptions = {},
): Promise<{ exitCode: number; report: ReconciliationReport }> {
  const run = await runReconcileCli(system, options, ["--json"]);
  if (run.exitCode > 1) throw new Error(`pnpm gateway usage reconcile exited ${run.exitCode}: ${run.stderr}`);
  return { exitCode: run.exitCode, report: ReconciliationReport.parse(JSON.parse(run.stdout)) };
}

/**
 * Runs the reconciliation until it shows zero discrepancies (billing catching up after a fault
 * takes a while) and returns that report; throws with the last one's lists if it never does.
 * A chaos test ends with `await untilReconciled(system)`.
 */
export async function untilReconciled(
  system: System,
  options: ReconcileOptions & { timeoutMs?: number } = {},
): Promise<ReconciliationReport> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const { exitCode, report } = await reconcile(system, options);
    if (exitCode === 0 && report.discrepancies === 0) return report;
    if (Date.now() > deadline) {
      const { answered_not_billed, billed_twice, billed_not_delivered } = report;
      throw new Error(
        `reconciliation still shows ${report.discrepancies} discrepancies: ${JSON.stringify({ answered_not_billed, billed_twice, billed_not_delivered })}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
