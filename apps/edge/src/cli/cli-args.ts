import { parseArgs } from "node:util";

/** A mistake in how the CLI was called (exit code 2), as opposed to a failure while running (1). */
export class UsageError extends Error {
  override name = "UsageError";
}

export const USAGE = `Usage: pnpm gateway <keys|webhook-secret|usage> <command> [options]   (or: node apps/edge/dist/cli/main.js …)

  keys create --tier <tier> --name <name> [--tenant <id>] [--models a,b] [--expires 30d|<iso>] [--if-missing]
  keys list   [--tenant <id>] [--limit <n>] [--after <key id>]
  keys get    <key id>
  keys update <key id> [--tier <tier>] [--name <name>] [--models a,b|all] [--expires 30d|<iso>|never]
  keys rotate <key id> [--grace <seconds>]     (the old secret keeps working for the grace period)
  keys revoke <key id>
  keys import                                  (stores the keys of GATEWAY_API_KEYS=key:tenant:tier,…)

  webhook-secret create --tenant <id>                  (version 1 of the tenant's webhook signing secret)
  webhook-secret show   --tenant <id>
  webhook-secret rotate --tenant <id> [--grace <seconds>]   (the previous version keeps signing for the grace period)

  usage reconcile [--from <YYYY-MM-DD>] [--to <YYYY-MM-DD>] [--settle <seconds>]
                  (UTC days, default today; exits 1 when a request was answered but not billed, billed twice, or billed
                  but not delivered; tokens billed per backend and day beside the backends' own counters, shown only)

  --json prints JSON lines. keys and webhook-secret need EDGE_DATABASE_URL; GATEWAY_CONFIG_FILE (or LLAMA_SERVER_URLS) to
  check tiers and models; webhook-secret needs WEBHOOK_MASTER_KEY (the edges' and workers'). usage needs BILLING_URL and
  BILLING_INTERNAL_TOKEN (billing's internal API), REDIS_URL and QUEUE_PREFIX (the deployment's).`;

export interface Args {
  group: string | undefined;
  command: string | undefined;
  json: boolean;
  string(name: string): string | undefined;
  required(name: string): string;
  flag(name: string): boolean;
  /** The key id after the command. */
  target(): string;
}

export function parseCliArgs(argv: string[]): Args {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      tier: { type: "string" },
      name: { type: "string" },
      tenant: { type: "string" },
      models: { type: "string" },
      expires: { type: "string" },
      grace: { type: "string" },
      limit: { type: "string" },
      after: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      settle: { type: "string" },
      json: { type: "boolean" },
      "if-missing": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [group, command, target] = positionals;
  const string = (name: string) => values[name as keyof typeof values] as string | undefined;
  return {
    group: values.help ? undefined : group,
    command,
    json: values.json === true,
    string,
    flag: (name) => values[name as keyof typeof values] === true,
    required(name) {
      const value = string(name);
      if (!value) throw new UsageError(`--${name} is required`);
      return value;
    },
    target() {
      if (!target) throw new UsageError(`${group} ${command} needs a key id`);
      return target;
    },
  };
}
