import type { ErrorCode } from "@gateway/contracts";

/**
 * The closed set of reasons in `gateway_edge_rejections_total{reason}`: why a request was refused
 * without being served. Dashboards and alerts name these values, so a new one is added here (and
 * mapped below), never invented at a call site.
 *
 * - auth: no, or a bad, credential (401)
 * - forbidden: the credential may not use this model or resource (403)
 * - validation: the request is malformed or asks for something the gateway does not do (400, 404 model, 413, 415)
 * - conflict: an Idempotency-Key reused with another body, or creating what already exists (409)
 * - rate_limit / concurrency / quota: the key's tier limits (429)
 * - content_policy: a user message matched CONTENT_BLOCKED_PATTERNS (400)
 * - shed: the model's queue was already too long (503, load shedding)
 * - unavailable: no worker alive to take the job (503)
 */
export const REJECTION_REASONS = [
  "auth",
  "forbidden",
  "validation",
  "conflict",
  "rate_limit",
  "concurrency",
  "quota",
  "content_policy",
  "shed",
  "unavailable",
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/**
 * Codes that always mean a refusal. `backend_unavailable` is absent: after enqueueing it is a
 * failure, not a refusal, so the two places that refuse with it say so (a `RefusalError`).
 * Unknown routes (404, 405) and a plain GET of the WebSocket endpoint (426) are not counted: they are scanners and typos, visible as
 * `route="unmatched"` in gateway_http_requests_total.
 */
const BY_CODE: Partial<Record<ErrorCode, RejectionReason>> = {
  invalid_api_key: "auth",
  permission_denied: "forbidden",
  invalid_request: "validation",
  invalid_json: "validation",
  unknown_parameter: "validation",
  unsupported_parameter: "validation",
  model_not_found: "validation",
  max_tokens_exceeded: "validation",
  context_length_exceeded: "validation",
  payload_too_large: "validation",
  unsupported_media_type: "validation",
  idempotency_conflict: "conflict",
  already_exists: "conflict",
  rate_limit_exceeded: "rate_limit",
  concurrency_limit_exceeded: "concurrency",
  token_quota_exceeded: "quota",
  content_policy_violation: "content_policy",
};

export const rejectionReasonOf = (code: ErrorCode): RejectionReason | undefined => BY_CODE[code];
