/** llama-server's own token counters, each absent when its series is (older or newer builds, a scrape cut short). */
export interface TokenCounters {
  /** `llamacpp:prompt_tokens_total`: prompt tokens it processed (a cached prefix is not processed again). */
  prompt?: number;
  /** `llamacpp:tokens_predicted_total`: tokens of generations that ran to their end. */
  predicted?: number;
}

const SERIES = { "llamacpp:prompt_tokens_total": "prompt", "llamacpp:tokens_predicted_total": "predicted" } as const;

/** The two counters from a Prometheus text exposition; anything that is not a finite, non-negative number is left out. */
export function readTokenCounters(text: string): TokenCounters {
  const counters: TokenCounters = {};
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    // `name value` or `name{labels} value [timestamp]`: the gateway reads unlabelled series only.
    const [name, value] = line.trim().split(/\s+/);
    const key = SERIES[name as keyof typeof SERIES];
    if (!key || value === undefined) continue;
    const number = Number(value);
    if (Number.isFinite(number) && number >= 0) counters[key] = Math.round(number);
  }
  return counters;
}
