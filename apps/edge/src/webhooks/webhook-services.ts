import type { Logger } from "@gateway/observability";
import type { EdgeEnv } from "../env.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { SigningKeyCache } from "./signing-key-cache.ts";
import { createWebhookSecretAdmin, type WebhookSecretAdmin } from "./webhook-secret-admin.ts";
import { webhookTarget, type WebhookTarget } from "./webhook-target.ts";

export interface WebhookServices {
  webhookSecrets: WebhookSecretAdmin;
  webhookKeys: SigningKeyCache;
  /** The submit-time check of a job's webhook_url, and the versions that sign its delivery. */
  webhookTarget: WebhookTarget;
}

/** Webhook signing secrets and the egress check of webhook URLs, wired from the environment. */
export function createWebhookServices(env: EdgeEnv, prisma: PrismaClient, logger: Logger): WebhookServices {
  const webhookKeys = new SigningKeyCache((tenantId) => prisma.webhookSigningKey.findUnique({ where: { tenantId } }), {
    ttlMs: env.KEY_CACHE_TTL_MS,
    onStale: () => logger.warn("webhook signing keys could not be read; using the last known ones"),
  });
  return {
    webhookSecrets: createWebhookSecretAdmin(prisma, { masterKey: env.WEBHOOK_MASTER_KEY, rotationGraceS: env.KEY_ROTATION_GRACE_S }),
    webhookKeys,
    webhookTarget: webhookTarget({ policy: env.EGRESS_ALLOW_CIDRS, masterKey: env.WEBHOOK_MASTER_KEY, keys: webhookKeys }),
  };
}
