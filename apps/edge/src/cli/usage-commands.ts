import { ReconcileQuery } from "@gateway/contracts";
import { createRedis } from "@gateway/queue";
import type { UsageCliEnv } from "../env.ts";
import { createBillingClient } from "../usage/billing-client.ts";
import { formatReconciliation } from "../usage/format-reconciliation.ts";
import { reconcile } from "../usage/reconcile.ts";
import { UsageError, type Args } from "./cli-args.ts";
import type { Output } from "./keys-commands.ts";

/**
 * `usage reconcile`: billing's bills beside the deliveries and the backends' own counters. Exit
 * code 1 when a request is answered but not billed, billed twice, or billed but not delivered;
 * token differences are printed and explained, never a failure.
 */
export async function runUsageCommand(args: Args, env: UsageCliEnv, out: Output): Promise<number> {
  if (args.command !== "reconcile") throw new UsageError(`unknown command 'usage ${args.command ?? ""}'`);
  const today = new Date().toISOString().slice(0, 10);
  const from = args.string("from") ?? today;
  const query = ReconcileQuery.parse({
    from,
    to: args.string("to") ?? (args.string("from") ? from : today),
    settle_s: args.string("settle"),
  });
  // An operator's command: a Redis that does not answer is an error after a few tries, not a wait.
  const redis = createRedis(env.REDIS_URL, "commands", {
    enableAutoPipelining: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => (attempt > 3 ? null : 200),
  });
  redis.on("error", () => {});
  try {
    const billing = createBillingClient({ url: env.BILLING_URL, token: env.BILLING_INTERNAL_TOKEN, timeoutMs: env.BILLING_TIMEOUT_MS });
    const report = await reconcile({ billing, redis, namespace: env.QUEUE_PREFIX }, query);
    if (out.json) out.print(JSON.stringify(report));
    else for (const line of formatReconciliation(report)) out.print(line);
    return report.discrepancies === 0 ? 0 : 1;
  } finally {
    redis.disconnect();
  }
}
