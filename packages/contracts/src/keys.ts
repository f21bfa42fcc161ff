import { z } from "zod";
import { Text } from "./text.ts";
import { listPage } from "./pagination.ts";

/** A tier's name as the configuration spells it (GatewayConfig.tiers). */
export const TierName = z.string().regex(/^[a-z0-9_-]{1,32}$/, "must be 1-32 characters of a-z, 0-9, _ and -");

/** Tenant ids end up in Redis key names, logs and billing rows: a conservative alphabet. */
export const TenantId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/, "must be 1-128 characters of letters, digits and ._:@- (starting with a letter or digit)");
export type TenantId = z.infer<typeof TenantId>;

/** Key ids sort by creation time (a base-36 millisecond timestamp comes first), so they make stable cursors. */
export const KeyId = z.string().regex(/^key_[a-z0-9]{8}[A-Za-z0-9]{12}$/, "is not a key id");

const Timestamp = z.iso.datetime({ offset: true });

/** An API key as the admin API and the key's own tenant see it: never the secret or its hash. */
export const ApiKey = z.object({
  id: KeyId,
  object: z.literal("api_key"),
  tenant_id: TenantId,
  name: z.string(),
  tier: TierName,
  /** The first characters of the current secret, to tell keys apart in lists and logs. */
  prefix: z.string(),
  /** Models (ids or aliases) the key may call; null means every configured model. */
  allowed_models: z.array(z.string()).nullable(),
  expires_at: Timestamp.nullable(),
  revoked_at: Timestamp.nullable(),
  /** Coalesced: accurate to the edge's flush interval, not to the request. */
  last_used_at: Timestamp.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type ApiKey = z.infer<typeof ApiKey>;

/** Returned by create and rotate only: the secret is shown once and stored only as a hash. */
export const ApiKeyWithSecret = ApiKey.extend({
  secret: z.string(),
  /** After a rotation: until when the previous secret still works. */
  previous_secret_expires_at: Timestamp.nullable().optional(),
});
export type ApiKeyWithSecret = z.infer<typeof ApiKeyWithSecret>;

const ModelList = z.array(Text.min(1).max(128)).min(1).max(100);

export const CreateApiKeyRequest = z.strictObject({
  tenant_id: TenantId,
  name: Text.trim().min(1).max(64),
  tier: TierName,
  allowed_models: ModelList.nullable().optional(),
  expires_at: Timestamp.nullable().optional(),
});
export type CreateApiKeyRequest = z.infer<typeof CreateApiKeyRequest>;

export const UpdateApiKeyRequest = z
  .strictObject({
    name: Text.trim().min(1).max(64).optional(),
    tier: TierName.optional(),
    allowed_models: ModelList.nullable().optional(),
    expires_at: Timestamp.nullable().optional(),
  })
  .refine((u) => Object.values(u).some((v) => v !== undefined), "name at least one field to change");
export type UpdateApiKeyRequest = z.infer<typeof UpdateApiKeyRequest>;

/** Longest grace a rotated-out secret may keep working. */
export const MAX_ROTATION_GRACE_S = 30 * 86_400;

/** How long a rotated-out secret (an API key's or a webhook signing secret) keeps working; 0 ends it at once. */
export const RotationGraceSeconds = z.number().int().min(0).max(MAX_ROTATION_GRACE_S);

export const RotateApiKeyRequest = z.strictObject({
  /** How long the previous secret keeps working; 0 ends it at once. */
  grace_seconds: RotationGraceSeconds.optional(),
});
export type RotateApiKeyRequest = z.infer<typeof RotateApiKeyRequest>;

/** Cursor pagination as OpenAI's list endpoints do it: `after` is the last id of the previous page. */
export const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: Text.min(1).max(64).optional(),
});
export type ListQuery = z.infer<typeof ListQuery>;

export const AdminKeyListQuery = ListQuery.extend({ tenant_id: TenantId.optional() });
export type AdminKeyListQuery = z.infer<typeof AdminKeyListQuery>;

export const ApiKeyList = listPage(ApiKey);
export type ApiKeyList = z.infer<typeof ApiKeyList>;

export const AuditAction = z.enum([
  "key.create",
  "key.update",
  "key.rotate",
  "key.revoke",
  "webhook_secret.create",
  "webhook_secret.rotate",
]);
export type AuditAction = z.infer<typeof AuditAction>;

/** One admin action, written in the same transaction as the change it describes. */
export const AuditEntry = z.object({
  id: z.string(),
  object: z.literal("audit_entry"),
  at: Timestamp,
  /** "admin-api" or "cli:<os user>". */
  actor: z.string(),
  action: AuditAction,
  key_id: z.string().nullable(),
  tenant_id: z.string().nullable(),
  request_id: z.string().nullable(),
  /** The fields that changed (never a secret). */
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditList = listPage(AuditEntry);
export type AuditList = z.infer<typeof AuditList>;
