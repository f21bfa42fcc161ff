import {
  AdminKeyListQuery,
  ApiKey,
  ApiKeyList,
  ApiKeyWithSecret,
  AuditList,
  CreateApiKeyRequest,
  ListQuery,
  RotateApiKeyRequest,
  UpdateApiKeyRequest,
} from "@gateway/contracts";
import { z } from "zod";
import { errorResponses } from "./error-responses.ts";
import { API_KEY_EXAMPLE, keyIdParam } from "./keys-paths.ts";
import { EXAMPLE_KEY_ID, EXAMPLE_REQUEST_ID, json, ok, SECURITY, type DocContext } from "./openapi-kit.ts";

const WITH_SECRET = { ...API_KEY_EXAMPLE, secret: "sk-gw-AbCdEf0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZab" };
const BAD_BODY = ["invalid_request", "invalid_json", "unknown_parameter", "unsupported_media_type", "payload_too_large"] as const;

export function documentAdmin({ registry, schema }: DocContext): void {
  const apiKey = schema("ApiKey", ApiKey);
  const withSecret = schema("ApiKeyWithSecret", ApiKeyWithSecret);
  const common = { tags: ["Admin"], security: SECURITY.admin };
  registry.registerPath({
    ...common,
    method: "post",
    path: "/v1/admin/keys",
    operationId: "createKey",
    summary: "Create an API key",
    description: "The secret is in this answer only; the gateway stores its hash. Audited.",
    request: {
      body: {
        required: true,
        content: json(schema("CreateApiKeyRequest", CreateApiKeyRequest), { tenant_id: "acme", name: "ci", tier: "premium" }),
      },
    },
    responses: { 201: ok("The key with its secret.", json(withSecret, WITH_SECRET)), ...errorResponses("invalid_api_key", ...BAD_BODY) },
  });
  registry.registerPath({
    ...common,
    method: "get",
    path: "/v1/admin/keys",
    operationId: "listKeys",
    summary: "List API keys",
    description: "Every key, or one tenant's, in cursor pages by creation.",
    request: { query: AdminKeyListQuery },
    responses: {
      200: ok(
        "A page of keys.",
        json(schema("ApiKeyList", ApiKeyList), {
          object: "list",
          data: [API_KEY_EXAMPLE],
          has_more: false,
          first_id: EXAMPLE_KEY_ID,
          last_id: EXAMPLE_KEY_ID,
        }),
      ),
      ...errorResponses("invalid_api_key", "invalid_request", "unknown_parameter"),
    },
  });
  registry.registerPath({
    ...common,
    method: "get",
    path: "/v1/admin/keys/{id}",
    operationId: "retrieveKey",
    summary: "Retrieve an API key",
    request: { params: keyIdParam },
    responses: { 200: ok("The key.", json(apiKey, API_KEY_EXAMPLE)), ...errorResponses("invalid_api_key", "not_found") },
  });
  registry.registerPath({
    ...common,
    method: "patch",
    path: "/v1/admin/keys/{id}",
    operationId: "updateKey",
    summary: "Update an API key",
    description: "Name, tier, allowed models or expiry; at least one. Audited with the fields' old and new values.",
    request: {
      params: keyIdParam,
      body: { required: true, content: json(schema("UpdateApiKeyRequest", UpdateApiKeyRequest), { tier: "enterprise" }) },
    },
    responses: {
      200: ok("The key.", json(apiKey, { ...API_KEY_EXAMPLE, tier: "enterprise" })),
      ...errorResponses("invalid_api_key", "not_found", ...BAD_BODY),
    },
  });
  registry.registerPath({
    ...common,
    method: "post",
    path: "/v1/admin/keys/{id}/rotate",
    operationId: "rotateKey",
    summary: "Rotate an API key's secret",
    description: "A new secret; the current ones keep working for `grace_seconds` (default KEY_ROTATION_GRACE_S).",
    request: {
      params: keyIdParam,
      body: { required: false, content: json(schema("RotateApiKeyRequest", RotateApiKeyRequest), { grace_seconds: 3600 }) },
    },
    responses: {
      200: ok("The key with its new secret.", json(withSecret, { ...WITH_SECRET, previous_secret_expires_at: "2026-11-29T09:00:00.000Z" })),
      ...errorResponses("invalid_api_key", "not_found", ...BAD_BODY),
    },
  });
  registry.registerPath({
    ...common,
    method: "post",
    path: "/v1/admin/keys/{id}/revoke",
    operationId: "revokeKey",
    summary: "Revoke an API key",
    description: "Ends every secret of the key at once (every replica within KEY_CACHE_TTL_MS).",
    request: { params: keyIdParam },
    responses: {
      200: ok("The revoked key.", json(apiKey, { ...API_KEY_EXAMPLE, revoked_at: "2026-11-29T08:30:00.000Z" })),
      ...errorResponses("invalid_api_key", "not_found"),
    },
  });
  registry.registerPath({
    ...common,
    method: "get",
    path: "/v1/admin/audit",
    operationId: "listAudit",
    summary: "List the audit log",
    description: "Every admin change, newest first; `key_id` narrows it to one key.",
    request: { query: ListQuery.extend({ key_id: z.string().optional().meta({ description: "Only this key's entries." }) }) },
    responses: {
      200: ok(
        "A page of audit entries.",
        json(schema("AuditList", AuditList), {
          object: "list",
          data: [
            {
              id: "aud_01",
              object: "audit_entry",
              at: "2026-11-29T08:30:00.000Z",
              actor: "admin-api",
              action: "key.revoke",
              key_id: EXAMPLE_KEY_ID,
              tenant_id: "acme",
              request_id: EXAMPLE_REQUEST_ID,
              details: {},
            },
          ],
          has_more: false,
          first_id: "aud_01",
          last_id: "aud_01",
        }),
      ),
      ...errorResponses("invalid_api_key", "invalid_request", "unknown_parameter"),
    },
  });
}
