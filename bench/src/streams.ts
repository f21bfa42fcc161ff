import { Pool } from "undici";
import type { Endpoint } from "./targets/target.ts";

export interface StreamResult {
  streams: number;
  errors: number;
  /** Time to the first content token, ms, sorted. */
  ttft: number[];
  /** Gaps before each later content token, ms, sorted. */
  gaps: number[];
}

/** A content event with text (not the empty one some servers open with). */
const TOKEN = /"content":"(?!")/g;

/**
 * `concurrency` loops of streamed completions, one after another each, for `seconds`; every
 * content event is timed as it arrives. Node rather than wrk: wrk cannot time events inside an
 * answer, and at ~100 events/s per stream the client's own cost stays small.
 */
export async function streamLoop(endpoint: Endpoint, body: string, concurrency: number, seconds: number): Promise<StreamResult> {
  const { origin, pathname } = new URL(endpoint.url);
  const pool = new Pool(origin, { connections: concurrency, keepAliveTimeout: 60_000 });
  const ttft: number[] = [];
  const gaps: number[] = [];
  let streams = 0;
  let errors = 0;
  const stopAt = Date.now() + seconds * 1000;
  const loop = async () => {
    while (Date.now() < stopAt) {
      const start = process.hrtime.bigint();
      let last: bigint | undefined;
      try {
        const res = await pool.request({ method: "POST", path: pathname, headers: endpoint.headers, body });
        for await (const data of res.body) {
          const now = process.hrtime.bigint();
          // One network read may carry several events: the ones after the first came with no gap.
          const tokens = (data.toString().match(TOKEN) ?? []).length;
          if (tokens === 0) continue;
          if (last === undefined) ttft.push(Number(now - start) / 1e6);
          else gaps.push(Number(now - last) / 1e6);
          for (let i = 1; i < tokens; i++) gaps.push(0);
          last = now;
        }
        if (res.statusCode !== 200 || last === undefined) throw new Error(`status ${res.statusCode}`);
        streams++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  await pool.close();
  ttft.sort((a, b) => a - b);
  gaps.sort((a, b) => a - b);
  return { streams, errors, ttft, gaps };
}

export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
