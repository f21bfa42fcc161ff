import type { ResponseConfig } from "@asteasolutions/zod-to-openapi";
import { ERROR_CODES, type ErrorCode } from "@gateway/contracts";
import { EXAMPLE_REQUEST_ID } from "./openapi-kit.ts";

/** One realistic message per code, for the examples: what a client sees is the contract. */
const MESSAGES: Record<ErrorCode, { message: string; param?: string; details?: { path: string; message: string }[] }> = {
  invalid_request: {
    message: "messages: must contain at least one message",
    param: "messages",
    details: [{ path: "messages", message: "must contain at least one message" }],
  },
  invalid_json: { message: "the request body is not valid JSON" },
  unknown_parameter: {
    message: "max_token: unrecognized field",
    param: "max_token",
    details: [{ path: "max_token", message: "unrecognized field" }],
  },
  unsupported_parameter: {
    message: "id_slot: is chosen by the gateway: each request gets a free slot of a healthy backend",
    param: "id_slot",
    details: [{ path: "id_slot", message: "is chosen by the gateway: each request gets a free slot of a healthy backend" }],
  },
  model_not_found: { message: "the model 'gpt-4' does not exist", param: "model" },
  max_tokens_exceeded: { message: "max_tokens must be at most 2048 for this API key's 'free' tier", param: "max_tokens" },
  context_length_exceeded: {
    message:
      "this model's context is 2048 tokens: the prompt has 2100 tokens and max_tokens asks for 256; shorten the messages or lower max_tokens",
  },
  content_policy_violation: { message: "a user message matches a blocked content pattern", param: "messages.0.content" },
  invalid_api_key: { message: "missing or invalid API key: send Authorization: Bearer <key>" },
  permission_denied: { message: "this API key may not use model 'llama-3-70b'", param: "model" },
  not_found: { message: "no API key key_mb2x9k1q0a1B2c3D4e5F6g7H" },
  job_expired: { message: "job 'job_01' finished more than 86400 s ago and its result is no longer kept" },
  method_not_allowed: { message: "DELETE is not allowed on /v1/models" },
  upgrade_required: { message: "/v1/ws speaks WebSocket: send GET with Connection: Upgrade and Upgrade: websocket" },
  idempotency_conflict: { message: "this Idempotency-Key was used with a different request body" },
  already_exists: { message: "tenant 'acme' already has a webhook secret (version 1): rotate it instead" },
  payload_too_large: { message: "the request body is too large" },
  unsupported_media_type: { message: "Content-Type must be application/json" },
  rate_limit_exceeded: { message: "rate limit of 60 requests per minute reached for this API key; retry in 12 s" },
  concurrency_limit_exceeded: {
    message: "8 requests of this API key are in flight, the most its 'premium' tier allows; retry when one finishes",
  },
  token_quota_exceeded: {
    message:
      "this request may use up to 1280 tokens (prompt + max_tokens) but 310 of this API key's 10000 tokens per day are left; lower max_tokens or retry later",
  },
  client_closed_request: { message: "the client closed the request" },
  internal_error: { message: "internal error" },
  upstream_error: { message: "the backend failed after sending part of the answer" },
  backend_unavailable: { message: "no backend can serve model 'stories260k' right now; retry later" },
  queue_unavailable: { message: "the gateway's queue (Redis) cannot be reached right now; retry later" },
  database_unavailable: {
    message: "the gateway's database cannot be reached right now; inference goes on, this resource does not; retry later",
  },
  not_ready: { message: "not ready: workers: no worker seen recently" },
  upstream_timeout: { message: "the request timed out before the backend finished" },
};

export function errorExample(code: ErrorCode) {
  const { message, param = null, details = null } = MESSAGES[code];
  return { error: { code, message, type: ERROR_CODES[code].type, param, details, request_id: EXAMPLE_REQUEST_ID } };
}

/**
 * The error responses of an operation, one per status, with an example of every code that
 * status can carry. Every error uses the one envelope (components/schemas/ErrorEnvelope).
 */
export function errorResponses(...codes: ErrorCode[]): Record<string, ResponseConfig> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_CODES[code].status, [...(byStatus.get(ERROR_CODES[code].status) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      String(status),
      {
        description: list.join(", "),
        headers: {
          "x-request-id": { $ref: "#/components/headers/RequestId" },
          ...(status === 429 || status === 503 ? { "retry-after": { $ref: "#/components/headers/RetryAfter" } } : {}),
        },
        content: {
          "application/json": {
            schema: { $ref: "#/components/schemas/ErrorEnvelope" },
            examples: Object.fromEntries(list.map((code) => [code, { summary: code, value: errorExample(code) }])),
          },
        },
      },
    ]),
  );
}

/** What every authenticated inference call can fail with, besides its own validation. */
export const INFERENCE_ERRORS: ErrorCode[] = [
  "invalid_request",
  "invalid_json",
  "unknown_parameter",
  "unsupported_parameter",
  "content_policy_violation",
  "invalid_api_key",
  "permission_denied",
  "model_not_found",
  "payload_too_large",
  "unsupported_media_type",
  "rate_limit_exceeded",
  "concurrency_limit_exceeded",
  "token_quota_exceeded",
  "internal_error",
  "upstream_error",
  "backend_unavailable",
  "queue_unavailable",
  "database_unavailable",
  "upstream_timeout",
];
