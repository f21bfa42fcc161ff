import { backendTokensKey } from "@gateway/contracts";
import type { Redis } from "ioredis";

/** What one backend counted itself on one UTC day; a series it never reported is absent. */
export interface CountedTokens {
  prompt?: number;
  predicted?: number;
}

const DAY_MS = 86_400_000;

/** UTC days from..to inclusive, `YYYY-MM-DD`. */
export function daysOf(from: string, to: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00.000Z`); t <= Date.parse(`${to}T00:00:00.000Z`); t += DAY_MS)
    days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/**
 * The backends' own token totals per day, as the workers' probers summed them from llama-server's
 * counters (backendTokensKey: fields `<url>|prompt`, `<url>|predicted`): day → backend url → tokens.
 * One round trip for the whole range.
 */
export async function readBackendTokens(
  redis: Redis,
  namespace: string,
  days: readonly string[],
): Promise<Map<string, Map<string, CountedTokens>>> {
  const pipeline = redis.pipeline();
  for (const day of days) pipeline.hgetall(backendTokensKey(namespace, day));
  const replies = (await pipeline.exec()) ?? [];
  const byDay = new Map<string, Map<string, CountedTokens>>();
  days.forEach((day, i) => {
    const [err, hash] = replies[i] ?? [null, {}];
    if (err) throw err;
    const backends = new Map<string, CountedTokens>();
    for (const [field, value] of Object.entries(hash as Record<string, string>)) {
      // The series name follows the last "|": a URL may hold one, a series name never does.
      const cut = field.lastIndexOf("|");
      const series = field.slice(cut + 1);
      if (cut < 0 || (series !== "prompt" && series !== "predicted")) continue;
      const url = field.slice(0, cut);
      backends.set(url, { ...backends.get(url), [series]: Number(value) });
    }
    if (backends.size > 0) byDay.set(day, backends);
  });
  return byDay;
}
