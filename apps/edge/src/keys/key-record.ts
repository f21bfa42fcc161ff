import type { ApiKey } from "@gateway/contracts";
import type { ApiKey as ApiKeyRow } from "../generated/prisma/client.ts";

export type KeyRecord = ApiKeyRow;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The wire shape of a key: what admins and the key's tenant may see (never a hash). */
export function toApiKey(row: KeyRecord): ApiKey {
  return {
    id: row.id,
    object: "api_key",
    tenant_id: row.tenantId,
    name: row.name,
    tier: row.tier,
    prefix: row.prefix,
    allowed_models: row.allowedModels.length > 0 ? row.allowedModels : null,
    expires_at: iso(row.expiresAt),
    revoked_at: iso(row.revokedAt),
    last_used_at: iso(row.lastUsedAt),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
