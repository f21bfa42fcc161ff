/** A duration the way OpenAI's x-ratelimit-reset-* headers write it: "20ms", "1s", "6m0s", "1h2m3s". */
export function resetDuration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.ceil(ms))}ms`;
  let s = Math.ceil(ms / 1_000);
  const h = Math.floor(s / 3_600);
  s -= h * 3_600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

export interface LimitState {
  requestsLimit: number;
  requestsRemaining: number;
  requestsResetMs: number;
  tokensLimit: number;
  tokensRemaining: number;
  tokensResetMs: number;
}

/** OpenAI's six rate limit headers; tokens are per UTC day here (OpenAI's are per minute). */
export function rateLimitHeaders(s: LimitState): Record<string, string> {
  return {
    "x-ratelimit-limit-requests": String(s.requestsLimit),
    "x-ratelimit-remaining-requests": String(Math.max(0, s.requestsRemaining)),
    "x-ratelimit-reset-requests": resetDuration(s.requestsResetMs),
    "x-ratelimit-limit-tokens": String(s.tokensLimit),
    "x-ratelimit-remaining-tokens": String(Math.max(0, s.tokensRemaining)),
    "x-ratelimit-reset-tokens": resetDuration(s.tokensResetMs),
  };
}
