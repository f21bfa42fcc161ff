import { describe, expect, it } from "vitest";
import { NoBackendError } from "../backends/no-backend-error.ts";
import { UpstreamError } from "../llama/upstream-error.ts";
import { CancelledAbort, ShutdownAbort } from "./abort-reasons.ts";
import { RETRY_AFTER_S, toClientFailure } from "./to-client-failure.ts";

const withBackend = (err: UpstreamError) => Object.assign(err, { backend: "http://b1" });

describe("toClientFailure", () => {
  it("when no backend was usable, then backend_unavailable with retry_after and no billing", () => {
    expect(toClientFailure(new NoBackendError(undefined))).toMatchObject({
      code: "backend_unavailable",
      retryAfter: RETRY_AFTER_S,
      cancelled: false,
    });
    const refused = new UpstreamError("connect", "refused", { tokens: 0 });
    expect(toClientFailure(new NoBackendError(refused)).code).toBe("backend_unavailable");
  });

  it("when every attempt timed out or answered 5xx, then the last failure's code", () => {
    const timeout = new UpstreamError("timeout", "ttft", { tokens: 0, timeout: "first_token" });
    expect(toClientFailure(new NoBackendError(timeout)).code).toBe("upstream_timeout");
    expect(toClientFailure(new NoBackendError(new UpstreamError("status", "500", { tokens: 0, status: 500 }))).code).toBe("upstream_error");
  });

  it("when the stream broke after tokens, then upstream_error billed as failed", () => {
    const f = toClientFailure(withBackend(new UpstreamError("stream", "cut", { tokens: 3 })));
    expect(f).toMatchObject({ code: "upstream_error", usageOutcome: "failed", cancelled: false });
  });

  it("when the idle timer fired after tokens, then upstream_timeout billed as failed", () => {
    const f = toClientFailure(withBackend(new UpstreamError("timeout", "idle", { tokens: 2, timeout: "idle" })));
    expect(f).toMatchObject({ code: "upstream_timeout", usageOutcome: "failed" });
  });

  it("when the edge cancelled during generation, then a completed cancel billed as cancelled", () => {
    const err = withBackend(new UpstreamError("cancelled", "x", { tokens: 4, reason: new CancelledAbort("client_disconnected") }));
    expect(toClientFailure(err)).toMatchObject({
      code: "client_closed_request",
      cancelled: true,
      usageOutcome: "cancelled",
      stage: "generating",
    });
  });

  it("when the edge cancelled while waiting for a slot, then nothing is billed", () => {
    const f = toClientFailure(new UpstreamError("cancelled", "x", { tokens: 0, reason: new CancelledAbort("timeout") }));
    expect(f).toMatchObject({ cancelled: true, stage: "waiting" });
    expect(f.usageOutcome).toBeUndefined();
  });

  it("when shutdown aborted a generation, then upstream_error, billed if tokens came", () => {
    const f = toClientFailure(withBackend(new UpstreamError("cancelled", "x", { tokens: 1, reason: new ShutdownAbort() })));
    expect(f).toMatchObject({ code: "upstream_error", cancelled: false, usageOutcome: "failed" });
  });

  it("when a backend refused the request's own input with a 400, then the client gets a 400 with the backend's reason, not a 502", () => {
    const refused = withBackend(new UpstreamError("status", "backend answered 400: logprobs is not supported", { tokens: 0, status: 400 }));
    expect(toClientFailure(refused)).toMatchObject({
      code: "invalid_request",
      message: expect.stringContaining("logprobs"),
      cancelled: false,
    });
    const server = withBackend(new UpstreamError("status", "backend answered 500: boom", { tokens: 0, status: 500, requestCaused: true }));
    expect(toClientFailure(server).code).toBe("upstream_error");
  });

  it("when something unexpected broke, then internal_error", () => {
    expect(toClientFailure(new TypeError("bug")).code).toBe("internal_error");
  });
});
