import { z } from "zod";

/**
 * The closed set of error codes a client can see. Each maps to exactly one HTTP status and one
 * OpenAI-style `type` (the OpenAI SDKs read `type`, `code`, `param` and `message`).
 */
export const ERROR_CODES = {
  invalid_request: { status: 400, type: "invalid_request_error" },
  invalid_json: { status: 400, type: "invalid_request_error" },
  unknown_parameter: { status: 400, type: "invalid_request_error" },
  unsupported_parameter: { status: 400, type: "invalid_request_error" },
  model_not_found: { status: 404, type: "invalid_request_error" },
  max_tokens_exceeded: { status: 400, type: "invalid_request_error" },
  context_length_exceeded: { status: 400, type: "invalid_request_error" },
  content_policy_violation: { status: 400, type: "invalid_request_error" },
  invalid_api_key: { status: 401, type: "authentication_error" },
  permission_denied: { status: 403, type: "permission_error" },
  not_found: { status: 404, type: "not_found_error" },
  job_expired: { status: 404, type: "not_found_error" },
  method_not_allowed: { status: 405, type: "invalid_request_error" },
  upgrade_required: { status: 426, type: "invalid_request_error" },
  idempotency_conflict: { status: 409, type: "conflict_error" },
  already_exists: { status: 409, type: "conflict_error" },
  payload_too_large: { status: 413, type: "invalid_request_error" },
  unsupported_media_type: { status: 415, type: "invalid_request_error" },
  rate_limit_exceeded: { status: 429, type: "rate_limit_error" },
  concurrency_limit_exceeded: { status: 429, type: "rate_limit_error" },
  token_quota_exceeded: { status: 429, type: "rate_limit_error" },
  client_closed_request: { status: 499, type: "cancelled" },
  internal_error: { status: 500, type: "server_error" },
  upstream_error: { status: 502, type: "server_error" },
  backend_unavailable: { status: 503, type: "server_error" },
  /** Redis (the queue, the relay, the limits) cannot be reached: nothing can be queued or relayed. */
  queue_unavailable: { status: 503, type: "server_error" },
  /** Postgres (keys not yet cached, conversations, the admin API) cannot be reached; inference goes on. */
  database_unavailable: { status: 503, type: "server_error" },
  not_ready: { status: 503, type: "server_error" },
  upstream_timeout: { status: 504, type: "timeout_error" },
} as const satisfies Record<string, { status: number; type: string }>;

export const ErrorCode = z.enum(Object.keys(ERROR_CODES) as [keyof typeof ERROR_CODES, ...(keyof typeof ERROR_CODES)[]]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const FieldIssue = z.object({
  path: z.string().describe("Dotted path of the offending field, e.g. messages.0.content"),
  message: z.string(),
});
export type FieldIssue = z.infer<typeof FieldIssue>;

export const ErrorBody = z.object({
  code: ErrorCode,
  message: z.string(),
  type: z.string(),
  param: z.string().nullable(),
  details: z.array(FieldIssue).nullable(),
  request_id: z.string().nullable(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

/** The one error envelope every service returns, on every status. */
export const ErrorEnvelope = z.object({ error: ErrorBody });
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;

export function statusOf(code: ErrorCode): number {
  return ERROR_CODES[code].status;
}
