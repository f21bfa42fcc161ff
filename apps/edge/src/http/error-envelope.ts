import { ERROR_CODES, type ErrorCode, type ErrorEnvelope, type FieldIssue } from "@gateway/contracts";

export function errorEnvelope(
  code: ErrorCode,
  message: string,
  requestId: string | null,
  param: string | null = null,
  details: FieldIssue[] | null = null,
): ErrorEnvelope {
  return { error: { code, message, type: ERROR_CODES[code].type, param, details, request_id: requestId } };
}
