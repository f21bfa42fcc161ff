import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "./app-error.ts";
import { toAppError } from "./to-app-error.ts";

describe("toAppError", () => {
  it("when an AppError is thrown, then it is kept as it is", () => {
    const error = new AppError("rate_limit_exceeded", "slow down", { retryAfter: 3 });
    expect(toAppError(error)).toBe(error);
    expect(error.status).toBe(429);
  });

  it.each([
    ["entity.parse.failed", 400, "invalid_json"],
    ["entity.too.large", 413, "payload_too_large"],
    ["charset.unsupported", 415, "unsupported_media_type"],
    ["encoding.unsupported", 415, "unsupported_media_type"],
    ["request.aborted", 499, "client_closed_request"],
  ])("when body-parser fails with %s, then it is a %i %s", (type, status, code) => {
    expect(toAppError(Object.assign(new Error("x"), { type, status: 400 }))).toMatchObject({ status, code });
  });

  it("when another 4xx comes from a parser, then it is invalid_request with its message", () => {
    expect(toAppError(Object.assign(new Error("bad range"), { status: 416 }))).toMatchObject({
      code: "invalid_request",
      message: "bad range",
    });
  });

  it("when a contract's parse fails, then every field is named and the first is the param", () => {
    const result = z.object({ date: z.string(), limit: z.number() }).safeParse({ limit: "x" });
    const error = toAppError(result.error);
    expect(error).toMatchObject({ code: "invalid_request", status: 400, extra: { param: "date" } });
    expect(error?.extra.details?.map((d) => d.path)).toEqual(["date", "limit"]);
    expect(error?.message).toMatch(/^date: .+; limit: .+$/);
  });

  it("when the value is a bug (a plain Error, a 5xx, not an object), then it is not a client's error", () => {
    expect(toAppError(new Error("boom"))).toBeUndefined();
    expect(toAppError(Object.assign(new Error("x"), { status: 500 }))).toBeUndefined();
    expect(toAppError("boom")).toBeUndefined();
    expect(toAppError(null)).toBeUndefined();
  });
});
