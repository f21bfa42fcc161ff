import { describe, expect, it } from "vitest";
import { UpstreamError } from "./upstream-error.ts";

describe("UpstreamError", () => {
  it("when a backend answered 4xx, then it is not retried elsewhere", () => {
    expect(new UpstreamError("status", "400", { tokens: 0, status: 400 }).retryable).toBe(false);
    expect(new UpstreamError("status", "503", { tokens: 0, status: 503 }).retryable).toBe(true);
    expect(new UpstreamError("loading", "loading", { tokens: 0, status: 503 }).retryable).toBe(true);
  });
});
