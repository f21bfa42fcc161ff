import type { WebhookSecret } from "@gateway/contracts";
import { AppError } from "@gateway/http";
import { deriveWebhookSecret } from "@gateway/webhooks";
import { recordAudit, type Actor } from "../admin/audit-log.ts";
import type { PrismaClient, WebhookSigningKey } from "../generated/prisma/client.ts";

export interface WebhookSecretAdminOptions {
  /** Unset: webhooks are off on this gateway, and so is managing their secrets. */
  masterKey: string | undefined;
  /** The previous version's grace when a rotation does not say (KEY_ROTATION_GRACE_S). */
  rotationGraceS: number;
  now?: () => Date;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Where a tenant's secret is made: the message of every "none yet" answer. */
export const createHint = (tenantId: string) =>
  `POST /v1/admin/tenants/${tenantId}/webhook-secret, or pnpm gateway webhook-secret create --tenant ${tenantId}`;

/**
 * A tenant's webhook signing secret: create, show, rotate, shared by the admin API and the CLI.
 * Only versions are stored; the secret is derived from the master key each time it is shown. Each
 * change and its audit entry are written in one transaction.
 */
export function createWebhookSecretAdmin(
  prisma: PrismaClient,
  { masterKey, rotationGraceS, now = () => new Date() }: WebhookSecretAdminOptions,
) {
  const master = (): string => {
    if (!masterKey)
      throw new AppError(
        "backend_unavailable",
        "webhooks are not configured on this gateway: set WEBHOOK_MASTER_KEY (the same on every edge and worker) to manage webhook secrets",
      );
    return masterKey;
  };

  const view = (key: string, row: WebhookSigningKey): WebhookSecret => ({
    object: "webhook_secret",
    tenant_id: row.tenantId,
    version: row.version,
    secret: deriveWebhookSecret(key, row.tenantId, row.version),
    previous_version: row.previousVersion,
    previous_expires_at: iso(row.previousExpiresAt),
    created_at: row.createdAt.toISOString(),
    rotated_at: iso(row.rotatedAt),
  });

  const none = (tenantId: string) =>
    new AppError("not_found", `tenant '${tenantId}' has no webhook secret: create one with ${createHint(tenantId)}`);

  return {
    /** Version 1; a tenant that already has a secret gets 409 (a second create would silently change it). */
    async create(tenantId: string, who: Actor): Promise<WebhookSecret> {
      const key = master();
      const row = await prisma
        .$transaction(async (tx) => {
          const created = await tx.webhookSigningKey.create({ data: { tenantId, version: 1, createdAt: now() } });
          await recordAudit(tx, who, "webhook_secret.create", { keyId: null, tenantId }, { version: 1 });
          return created;
        })
        .catch(async (err: unknown) => {
          if ((err as { code?: string }).code !== "P2002") throw err;
          const existing = await prisma.webhookSigningKey.findUnique({ where: { tenantId } });
          throw new AppError(
            "already_exists",
            `tenant '${tenantId}' already has a webhook secret (version ${existing?.version ?? "?"}): show it, or rotate it to replace it`,
          );
        });
      return view(key, row);
    },

    async show(tenantId: string): Promise<WebhookSecret> {
      const key = master();
      const row = await prisma.webhookSigningKey.findUnique({ where: { tenantId } });
      if (!row) throw none(tenantId);
      return view(key, row);
    },

    /** Version + 1 signs from now on; the current version keeps signing too until the grace ends (0: at once). */
    async rotate(tenantId: string, graceS: number | undefined, who: Actor): Promise<WebhookSecret> {
      const key = master();
      const grace = graceS ?? rotationGraceS;
      const at = now();
      const until = new Date(at.getTime() + grace * 1000);
      const row = await prisma.$transaction(async (tx) => {
        // FOR UPDATE: two concurrent rotations must make two versions, not the same one twice.
        const [locked] = await tx.$queryRaw<Array<{ version: number }>>`
          SELECT version FROM webhook_signing_keys WHERE tenant_id = ${tenantId} FOR UPDATE`;
        if (!locked) throw none(tenantId);
        const rotated = await tx.webhookSigningKey.update({
          where: { tenantId },
          data: { version: locked.version + 1, previousVersion: locked.version, previousExpiresAt: until, rotatedAt: at },
        });
        await recordAudit(
          tx,
          who,
          "webhook_secret.rotate",
          { keyId: null, tenantId },
          { version: { from: locked.version, to: rotated.version }, grace_seconds: grace, previous_expires_at: until.toISOString() },
        );
        return rotated;
      });
      return view(key, row);
    },
  };
}

export type WebhookSecretAdmin = ReturnType<typeof createWebhookSecretAdmin>;
