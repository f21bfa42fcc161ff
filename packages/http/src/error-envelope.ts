import { ERROR_CODES, type ErrorCode, type ErrorEnvelope, type FieldIssue } from "@gateway/contracts";

/** The one error body every service returns, on every status (HTTP, SSE, WebSocket). */
export function errorEnvelope(
  code: ErrorCode,
  message: string,
  requestId: string | null,
  param: string | null = null,
  details: FieldIssue[] | null = null,
): ErrorEnvelope {
  return { error: { code, message, type: ERROR_CODES[code].type, param, details, request_id: requestId } };
}
