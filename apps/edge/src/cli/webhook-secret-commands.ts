import { userInfo } from "node:os";
import { RotateWebhookSecretRequest, WebhookSecretPath, type WebhookSecret } from "@gateway/contracts";
import type { CliEnv } from "../env.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { createWebhookSecretAdmin } from "../webhooks/webhook-secret-admin.ts";
import { UsageError, type Args } from "./cli-args.ts";
import type { Output } from "./keys-commands.ts";

function show(out: Output, secret: WebhookSecret, what: string): void {
  if (out.json) return out.print(JSON.stringify(secret));
  out.print(`${what} webhook secret of tenant ${secret.tenant_id}: version ${secret.version}`);
  out.print(`secret: ${secret.secret}`);
  out.print(
    "Receivers verify the webhook-signature header with it (Standard Webhooks). It is derived from WEBHOOK_MASTER_KEY: `show` prints it again.",
  );
  if (secret.previous_version !== null && secret.previous_expires_at !== null)
    out.print(`Version ${secret.previous_version} also signs deliveries until ${secret.previous_expires_at}.`);
}

/** `webhook-secret <command>`: the admin API's operations on a tenant's signing secret, straight against the database. */
export async function runWebhookSecretCommand(args: Args, env: CliEnv, prisma: PrismaClient, out: Output): Promise<void> {
  const admin = createWebhookSecretAdmin(prisma, { masterKey: env.WEBHOOK_MASTER_KEY, rotationGraceS: env.KEY_ROTATION_GRACE_S });
  const actor = { actor: `cli:${userInfo().username}` };
  const tenant = () => WebhookSecretPath.parse({ tenant_id: args.required("tenant") }).tenant_id;
  switch (args.command) {
    case "create":
      return show(out, await admin.create(tenant(), actor), "created");
    case "show":
      return show(out, await admin.show(tenant()), "current");
    case "rotate": {
      const grace = args.string("grace");
      const { grace_seconds } = RotateWebhookSecretRequest.parse(grace === undefined ? {} : { grace_seconds: Number(grace) });
      return show(out, await admin.rotate(tenant(), grace_seconds, actor), "rotated");
    }
    default:
      throw new UsageError(`unknown command 'webhook-secret ${args.command ?? ""}'`);
  }
}
