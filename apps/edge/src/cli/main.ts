import { AppError } from "@gateway/http";
import { ZodError, z } from "zod";
import { readCliEnv, readUsageCliEnv } from "../env.ts";
import { createEdgePrisma } from "../keys/edge-prisma.ts";
import { parseCliArgs, USAGE, UsageError } from "./cli-args.ts";
import { runKeysCommand } from "./keys-commands.ts";
import { runUsageCommand } from "./usage-commands.ts";
import { runWebhookSecretCommand } from "./webhook-secret-commands.ts";

const GROUPS = { keys: runKeysCommand, "webhook-secret": runWebhookSecretCommand };

/**
 * The operators' CLI: `pnpm gateway keys|webhook-secret|usage …`. keys and webhook-secret talk to
 * the edge's database directly (every change is audited); usage asks billing and reads Redis.
 */
async function main(argv: string[]): Promise<number> {
  const args = parseCliArgs(argv);
  const print = (line: string) => console.log(line);
  if (args.group === "usage") return runUsageCommand(args, readUsageCliEnv(), { json: args.json, print });
  const run = args.group !== undefined && Object.hasOwn(GROUPS, args.group) ? GROUPS[args.group as keyof typeof GROUPS] : undefined;
  if (!run) {
    console.log(USAGE);
    return args.group === undefined ? 0 : 2;
  }
  const env = readCliEnv();
  const prisma = createEdgePrisma(env.EDGE_DATABASE_URL);
  try {
    await run(args, env, prisma, { json: args.json, print });
    return 0;
  } finally {
    await prisma.$disconnect();
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (err instanceof UsageError) {
    console.error(`${err.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else if (err instanceof ZodError) {
    console.error(z.prettifyError(err));
    process.exitCode = 2;
  } else if (err instanceof AppError) {
    console.error(err.message);
    process.exitCode = 1;
  } else {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  }
}
