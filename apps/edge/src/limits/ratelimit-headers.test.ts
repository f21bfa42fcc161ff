import { describe, expect, it } from "vitest";
import { rateLimitHeaders, resetDuration } from "./ratelimit-headers.ts";

describe("resetDuration", () => {
  it.each([
    [0, "0ms"],
    [17, "17ms"],
    [999.2, "1000ms"],
    [1_000, "1s"],
    [1_001, "2s"],
    [360_000, "6m0s"],
    [3_723_000, "1h2m3s"],
    [86_400_000, "24h0m0s"],
  ])("when %i ms remain, then it reads %s, as OpenAI writes it", (ms, text) => {
    expect(resetDuration(ms)).toBe(text);
  });
});

describe("rateLimitHeaders", () => {
  it("when a remaining count would be negative, then it is 0", () => {
    const headers = rateLimitHeaders({
      requestsLimit: 5,
      requestsRemaining: -3,
      requestsResetMs: 500,
      tokensLimit: 10,
      tokensRemaining: -1,
      tokensResetMs: 60_000,
    });
    expect(headers).toEqual({
      "x-ratelimit-limit-requests": "5",
      "x-ratelimit-remaining-requests": "0",
      "x-ratelimit-reset-requests": "500ms",
      "x-ratelimit-limit-tokens": "10",
      "x-ratelimit-remaining-tokens": "0",
      "x-ratelimit-reset-tokens": "1m0s",
    });
  });
});
