import { RotateWebhookSecretRequest, TenantId, WebhookSecret } from "@gateway/contracts";
import { z } from "zod";
import { errorResponses } from "./error-responses.ts";
import { json, ok, SECURITY, type DocContext } from "./openapi-kit.ts";

const EXAMPLE = {
  object: "webhook_secret",
  tenant_id: "acme",
  version: 1,
  secret: "whsec_lQ5ndr8Jah64sG+JZjQSCXmv1GhCDv5jphYR5Fdmr1c=",
  previous_version: null,
  previous_expires_at: null,
  created_at: "2026-11-01T12:00:00.000Z",
  rotated_at: null,
};
const ROTATED = {
  ...EXAMPLE,
  version: 2,
  secret: "whsec_my8Of/hL6PiV6h4ySmKL1HZTIO+Bc2mne7HChXZiiTQ=",
  previous_version: 1,
  previous_expires_at: "2026-11-29T09:00:00.000Z",
  rotated_at: "2026-11-29T08:00:00.000Z",
};

const tenantParam = z.object({ tenant_id: TenantId.meta({ description: "The tenant whose deliveries it signs.", example: "acme" }) });
/** Without WEBHOOK_MASTER_KEY on this edge, or with Postgres down. */
const UNAVAILABLE = "backend_unavailable";

/** /v1/admin/tenants/{tenant_id}/webhook-secret: a tenant's Standard Webhooks signing secret, for operators. */
export function documentWebhookSecrets({ registry, schema }: DocContext): void {
  const secret = schema("WebhookSecret", WebhookSecret);
  const common = { tags: ["Admin"], security: SECURITY.admin, request: { params: tenantParam } };
  registry.registerPath({
    ...common,
    method: "post",
    path: "/v1/admin/tenants/{tenant_id}/webhook-secret",
    operationId: "createWebhookSecret",
    summary: "Create a tenant's webhook signing secret",
    description:
      "Version 1. Jobs of a tenant without one are refused with a webhook_url. The secret is derived from the gateway's WEBHOOK_MASTER_KEY, never stored; 503 while that is unset. Audited.",
    responses: {
      201: ok("The secret.", json(secret, EXAMPLE)),
      ...errorResponses("invalid_request", "invalid_api_key", "already_exists", UNAVAILABLE),
    },
  });
  registry.registerPath({
    ...common,
    method: "get",
    path: "/v1/admin/tenants/{tenant_id}/webhook-secret",
    operationId: "retrieveWebhookSecret",
    summary: "Retrieve a tenant's webhook signing secret",
    description: "The current version and its secret, and the previous version while it still signs.",
    responses: {
      200: ok("The secret.", json(secret, ROTATED)),
      ...errorResponses("invalid_request", "invalid_api_key", "not_found", UNAVAILABLE),
    },
  });
  registry.registerPath({
    ...common,
    method: "post",
    path: "/v1/admin/tenants/{tenant_id}/webhook-secret/rotate",
    operationId: "rotateWebhookSecret",
    summary: "Rotate a tenant's webhook signing secret",
    description:
      "A new version signs from now on; deliveries carry a signature of the previous version too for `grace_seconds` (default KEY_ROTATION_GRACE_S), so receivers can switch. Audited.",
    request: {
      ...common.request,
      body: {
        required: false,
        content: json(schema("RotateWebhookSecretRequest", RotateWebhookSecretRequest), { grace_seconds: 3600 }),
      },
    },
    responses: {
      200: ok("The secret's new version.", json(secret, ROTATED)),
      ...errorResponses(
        "invalid_request",
        "invalid_json",
        "unknown_parameter",
        "unsupported_media_type",
        "payload_too_large",
        "invalid_api_key",
        "not_found",
        UNAVAILABLE,
      ),
    },
  });
}
