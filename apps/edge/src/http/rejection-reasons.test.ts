import { ERROR_CODES, type ErrorCode } from "@gateway/contracts";
import { describe, expect, it } from "vitest";
import { REJECTION_REASONS, rejectionReasonOf } from "./rejection-reasons.ts";

/** Codes that are not refusals: failures after enqueueing, unknown routes, server-side states. */
const NOT_REFUSALS: ErrorCode[] = [
  "not_found",
  "job_expired",
  "method_not_allowed",
  "upgrade_required",
  "client_closed_request",
  "internal_error",
  "upstream_error",
  "backend_unavailable",
  "queue_unavailable",
  "database_unavailable",
  "not_ready",
  "upstream_timeout",
];

describe("rejectionReasonOf", () => {
  it("when a new error code is added, then it must be classified here: a refusal reason or deliberately none", () => {
    const unclassified = (Object.keys(ERROR_CODES) as ErrorCode[]).filter(
      (code) => !rejectionReasonOf(code) && !NOT_REFUSALS.includes(code),
    );
    expect(unclassified).toEqual([]);
  });

  it("when a 4xx a client caused is mapped, then it maps into the closed set, and every 429 is a limit", () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      const reason = rejectionReasonOf(code);
      if (reason) expect(REJECTION_REASONS).toContain(reason);
      if (ERROR_CODES[code].status === 429) expect(["rate_limit", "concurrency", "quota"]).toContain(reason);
    }
  });
});
