import {
  DEFAULT_TIERS,
  type ApiKey,
  type ApiKeyWithSecret,
  type AuditAction,
  type CreateApiKeyRequest,
  type GatewayConfig,
  type UpdateApiKeyRequest,
} from "@gateway/contracts";
import { AppError } from "@gateway/http";
import { recordAudit, type Actor } from "../admin/audit-log.ts";
import { modelIndex } from "../models/model-index.ts";
import type { Prisma, PrismaClient } from "../generated/prisma/client.ts";
import { toApiKey, type KeyRecord } from "./key-record.ts";
import { generateSecret, hashSecret, newKeyId, visiblePrefix } from "./key-secret.ts";

export interface KeyAdminOptions {
  /** Tiers and models to check against; without a configuration, the default tiers and any model. */
  config: GatewayConfig | undefined;
  rotationGraceS: number;
  now?: () => Date;
}

type Tx = Prisma.TransactionClient;

/**
 * Every change to a key, shared by the admin API and the CLI. Each change and its audit entry are
 * written in one transaction: there is no change without its entry, nor the other way round.
 */
export function createKeyAdmin(prisma: PrismaClient, { config, rotationGraceS, now = () => new Date() }: KeyAdminOptions) {
  const tiers = config?.tiers ?? DEFAULT_TIERS;
  const modelNames = config ? modelIndex(config) : undefined;

  function check(fields: {
    tier?: string | undefined;
    allowed_models?: string[] | null | undefined;
    expires_at?: string | null | undefined;
  }): void {
    if (fields.tier !== undefined && !tiers[fields.tier]) {
      throw new AppError("invalid_request", `tier '${fields.tier}' is not configured (configured: ${Object.keys(tiers).join(", ")})`, {
        param: "tier",
      });
    }
    const unknown = modelNames && fields.allowed_models?.filter((m) => !modelNames.has(m));
    if (unknown?.length) throw new AppError("invalid_request", `unknown model(s): ${unknown.join(", ")}`, { param: "allowed_models" });
    if (fields.expires_at && Date.parse(fields.expires_at) <= now().getTime()) {
      throw new AppError("invalid_request", "expires_at must be in the future", { param: "expires_at" });
    }
  }

  const audit = (tx: Tx, who: Actor, action: AuditAction, key: KeyRecord, details: Record<string, unknown>) =>
    recordAudit(tx, who, action, { keyId: key.id, tenantId: key.tenantId }, details);

  /** Runs `change` on a live key in a transaction; undefined when there is no such key. */
  async function change<T>(id: string, fn: (tx: Tx, key: KeyRecord) => Promise<T>): Promise<T | undefined> {
    return prisma.$transaction(async (tx) => {
      // FOR UPDATE: two concurrent rotations of one key must not both keep "the" current secret.
      const [locked] = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM api_keys WHERE id = ${id} FOR UPDATE`;
      if (!locked) return undefined;
      return fn(tx, await tx.apiKey.findUniqueOrThrow({ where: { id } }));
    });
  }

  const refuseRevoked = (key: KeyRecord) => {
    if (key.revokedAt) throw new AppError("invalid_request", `key ${key.id} is revoked`);
  };

  return {
    /** `secret` is for importing keys that exist elsewhere; otherwise the gateway generates it. */
    async create(input: CreateApiKeyRequest, who: Actor, secret = generateSecret()): Promise<ApiKeyWithSecret> {
      check(input);
      const id = newKeyId();
      const prefix = visiblePrefix(secret);
      const key = await prisma
        .$transaction(async (tx) => {
          const row = await tx.apiKey.create({
            data: {
              id,
              tenantId: input.tenant_id,
              name: input.name,
              tier: input.tier,
              prefix,
              allowedModels: input.allowed_models ?? [],
              expiresAt: input.expires_at ? new Date(input.expires_at) : null,
              secrets: { create: { hash: hashSecret(secret), prefix } },
            },
          });
          await audit(tx, who, "key.create", row, {
            name: row.name,
            tier: row.tier,
            allowed_models: input.allowed_models ?? null,
            expires_at: input.expires_at ?? null,
          });
          return row;
        })
        .catch((err: unknown) => {
          if ((err as { code?: string }).code === "P2002")
            throw new AppError("invalid_request", "this secret is already stored for another key");
          throw err;
        });
      return { ...toApiKey(key), secret };
    },

    update(id: string, patch: UpdateApiKeyRequest, who: Actor): Promise<ApiKey | undefined> {
      check(patch);
      return change(id, async (tx, key) => {
        refuseRevoked(key);
        const row = await tx.apiKey.update({
          where: { id },
          data: {
            ...(patch.name !== undefined && { name: patch.name }),
            ...(patch.tier !== undefined && { tier: patch.tier }),
            ...(patch.allowed_models !== undefined && { allowedModels: patch.allowed_models ?? [] }),
            ...(patch.expires_at !== undefined && { expiresAt: patch.expires_at ? new Date(patch.expires_at) : null }),
          },
        });
        const before = toApiKey(key);
        const after = toApiKey(row);
        const changed = Object.fromEntries(
          (Object.keys(patch) as Array<keyof UpdateApiKeyRequest>)
            .filter((f) => patch[f] !== undefined)
            .map((f) => [f, { from: before[f], to: after[f] }]),
        );
        await audit(tx, who, "key.update", row, changed);
        return after;
      });
    },

    /** A new secret now; the current ones keep working for the grace period, then stop. */
    rotate(id: string, graceS: number | undefined, who: Actor): Promise<ApiKeyWithSecret | undefined> {
      const secret = generateSecret();
      const grace = graceS ?? rotationGraceS;
      const until = new Date(now().getTime() + grace * 1000);
      return change(id, async (tx, key) => {
        refuseRevoked(key);
        // A secret already on its way out keeps its earlier end: a rotation never extends one.
        await tx.apiKeySecret.updateMany({
          where: { keyId: id, OR: [{ expiresAt: null }, { expiresAt: { gt: until } }] },
          data: { expiresAt: until },
        });
        await tx.apiKeySecret.create({ data: { hash: hashSecret(secret), keyId: id, prefix: visiblePrefix(secret) } });
        const row = await tx.apiKey.update({ where: { id }, data: { prefix: visiblePrefix(secret) } });
        await audit(tx, who, "key.rotate", row, { grace_seconds: grace, previous_secret_expires_at: until.toISOString() });
        return { ...toApiKey(row), secret, previous_secret_expires_at: until.toISOString() };
      });
    },

    /** Idempotent: revoking a revoked key changes nothing, but is still an audited action. */
    revoke(id: string, who: Actor): Promise<ApiKey | undefined> {
      return change(id, async (tx, key) => {
        const row = key.revokedAt ? key : await tx.apiKey.update({ where: { id }, data: { revokedAt: now() } });
        await audit(tx, who, "key.revoke", row, key.revokedAt ? { already_revoked: true } : {});
        return toApiKey(row);
      });
    },
  };
}

export type KeyAdmin = ReturnType<typeof createKeyAdmin>;
